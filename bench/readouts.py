"""Readout figures for `make bench`: extraction time per readout, and the CPU of a feed poll with nothing new.

    python -m bench.readouts      # these two rows alone

The feed poll: 20 watched feeds on a local aiohttp server (127.0.0.1) that answers each conditional request
with a 304, polled once by the feed follower (commands/feed_follow.py) on a real store. The CPU time is this
process's (time.process_time) over the poll, the local server's handling of the 20 requests included, so the
figure is an upper bound for the follower alone. The poll is repeated and the median taken.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web

from bench.accuracy import dev_set, load, speed
from bench.table import Row, render
from commands.context import CoreSettings, FixedClock
from commands.feed_follow import FeedFollower
from commands.reply import Reply
from extraction.people import sample_people
from storage.records import Actor
from storage.sqlite.store import SqliteStore

FEEDS = 20
ROUNDS = 7
WS = "bench:feeds"
ETAG = '"unchanged"'


class _Poster:
    def unavailable(self, workspace: str) -> str | None:
        return None

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        raise AssertionError("nothing is new: nothing may be posted")


def extraction_row() -> Row:
    cases = load(dev_set())
    median_ms = speed(cases, sample_people())
    return Row(
        f"readout extraction, median per readout ({len(cases)} dev readouts × 20)",
        f"{median_ms:.2f} ms",
        "—",
        "≤ 20 ms",
        median_ms <= 20,
    )


async def feed_poll_cpu(feeds: int = FEEDS, rounds: int = ROUNDS) -> tuple[float, int]:
    """Median CPU seconds of one poll of `feeds` unchanged feeds, and the 304s the server sent in all."""
    not_modified = 0

    async def feed(request: web.Request) -> web.Response:
        nonlocal not_modified
        assert request.headers.get("If-None-Match") == ETAG, "the poll must be conditional"
        not_modified += 1
        return web.Response(status=304, headers={"ETag": ETAG})

    app = web.Application()
    app.router.add_get("/feed/{n}", feed)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    clock = FixedClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    cpu: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        store = await SqliteStore.open(Path(folder) / "bench.db")
        try:
            actor = Actor(WS, "bench", "bench")
            for n in range(feeds):
                await store.add_feed(
                    actor,
                    clock.now(),
                    url=f"http://{host}:{port}/feed/{n}",
                    channel_id="c1",
                    next_poll_at=clock.now(),
                    etag=ETAG,
                    last_modified=None,
                    baseline=[],
                )
            follower = FeedFollower(store, clock, CoreSettings(fetch_allow_loopback=True), _Poster(), claimer="bench")
            for _ in range(rounds):
                clock.advance(dt.timedelta(hours=1))
                start = time.process_time()
                results = await follower.poll_due()
                cpu.append(time.process_time() - start)
                assert [r.outcome for r in results] == ["unchanged"] * feeds, results
        finally:
            await store.close()
            await runner.cleanup()
    return statistics.median(cpu), not_modified


def feed_row() -> Row:
    seconds, answered = asyncio.run(feed_poll_cpu())
    return Row(
        f"feed poll of {FEEDS} feeds with nothing new (304s from 127.0.0.1), CPU, median of {ROUNDS}",
        f"{seconds:.3f} s",
        "—",
        "≤ 1 s",
        seconds <= 1.0,
        f"{answered} conditional requests answered 304; the local server's CPU is counted too",
    )


def rows() -> list[Row]:
    return [extraction_row(), feed_row()]


def main() -> int:
    found = rows()
    print(render(found))
    return 0 if all(r.ok for r in found) else 1


if __name__ == "__main__":
    sys.exit(main())
