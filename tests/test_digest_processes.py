"""Three Hotline processes on one database, each running every subscription's digest job at the same
moment, for two periods in a row, on each backend: each subscription's digest of each period is posted
exactly once, by whichever process claimed it, and the record says so.

The processes are real (tests/digest_child.py), with DigestDelivery as `python -m bot run` builds it and
a poster that appends to a file; their clocks stand at each period's due moment when the test says go.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from collections import Counter
from pathlib import Path

from commands.context import FixedClock
from storage.factory import open_store
from tests.conftest import Runner

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ("p1", "p2", "p3")
WORKSPACES = ("discord:1", "slack:T1")
CHANNELS = ("111", "222", "333")
# Two Mondays just after 09:00, one week apart.
PERIODS = (dt.datetime(2022, 4, 25, 9, 0, 5, tzinfo=dt.UTC), dt.datetime(2022, 5, 2, 9, 0, 5, tzinfo=dt.UTC))
TITLES = ("Weekly digest: Apr 18, 2022 to Apr 24, 2022", "Weekly digest: Apr 25, 2022 to May 1, 2022")


async def read_until(proc: asyncio.subprocess.Process, last: str) -> list[str]:
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[str] = []
    while True:
        raw = await asyncio.wait_for(proc.stdout.readline(), 60)
        if not raw:
            raise AssertionError(f"the process ended: {(await proc.stderr.read()).decode()}")
        lines.append(raw.decode().strip())
        if lines[-1] == last:
            return lines[:-1]


async def test_two_periods_with_three_processes_post_each_subscription_once(
    backend_db: str, tmp_path: Path, clock: FixedClock
) -> None:
    store = await open_store(backend_db)
    try:
        sids: dict[int, tuple[str, str]] = {}
        for workspace in WORKSPACES:
            run = Runner(store, clock, workspace)
            for channel in CHANNELS:
                await run("digest subscribe", channel=channel, weekday="monday", time="09:00")
            for sub in await store.subscriptions(workspace):
                sids[sub.id] = (workspace, sub.channel_id)
        posts = tmp_path / "posts.txt"
        args = [",".join(map(str, sids)), ",".join(p.isoformat() for p in PERIODS)]
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.digest_child",
                backend_db,
                name,
                str(posts),
                "periods",
                *args,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for name in PROCESSES
        ]
        try:
            for proc in procs:
                await read_until(proc, "ready")
            outcomes: list[Counter[str]] = []
            for _ in PERIODS:
                for proc in procs:  # back to back: the three start their jobs within milliseconds
                    assert proc.stdin is not None
                    proc.stdin.write(b"go\n")
                    await proc.stdin.drain()
                said = [line for proc in procs for line in await read_until(proc, "done")]
                outcomes.append(Counter(said))
            for proc in procs:
                assert await asyncio.wait_for(proc.wait(), 30) == 0
        finally:
            for proc in procs:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        for counted in outcomes:
            for sid in sids:
                assert counted[f"{sid} sent"] == 1, counted
                assert counted[f"{sid} claimed-elsewhere"] == 2, counted
        lines = posts.read_text(encoding="utf-8").splitlines()
        posted = Counter(line.rpartition(" by ")[0] for line in lines)
        assert posted == Counter(f"{ws} {channel} {title}" for ws, channel in sids.values() for title in TITLES)
        for sid in sids:
            runs = await store.digest_runs(sid)
            assert [r.status for r in runs] == ["sent", "sent"]
            assert [r.period_end.date() for r in runs] == [dt.date(2022, 5, 2), dt.date(2022, 4, 25)]
    finally:
        await store.close()
