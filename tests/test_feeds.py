"""Feeds: the store's drafts, feeds and item claims (across two processes' connections), /feed commands,
and the follower polling a local site: new contacts posted once, others skipped, conditional requests,
backoff on errors, nothing claimed when no platform can post."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.runtime.service import Runtime
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.delivery import DeliveryError
from commands.errors import UserError
from commands.feed_follow import BACKOFF_CAP, FeedFollower, backoff
from commands.reply import Reply, render_text
from commands.surface import dispatch
from config.settings import Settings
from storage.contract import StoreContract
from storage.errors import Conflict, DraftDecided
from storage.records import Actor
from tests.conftest import NOW, WS, OpenStore, snapshot
from tests.readout_site import Site, dev_rows, serve

ROWS = dev_rows()
ACTOR = Actor(WS, "u1", "Ann Analyst")
OLD = "state-blinken-wang-call-2022-10-31"
NEW = ["dod-austin-wei-call-2022-04-20", "neg-dod-austin-galvez-call-2023-02-22", "mfa-wang-blinken-call-2022-10-31"]
SETTINGS = CoreSettings(fetch_allow_loopback=True)


class Poster:
    """Records what the follower posts (the Discord poster is tested end to end in tests/discord)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, Reply]] = []
        self.fail: DeliveryError | None = None
        self.down: str | None = None

    def unavailable(self, workspace: str) -> str | None:
        return self.down

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        if self.fail is not None:
            raise self.fail
        self.posts.append((workspace, channel_id, reply))
        return [str(len(self.posts))]


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async with serve(ROWS) as s:
        yield s


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


async def run(store: StoreContract, clock: FixedClock, command: str, /, **args: Any) -> Reply:
    ctx = Ctx(store, Caller(WS, "u1", "Ann Analyst", True), clock, SETTINGS, channel="c9")
    return await dispatch(ctx, command, args)


async def watched(store: StoreContract, clock: FixedClock, site: Site, name: str = "dod") -> None:
    site.feeds[name] = [OLD]
    await run(store, clock, "feed add", url=site.feed_url(name))
    site.feeds[name] += NEW


# -- the store -------------------------------------------------------------------------------------


async def add_feed(
    store: StoreContract, url: str = "https://www.defense.gov/feed.xml", baseline: list[str] | None = None
) -> int:
    feed = await store.add_feed(
        ACTOR, NOW, url=url, channel_id="c1", next_poll_at=NOW, etag=None, last_modified=None, baseline=baseline or []
    )
    return feed.id


async def test_an_item_is_claimed_once_even_by_two_processes_at_once(
    store: StoreContract, backend_opener: OpenStore
) -> None:
    feed_id = await add_feed(store, baseline=["old"])
    second = await backend_opener()  # another process's connections to the same database
    assert await second.feed(WS, feed_id) is not None
    claims = await asyncio.gather(
        *(s.claim_item(feed_id, f"item-{i}", NOW, name) for i in range(10) for s, name in ((store, "a"), (second, "b")))
    )
    assert sum(claims) == 10  # each of the ten items claimed by exactly one of the two
    assert not await store.claim_item(feed_id, "old", NOW, "a")  # there when the feed was added
    leases = await asyncio.gather(
        store.lease_feed(feed_id, NOW, NOW + dt.timedelta(minutes=10)),
        second.lease_feed(feed_id, NOW, NOW + dt.timedelta(minutes=10)),
    )
    assert sorted(leases) == [False, True]
    feed = await store.feed(WS, feed_id)
    assert feed is not None and feed.items_seen == 10


async def test_outcomes_are_counted_and_a_removed_feed_claims_nothing(store: StoreContract) -> None:
    feed_id = await add_feed(store)
    for key, outcome in (("a", "posted"), ("b", "skipped"), ("c", "skipped"), ("d", "failed")):
        assert await store.claim_item(feed_id, key, NOW, "p")
        await store.finish_item(feed_id, key, outcome, None)
    feed = await store.feed(WS, feed_id)
    assert feed is not None and (feed.items_seen, feed.items_posted, feed.items_skipped, feed.items_failed) == (
        4,
        1,
        2,
        1,
    )
    with pytest.raises(ValueError, match="unknown outcome"):
        await store.finish_item(feed_id, "a", "lost")
    await store.remove_feed(ACTOR, NOW, feed_id)
    assert not await store.claim_item(feed_id, "e", NOW, "p")
    assert await store.feed_items(feed_id) == []


