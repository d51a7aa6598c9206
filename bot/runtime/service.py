"""The running Hotline: one store, one scheduler, one runner, and every configured platform.

`serve` is `python -m bot run`: it builds the Runtime, starts each configured platform (a failure
ends the start with that platform's one-line StartupError), starts the digest scheduler, and runs
until SIGTERM or Ctrl-C, or until a platform stops on its own. Stopping is bounded at every step, so
a platform stuck in a reconnect backoff cannot hold the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import signal
import socket
from collections.abc import Sequence

from bot.runtime.changes import ChangeRouter
from bot.runtime.loop import loop_name
from bot.runtime.metrics import Metrics
from bot.runtime.ops_http import OpsServer
from bot.runtime.platform import Platform
from bot.runtime.platforms import configured_platforms
from bot.runtime.routing import RoutingPoster
from bot.runtime.runner import Invocation, Runner
from bot.runtime.scheduler import DigestScheduler
from charts.process import ProcessDrawer
from commands.context import Clock, CoreSettings
from commands.delivery import DigestDelivery
from commands.feed_follow import FeedFollower
from commands.platform import PlatformInfo
from config.settings import Settings, SettingsError
from storage.contract import StoreContract

log = logging.getLogger("hotline.runtime")

# Each platform gets this long to stop; the process as a whole stays well within a container's
# ten seconds between SIGTERM and SIGKILL.
STOP_BOUND = 4.0
# How often the feed job looks for feeds due to be polled (each feed's own interval is a setting).
FEED_TICK = 60.0


def core_settings(settings: Settings) -> CoreSettings:
    return CoreSettings(
        default_timezone=settings.default_timezone,
        dormant_days=settings.dormant_days,
        fetch_allow_loopback=settings.fetch_allow_loopback,
        feed_interval_minutes=settings.feed_interval_minutes,
    )


class Runtime:
    """What every platform shares: the store, the clock, the digest scheduler and delivery."""

    def __init__(
        self,
        settings: Settings,
        store: StoreContract,
        clock: Clock,
        *,
        claimer: str | None = None,
        feed_tick: float = FEED_TICK,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.core = core_settings(settings)
        self.posters = RoutingPoster()
        # Charts are drawn in a process of their own, started with the first chart: the bot's process
        # never loads matplotlib (docs/ARCHITECTURE.md, "Where charts are drawn").
        self.drawer = ProcessDrawer(workers=settings.chart_workers, timeout=settings.chart_timeout_seconds)
        claimer = claimer or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.metrics = Metrics()
        self.delivery = DigestDelivery(
            store,
            clock,
            self.core,
            self.posters,
            # Names this process in the digest claims, so two processes on one store post once.
            claimer=claimer,
            catchup=dt.timedelta(hours=settings.digest_catchup_hours),
            lease=dt.timedelta(minutes=settings.digest_lease_minutes),
            observe=self.metrics.digest_done,
            drawer=self.drawer,
        )
        self.scheduler = DigestScheduler(self.delivery)
        # Writes by any process on the store (this one's too) reach what this process keeps in memory:
        # the digest jobs here, a platform's caches where its adapter registers (the Slack editors).
        self.changes = ChangeRouter(store)
        self.changes.on_change(self.scheduler.follow)
        # Watched feeds: each is polled when due (its own interval and backoff, in the store); the job
        # only looks for due feeds every `feed_tick` seconds.
        self.feeds = FeedFollower(store, clock, self.core, self.posters, claimer=claimer)
        self.scheduler.every("feeds", feed_tick, self.poll_feeds)
        self.platforms: list[Platform] = []
        # Every platform this process runs, from the start on: /healthz and /metrics report one that
        # is still connecting (or was stopped) as not connected, never as absent.
        self.serving: tuple[Platform, ...] = ()
        self.scheduler_start: asyncio.Task[None] | None = None
        self.metrics.watch(lambda: self.serving, store, self.changes)
        self.http: OpsServer | None = None
        if settings.http_port is not None:
            self.http = OpsServer(
                settings.http_host,
                settings.http_port,
                store=store,
                platforms=lambda: self.serving,
                metrics=self.metrics,
            )

    async def poll_feeds(self) -> None:
        try:
            results = await self.feeds.poll_due()
        except Exception:
            log.exception("polling the feeds failed; trying again at the next tick")
            return
        for r in results:
            if r.posted or r.failed or r.outcome == "failed":
                log.info(
                    "feed %s: %s, %d posted, %d skipped, %d failed", r.feed_id, r.outcome, r.posted, r.skipped, r.failed
                )

    def runner(self, platform: PlatformInfo) -> Runner:
        """The runner a platform's adapter calls; after a digest change the jobs follow the store."""
        # Digests and their failure reasons for this platform's workspaces name commands its way.
        self.delivery.platforms[platform.name] = platform
        return Runner(
            self.store,
            self.clock,
            self.core,
            platform,
            after_write=self._after_write,
            observer=self.metrics,
            drawer=self.drawer,
        )

    async def _after_write(self, inv: Invocation) -> None:
        if inv.name.startswith("digest "):
            await self.scheduler.sync_jobs()

    async def start(self, platforms: Sequence[Platform]) -> None:
        """Start the operator's port, each platform in turn, then the scheduler. A StartupError stops
        those already started. The port comes first: /healthz answers 503 while platforms connect."""
        self.serving = tuple(platforms)
        if self.http is not None:
            await self.http.start()
        # Before anything is read from the store to be kept: a change committed after this is heard.
        await self.changes.start()
        for platform in platforms:
            try:
                await platform.start()
            except BaseException:
                await self.stop()
                raise
            self.platforms.append(platform)
            poster = platform.poster()
            if poster is not None:
                self.posters.add(platform.name, poster)
            log.info("%s started (on the %s event loop)", platform.name, loop_name())
        # Missed digests go out now, in the background: retries against a struggling platform can
        # take minutes and must not hold up the start.
        self.scheduler_start = asyncio.create_task(self._start_scheduler())

    async def _start_scheduler(self) -> None:
        try:
            await self.scheduler.start()
        except Exception:
            log.exception("the digest scheduler failed to start; digests will not be posted until a restart")

    async def stop(self) -> None:
        task, self.scheduler_start = self.scheduler_start, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=STOP_BOUND)
        self.scheduler.shutdown()
        await self.scheduler.stopped()
        try:
            await asyncio.wait_for(self.changes.stop(), STOP_BOUND)
        except TimeoutError:
            log.warning("the change feed did not stop within %g s; leaving it", STOP_BOUND)
        while self.platforms:
            platform = self.platforms.pop()
            self.posters.remove(platform.name)
            try:
                await asyncio.wait_for(platform.stop(), STOP_BOUND)
            except TimeoutError:
                log.warning("%s did not stop within %g s; leaving it", platform.name, STOP_BOUND)
            except Exception:
                log.exception("%s failed while stopping", platform.name)
        if self.http is not None:
            try:
                await asyncio.wait_for(self.http.stop(), STOP_BOUND)
            except TimeoutError:
                log.warning("the HTTP server did not stop within %g s; leaving it", STOP_BOUND)
        # Last: a platform stopping may still have been drawing. Bounded by the drawer itself (each
        # worker gets STOP_GRACE, then is killed).
        await self.drawer.close()

    async def run_until_stopped(self, stop: asyncio.Event) -> None:
        """Wait for `stop`, or for any platform to end on its own (its error is re-raised)."""
        waiters = {asyncio.ensure_future(p.wait()) for p in self.platforms}
        stopping = asyncio.ensure_future(stop.wait())
        try:
            done, _ = await asyncio.wait({*waiters, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (*waiters, stopping):
                task.cancel()
        for task in done & waiters:
            with contextlib.suppress(asyncio.CancelledError):
                task.result()  # a platform's fatal error ends the process with it
            log.warning("a platform stopped on its own; stopping Hotline")


NOT_CONFIGURED = (
    "DISCORD_TOKEN is not set: Discord mode needs the bot's token, and no other platform is configured "
    "(Slack: SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET). Without them, "
    "`python -m bot console` runs Hotline in the terminal"
)


async def serve(settings: Settings, store: StoreContract, clock: Clock) -> None:
    """`python -m bot run`: every configured platform in this process until SIGTERM or Ctrl-C.

    The caller opened the store and closes it after this returns.
    """
    entries = configured_platforms(settings)
    if not entries:
        raise SettingsError(NOT_CONFIGURED)
    runtime = Runtime(settings, store, clock)
    platforms = [entry.build(runtime) for entry in entries]
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
        except (NotImplementedError, RuntimeError):  # not on this platform, or not the main thread
            pass
    try:
        await runtime.start(platforms)
        try:
            await runtime.run_until_stopped(stop)
        finally:
            if stop.is_set():
                log.info("stopping: closing %s", ", ".join(p.name for p in runtime.platforms) or "nothing")
            await runtime.stop()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
    log.info("stopped")
