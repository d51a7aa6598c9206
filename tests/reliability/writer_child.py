"""The process test_durability.py kills: records events through commands/ as fast as it can and prints
each event's id once its command has returned.

    python -m tests.reliability.writer_child STORE ROUND [TASKS]

STORE is what HOTLINE_DB would hold: a SQLite file's path or a PostgreSQL URL.

Prints `ready` once the store is open, then one line per recorded event: `<id> <tag>`, where the tag
(`r<round>-<n>`) is written into the event's summary and participants' names, so that the test can
tell the event is there and whole. Several tasks write at once, as the bot answers several members.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import re
import sys
import traceback

from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.reply import plain
from commands.surface import dispatch
from storage.factory import open_store

WS = "console:durable"
NOW = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)
FIRST_DAY = dt.date(1900, 1, 1)  # one day per event from here: 44,000 events before NOW
# A summary long enough that a transaction spans several pages, so a kill can land mid-write.
FILLER = "The readouts differ on who raised the South China Sea first and on the tone of the call. " * 12


def tag(round_: int, n: int) -> str:
    return f"r{round_}-{n}"


def summary(round_: int, n: int) -> str:
    return f"durable {tag(round_, n)} {FILLER}".strip()  # stored as typed, less surrounding space


async def writer(ctx: Ctx, round_: int, first: dt.date, counter: itertools.count[int], out: asyncio.Lock) -> None:
    while True:
        n = next(counter)
        t = tag(round_, n)
        reply = await dispatch(
            ctx,
            "event add",
            {
                # The same two people each time (found at once, so the time goes into writing), and a
                # day of its own, so no event duplicates another.
                "date": (first + dt.timedelta(days=n)).isoformat(),
                "us": "Lloyd J. Austin III (Secretary of Defense)",
                "cn": "Wei Fenghe (Minister of National Defense)",
                "kind": "call",
                "minutes": str(1 + n % 1440),
                "summary": summary(round_, n),
                "us_raised": "taiwan, south-china-sea",
                "cn_raised": "taiwan",
            },
        )
        match = re.search(r"#(\d+)", plain(reply.title))
        assert match, reply.title
        async with out:
            # One write of one short line: a kill leaves whole lines or none (a pipe write under
            # PIPE_BUF bytes is atomic); the test ignores a last line without its newline anyway.
            sys.stdout.write(f"{match.group(1)} {t}\n")
            sys.stdout.flush()


async def main(location: str, round_: int, tasks: int) -> None:
    store = await open_store(location)
    ctx = Ctx(store, Caller(WS, "writer", "Writer", True), FixedClock(NOW), CoreSettings())
    latest = await store.latest_event(WS)  # the days after the last one written, printed or not
    first = latest.day + dt.timedelta(days=1) if latest else FIRST_DAY
    print("ready", flush=True)
    counter = itertools.count(0)
    out = asyncio.Lock()
    await asyncio.gather(*(writer(ctx, round_, first, counter, out) for _ in range(tasks)))


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 3))
    except BaseException:
        # Die at once and loudly: the test must not mistake a writer stuck after an error for one it killed.
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(3)
