"""Render the README's picture: /timeline of the sample record, written to a PNG.

    python -m tools.timeline_png [docs/timeline.png]

The sample (samples/us-china-contacts.jsonl) is imported into a store in a temporary folder, /timeline
runs as a member would run it, and its image is written. The same data gives the same bytes, so the
committed file changes only when the sample or the drawing does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path

from bot.transfer_cli import import_file, sample_path
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.surface import dispatch
from storage.sqlite.store import SqliteStore

WORKSPACE = "console:readme"
# The sample runs to 2026; a fixed clock keeps the picture the same from one run to the next.
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


async def render() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        store = await SqliteStore.open(Path(folder) / "hotline.db")
        try:
            clock = FixedClock(NOW)
            await import_file(store, clock, WORKSPACE, sample_path())
            ctx = Ctx(store, Caller(WORKSPACE, "readme", "README", is_editor=False), clock, CoreSettings())
            reply = await dispatch(ctx, "timeline", {})
        finally:
            await store.close()
    if reply.image is None:
        raise SystemExit("the sample's /timeline has no picture")
    return reply.image.data


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("docs/timeline.png")
    data = asyncio.run(render())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    print(f"wrote {target} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
