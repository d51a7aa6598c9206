"""The platforms Hotline can run, and when each is configured. Adding a platform is one entry here.

Each entry imports its adapter only when it is built, so a process that does not run a platform
never loads that platform's library (the console loads none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from config.settings import Settings

if TYPE_CHECKING:
    from bot.runtime.platform import Platform
    from bot.runtime.service import Runtime


@dataclass(frozen=True)
class PlatformEntry:
    name: str
    configured: Callable[[Settings], bool]  # its credentials are set
    build: Callable[[Runtime], Platform]


def _discord(runtime: Runtime) -> Platform:
    from bot.discord.platform import DiscordPlatform

    return DiscordPlatform.from_runtime(runtime)


def _slack(runtime: Runtime) -> Platform:
    from bot.slack.platform import SlackPlatform

    return SlackPlatform.from_runtime(runtime)


PLATFORMS: tuple[PlatformEntry, ...] = (
    PlatformEntry("discord", lambda s: s.discord.token is not None, _discord),
    PlatformEntry("slack", lambda s: s.slack.enabled, _slack),
)


def configured_platforms(settings: Settings) -> list[PlatformEntry]:
    return [entry for entry in PLATFORMS if entry.configured(settings)]
