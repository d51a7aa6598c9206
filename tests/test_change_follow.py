"""Two Hotline runtimes on one database, as two processes hold it (each its own store), on each backend:
what one changes, the other's memory follows through the change feed, without a write of its own.

The process tests (tests/discord/test_processes.py, tests/slack/test_processes.py) do the same with
real processes; these show each piece and its bound.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.discord.info import DISCORD
from bot.runtime.runner import Invocation
from bot.runtime.scheduler import DigestScheduler
from bot.runtime.service import Runtime
from commands.context import Caller, FixedClock
from commands.delivery import DigestDelivery
from config.settings import Settings
from storage.changes import EVERYTHING, Change
from storage.contract import StoreContract
from storage.sqlite.store import SqliteStore
from tests.conftest import NOW, OpenStore

WS = "discord:1"
EDITOR = Caller(WS, "u1", "Ann Analyst", True)
# What the tests allow for a change to reach the other runtime: far above the measured figures
# (docs/SCALING.md), for a loaded machine.
BOUND = 5.0


async def until(check: Callable[[], bool], within: float = BOUND) -> float:
    """Wait until `check()`; returns how long it took."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > within:
            raise AssertionError(f"not within {within} s")
        await asyncio.sleep(0.005)
    return time.monotonic() - began


class Pair:
    def __init__(self, here: Runtime, there: Runtime) -> None:
        self.here = here  # where commands are run
        self.there = there  # the other process, which must follow

    async def run(self, command: str, **args: str) -> None:
        outcome = await self.here.runner(DISCORD).run(Invocation(EDITOR, command, args, "c"))
        assert outcome.error is None, outcome.error

    async def subscription(self, channel: str) -> int:
        [sub] = [s for s in await self.here.store.subscriptions(WS) if s.channel_id == channel]
        return sub.id


@pytest.fixture
async def pair(backend_opener: OpenStore, tmp_path: Path) -> AsyncIterator[Pair]:
    runtimes = []
    for name in ("here", "there"):
        store = await backend_opener()
        runtime = Runtime(Settings(db_path=tmp_path / "unused.db"), store, FixedClock(NOW), claimer=name)
        await runtime.start([])
        assert runtime.scheduler_start is not None
        await runtime.scheduler_start
        runtimes.append(runtime)
    try:
        yield Pair(*runtimes)
    finally:
        for runtime in runtimes:
            await runtime.stop()


async def test_a_subscription_made_in_one_process_is_scheduled_in_the_other(pair: Pair) -> None:
    assert pair.there.changes.connected
    await pair.run("digest subscribe", channel="111", weekday="monday", time="09:00")
    sid = await pair.subscription("111")
    assert pair.here.scheduler.next_run(sid) is not None  # its own write: at once, as before
    took = await until(lambda: pair.there.scheduler.next_run(sid) is not None)
    print(f"subscribe heard and scheduled in the other runtime after {took * 1000:.1f} ms")
    await pair.run("digest pause", channel="111")
    await until(lambda: pair.there.scheduler.next_run(sid) is None)
    await pair.run("digest resume", channel="111")
    await until(lambda: pair.there.scheduler.next_run(sid) is not None)
    await pair.run("digest subscribe", channel="111", weekday="friday", time="17:30")  # rescheduled
    await until(lambda: (pair.there.scheduler.next_run(sid) or NOW).weekday() == 4)
    await pair.run("digest unsubscribe", channel="111")
    await until(lambda: pair.there.scheduler.next_run(sid) is None)
    assert pair.there.changes.heard >= 5


async def test_changes_of_other_kinds_leave_the_jobs_alone(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    rebuilt = 0
    real = pair.there.scheduler.sync_jobs

    async def counting() -> int:
        nonlocal rebuilt
        rebuilt += 1
        return await real()

    monkeypatch.setattr(pair.there.scheduler, "sync_jobs", counting)
    before = pair.there.changes.heard
    await pair.run("event add", date="2022-04-20", us="Lloyd J. Austin III", cn="Wei Fenghe", kind="call")
    await until(lambda: pair.there.changes.heard > before)
    await asyncio.sleep(0.1)
    assert rebuilt == 0


async def test_a_burst_of_changes_is_one_rebuild_at_a_time(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    running, most, rebuilt = 0, 0, 0
    real = pair.there.scheduler.sync_jobs

    async def slow() -> int:
        nonlocal running, most, rebuilt
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.05)
        running -= 1
        rebuilt += 1
        return await real()

    monkeypatch.setattr(pair.there.scheduler, "sync_jobs", slow)
    pair.there.scheduler.follow(Change(WS, "subscription"))
    await until(lambda: running == 1)
    for _ in range(20):  # while that rebuild reads the store
        pair.there.scheduler.follow(Change(WS, "subscription"))
    pair.there.scheduler.follow(EVERYTHING)
    await until(lambda: rebuilt == 2 and running == 0)
    await asyncio.sleep(0.2)
    assert most == 1 and rebuilt == 2  # the one running when the burst came, and one after it


async def test_a_failed_rebuild_is_logged_and_the_next_change_rebuilds(
    pair: Pair, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = pair.there.scheduler.sync_jobs
    failures = 0

    async def failing_once() -> int:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise ConnectionError("the database went away")
        return await real()

    monkeypatch.setattr(pair.there.scheduler, "sync_jobs", failing_once)
    await pair.run("digest subscribe", channel="111", weekday="monday", time="09:00")
    sid = await pair.subscription("111")
    await until(lambda: failures == 1)
    assert "rebuilding the digest jobs after a change failed" in caplog.text
    await pair.run("digest subscribe", channel="222", weekday="monday", time="10:00")
    await until(lambda: pair.there.scheduler.next_run(sid) is not None)


async def test_a_store_that_cannot_be_watched_is_logged_and_the_runtime_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Unwatchable(SqliteStore):
        async def watch_changes(self, on_change: Callable[[Change], None]) -> object:  # type: ignore[override]
            raise OSError("no watching here")

    store: StoreContract = await Unwatchable.open(tmp_path / "h.db")
    runtime = Runtime(Settings(db_path=tmp_path / "h.db"), store, FixedClock(NOW))
    try:
        await runtime.start([])
        assert not runtime.changes.connected
        assert "cannot watch the store for changes made by other processes" in caplog.text
        exposition = runtime.metrics.exposition().decode()
        assert "hotline_change_feed_connected 0.0" in exposition
    finally:
        await runtime.stop()
        await store.close()


async def test_the_change_feed_shows_on_metrics(pair: Pair) -> None:
    await pair.run("digest subscribe", channel="111", weekday="monday", time="09:00")
    await until(lambda: pair.there.changes.heard >= 1)
    exposition = pair.there.metrics.exposition().decode()
    assert "hotline_change_feed_connected 1.0" in exposition
    assert "hotline_changes_heard_total" in exposition


async def test_a_scheduler_not_started_ignores_changes() -> None:
    delivery = DigestDelivery(None, FixedClock(NOW), None, None, "p", lease=dt.timedelta(minutes=10))  # type: ignore[arg-type]
    scheduler = DigestScheduler(delivery)
    scheduler.follow(EVERYTHING)  # nothing to rebuild, and no task started without a loop's scheduler
    assert await scheduler.sync_jobs() == 0
    await scheduler.stopped()