async def test_a_feed_is_watched_once_per_workspace(store: StoreContract) -> None:
    await add_feed(store)
    with pytest.raises(Conflict, match="already watched as feed #1"):
        await add_feed(store)


async def test_a_draft_is_decided_once(store: StoreContract, backend_opener: OpenStore) -> None:
    made = await store.add_draft(
        ACTOR, NOW, url=None, title=None, publisher=None, published=None, extracted={"is_us_china_contact": False}
    )
    second = await backend_opener()  # another process's connections to the same database
    assert await second.draft(WS, made.id) is not None
    results = await asyncio.gather(
        store.discard_draft(ACTOR, NOW, made.id), second.discard_draft(ACTOR, NOW, made.id), return_exceptions=True
    )
    assert sum(isinstance(r, DraftDecided) for r in results) == 1
    with pytest.raises(DraftDecided, match="draft #1 was already discarded"):
        await store.update_draft(ACTOR, NOW, made.id, {})
    assert await store.draft("console:other", made.id) is None


# -- the follower ----------------------------------------------------------------------------------


def follower(store: StoreContract, clock: FixedClock, poster: Poster, claimer: str = "p1") -> FeedFollower:
    return FeedFollower(store, clock, SETTINGS, poster, claimer=claimer)


async def test_new_contacts_are_posted_once_others_skipped_and_a_304_costs_nothing(
    store: StoreContract, clock: FixedClock, site: Site
) -> None:
    await watched(store, clock, site)
    poster = Poster()
    assert await follower(store, clock, poster).poll_due() == []  # not due before its interval
    clock.advance(dt.timedelta(minutes=30))
    [result] = await follower(store, clock, poster).poll_due()
    assert (result.outcome, result.posted, result.skipped, result.failed) == ("polled", 2, 1, 0)
    assert [c for _, c, _ in poster.posts] == ["c9", "c9"]
    titles = [render_text(r) for _, _, r in poster.posts]
    assert "Lloyd J. Austin III ↔ Wei Fenghe" in titles[0] and "[Record] /readout record draft:1" in titles[0]
    assert "Antony Blinken ↔ Wang Yi" in titles[1]
    assert site.hits.get(f"readout/{NEW[1]}") is None  # the Manila call's title was enough to skip it
    fetched = dict(site.hits)
    clock.advance(dt.timedelta(minutes=30))
    [again] = await follower(store, clock, poster, claimer="p2").poll_due()  # a restart: another follower
    assert again.outcome == "unchanged" and site.hits["304/dod"] == 1
    assert {k: v for k, v in site.hits.items() if k.startswith("readout/")} == {
        k: v for k, v in fetched.items() if k.startswith("readout/")
    }
    site.honour_etag = False  # the full feed again: the claims alone keep the items from coming back
    clock.advance(dt.timedelta(minutes=30))
    [third] = await follower(store, clock, poster, claimer="p3").poll_due()
    assert third.outcome == "polled" and third.posted == 0 and len(poster.posts) == 2
    listing = render_text(await run(store, clock, "feed list"))
    assert "Items seen 3, posted 2, skipped 1" in listing and "Last success: Apr 21, 2022 16:30 UTC" in listing


async def test_a_failing_feed_backs_off_and_says_why(store: StoreContract, clock: FixedClock, site: Site) -> None:
    await watched(store, clock, site)
    site.broken.add("dod")
    poster = Poster()
    waits = []
    for _ in range(4):
        clock.advance(dt.timedelta(hours=7))
        [result] = await follower(store, clock, poster).poll_due()
        assert result.outcome == "failed"
        feed = await store.feed(WS, 1)
        assert feed is not None
        waits.append(feed.next_poll_at - clock.now())
    assert waits[:3] == [dt.timedelta(minutes=60), dt.timedelta(minutes=120), dt.timedelta(minutes=240)]
    assert waits[3] == BACKOFF_CAP == backoff(dt.timedelta(minutes=30), 30)
    listing = render_text(await run(store, clock, "feed list"))
    assert "answered HTTP 500" in listing and "4 failed polls in a row" in listing
    site.broken.clear()
    await run(store, clock, "feed resume", feed="1")  # try now, the backoff forgotten
    [result] = await follower(store, clock, poster).poll_due()
    assert result.outcome == "polled" and result.posted == 2
    assert "failed polls" not in render_text(await run(store, clock, "feed list"))


