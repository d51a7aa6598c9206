"""`python -m bot import FILE` and `python -m bot export`: the JSON Lines format (README, "Data format")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from commands.context import Clock
from commands.errors import UserError
from commands.events import check_future
from commands.transfer import dump_line, event_to_dict, parse_line
from storage.importer import cyclic_gc_paused
from storage.records import Actor, NewEvent
from storage.store import Store

EXPORT_BATCH = 2000


@dataclass
class ImportSummary:
    added: int = 0
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    new_people: int = 0

    def lines(self, source: str) -> list[str]:
        out = [f"line {n}: {msg}" for n, msg in self.errors]
        out += [f"line {n}: skipped, already recorded as event #{eid}" for n, eid in self.duplicates]
        out.append(
            f"{source}: imported {self.added} events ({self.new_people} new people); "
            f"skipped {len(self.duplicates)} duplicates; {len(self.errors)} lines with errors"
        )
        return out


async def import_lines(store: Store, clock: Clock, workspace: str, lines: Iterable[str], source: str) -> ImportSummary:
    """Validate every line, then add the valid ones in one transaction; bad lines are reported, not fatal."""
    with cyclic_gc_paused():  # every line is held until the import is written: see cyclic_gc_paused
        return await _import_lines(store, clock, workspace, lines, source)


async def _import_lines(store: Store, clock: Clock, workspace: str, lines: Iterable[str], source: str) -> ImportSummary:
    summary = ImportSummary()
    parsed: list[tuple[int, NewEvent]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            new = parse_line(raw)
            # The same rule as /event add: a held contact cannot be more than a year ahead.
            check_future("date", new.day, new.status, clock.now().date())
            parsed.append((number, new))
        except UserError as exc:
            summary.errors.append((number, str(exc)))
    actor = Actor(workspace, "import", f"import of {source}")
    result = await store.import_events(actor, clock.now(), parsed)
    summary.added = result.added
    summary.duplicates = result.duplicates
    summary.errors = sorted(summary.errors + result.refused)
    summary.new_people = result.new_people
    return summary


async def import_file(store: Store, clock: Clock, workspace: str, path: Path) -> ImportSummary:
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    return await import_lines(store, clock, workspace, text.splitlines(), path.name)


async def export(store: Store, workspace: str, out: TextIO) -> int:
    """Write every event of the workspace, oldest first; returns how many."""
    count = 0
    after = None
    while True:
        batch = await store.events_after(workspace, after, EXPORT_BATCH)
        if not batch:
            return count
        raised = await store.raised_at(workspace, [e.id for e in batch])
        for event in batch:
            out.write(dump_line(event_to_dict(event, raised.get(event.id, {}))) + "\n")
        count += len(batch)
        after = (batch[-1].day, batch[-1].id)


def sample_path() -> Path:
    return Path(__file__).resolve().parent.parent / "samples" / "us-china-contacts.jsonl"
