"""APScheduler 3 wiring for digests: one cron job per active subscription, rebuilt from the store.

The store is the truth and the scheduler's memory a cache: jobs are rebuilt from the subscriptions
at start, after this process's own digest commands, and when the change feed says that any process
changed a subscription (`follow`); whether a period may still be posted is decided by the store's
claim, never by the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from commands.delivery import DigestDelivery
from commands.schedule import WEEKDAYS
from storage.changes import Change
from storage.records import Subscription

log = logging.getLogger(__name__)
JOB_PREFIX = "digest:"
RECOVER_JOB = "digest-claims"


def trigger_for(sub: Subscription) -> CronTrigger:
    hour, minute = (int(x) for x in sub.time.split(":"))
    # The trigger runs in the subscription's own zone, so 09:00 stays 09:00 across daylight saving.
    return CronTrigger(day_of_week=WEEKDAYS[sub.weekday][:3], hour=hour, minute=minute, timezone=ZoneInfo(sub.timezone))


class DigestScheduler:
    def __init__(
        self,
        delivery: DigestDelivery,
        trigger: Callable[[Subscription], BaseTrigger] = trigger_for,
        *,
        recover_every: dt.timedelta | None = None,
    ) -> None:
        self.delivery = delivery
        # When each subscription's job fires; tests give a trigger seconds away to see a real firing.
        self.trigger = trigger
        # How often this process looks for claims whose process died: a quarter of the lease, so a
        # dead process's digest goes out at most a lease and a quarter after it claimed it.
        self.recover_every = recover_every or delivery.lease / 4
        self._aps: AsyncIOScheduler | None = None
        self._recurring: dict[str, tuple[float, Callable[[], Awaitable[None]]]] = {}
        # One rebuild at a time, each reading the store afresh: two interleaved could apply an older
        # read after a newer one and drop a job just added.
        self._sync_lock = asyncio.Lock()
        self._stale = False  # a change was heard since the rebuild running now read the store
        self._resync: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start on the running loop (AsyncIOScheduler needs it), rebuild jobs, post missed digests."""
        self._aps = AsyncIOScheduler(timezone=dt.UTC)
        self._aps.start()
        for job_id in self._recurring:
            self._add_recurring(job_id)
        self._aps.add_job(
            self._recover,
            IntervalTrigger(seconds=self.recover_every.total_seconds(), timezone=dt.UTC),
            id=RECOVER_JOB,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        log.info("digest jobs follow the store: %d scheduled", await self.sync_jobs())
        outcomes = await self.delivery.catch_up()
        if outcomes:
            log.info("digest catch-up at start: %s", outcomes)

    async def sync_jobs(self) -> int:
        """Make the jobs match the store: one per subscription that is not paused. Returns their number."""
        async with self._sync_lock:
            if self._aps is None:
                return 0
            wanted = {f"{JOB_PREFIX}{s.id}": s for s in await self.delivery.store.subscriptions() if not s.paused}
            if self._aps is None:  # shut down while reading
                return 0
            self._apply(self._aps, wanted)
            return len(wanted)

    def follow(self, change: Change) -> None:
        """A change heard on the store's feed: after one to subscriptions (or after a gap in which some
        may have been missed), rebuild the jobs soon; a burst of changes is one rebuild."""
        if self._aps is None or not change.touches("subscription"):
            return
        self._stale = True
        if self._resync is None or self._resync.done():
            self._resync = asyncio.create_task(self._rebuild(), name="hotline-digest-jobs")

    async def _rebuild(self) -> None:
        while self._stale:
            self._stale = False
            try:
                count = await self.sync_jobs()
            except Exception:
                log.exception("rebuilding the digest jobs after a change failed; the next change or restart will")
                return
            log.info("digest jobs follow the store: %d scheduled", count)

    def _apply(self, aps: AsyncIOScheduler, wanted: dict[str, Subscription]) -> None:
        for job in aps.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()
        for job_id, sub in wanted.items():
            aps.add_job(
                self._fire,
                self.trigger(sub),
                args=[sub.id],
                id=job_id,
                replace_existing=True,
                # A run delayed by a busy loop still goes; a long outage is catch_up's business.
                misfire_grace_time=300,
                coalesce=True,
                max_instances=1,
            )

    def every(self, job_id: str, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` every `seconds` beside the digests (the feed poller), the first time at start.
        A run still going when the next is due is not doubled."""
        self._recurring[job_id] = (seconds, job)
        if self._aps is not None:
            self._add_recurring(job_id)

    def _add_recurring(self, job_id: str) -> None:
        assert self._aps is not None
        seconds, job = self._recurring[job_id]
        self._aps.add_job(
            job,
            IntervalTrigger(seconds=seconds, timezone=dt.UTC),
            id=job_id,
            replace_existing=True,
            next_run_time=dt.datetime.now(dt.UTC),
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )

    def next_run(self, subscription_id: int) -> dt.datetime | None:
        if self._aps is None:
            return None
        job = self._aps.get_job(f"{JOB_PREFIX}{subscription_id}")
        return job.next_run_time if job else None

    async def _fire(self, subscription_id: int) -> None:
        try:
            outcome = await self.delivery.run_due(subscription_id)
            log.info("digest job for subscription %s: %s", subscription_id, outcome)
        except Exception:
            # One channel's failure must not stop the others, nor the scheduler.
            log.exception("digest job for subscription %s failed", subscription_id)
        finally:
            sub = await self.delivery.store.subscription_by_id(subscription_id)
            if sub is None or sub.paused:
                await self.sync_jobs()

    async def _recover(self) -> None:
        try:
            outcomes = await self.delivery.recover()
            if outcomes:
                log.info("digest claims taken over from a process that died: %s", outcomes)
        except Exception:
            log.exception("looking for digest claims of dead processes failed")

    def shutdown(self) -> None:
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        self._aps = None
        task, self._resync = self._resync, None
        if task is not None and not task.done():
            task.cancel()

    async def stopped(self) -> None:
        """Wait for a rebuild that shutdown() cancelled to end."""
        task = self._resync
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
