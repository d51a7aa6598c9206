"""docs/GALLERY.md: the console output of each main command on the sample record, at a fixed clock.

`make gallery` (python -m tools.gallery) loads the sample into a fresh store in a temporary folder,
runs each command of SHOWN as the console does, and writes the page. The snapshot tests
(tests/test_snapshots.py) render the same replies for the console, Discord and Slack, so the gallery
shows what the snapshots hold.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.discord.info import DISCORD
from bot.slack.info import SLACK
from bot.transfer_cli import import_file, sample_path
from commands.command_line import parse_command_line
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.platform import PLAIN, PlatformInfo
from commands.reply import Reply, date_text, render_text
from commands.surface import dispatch
from storage.contract import StoreContract
from storage.sqlite.store import SqliteStore

WS = "console:layout"
# A new user meets the sample on this day (as in tests/test_sample_record.py)...
LATE_2026 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
# ...and the busy month of the record is November 2022: Bali (Biden–Xi), then Siem Reap (Austin–Wei).
END_OF_NOV_2022 = dt.datetime(2022, 11, 30, 12, 0, tzinfo=dt.UTC)

# How Slack types commands: one slash command, the rest words after it. The Slack adapter hands its
# own PlatformInfo to the runner; for help, only this field matters.
PLATFORMS = {"console": PLAIN, "discord": DISCORD, "slack": SLACK}


@dataclass(frozen=True)
class Shown:
    """One reply of the gallery: its file name, the command as typed, and the clock it runs at."""

    name: str
    command: str
    at: dt.datetime
    about: str


SHOWN = (
    Shown("digest-busy-month", "/digest preview days:30", END_OF_NOV_2022, "the digest of November 2022"),
    Shown(
        "digest-fortnight", "/digest preview days:14", END_OF_NOV_2022, "the digest of the last fortnight of Nov 2022"
    ),
    Shown("digest-quiet-week", "/digest preview", LATE_2026, "a week in which nothing was recorded"),
    Shown("lastcall", "/lastcall", LATE_2026, "the latest contact"),
    Shown("lastcall-track-defense", "/lastcall track:defense", LATE_2026, "the latest defense-track contact"),
    Shown("lastcall-with-austin", "/lastcall with:austin", LATE_2026, "Austin's latest contact"),
    Shown("lastcall-with-wang-yi", '/lastcall with:"wang yi"', LATE_2026, "Wang Yi's latest contact"),
    Shown("positions-taiwan", "/positions issue:taiwan", LATE_2026, "each side on Taiwan, then the history"),
    Shown("event-list", "/event list", LATE_2026, "the newest events, paged"),
    Shown("event-list-2022", "/event list since:2022-01-01 until:2022-12-31", LATE_2026, "the events of 2022"),
    Shown("questions", "/questions", LATE_2026, "open questions"),
    Shown("search-hotline", "/search query:military", LATE_2026, "search results"),
    Shown("offices", "/hotline offices side:china", LATE_2026, "the known offices of one side"),
    Shown("help", "/hotline help", LATE_2026, "help on one screen"),
    Shown("help-event", "/hotline help event", LATE_2026, "the details of /event"),
)
BY_NAME = {s.name: s for s in SHOWN}


@asynccontextmanager
async def sample_store(at: dt.datetime) -> AsyncIterator[tuple[SqliteStore, FixedClock]]:
    """A fresh store in a temporary folder with the whole sample record, its clock then set to `at`.
    (The sample is loaded at the end of 2026: earlier, its later contacts would be in the future.)"""
    with tempfile.TemporaryDirectory() as folder:
        store = await SqliteStore.open(Path(folder) / "hotline.db")
        try:
            await load_sample(store)
            yield store, FixedClock(at)
        finally:
            await store.close()


async def load_sample(store: StoreContract) -> None:
    """The whole sample record into the sample's workspace of `store`, at LATE_2026 (earlier, its later
    contacts would be in the future)."""
    summary = await import_file(store, FixedClock(LATE_2026), WS, sample_path())
    if summary.added != 113 or summary.errors:
        raise RuntimeError(f"the sample did not load whole: {summary}")


async def run(store: SqliteStore, clock: FixedClock, command: str, platform: PlatformInfo = PLAIN) -> Reply:
    """A typed command line, run as an editor of the sample's workspace on `platform`."""
    name, args = parse_command_line(command)
    ctx = Ctx(store, Caller(WS, "u1", "Ann Analyst", True), clock, CoreSettings(), platform)
    return await dispatch(ctx, name, args)


PAGE_HEAD = """# Gallery

What Hotline answers, as the console prints it, for the sample record (`samples/us-china-contacts.jsonl`,
113 events of 2020–2026) on a fresh store. The clock is fixed so the page does not change by itself:
December 1, 2026 (noon UTC), except for the digests of November 2022, which run on November 30, 2022.
Discord and Slack show the same layout: dates in each reader's own locale and time zone, pages with
buttons instead of one after the other, and the syntax in help as code. Their exact renderings are the
snapshot files in tests/snapshots/.

Regenerate with `make gallery` after changing a reply (and `UPDATE_SNAPSHOTS=1 make test` for the
snapshots; see docs/LAYOUT.md).
"""


async def gallery() -> str:
    parts = [PAGE_HEAD]
    for at in sorted({s.at for s in SHOWN}):
        async with sample_store(at) as (store, clock):
            for shown in (s for s in SHOWN if s.at == at):
                reply = await run(store, clock, shown.command)
                parts.append(f"## {shown.about}\n\n`{shown.command}` (on {date_text(at.date())})\n")
                parts.append("```text\n" + render_text(reply) + "\n```\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("docs/GALLERY.md"))
    args = parser.parse_args(argv)
    text = asyncio.run(gallery())
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.splitlines())} lines)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
