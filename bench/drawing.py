"""The /timeline and digest-chart figures as a running bot takes them: through commands/, with the
charts drawn by a drawing process of its own (charts/process.py), whose memory and CPU are read
apart from this process's.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from bench.generate import WS
from bench.measure import Stat, cpu_seconds, memory_mb, timed
from bench.queries import context, run
from charts.process import ProcessDrawer
from storage.sqlite.store import SqliteStore


@dataclass(frozen=True)
class DrawnFigures:
    command: Stat  # /timeline through dispatch: the counts, and the PNG from the drawing process
    counts: Stat  # the store's part alone
    first_draw: float  # seconds of the first /timeline (the drawing process starts then)
    digest: Stat  # /digest preview with its chart
    cpu: float  # seconds of this process's CPU per /timeline
    drawer_cpu: float  # seconds of the drawing process's CPU per /timeline
    marks: int
    grain: str
    png_bytes: int
    drawer_mb: tuple[float, float]  # the drawing process's (resident, peak resident) after the runs


async def timeline(path: Path, n: int, warmup: int) -> DrawnFigures:
    """The whole record's timeline (a million events over thirty years), as a member asks for it."""
    store = await SqliteStore.open(path)
    drawer = ProcessDrawer()
    try:
        ctx = dataclasses.replace(context(store), drawer=drawer)
        started = time.perf_counter()
        reply = await run(ctx, "timeline")
        first_draw = time.perf_counter() - started
        assert reply.image is not None, "the first /timeline came without its chart"
        [pid] = drawer.pids()
        cpu_started, drawer_started = time.process_time(), cpu_seconds(pid)
        command = Stat.of(await timed(lambda: run(ctx, "timeline"), n, warmup))
        cpu = (time.process_time() - cpu_started) / (n + warmup)
        drawer_cpu = (cpu_seconds(pid) - drawer_started) / (n + warmup)
        found = await store.timeline(WS)
        counts = Stat.of(await timed(lambda: store.timeline(WS), n, warmup))
        digest = Stat.of(await timed(lambda: run(ctx, "digest preview"), n, warmup))
        assert drawer.pids() == [pid], "the drawing process was replaced during the runs"
        drawer_mb = memory_mb(pid)
    finally:
        await drawer.close()
        await store.close()
    return DrawnFigures(
        command,
        counts,
        first_draw,
        digest,
        cpu,
        drawer_cpu,
        len(found.tallies),
        found.grain,
        len(reply.image.data),
        drawer_mb,
    )
