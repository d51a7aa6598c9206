"""The runtime's side of digests: routing each subscription to its platform's poster, the job that
APScheduler really fires, and a pause that lands between a run's start and its claim."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from apscheduler.triggers.date import DateTrigger

from bot.runtime.routing import RoutingPoster, platform_of
from bot.runtime.scheduler import DigestScheduler
from commands.context import CoreSettings, FixedClock
from commands.delivery import DigestDelivery
from commands.reply import Reply, render_text
from storage.contract import StoreContract
from storage.records import Actor, Subscription
from tests.conftest import Runner

UTC = dt.UTC
DUE = dt.datetime(2022, 4, 25, 9, 0, 5, tzinfo=UTC)  # Monday, just after 09:00


class Recorder:
    """One platform's poster: records what it posts."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.posts: list[tuple[str, str, Reply]] = []
        self.arrived = asyncio.Event()
        self.arrived_at: list[dt.datetime] = []  # on the real clock

    def unavailable(self, workspace: str) -> str | None:
        return None if workspace.startswith(self.platform + ":") else f"not a {self.platform} workspace"

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        self.posts.append((workspace, channel_id, reply))
        self.arrived_at.append(dt.datetime.now(UTC))
        self.arrived.set()
        return [str(len(self.posts))]


class Exploding(Recorder):
    """A poster with a bug: what the Discord poster did with a console channel (int("general"))."""

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        raise ValueError(f"invalid literal for int() with base 10: {channel_id!r}")


async def subscribe(store: StoreContract, clock: FixedClock, workspace: str, channel: str) -> int:
    # Through the commands, as a member of that workspace would.
    run = Runner(store, clock, workspace)
    await run("digest subscribe", channel=channel, weekday="monday", time="09:00", timezone="UTC")
    [sub] = await store.subscriptions(workspace)
    return sub.id


def routed(store: StoreContract, clock: FixedClock, *posters: Recorder) -> tuple[DigestDelivery, RoutingPoster]:
    router = RoutingPoster()
    for poster in posters:
        router.add(poster.platform, poster)

    async def no_sleep(seconds: float) -> None:
        return None

    return DigestDelivery(store, clock, CoreSettings(), router, "p1", sleep=no_sleep), router


def test_the_platform_is_the_workspace_prefix() -> None:
    assert platform_of("discord:123") == "discord"
    assert platform_of("slack:T0001") == "slack"
    assert platform_of("console:local") == "console"
    assert platform_of("nothing") == ""


async def test_each_subscription_goes_to_its_own_platform(store: StoreContract, clock: FixedClock) -> None:
    discord_sub = await subscribe(store, clock, "discord:1", "111")
    slack_sub = await subscribe(store, clock, "slack:T1", "C1")
    discord, slack = Recorder("discord"), Recorder("slack")
    delivery, _ = routed(store, clock, discord, slack)
    clock.at = DUE
    assert await delivery.run_due(discord_sub) == "sent"
    assert await delivery.run_due(slack_sub) == "sent"
    assert [(w, c) for w, c, _ in discord.posts] == [("discord:1", "111")]
    assert [(w, c) for w, c, _ in slack.posts] == [("slack:T1", "C1")]


async def test_a_console_subscription_no_longer_stops_the_catch_up_of_the_others(
    store: StoreContract, clock: FixedClock
) -> None:
    # The console's subscription comes first, so a catch-up that stopped at it would post nothing.
    console_sub = await subscribe(store, clock, "console:local", "general")
    later = await subscribe(store, clock, "discord:1", "222")
    discord = Recorder("discord")
    delivery, _ = routed(store, clock, discord)
    clock.at = DUE + dt.timedelta(hours=1)
    outcomes = await delivery.catch_up()
    assert outcomes == {console_sub: "unavailable", later: "sent"}
    assert [(w, c) for w, c, _ in discord.posts] == [("discord:1", "222")]
    # Nothing claimed for the console's period: a process that could serve it still may.
    assert await store.digest_runs(console_sub) == []
    console = await store.subscription_by_id(console_sub)
    assert console is not None and not console.paused
    assert console.last_error and "no running Hotline posts to console workspaces" in console.last_error
    # And /digest status says so in that workspace.
    status = render_text(await Runner(store, clock, "console:local")("digest status"))
    assert "no running Hotline posts to console workspaces" in status


