"""A digest claim has a lease: a process that dies holding one is covered by another, exactly once.

The process that claims is real and really SIGKILLed while its post hangs; the one that covers it is
another real process, whose clock stands just inside and then just past the lease. Both run on each
backend (one SQLite file, one PostgreSQL database), as do the races between stores.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from apscheduler.triggers.date import DateTrigger

from bot.runtime.scheduler import DigestScheduler
from commands.context import CoreSettings, FixedClock
from commands.delivery import DigestDelivery, Outcome
from commands.reply import Reply, render_text
from config.settings import SettingsError, load_settings
from storage.contract import StoreContract
from storage.factory import open_store
from tests.conftest import OpenStore, Runner
from tests.test_digest_routing import Recorder

ROOT = Path(__file__).resolve().parent.parent
WS = "discord:1"
DUE = dt.datetime(2022, 4, 25, 9, 0, 5, tzinfo=dt.UTC)  # Monday, just after 09:00
END = dt.datetime(2022, 4, 25, 9, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=10)


async def subscribe(store: StoreContract, clock: FixedClock, channel: str = "111") -> int:
    await Runner(store, clock, WS)("digest subscribe", channel=channel, weekday="monday", time="09:00")
    [sub] = [s for s in await store.subscriptions(WS) if s.channel_id == channel]
    return sub.id


def child(db: str, sid: int, now: dt.datetime, posts: Path, mode: str) -> subprocess.Popen[str]:
    args = [str(sid), now.isoformat()] if mode == "hold" else [now.isoformat()]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.digest_child", db, mode, str(posts), mode, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def covered(db: str, sid: int, now: dt.datetime, posts: Path) -> list[str]:
    proc = child(db, sid, now, posts, "recover")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return out.split()


async def test_a_process_killed_holding_a_claim_is_covered_by_another_within_the_lease(
    backend_db: str, tmp_path: Path, clock: FixedClock
) -> None:
    db, posts = backend_db, tmp_path / "posts.txt"
    store = await open_store(db)
    try:
        sid = await subscribe(store, clock)
        holder = child(db, sid, DUE, posts, "hold")
        try:
            assert holder.stdout is not None
            line = await asyncio.wait_for(asyncio.to_thread(holder.stdout.readline), 60)
            assert line.strip() == "holding", holder.stderr.read() if holder.stderr else ""
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
        assert holder.returncode == -signal.SIGKILL
        run = await store.digest_run(sid, END)
        assert run is not None and run.status == "claimed" and run.claimed_by == "child-hold"

        # Inside the lease the claim is still the dead process's: nobody may post (it might yet).
        assert covered(db, sid, DUE + LEASE - dt.timedelta(seconds=1), posts) == []
        assert not posts.exists()
        # Past it, another process takes it over and posts the period once, marked late.
        assert covered(db, sid, DUE + LEASE + dt.timedelta(seconds=1), posts) == [str(sid), "sent"]
        [posted] = posts.read_text(encoding="utf-8").splitlines()
        title = "Weekly digest: Apr 18, 2022 to Apr 24, 2022 (late: due Apr 25, 2022 09:00 UTC)"
        assert posted == f"{WS} 111 {title} by recover"
        run = await store.digest_run(sid, END)
        assert run is not None and run.status == "sent" and run.claimed_by == "child-recover"
        # And a later sweep (another process, or the same one again) finds nothing to do.
        assert covered(db, sid, DUE + 2 * LEASE, posts) == []
        assert len(posts.read_text(encoding="utf-8").splitlines()) == 1
        sub = await store.subscription_by_id(sid)
        assert sub is not None and sub.last_period_end == END and sub.last_error is None
    finally:
        await store.close()


async def test_of_two_processes_taking_over_one_claim_exactly_one_wins(
    backend_opener: OpenStore, clock: FixedClock
) -> None:
    first, second = await backend_opener(), await backend_opener()
    sid = await subscribe(first, clock)
    start = END - dt.timedelta(days=7)
    assert await first.claim_digest(sid, start, END, late=False, claimer="dead", at=DUE)
    later = DUE + LEASE
    for _ in range(20):  # the race, many times: each round a fresh stale claim
        results = await asyncio.gather(
            first.claim_digest(sid, start, END, late=True, claimer="a", at=later, lease=LEASE),
            second.claim_digest(sid, start, END, late=True, claimer="b", at=later, lease=LEASE),
        )
        assert sorted(results) == [False, True]
        run = await first.digest_run(sid, END)
        assert run is not None and run.claimed_by == ("a" if results[0] else "b") and run.claimed_at == later
        later += LEASE


async def test_a_fresh_claim_and_a_finished_one_are_never_taken_over(backend: StoreContract, clock: FixedClock) -> None:
    sid = await subscribe(backend, clock)
    start = END - dt.timedelta(days=7)
    assert await backend.claim_digest(sid, start, END, late=False, claimer="p1", at=DUE)
    just_inside = DUE + LEASE - dt.timedelta(microseconds=1)
    assert not await backend.claim_digest(sid, start, END, late=True, claimer="p2", at=just_inside, lease=LEASE)
    # Without a lease, as before: claimed once, never again.
    assert not await backend.claim_digest(sid, start, END, late=True, claimer="p2", at=DUE + 10 * LEASE)
    await backend.finish_digest(sid, END, at=DUE, sent=True, detail="m1")
    assert not await backend.claim_digest(sid, start, END, late=True, claimer="p2", at=DUE + 10 * LEASE, lease=LEASE)
    run = await backend.digest_run(sid, END)
    assert run is not None and run.status == "sent" and run.claimed_by == "p1"


async def test_catch_up_at_start_covers_a_dead_process_claim(backend: StoreContract, clock: FixedClock) -> None:
    sid = await subscribe(backend, clock)
    start = END - dt.timedelta(days=7)
    assert await backend.claim_digest(sid, start, END, late=False, claimer="dead", at=DUE)
    poster = Recorder("discord")
    clock.at = DUE + LEASE + dt.timedelta(minutes=1)
    delivery = DigestDelivery(backend, clock, CoreSettings(), poster, "p2", lease=LEASE)
    assert await delivery.catch_up() == {sid: "sent"}
    assert len(poster.posts) == 1
    assert await delivery.catch_up() == {}


async def test_a_dead_process_claim_older_than_the_catch_up_window_is_left_for_the_next_digest(
    backend: StoreContract, clock: FixedClock
) -> None:
    sid = await subscribe(backend, clock)
    week = dt.timedelta(days=7)
    # The week before went out as usual; then a process died holding this week's claim.
    assert await backend.claim_digest(sid, END - 2 * week, END - week, late=False, claimer="p1", at=DUE - week)
    await backend.finish_digest(sid, END - week, at=DUE - week, sent=True, detail="m0")
    assert await backend.claim_digest(sid, END - week, END, late=False, claimer="dead", at=DUE)
    poster = Recorder("discord")
    clock.at = DUE + dt.timedelta(hours=13)  # past the 12 hours of catch-up
    delivery = DigestDelivery(backend, clock, CoreSettings(), poster, "p2", lease=LEASE)
    assert await delivery.recover() == {} and await delivery.catch_up() == {}
    assert poster.posts == []
    # The next period's digest covers the days since the last one sent, the dead process's week too.
    clock.at = DUE + week
    assert await delivery.run_due(sid) == "sent"
    [(_, _, reply)] = poster.posts
    assert render_text(reply).splitlines()[0].startswith("Weekly digest: Apr 18, 2022 to May 1, 2022")


async def test_the_scheduler_sweeps_for_dead_claims_on_its_own(backend: StoreContract, clock: FixedClock) -> None:
    sid = await subscribe(backend, clock)
    assert await backend.claim_digest(sid, END - dt.timedelta(days=7), END, late=False, claimer="dead", at=DUE)
    clock.at = DUE + LEASE + dt.timedelta(seconds=30)
    poster = Recorder("discord")
    delivery = DigestDelivery(backend, clock, CoreSettings(), poster, "p2", lease=LEASE)

    def far(sub: object) -> DateTrigger:  # the weekly jobs stay out of the way
        return DateTrigger(run_date=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))

    # The sweep's interval in the test is a fraction of a second; catch-up is bypassed to see the sweep.
    scheduler = DigestScheduler(delivery, far, recover_every=dt.timedelta(seconds=0.2))
    delivery.catch_up = _nothing  # type: ignore[method-assign]
    await scheduler.start()
    try:
        await asyncio.wait_for(poster.arrived.wait(), 5)
        for _ in range(100):  # the post is in; its record follows
            run = await backend.digest_run(sid, END)
            if run is not None and run.status != "claimed":
                break
            await asyncio.sleep(0.05)
    finally:
        scheduler.shutdown()
    assert run is not None and run.status == "sent" and run.claimed_by == "p2" and len(poster.posts) == 1


async def _nothing() -> dict[int, Outcome]:
    return {}


def test_a_lease_shorter_than_one_delivery_is_refused() -> None:
    with pytest.raises(SettingsError, match="HOTLINE_DIGEST_LEASE_MINUTES must be between 5 and 1440"):
        load_settings({"HOTLINE_DIGEST_LEASE_MINUTES": "1"})
    with pytest.raises(SettingsError, match="must be a number"):
        load_settings({"HOTLINE_DIGEST_LEASE_MINUTES": "soon"})
    assert load_settings({"HOTLINE_DIGEST_LEASE_MINUTES": "15"}).digest_lease_minutes == 15
    with pytest.raises(ValueError, match="must exceed one delivery's longest hold"):
        DigestDelivery(None, None, CoreSettings(), None, "p", lease=dt.timedelta(minutes=1))  # type: ignore[arg-type]


async def test_a_post_that_never_answers_is_given_up_within_its_bound(store: StoreContract, clock: FixedClock) -> None:
    sid = await subscribe(store, clock)

    class Silent(Recorder):
        async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
            await asyncio.Event().wait()
            return []

    clock.at = DUE
    delivery = DigestDelivery(
        store, clock, CoreSettings(), Silent("discord"), "p1", post_timeout=0.05, lease=dt.timedelta(minutes=5)
    )
    assert await delivery.run_due(sid) == "failed"
    run = await store.digest_run(sid, END)
    assert run is not None and run.status == "failed" and run.detail and "no answer within 0.05 s" in run.detail


async def test_one_process_delivers_a_bounded_number_at_once(store: StoreContract, clock: FixedClock) -> None:
    subs = [await subscribe(store, clock, channel=str(100 + i)) for i in range(12)]
    in_flight, most = 0, 0
    three = asyncio.Event()

    class Slow(Recorder):
        async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            if in_flight == 3:
                three.set()
            # Each post waits (a second at most) until three are in flight: composing a digest can take
            # longer than posting one (on PostgreSQL it does), and posts that happen not to overlap
            # would say nothing of the bound.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(three.wait(), 1.0)
            in_flight -= 1
            return await super().post(workspace, channel_id, reply)

    clock.at = DUE
    poster = Slow("discord")
    delivery = DigestDelivery(store, clock, CoreSettings(), poster, "p1", concurrency=3)
    outcomes = await asyncio.gather(*(delivery.run_due(sid) for sid in subs))
    assert outcomes == ["sent"] * 12 and len(poster.posts) == 12 and most == 3
