"""What every command receives: the store, who is calling, the clock, the core settings, the platform and
who draws its charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from charts.drawer import IN_PROCESS, Drawer
from commands.platform import PLAIN, PlatformInfo
from storage.contract import StoreContract
from storage.records import Actor


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock tests set and move by hand."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        self.at += delta


@dataclass(frozen=True)
class Caller:
    workspace: str  # "discord:<guild id>", "slack:<team id>", "console:<name>"
    user_id: str
    display_name: str
    is_editor: bool

    @property
    def actor(self) -> Actor:
        return Actor(self.workspace, self.user_id, self.display_name)


@dataclass(frozen=True)
class CoreSettings:
    """The settings commands/ needs, handed down from config at start."""

    default_timezone: str = "UTC"
    dormant_days: int = 90
    # Lets readouts and feeds be fetched from 127.0.0.1 (HOTLINE_FETCH_ALLOW_LOOPBACK): for tests only.
    fetch_allow_loopback: bool = False
    feed_interval_minutes: int = 30  # how often a watched feed is polled (HOTLINE_FEED_INTERVAL_MINUTES)


@dataclass(frozen=True)
class Ctx:
    store: StoreContract
    caller: Caller
    clock: Clock
    settings: CoreSettings = CoreSettings()
    platform: PlatformInfo = PLAIN  # the words and reference syntax of the caller's platform
    channel: str | None = None  # where the command was typed (its platform's channel id), when known
    # Draws the charts (charts/drawer.py): the bots' runtime passes its drawing process; by default a
    # worker thread of this process, as the console draws.
    drawer: Drawer = IN_PROCESS