async def test_a_poster_that_raises_something_unexpected_releases_its_claim(
    store: StoreContract, clock: FixedClock
) -> None:
    first = await subscribe(store, clock, "discord:1", "general")
    second = await subscribe(store, clock, "discord:2", "333")
    broken = Exploding("discord")
    delivery, router = routed(store, clock, broken)
    clock.at = DUE + dt.timedelta(hours=1)
    assert (await delivery.catch_up())[first] == "failed"
    [run] = await store.digest_runs(first)
    assert run.status == "failed" and run.detail and "unexpectedly" in run.detail  # not stuck as claimed
    # Every later subscription was still tried (and failed the same way, with its claim released).
    [run2] = await store.digest_runs(second)
    assert run2.status == "failed"
    # With a working poster, the next period of each goes out as usual.
    good = Recorder("discord")
    router.add("discord", good)
    clock.at = DUE + dt.timedelta(days=7)
    assert await delivery.run_due(first) == "sent" and await delivery.run_due(second) == "sent"


async def test_a_pause_between_the_run_and_its_claim_is_respected(store: StoreContract, clock: FixedClock) -> None:
    sid = await subscribe(store, clock, "discord:1", "444")
    poster = Recorder("discord")
    delivery, _ = routed(store, clock, poster)
    clock.at = DUE
    real_claim = store.claim_digest

    async def pause_first(*args: Any, **kwargs: Any) -> bool:
        # An editor's /digest pause commits after run_due read the subscription (not paused then).
        await store.set_paused(Actor("discord:1", "u1", "Ann"), clock.now(), "444", True, "paused by Ann")
        return await real_claim(*args, **kwargs)

    store.claim_digest = pause_first  # type: ignore[method-assign]
    try:
        assert await delivery.run_due(sid) == "paused"
    finally:
        store.claim_digest = real_claim  # type: ignore[method-assign]
    assert poster.posts == []
    assert await store.digest_runs(sid) == []


async def test_apscheduler_fires_the_job_and_the_digest_is_posted(store: StoreContract, clock: FixedClock) -> None:
    sid = await subscribe(store, clock, "discord:1", "555")
    # Before the due time at start, so the catch-up posts nothing: only the job can post.
    clock.at = DUE - dt.timedelta(hours=1)
    poster = Recorder("discord")
    delivery, _ = routed(store, clock, poster)
    fired_at: list[dt.datetime] = []

    def soon(sub: Subscription) -> DateTrigger:
        at = dt.datetime.now(UTC) + dt.timedelta(seconds=1)
        fired_at.append(at)
        return DateTrigger(run_date=at)

    scheduler = DigestScheduler(delivery, trigger=soon)
    await scheduler.start()
    try:
        assert scheduler.next_run(sid) is not None and poster.posts == []
        clock.at = DUE  # the period the job posts; the firing itself is on the real clock
        await asyncio.wait_for(poster.arrived.wait(), 10)
        for _ in range(100):  # the job marks the period sent right after the post
            if [r.status for r in await store.digest_runs(sid)] == ["sent"]:
                break
            await asyncio.sleep(0.02)
    finally:
        scheduler.shutdown()
    [(workspace, channel, reply)] = poster.posts
    assert (workspace, channel) == ("discord:1", "555")
    assert "Weekly digest: Apr 18, 2022 to Apr 24, 2022" in render_text(reply)
    [run] = await store.digest_runs(sid)
    assert run.status == "sent"
    [trigger_time] = fired_at
    assert poster.arrived_at[0] >= trigger_time  # posted by the job APScheduler fired, not before


async def test_the_job_of_a_paused_subscription_is_dropped_after_it_fires(
    store: StoreContract, clock: FixedClock
) -> None:
    sid = await subscribe(store, clock, "discord:1", "666")
    clock.at = DUE - dt.timedelta(hours=1)  # nothing to catch up at start
    poster = Recorder("discord")
    delivery, _ = routed(store, clock, poster)
    fired = asyncio.Event()
    real_run_due = delivery.run_due

    async def run_due(subscription_id: int) -> Any:
        try:
            return await real_run_due(subscription_id)
        finally:
            fired.set()

    delivery.run_due = run_due  # type: ignore[method-assign]
    scheduler = DigestScheduler(delivery, trigger=lambda s: DateTrigger(dt.datetime.now(UTC) + dt.timedelta(seconds=1)))
    await scheduler.start()
    try:
        await store.set_paused(Actor("discord:1", "u1", "Ann"), clock.now(), "666", True, "paused by Ann")
        clock.at = DUE
        await asyncio.wait_for(fired.wait(), 10)
        await asyncio.sleep(0.1)  # the job's own tidy-up after the run
        assert scheduler.next_run(sid) is None
    finally:
        scheduler.shutdown()
    assert poster.posts == []