async def test_nothing_is_claimed_while_no_platform_can_post(
    store: StoreContract, clock: FixedClock, site: Site
) -> None:
    await watched(store, clock, site)
    poster = Poster()
    poster.down = "no running Hotline posts to console workspaces"
    clock.advance(dt.timedelta(minutes=30))
    [result] = await follower(store, clock, poster).poll_due()
    assert result.outcome == "unavailable"
    assert [item[1] for item in await store.feed_items(1)] == ["baseline"]  # the new items wait, unclaimed
    assert "no running Hotline posts to console workspaces" in render_text(await run(store, clock, "feed list"))


async def test_a_post_that_fails_is_counted_and_not_repeated(
    store: StoreContract, clock: FixedClock, site: Site
) -> None:
    await watched(store, clock, site)
    poster = Poster()
    poster.fail = DeliveryError("forbidden", "403 Missing Access")
    clock.advance(dt.timedelta(minutes=30))
    [result] = await follower(store, clock, poster).poll_due()
    assert (result.posted, result.failed) == (0, 2)
    poster.fail = None
    site.honour_etag = False
    clock.advance(dt.timedelta(minutes=30))
    [result] = await follower(store, clock, poster).poll_due()
    assert result.posted == 0 and poster.posts == []
    assert "posting draft #2 failed: 403 Missing Access" in render_text(await run(store, clock, "feed list"))


async def test_paused_feeds_are_not_polled(store: StoreContract, clock: FixedClock, site: Site) -> None:
    await watched(store, clock, site)
    assert (await run(store, clock, "feed pause", feed="1")).title[0] == "Paused feed #1"
    clock.advance(dt.timedelta(hours=1))
    assert await follower(store, clock, Poster()).poll_due() == []
    with pytest.raises(UserError, match="feed #1 is already paused"):
        await run(store, clock, "feed pause", feed=site.feed_url("dod"))
    assert (await run(store, clock, "feed remove", feed="#1")).title[0] == "Stopped watching feed #1"


# -- /feed add refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://10.0.0.1/feed.xml", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/feed", "169.254.169.254 is a link-local address"),
        ("file:///etc/passwd", "give an http:// or https:// URL"),
    ],
)
async def test_feed_add_refuses_hostile_urls(store: StoreContract, clock: FixedClock, url: str, says: str) -> None:
    before = await snapshot(store)
    with pytest.raises(UserError) as info:
        await run(store, clock, "feed add", url=url)
    assert says in str(info.value)
    assert await snapshot(store) == before


async def test_feed_add_refuses_a_page_a_missing_feed_and_a_second_watch(
    store: StoreContract, clock: FixedClock, site: Site
) -> None:
    with pytest.raises(UserError, match=r"cannot follow this feed: .* sent text/html"):
        await run(store, clock, "feed add", url=site.url(OLD))
    with pytest.raises(UserError, match="answered HTTP 404"):
        await run(store, clock, "feed add", url=site.feed_url("none"))
    await watched(store, clock, site)
    with pytest.raises(UserError, match="already watched"):
        await run(store, clock, "feed add", url=site.feed_url("dod"))
    with pytest.raises(UserError, match="no feed '7'"):
        await run(store, clock, "feed remove", feed="7")


async def test_the_runtime_polls_the_feeds_on_its_schedule(store: StoreContract, clock: FixedClock, site: Site) -> None:
    """The feed job runs beside the digests from the start; here no platform serves the console workspace."""
    await watched(store, clock, site)
    clock.advance(dt.timedelta(minutes=30))
    runtime = Runtime(Settings(db_path=Path("unused"), fetch_allow_loopback=True), store, clock, feed_tick=0.05)
    await runtime.start([])
    try:
        for _ in range(100):
            feed = await store.feed(WS, 1)
            if feed is not None and feed.last_error:
                break
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    assert feed is not None and feed.last_error is not None
    assert "no running Hotline posts to console workspaces" in feed.last_error
