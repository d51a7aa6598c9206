"""Scheduled digests: which period is due, claiming it, composing it, and posting it exactly once.

Platform-neutral: a Poster does the posting and reports failures as a DeliveryError of a kind this
module understands. In a running Hotline the poster is the runtime's router (bot/runtime/routing.py),
which hands each subscription to the poster of its workspace's platform. The scheduler decides only
*when* to call `run_due`; the store's digest_run table decides *whether* a period may still be posted.
docs/ARCHITECTURE.md follows one digest from the job to the post.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from charts.drawer import IN_PROCESS, Drawer
from commands.context import Caller, Clock, CoreSettings, Ctx
from commands.digest import compose_digest, period_text
from commands.platform import PLAIN, PlatformInfo
from commands.reply import Reply, moment_text
from commands.schedule import next_run
from storage.contract import StoreContract
from storage.records import DigestRun, Subscription

log = logging.getLogger(__name__)

FIRST_PERIOD = dt.timedelta(days=7)
# A digest after a long pause covers at most this much, so one post never tries to hold a year.
LONGEST_PERIOD = dt.timedelta(days=31)
# A scheduled run this much after its time counts as late (and says so).
LATE_AFTER = dt.timedelta(minutes=5)

# A claim older than this that was never finished belongs to a process that died holding it.
DEFAULT_LEASE = dt.timedelta(minutes=10)

FailureKind = Literal["missing", "forbidden", "transient", "uncertain"]
Outcome = Literal["sent", "claimed-elsewhere", "not-due", "paused", "failed", "skipped", "unavailable", "elsewhere"]
# Told of each delivery's outcome and whether it was late (the runtime's metrics).
DeliveryObserver = Callable[[Outcome, bool], None]


class DeliveryError(Exception):
    """A post failed. `missing`: the channel is gone; `forbidden`: no permission; `transient`: nothing
    was posted, retry; `uncertain`: no answer came, so it may have been posted, and retrying could
    post it twice. `reason`, when the poster gives one, is what /digest status shows instead of the
    generic text: the platform's own words for how to fix it ("invite @Hotline to #briefings")."""

    def __init__(self, kind: FailureKind, detail: str, *, reason: str | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.reason = reason


class NotHere(str):
    """A reason from `Poster.unavailable` meaning that another process posts for this workspace (it
    runs the workspace's Discord shard): nothing is wrong, so nothing is claimed and nothing is
    recorded in the subscription. A str, so every poster keeps returning `str | None`."""


class Poster(Protocol):
    def unavailable(self, workspace: str) -> str | None:
        """None if this poster can post for the workspace; NotHere if another process does; else why
        not, in words for /digest status."""
        ...

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        """Post a reply — a digest, or a feed's draft — split across messages as the platform needs, with
        `reply.actions` as buttons under it (commands/reply.py, Action); returns the message ids."""
        ...


def previous_run(sub: Subscription, now: dt.datetime) -> dt.datetime:
    """The most recent scheduled instant at or before `now` (UTC)."""
    # Eight days back is always before the last occurrence, whatever daylight saving did in between.
    candidate = next_run(sub.weekday, sub.time, sub.timezone, now - dt.timedelta(days=8))
    while True:
        following = next_run(sub.weekday, sub.time, sub.timezone, candidate)
        if following > now:
            return candidate
        candidate = following


def period_for(sub: Subscription, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """From the end of the previous digest sent to this channel (a week for the first) up to `end`."""
    start = sub.last_period_end if sub.last_period_end and sub.last_period_end < end else end - FIRST_PERIOD
    return max(start, end - LONGEST_PERIOD), end


def period_days(sub: Subscription, start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """The calendar days a period covers in the subscription's zone: [start day, end day), so that
    consecutive digests neither repeat nor miss a day."""
    zone = ZoneInfo(sub.timezone)
    first = start.astimezone(zone).date()
    last = end.astimezone(zone).date() - dt.timedelta(days=1)
    return first, max(first, last)


@dataclass
class DigestDelivery:
    store: StoreContract
    clock: Clock
    settings: CoreSettings
    poster: Poster
    claimer: str  # names this process in the claims it makes
    catchup: dt.timedelta = dt.timedelta(hours=12)
    attempts: int = 3
    backoff: float = 2.0  # seconds before the second attempt, doubled after
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # The platforms running in this process, by workspace prefix ("slack"): a digest and the reasons
    # /digest status shows name commands as the subscription's platform types them.
    platforms: dict[str, PlatformInfo] = field(default_factory=dict)

    def platform(self, sub: Subscription) -> PlatformInfo | None:
        prefix, sep, _ = sub.workspace.partition(":")
        return self.platforms.get(prefix) if sep else None

    def _typed(self, sub: Subscription, command: str, words: str) -> str:
        """`command` as the subscription's platform types it, or `words` (no command) when the platform is not known."""
        info = self.platform(sub)
        return info.usage(command) if info is not None else words

    lease: dt.timedelta = DEFAULT_LEASE
    # Bounds on composing and on each post attempt: a live process holds a claim at most
    # `longest_hold`, which must stay under the lease, or a slow holder could be overtaken.
    compose_timeout: float = 30.0
    post_timeout: float = 60.0
    observe: DeliveryObserver | None = None
    # Deliveries of one process at once. Many subscriptions share a time (Monday 09:00): unbounded,
    # thousands would compose together on one loop and each would outlast its timeout. One waiting
    # for a slot has not claimed yet, so another process may take it meanwhile.
    concurrency: int = 8
    drawer: Drawer = IN_PROCESS  # draws each digest's chart (the runtime's drawing process in a bot)
    _slots: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    @property
    def longest_hold(self) -> dt.timedelta:
        backoffs = sum(self.backoff * 2**i for i in range(self.attempts - 1))
        return dt.timedelta(seconds=self.compose_timeout + self.attempts * self.post_timeout + backoffs)

    def __post_init__(self) -> None:
        if self.longest_hold >= self.lease:
            raise ValueError(
                f"the digest lease ({self.lease}) must exceed one delivery's longest hold ({self.longest_hold})"
            )

    def _observed(self, outcome: Outcome, late: bool) -> Outcome:
        if self.observe is not None:
            try:
                self.observe(outcome, late)
            except Exception:
                log.exception("the digest observer failed for outcome %s", outcome)
        return outcome

    def stale(self, run: DigestRun, now: dt.datetime) -> bool:
        """A claim never finished within the lease: its process died (or froze) holding it."""
        return run.status == "claimed" and now - run.claimed_at >= self.lease

    async def run_due(self, subscription_id: int) -> Outcome:
        """Called by the scheduler when a subscription's time comes: post its due period once."""
        sub = await self.store.subscription_by_id(subscription_id)
        if sub is None or sub.paused:
            return "paused"
        now = self.clock.now()
        end = previous_run(sub, now)
        if sub.created_at and end < sub.created_at:
            return "not-due"
        return await self.deliver(sub, end, late=now - end > LATE_AFTER)

    async def catch_up(self) -> dict[int, Outcome]:
        """At start: post each subscription's last missed digest if it is recent, else record the skip.

        Only the latest missed period is considered, so a bot that was down for weeks posts at most
        one digest per channel, not a flood.
        """
        outcomes: dict[int, Outcome] = {}
        for sub in await self.store.subscriptions():
            try:
                outcome = await self._catch_up_one(sub)
            except Exception:
                # One subscription's trouble must not keep the others' digests from going out.
                log.exception("digest catch-up failed for subscription %s (%s)", sub.id, sub.workspace)
                outcome = self._observed("failed", True)
            if outcome is not None:
                outcomes[sub.id] = outcome
        return outcomes

    async def recover(self) -> dict[int, Outcome]:
        """Post each subscription's latest period whose claim outlived the lease (the process that
        claimed it died mid-run), if it is recent enough to catch up; run periodically by the
        scheduler of every process. The claim is taken over in one transaction, so one process wins."""
        outcomes: dict[int, Outcome] = {}
        for sub in await self.store.subscriptions():
            if sub.paused:
                continue
            now = self.clock.now()
            end = previous_run(sub, now)
            run = await self.store.digest_run(sub.id, end)
            if run is None or not self.stale(run, now) or now - end > self.catchup:
                continue
            log.warning(
                "digest claim of subscription %s for %s held by %s since %s outlived the lease; taking it over",
                sub.id,
                end.isoformat(),
                run.claimed_by,
                run.claimed_at.isoformat(),
            )
            try:
                outcomes[sub.id] = await self.deliver(sub, end, late=True)
            except Exception:
                log.exception("taking over the digest of subscription %s (%s) failed", sub.id, sub.workspace)
                outcomes[sub.id] = self._observed("failed", True)
        return outcomes

    async def _catch_up_one(self, sub: Subscription) -> Outcome | None:
        now = self.clock.now()
        if sub.paused:
            return None
        end = previous_run(sub, now)
        if sub.created_at and end < sub.created_at:
            return None
        run = await self.store.digest_run(sub.id, end)
        # A claim that outlived its lease is a digest missed by a process that died: caught up as one.
        if run is not None and not self.stale(run, now):
            return None
        reason = self.poster.unavailable(sub.workspace)
        if isinstance(reason, NotHere):
            return self._observed("elsewhere", False)
        if reason is not None:
            # Not recorded as skipped: a process that runs this platform may still post it.
            await self._unavailable(sub, reason)
            return self._observed("unavailable", False)
        if now - end <= self.catchup:
            return await self.deliver(sub, end, late=now - end > LATE_AFTER)
        if run is not None:
            return None  # a dead process's claim too old to post: the next digest covers its days
        start, _ = period_for(sub, end)
        reason = (
            f"the digest due {end:%Y-%m-%d %H:%M} UTC was missed while Hotline was down and skipped "
            f"(over {self.catchup.total_seconds() / 3600:g} hours late); the next one covers that period"
        )
        if await self.store.skip_digest(sub.id, start, end, at=now, claimer=self.claimer, reason=reason):
            return self._observed("skipped", True)
        return None

    async def deliver(self, sub: Subscription, end: dt.datetime, *, late: bool) -> Outcome:
        if self._slots is None:  # made on the running loop, at the first delivery
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            return self._observed(await self._deliver(sub, end, late=late), late)

    async def _deliver(self, sub: Subscription, end: dt.datetime, *, late: bool) -> Outcome:
        reason = self.poster.unavailable(sub.workspace)
        if isinstance(reason, NotHere):
            # Another process runs this guild's shard and posts it; claiming here would steal it.
            log.debug("digest of subscription %s left to another process: %s", sub.id, reason)
            return "elsewhere"
        if reason is not None:
            await self._unavailable(sub, reason)
            return "unavailable"
        start, end = period_for(sub, end)
        now = self.clock.now()
        # The claim re-reads `paused` in its own transaction: a pause that lands after run_due read
        # the subscription still stops the post. A claim older than the lease is taken over.
        claimed = await self.store.claim_digest(
            sub.id, start, end, late=late, claimer=self.claimer, at=now, lease=self.lease
        )
        if not claimed:
            current = await self.store.subscription_by_id(sub.id)
            return "paused" if current is None or current.paused else "claimed-elsewhere"
        try:
            reply = await asyncio.wait_for(self.compose(sub, start, end, late=late), self.compose_timeout)
        except Exception:
            await self._unexpected(sub, end, "composing it")
            return "failed"
        for attempt in range(1, self.attempts + 1):
            try:
                ids = await self._post(sub, reply)
            except Exception as exc:
                if not isinstance(exc, DeliveryError):
                    await self._unexpected(sub, end, "posting it")
                    return "failed"
                if exc.kind == "transient" and attempt < self.attempts:
                    log.warning("digest for channel %s failed (%s), retrying", sub.channel_id, exc.detail)
                    await self.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                await self._failed(sub, end, exc)
                return "failed"
            await self.store.finish_digest(sub.id, end, at=self.clock.now(), sent=True, detail=",".join(ids))
            log.info(
                "digest posted: workspace=%s channel=%s period=%s..%s late=%s messages=%d",
                sub.workspace,
                sub.channel_id,
                start.isoformat(),
                end.isoformat(),
                late,
                len(ids),
            )
            return "sent"
        raise AssertionError("unreachable: the last attempt returns")

    async def _post(self, sub: Subscription, reply: Reply) -> list[str]:
        try:
            return await asyncio.wait_for(self.poster.post(sub.workspace, sub.channel_id, reply), self.post_timeout)
        except TimeoutError as exc:
            raise DeliveryError("uncertain", f"no answer within {self.post_timeout:g} s") from exc

    async def _unavailable(self, sub: Subscription, reason: str) -> None:
        """No running poster serves this subscription's platform: say so, claim nothing."""
        log.warning("digest not posted: workspace=%s channel=%s: %s", sub.workspace, sub.channel_id, reason)
        if sub.last_error != reason:
            await self.store.note_digest_error(sub.id, reason)

    async def _unexpected(self, sub: Subscription, end: dt.datetime, doing: str) -> None:
        """A bug or a surprise while delivering: release the claim as failed, keep the subscription."""
        log.exception(
            "digest failed unexpectedly while %s: workspace=%s channel=%s", doing, sub.workspace, sub.channel_id
        )
        reason = f"the digest failed unexpectedly while {doing} (see the log); the next digest will try again"
        await self.store.finish_digest(sub.id, end, at=self.clock.now(), sent=False, detail=reason)

    async def _failed(self, sub: Subscription, end: dt.datetime, exc: DeliveryError) -> None:
        now = self.clock.now()
        if exc.kind == "missing":
            reason = (
                f"channel {sub.channel_id} no longer exists or the bot cannot see it ({exc.detail}); "
                f"subscribe another channel, then {self._typed(sub, 'digest unsubscribe', 'unsubscribe')} this one"
            )
        elif exc.kind == "forbidden":
            reason = (
                f"the bot may not post in channel {sub.channel_id} ({exc.detail}); give it View Channel, "
                f"Send Messages and Embed Links there, then {self._typed(sub, 'digest resume', 'resume the digest')}"
            )
        elif exc.kind == "uncertain":
            reason = (
                f"posting got no answer ({exc.detail}); it may or may not have appeared, and was not "
                "retried so as not to post it twice; the next digest will go out as usual"
            )
        else:
            reason = f"posting failed {self.attempts} times: {exc.detail}; the next digest will try again"
        if exc.reason is not None:
            reason = exc.reason
        log.error(
            "digest failed: workspace=%s channel=%s kind=%s detail=%s",
            sub.workspace,
            sub.channel_id,
            exc.kind,
            exc.detail,
        )
        await self.store.finish_digest(sub.id, end, at=now, sent=False, detail=reason)
        if exc.kind in ("missing", "forbidden"):
            await self.store.pause_for_failure(sub.id, at=now, reason=reason)

    async def compose(self, sub: Subscription, start: dt.datetime, end: dt.datetime, *, late: bool) -> Reply:
        first, last = period_days(sub, start, end)
        caller = Caller(sub.workspace, "scheduler", "digest scheduler", False)
        ctx = Ctx(self.store, caller, self.clock, self.settings, self.platform(sub) or PLAIN, drawer=self.drawer)
        heading = f"Weekly digest: {period_text(first, last)}"
        if late:
            heading += f" (late: due {moment_text(end)})"
        reply = await compose_digest(
            ctx,
            first,
            last,
            end.astimezone(ZoneInfo(sub.timezone)).date(),
            heading,
            short_when_empty=True,
            chart=sub.chart,
        )
        reply.ping_role = sub.role_id
        return reply
