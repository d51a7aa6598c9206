"""Scheduled digests with a fixed clock: periods, daylight saving, catch-up, exactly once, failures."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from bot.runtime.scheduler import DigestScheduler, trigger_for
from commands.context import CoreSettings, FixedClock
from commands.delivery import DeliveryError, DigestDelivery, FailureKind, period_days, period_for, previous_run
from commands.reply import Reply, render_text
from commands.schedule import next_run
from storage.contract import StoreContract
from storage.records import Subscription
from tests.conftest import WS, OpenStore, Runner

UTC = dt.UTC


def sub(weekday: int = 0, time: str = "09:00", tz: str = "UTC", last: dt.datetime | None = None) -> Subscription:
    return Subscription(
        1, "c1", weekday, time, tz, False, None, None, last, None, WS, dt.datetime(2020, 1, 1, tzinfo=UTC)
    )


class FakePoster:
    """Records what would be posted; fails as told, in order."""

    def __init__(self, failures: list[FailureKind] | None = None) -> None:
        self.failures = list(failures or [])
        self.posts: list[tuple[str, Reply]] = []

    def unavailable(self, workspace: str) -> str | None:
        return None

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        if self.failures:
            raise DeliveryError(self.failures.pop(0), "HTTP error from the fake")
        self.posts.append((channel_id, reply))
        return [str(len(self.posts))]


def delivery(store: StoreContract, clock: FixedClock, poster: FakePoster, claimer: str = "p1") -> DigestDelivery:
    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    sleeps: list[float] = []
    d = DigestDelivery(store, clock, CoreSettings(), poster, claimer, sleep=no_sleep)
    d.sleeps = sleeps  # type: ignore[attr-defined]
    return d


# -- when digests are due ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "now", "expected_utc"),
    [
        # New York, spring forward on Sunday 2022-03-13: Monday 09:00 is 14:00 UTC before, 13:00 after.
        ("America/New_York", dt.datetime(2022, 3, 14, 12, 59, tzinfo=UTC), dt.datetime(2022, 3, 7, 14, 0, tzinfo=UTC)),
        ("America/New_York", dt.datetime(2022, 3, 14, 13, 0, tzinfo=UTC), dt.datetime(2022, 3, 14, 13, 0, tzinfo=UTC)),
        # New York, fall back on Sunday 2022-11-06.
        ("America/New_York", dt.datetime(2022, 11, 7, 14, 0, tzinfo=UTC), dt.datetime(2022, 11, 7, 14, 0, tzinfo=UTC)),
        (
            "America/New_York",
            dt.datetime(2022, 11, 7, 13, 30, tzinfo=UTC),
            dt.datetime(2022, 10, 31, 13, 0, tzinfo=UTC),
        ),
        # Berlin, spring forward 2022-03-27 and fall back 2022-10-30.
        ("Europe/Berlin", dt.datetime(2022, 3, 28, 7, 0, tzinfo=UTC), dt.datetime(2022, 3, 28, 7, 0, tzinfo=UTC)),
        ("Europe/Berlin", dt.datetime(2022, 10, 31, 8, 0, tzinfo=UTC), dt.datetime(2022, 10, 31, 8, 0, tzinfo=UTC)),
        # Shanghai has no daylight saving: always 01:00 UTC.
        ("Asia/Shanghai", dt.datetime(2022, 3, 14, 1, 0, tzinfo=UTC), dt.datetime(2022, 3, 14, 1, 0, tzinfo=UTC)),
    ],
)
def test_monday_nine_stays_nine_local_across_daylight_saving(
    tz: str, now: dt.datetime, expected_utc: dt.datetime
) -> None:
    assert previous_run(sub(tz=tz), now) == expected_utc


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/Berlin", "Asia/Shanghai", "UTC"])
def test_a_year_of_weekly_runs_never_skips_or_doubles(tz: str) -> None:
    s = sub(tz=tz)
    at = dt.datetime(2022, 1, 1, tzinfo=UTC)
    runs = []
    for _ in range(53):
        at = next_run(s.weekday, s.time, s.timezone, at)
        runs.append(at)
    local = [r.astimezone(ZoneInfo(tz)) for r in runs]
    assert all(x.hour == 9 and x.minute == 0 and x.weekday() == 0 for x in local)
    assert all((b.date() - a.date()).days == 7 for a, b in itertools.pairwise(local))


def test_our_schedule_agrees_with_the_cron_trigger() -> None:
    s = sub(weekday=6, time="02:30", tz="America/New_York")  # 02:30 does not exist on 2022-03-13
    at = dt.datetime(2022, 3, 1, tzinfo=UTC)
    for _ in range(6):
        ours = next_run(s.weekday, s.time, s.timezone, at)
        theirs = trigger_for(s).get_next_fire_time(None, at + dt.timedelta(seconds=1))
        assert theirs is not None
        assert abs((ours - theirs).total_seconds()) <= 3600  # both land on that Sunday, once
        assert ours.astimezone(UTC).date() == theirs.astimezone(UTC).date()
        at = ours


def test_periods_chain_from_the_last_digest() -> None:
    end = dt.datetime(2022, 4, 25, 9, tzinfo=UTC)
    assert period_for(sub(), end) == (end - dt.timedelta(days=7), end)
    last = dt.datetime(2022, 4, 11, 9, tzinfo=UTC)
    assert period_for(sub(last=last), end) == (last, end)
    ancient = dt.datetime(2021, 1, 4, 9, tzinfo=UTC)
    assert period_for(sub(last=ancient), end)[0] == end - dt.timedelta(days=31)
    assert period_days(sub(), end - dt.timedelta(days=7), end) == (dt.date(2022, 4, 18), dt.date(2022, 4, 24))


# -- delivery ----------------------------------------------------------------------------------


async def subscribe(run: Runner, **args: str) -> int:
    await run("digest subscribe", channel="c1", **args)
    subs = await run.ctx.store.subscriptions(WS)
    return subs[0].id


async def test_a_due_digest_is_posted_once_with_its_period(
    run: Runner, store: StoreContract, clock: FixedClock
) -> None:
    await run("event add", date="2022-04-20", us="Lloyd J. Austin III", cn="Wei Fenghe", kind="call")
    sid = await subscribe(run)
    clock.at = dt.datetime(2022, 4, 25, 9, 0, 5, tzinfo=UTC)  # Monday, just after 09:00
    poster = FakePoster()
    d = delivery(store, clock, poster)
    assert await d.run_due(sid) == "sent"
    assert await d.run_due(sid) == "claimed-elsewhere"
    assert len(poster.posts) == 1
    text = render_text(poster.posts[0][1])
    assert "Weekly digest: Apr 18, 2022 to Apr 24, 2022" in text and "late" not in text
    assert "1 contact: other phone call, Austin ↔ Wei Fenghe, Apr 20, 2022." in text
    s = await store.subscription_by_id(sid)
    assert s is not None and s.last_period_end == dt.datetime(2022, 4, 25, 9, tzinfo=UTC)
    # The next week covers from there.
    clock.at = dt.datetime(2022, 5, 2, 9, 0, 1, tzinfo=UTC)
    assert await d.run_due(sid) == "sent"
    assert "Apr 25, 2022 to May 1, 2022" in render_text(poster.posts[1][1])
    assert "Nothing recorded. Last contact: Apr 20, 2022 (" in render_text(poster.posts[1][1])


async def test_two_processes_on_one_store_post_once(
    run: Runner, store: StoreContract, clock: FixedClock, backend_opener: OpenStore
) -> None:
    sid = await subscribe(run)
    second = await backend_opener()  # another process's connections to the same database
    clock.at = dt.datetime(2022, 4, 25, 9, 0, 1, tzinfo=UTC)
    poster = FakePoster()
    outcomes = [
        await delivery(store, clock, poster, "p1").run_due(sid),
        await delivery(second, clock, poster, "p2").run_due(sid),
    ]
    assert sorted(outcomes) == ["claimed-elsewhere", "sent"]
    assert len(poster.posts) == 1


async def test_catch_up_posts_a_recent_miss_once_marked_late(
    run: Runner, store: StoreContract, clock: FixedClock
) -> None:
    sid = await subscribe(run)
    clock.at = dt.datetime(2022, 4, 25, 12, 0, tzinfo=UTC)  # three hours after Monday 09:00
    poster = FakePoster()
    d = delivery(store, clock, poster)
    assert await d.catch_up() == {sid: "sent"}
    assert await d.catch_up() == {}  # a restart posts nothing more
    assert "(late: due Apr 25, 2022 09:00 UTC)" in render_text(poster.posts[0][1])


async def test_catch_up_skips_an_old_miss_and_status_says_so(
    run: Runner, store: StoreContract, clock: FixedClock
) -> None:
    sid = await subscribe(run)
    clock.at = dt.datetime(2022, 4, 26, 9, 0, tzinfo=UTC)  # a day late
    poster = FakePoster()
    assert await delivery(store, clock, poster).catch_up() == {sid: "skipped"}
    assert poster.posts == []
    status = await run.text("digest status")
    assert "missed while Hotline was down and skipped" in status


async def test_no_digest_for_a_time_before_the_subscription(
    run: Runner, store: StoreContract, clock: FixedClock
) -> None:
    clock.at = dt.datetime(2022, 4, 25, 10, 0, tzinfo=UTC)  # Monday 10:00, after the 09:00 run
    sid = await subscribe(run)
    poster = FakePoster()
    d = delivery(store, clock, poster)
    assert await d.catch_up() == {}
    assert await d.run_due(sid) == "not-due"


@pytest.mark.parametrize("kind", ["forbidden", "missing"])
async def test_a_channel_that_cannot_be_posted_to_pauses_with_the_reason(
    run: Runner, store: StoreContract, clock: FixedClock, kind: FailureKind
) -> None:
    sid = await subscribe(run)
    await run("digest subscribe", channel="c2")
    clock.at = dt.datetime(2022, 4, 25, 9, 0, 1, tzinfo=UTC)
    poster = FakePoster([kind])
    d = delivery(store, clock, poster)
    assert await d.run_due(sid) == "failed"
    subs = {s.channel_id: s for s in await store.subscriptions(WS)}
    assert subs["c1"].paused and subs["c1"].pause_reason
    status = await run.text("digest status")
    assert ("Send Messages" in status) if kind == "forbidden" else ("no longer exists" in status)
    # The other channel is unaffected.
    assert await d.run_due(subs["c2"].id) == "sent"


async def test_transient_errors_are_retried_with_backoff(run: Runner, store: StoreContract, clock: FixedClock) -> None:
    sid = await subscribe(run)
    clock.at = dt.datetime(2022, 4, 25, 9, 0, 1, tzinfo=UTC)
    poster = FakePoster(["transient", "transient"])
    d = delivery(store, clock, poster)
    assert await d.run_due(sid) == "sent"
    assert len(poster.posts) == 1
    assert d.sleeps == [2.0, 4.0]  # type: ignore[attr-defined]


async def test_transient_errors_give_up_after_the_last_attempt(
    run: Runner, store: StoreContract, clock: FixedClock
) -> None:
    sid = await subscribe(run)
    clock.at = dt.datetime(2022, 4, 25, 9, 0, 1, tzinfo=UTC)
    d = delivery(store, clock, FakePoster(["transient"] * 3))
    assert await d.run_due(sid) == "failed"
    s = await store.subscription_by_id(sid)
    assert s is not None and not s.paused and s.last_error and "posting failed 3 times" in s.last_error


async def test_the_role_ping_is_carried_on_the_digest(run: Runner, store: StoreContract, clock: FixedClock) -> None:
    sid = await subscribe(run, role="<@&42>")
    clock.at = dt.datetime(2022, 4, 25, 9, 0, 1, tzinfo=UTC)
    poster = FakePoster()
    await delivery(store, clock, poster).run_due(sid)
    assert poster.posts[0][1].ping_role == "42"


# -- the scheduler -----------------------------------------------------------------------------


async def test_jobs_follow_the_store(run: Runner, store: StoreContract, clock: FixedClock) -> None:
    sid = await subscribe(run, timezone="America/New_York", weekday="friday", time="08:30")
    scheduler = DigestScheduler(delivery(store, clock, FakePoster()))
    await scheduler.start()
    try:
        nxt = scheduler.next_run(sid)
        assert nxt is not None and nxt >= dt.datetime.now(UTC)
        local = nxt.astimezone(ZoneInfo("America/New_York"))
        assert (local.weekday(), local.hour, local.minute) == (4, 8, 30)
        await run("digest pause", channel="c1")
        await scheduler.sync_jobs()
        assert scheduler.next_run(sid) is None
    finally:
        scheduler.shutdown()


async def test_an_uncertain_post_is_not_retried(run: Runner, store: StoreContract, clock: FixedClock) -> None:
    sid = await subscribe(run)
    clock.at = dt.datetime(2022, 4, 25, 9, 0, 1, tzinfo=UTC)
    poster = FakePoster(["uncertain"])
    d = delivery(store, clock, poster)
    assert await d.run_due(sid) == "failed"
    assert d.sleeps == []  # type: ignore[attr-defined]
    assert poster.posts == [] and poster.failures == []
    s = await store.subscription_by_id(sid)
    assert s is not None and not s.paused and s.last_error and "not retried" in s.last_error
