"""Charts asked for together: one drawing process against two, on the 1M store.

    python -m bench.chart_workers [--charts 10] [--workers 1,2] [--repeat 3]

The 500-interaction burst holds ten /digest previews, each with its chart, and a Monday 09:00 may
hold many scheduled digests. This draws `--charts` digest charts of the 1M store's benchmark
workspace at once through a ProcessDrawer of each size (started and warmed first), and prints the
median time until the last is drawn and the drawing processes' resident memory after them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time

from bench.generate import DATA_DIR, DEFAULT_SEED, NOW, data_path
from bench.measure import resident_mb
from bench.queries import context
from charts.process import ProcessDrawer
from charts.timeline import SMALL, TimelineData
from commands.timeline import picture_of
from storage.sqlite.store import SqliteStore

LARGE = 1_000_000


async def digest_chart_data() -> TimelineData:
    """The chart under the 1M workspace's digest: its twelve months up to the bench's day."""
    store = await SqliteStore.open(data_path(LARGE, DEFAULT_SEED, DATA_DIR))
    try:
        ctx = context(store)
        last = NOW.date()
        first = last - dt.timedelta(days=364)  # as commands.timeline.digest_chart
        found = await store.timeline(ctx.caller.workspace, since=first, until=last)
        return (
            await picture_of(ctx, found, since=first, until=last, heading="Contacts in the last twelve months")
        ).chart
    finally:
        await store.close()


async def together(workers: int, data: TimelineData, charts: int, repeat: int) -> tuple[float, float]:
    """The median seconds for `charts` charts asked for at once, and the workers' resident MB after."""
    drawer = ProcessDrawer(workers=workers, timeout=60.0)
    try:
        await asyncio.gather(*(drawer.draw(data, SMALL) for _ in range(workers)))  # started and warm
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            await asyncio.gather(*(drawer.draw(data, SMALL) for _ in range(charts)))
            times.append(time.perf_counter() - started)
        return statistics.median(times), resident_mb(drawer.pids()) or 0.0
    finally:
        await drawer.close()


async def main(charts: int, sizes: list[int], repeat: int) -> None:
    data = await digest_chart_data()
    for workers in sizes:
        seconds, mb = await together(workers, data, charts, repeat)
        print(f"{workers} drawing process(es): {charts} digest charts at once in {seconds:.2f} s; {mb:.0f} MB resident")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.chart_workers", description=__doc__)
    parser.add_argument("--charts", type=int, default=10)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.charts, [int(w) for w in args.workers.split(",")], args.repeat))
