"""What /metrics shows: Prometheus metrics of one process, in a registry of its own.

Each Runtime has its own `Metrics` (not prometheus_client's global registry), so two runtimes in one
test process, or a restarted one, never share or collide on a counter. Counters are fed by observers
(the Runner after each command, DigestDelivery after each digest); gauges are read when scraped
(each platform's `connected`, the store's connections where it reports them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.runtime.platform import Platform
from storage.records import PoolStats

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Commands answer in milliseconds; Discord gives three seconds; a digest preview may take longer.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0)


@runtime_checkable
class ReportsPool(Protocol):
    """A store that can say how many database connections it holds (the PostgreSQL pool; SQLite's two)."""

    def pool_stats(self) -> PoolStats: ...


def outcome_kind(label: str) -> str:
    """The runner's log outcome ("refused (NotFound)", "failed ref=…") as a label of few values."""
    return label.split(" ", 1)[0]


def pool_of(store: object) -> Callable[[], PoolStats] | None:
    """How to read the store's connections, if it can say (an optional capability, outside the
    store contract: a backend without it simply shows no hotline_db_connections)."""
    return store.pool_stats if isinstance(store, ReportsPool) else None


class ChangeFeed(Protocol):
    """The runtime's watch of the store's change feed (bot/runtime/changes.py), as /metrics reads it."""

    @property
    def connected(self) -> bool: ...

    @property
    def heard(self) -> int: ...


class _Gauges(Collector):
    """Read at each scrape: whether each platform is connected, the store's connections, the change feed."""

    def __init__(
        self,
        platforms: Callable[[], Sequence[Platform]],
        pool: Callable[[], PoolStats] | None,
        changes: ChangeFeed | None,
    ) -> None:
        self.platforms = platforms
        self.pool = pool
        self.changes = changes

    def collect(self) -> Iterable[Metric]:
        connected = GaugeMetricFamily(
            "hotline_platform_connected",
            "1 while the platform (Discord's gateway, Slack's socket or server) is connected, else 0",
            labels=["platform"],
        )
        for platform in self.platforms():
            connected.add_metric([platform.name], 1.0 if platform.connected else 0.0)
        yield connected
        if self.pool is not None:
            stats = self.pool()
            pool = GaugeMetricFamily(
                "hotline_db_connections", "Database connections the store holds, by state", labels=["state"]
            )
            pool.add_metric(["open"], stats.size)
            pool.add_metric(["max"], stats.max_size)
            if stats.idle is not None:
                pool.add_metric(["idle"], stats.idle)
                pool.add_metric(["in_use"], stats.size - stats.idle)
            yield pool
        if self.changes is not None:
            yield GaugeMetricFamily(
                "hotline_change_feed_connected",
                "1 while this process hears the changes other processes commit to the store, else 0",
                value=1.0 if self.changes.connected else 0.0,
            )
            yield CounterMetricFamily(
                "hotline_changes_heard",
                "Changes heard on the store's change feed (several writes of a kind may arrive as one)",
                value=self.changes.heard,
            )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "hotline_commands",
            "Commands run, by platform, command and outcome (ok, refused, failed, cancelled)",
            ["platform", "command", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "hotline_command_seconds",
            "How long commands took from the adapter's call to the reply, by platform and command",
            ["platform", "command"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.digests = Counter(
            "hotline_digests",
            "Digest deliveries by outcome (sent, failed, skipped, unavailable, elsewhere, claimed-elsewhere, "
            "paused) and whether they were late",
            ["outcome", "late"],
            registry=self.registry,
        )

    def watch(
        self, platforms: Callable[[], Sequence[Platform]], store: object, changes: ChangeFeed | None = None
    ) -> None:
        """Report these platforms' connection, the store's pool and the change feed at each scrape."""
        self.registry.register(_Gauges(platforms, pool_of(store), changes))

    # -- observers -------------------------------------------------------------------------------

    def command_done(self, platform: str, command: str, outcome: str, seconds: float) -> None:
        self.commands.labels(platform, command, outcome_kind(outcome)).inc()
        self.latency.labels(platform, command).observe(seconds)

    def digest_done(self, outcome: str, late: bool) -> None:
        self.digests.labels(outcome, "true" if late else "false").inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
