"""Following the watched feeds: poll each when due, read its new items, post contacts as drafts.

Platform-neutral, like digest delivery: a Poster (the runtime's router) posts the draft, whose Reply
carries its Record, Edit and Discard actions. The runtime calls `poll_due` on a schedule.

Each poll of a feed is leased in the store before it is fetched, and each item is claimed before it is
read, so two processes on one store, or a restart, handle every item once. An item is handled at most
once: one whose post failed is counted as failed and not tried again (its draft stays in the store).
Conditional requests (ETag, Last-Modified) make an unchanged feed cost one 304; a feed that fails is
polled less often, the wait doubling up to BACKOFF_CAP, and /feed list shows why.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from commands.context import Caller, Clock, CoreSettings, Ctx
from commands.delivery import DeliveryError, Poster
from commands.drafts import draft_reply, to_json, workspace_people
from extraction.draft import Readout
from extraction.extract import extract
from extraction.feeds import FeedItem, Validators, fetch_feed, may_be_contact
from extraction.fetch import FetchError, fetch_readout
from extraction.publishers import publisher_of
from storage.contract import StoreContract
from storage.records import Feed

log = logging.getLogger(__name__)

BACKOFF_CAP = dt.timedelta(hours=6)
# How long a poll holds its feed; another process finds it not due until then (the poll sets the real
# next time when it ends, well before).
LEASE = dt.timedelta(minutes=10)


@dataclass
class PollResult:
    feed_id: int
    outcome: str  # polled, unchanged, failed, unavailable, taken
    posted: int = 0
    skipped: int = 0
    failed: int = 0


def backoff(interval: dt.timedelta, failures: int) -> dt.timedelta:
    """The wait after `failures` failed polls in a row: the interval doubled each time, capped."""
    cap = max(BACKOFF_CAP, interval)
    wait: dt.timedelta = interval * (2 ** min(failures, 16))
    return min(wait, cap)


class FeedFollower:
    def __init__(self, store: StoreContract, clock: Clock, core: CoreSettings, poster: Poster, *, claimer: str) -> None:
        self.store = store
        self.clock = clock
        self.core = core
        self.poster = poster
        self.claimer = claimer  # names this process in the item claims

    @property
    def interval(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.core.feed_interval_minutes)

    async def poll_due(self) -> list[PollResult]:
        """Poll every feed that is due; one feed's failure never stops the others."""
        results: list[PollResult] = []
        for feed in await self.store.due_feeds(self.clock.now()):
            try:
                results.append(await self.poll(feed))
            except Exception:
                log.exception("polling feed %s (%s) failed", feed.id, feed.url)
                now = self.clock.now()
                await self.store.feed_failed(
                    feed.id, now, "an unexpected error; the log has the details", now + self.interval
                )
                results.append(PollResult(feed.id, "failed"))
        return results

    async def poll(self, feed: Feed) -> PollResult:
        now = self.clock.now()
        reason = self.poster.unavailable(feed.workspace)
        if reason is not None:
            # Nothing is claimed: the items wait for a Hotline that can post to this workspace.
            await self.store.feed_failed(feed.id, now, reason, now + self.interval, count=False)
            return PollResult(feed.id, "unavailable")
        if not await self.store.lease_feed(feed.id, now, now + LEASE):
            return PollResult(feed.id, "taken")
        try:
            got = await fetch_feed(
                feed.url, Validators(feed.etag, feed.last_modified), allow_loopback=self.core.fetch_allow_loopback
            )
        except FetchError as exc:
            wait = backoff(self.interval, feed.failures + 1)
            await self.store.feed_failed(feed.id, now, str(exc), now + wait)
            log.info("feed %s failed (%s); next try in %s", feed.id, exc, wait)
            return PollResult(feed.id, "failed")
        await self.store.feed_polled(
            feed.id,
            now,
            etag=got.validators.etag,
            last_modified=got.validators.last_modified,
            next_poll_at=now + self.interval,
        )
        result = PollResult(feed.id, "polled" if got.changed else "unchanged")
        for item in reversed(got.items):  # feeds list the newest first: post in the order published
            if not await self.store.claim_item(feed.id, item.id, now, self.claimer):
                continue
            outcome = await self._handle(feed, item)
            setattr(result, outcome, getattr(result, outcome) + 1)
        return result

    async def _handle(self, feed: Feed, item: FeedItem) -> str:
        """Read one claimed item; post it as a draft if it is a US–China contact. Returns the outcome."""
        if not may_be_contact(item) or not item.link:
            await self.store.finish_item(feed.id, item.id, "skipped", "its title does not look like a contact")
            return "skipped"
        try:
            page = await fetch_readout(item.link, allow_loopback=self.core.fetch_allow_loopback)
        except FetchError as exc:
            await self.store.finish_item(feed.id, item.id, "failed", str(exc))
            return "failed"
        ctx = Ctx(self.store, Caller(feed.workspace, f"feed:{feed.id}", "feed follower", False), self.clock, self.core)
        publisher = publisher_of(page.url) or publisher_of(feed.url)
        published = item.published.date() if item.published else None
        draft = extract(
            Readout(item.id, page.text, page.title or item.title, page.url, publisher, published),
            await workspace_people(ctx),
        )
        if not draft.is_us_china_contact:
            await self.store.finish_item(feed.id, item.id, "skipped", "read: not a US–China contact")
            return "skipped"
        stored = await self.store.item_draft(
            ctx.caller.actor,
            self.clock.now(),
            feed.id,
            item.id,
            url=page.url,
            title=page.title or item.title or None,
            publisher=publisher,
            published=published,
            extracted=to_json(draft),
        )
        reply = await draft_reply(ctx, stored, title_prefix=f"New readout (feed #{feed.id}), draft #{stored.id}")
        try:
            await self.poster.post(feed.workspace, feed.channel_id, reply)
        except DeliveryError as exc:
            await self.store.finish_item(feed.id, item.id, "failed", f"posting failed: {exc.detail}")
            await self.store.note_feed_error(
                feed.id, self.clock.now(), f"posting draft #{stored.id} failed: {exc.detail}"
            )
            return "failed"
        await self.store.finish_item(feed.id, item.id, "posted")
        return "posted"
