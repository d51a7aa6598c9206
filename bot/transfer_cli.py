"""`python -m bot import FILE`, `python -m bot export` and `python -m bot samples update`: the JSON Lines
format of the README's "Data format"."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterable, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from commands.context import Clock
from commands.errors import UserError
from commands.events import check_future
from commands.transfer import dump_line, event_to_dict, parse_line
from storage.contract import StoreContract
from storage.records import PROGRESS_EVERY, Actor, NewEvent, Progress
from storage.sqlite.importer import cyclic_gc_paused
from storage.vocab import norm

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


async def import_lines(
    store: StoreContract,
    clock: Clock,
    workspace: str,
    lines: Iterable[str],
    source: str,
    *,
    reading: Progress | None = None,
    recording: Progress | None = None,
) -> ImportSummary:
    """Validate every line, then add the valid ones in one transaction; bad lines are reported, not fatal.

    `reading` is told (lines read, lines in all) while the lines are checked, `recording` (lines done,
    valid lines) while the store resolves and adds them; each every PROGRESS_EVERY lines, not per line.
    """
    with cyclic_gc_paused():  # every line is held until the import is written: see cyclic_gc_paused
        return await _import_lines(store, clock, workspace, lines, source, reading, recording)


async def _import_lines(
    store: StoreContract,
    clock: Clock,
    workspace: str,
    lines: Iterable[str],
    source: str,
    reading: Progress | None,
    recording: Progress | None,
) -> ImportSummary:
    summary = ImportSummary()
    parsed: list[tuple[int, NewEvent]] = []
    total = len(lines) if isinstance(lines, Sized) else 0
    for number, raw in enumerate(lines, start=1):
        if reading is not None and number % PROGRESS_EVERY == 0:
            reading(number, max(total, number))
        if not raw.strip():
            continue
        try:
            new = parse_line(raw)
            # The same rule as /event add: a held contact cannot be more than a year ahead.
            check_future("date", new.day, new.status, clock.now().date())
            parsed.append((number, new))
        except UserError as exc:
            summary.errors.append((number, str(exc)))
    if reading is not None and total:
        reading(total, total)
    actor = Actor(workspace, "import", f"import of {source}")
    result = await store.import_events(actor, clock.now(), parsed, progress=recording)
    summary.added = result.added
    summary.duplicates = result.duplicates
    summary.errors = sorted(summary.errors + result.refused)
    summary.new_people = result.new_people
    return summary


async def import_file(
    store: StoreContract,
    clock: Clock,
    workspace: str,
    path: Path,
    *,
    reading: Progress | None = None,
    recording: Progress | None = None,
) -> ImportSummary:
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    return await import_lines(
        store, clock, workspace, text.splitlines(), path.name, reading=reading, recording=recording
    )


async def export(store: StoreContract, workspace: str, out: TextIO) -> int:
    """Write every event of the workspace, oldest first; returns how many. Each person's aliases are
    written with them on the first line they appear in, so that an import of the file knows them."""
    count = 0
    after = None
    introduced: set[int] = set()
    while True:
        batch = await store.events_after(workspace, after, EXPORT_BATCH)
        if not batch:
            return count
        raised = await store.raised_at(workspace, [e.id for e in batch])
        for event in batch:
            aliases: dict[int, tuple[str, ...]] = {}
            for p in event.participants:
                if p.person_id not in introduced:
                    introduced.add(p.person_id)
                    person = await store.person(workspace, p.person_id)
                    aliases[p.person_id] = person.aliases if person else ()
            out.write(dump_line(event_to_dict(event, raised.get(event.id, {}), aliases)) + "\n")
        count += len(batch)
        after = (batch[-1].day, batch[-1].id)


def sample_path() -> Path:
    return Path(__file__).resolve().parent.parent / "samples" / "us-china-contacts.jsonl"


@dataclass
class SampleUpdate:
    """What `python -m bot samples update` did: the import of the sample, and aliases given to people
    who were already known (a line that duplicates a recorded event adds nothing, its aliases included)."""

    imported: ImportSummary
    aliases_added: int = 0
    aliases_refused: list[str] = field(default_factory=list)

    def lines(self, source: str) -> list[str]:
        out = [line for line in self.imported.lines(source) if "skipped, already recorded" not in line]
        out += [f"alias left out: {why}" for why in self.aliases_refused]
        out.append(f"{source}: {self.aliases_added} aliases added to people already recorded")
        return out


async def update_samples(store: StoreContract, clock: Clock, workspace: str, path: Path | None = None) -> SampleUpdate:
    """Bring a workspace that started on an older sample up to the current one: the contacts it lacks
    are added (the importer's duplicate rule skips those it has), and people it knows get the aliases
    the sample gives them. Running it again changes nothing."""
    source = path or sample_path()
    imported = await import_file(store, clock, workspace, source)
    update = SampleUpdate(imported)
    text = await asyncio.to_thread(source.read_text, encoding="utf-8")
    wanted: dict[str, list[str]] = {}  # a name's key -> the aliases the sample gives it
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            new = parse_line(raw)
        except UserError:
            continue  # reported by the import already
        for participant in (*new.us, *new.cn):
            if participant.aliases:
                wanted.setdefault(norm(participant.name), []).extend(participant.aliases)
    actor = Actor(workspace, "import", f"update from {source.name}")
    for key, aliases in wanted.items():
        person = await store.find_person(workspace, key)
        if person is None:
            continue
        known = {norm(x) for x in (person.name, *person.aliases)}
        missing = [a for a in dict.fromkeys(aliases) if norm(a) not in known]
        if not missing:
            continue
        added, refused = await store.add_aliases(actor, clock.now(), person.id, missing)
        update.aliases_added += len(added)
        update.aliases_refused += refused
    return update


def silence_stdout() -> None:
    """Point standard output at the null device, after its reader went away (`python -m bot export |
    head`): the interpreter flushes it again at exit, and a closed pipe is no error to report."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
