"""What the runtime needs of a chat platform: start, stop, a poster for digests, and its state.

A platform adapter (bot/discord/, later bot/slack/) implements this protocol; bot/runtime/platforms.py
lists the adapters and when each is configured. docs/ARCHITECTURE.md says how to add one.
"""

from __future__ import annotations

from typing import Protocol

from commands.delivery import Poster


class StartupError(Exception):
    """A platform could not start. The message is one line that names the platform and what to check."""


class Platform(Protocol):
    @property
    def name(self) -> str:
        """The workspace prefix it serves: "discord", "slack"."""
        ...

    @property
    def connected(self) -> bool:
        """True while it is connected and receiving commands (False while it reconnects)."""
        ...

    async def start(self) -> None:
        """Log in and begin receiving commands; return once posting works. Raise StartupError on failure."""
        ...

    async def wait(self) -> None:
        """Return (or raise its fatal error) when the platform stops on its own; the runtime then stops."""
        ...

    async def stop(self) -> None:
        """Disconnect promptly, whatever state it is in (even sleeping before a reconnect)."""
        ...

    def poster(self) -> Poster | None:
        """Posts digests in its channels, or None if it cannot."""
        ...
