"""Replies whose buttons are still live: the pages of a long reply, a delete waiting for Confirm.

Each is kept under a random token (the buttons carry it) with the member who asked, and expires
after a while measured on the injected clock. Kept in memory: after a restart old buttons answer
that they expired, which is fine for things that live minutes. Like Discord's views, only the
member who asked may use them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from bot.runtime.runner import Invocation
from bot.slack.render import SlackMessage
from commands.context import Clock
from commands.reply import Confirm

PAGE_TIMEOUT = dt.timedelta(minutes=10)
CONFIRM_TIMEOUT = dt.timedelta(minutes=2)
# Beyond this many live replies the oldest go first: a flood of commands cannot grow memory forever.
HELD_MAX = 5000


@dataclass
class Held:
    pages: list[SlackMessage]
    asker: str  # the Slack user id who ran the command
    team_id: str
    expires: dt.datetime
    invocation: Invocation | None = None  # the command that asked to be confirmed
    confirm: Confirm | None = None


class HeldReplies:
    def __init__(
        self,
        clock: Clock,
        *,
        page_timeout: dt.timedelta = PAGE_TIMEOUT,
        confirm_timeout: dt.timedelta = CONFIRM_TIMEOUT,
    ) -> None:
        self.clock = clock
        self.page_timeout = page_timeout
        self.confirm_timeout = confirm_timeout
        self._held: dict[str, Held] = {}

    def new_token(self) -> str:
        return secrets.token_urlsafe(12)

    def keep(self, token: str, held: Held) -> None:
        self._expire()
        while len(self._held) >= HELD_MAX:
            del self._held[next(iter(self._held))]
        self._held[token] = held

    def timeout(self, confirming: bool) -> dt.datetime:
        return self.clock.now() + (self.confirm_timeout if confirming else self.page_timeout)

    def get(self, token: str) -> Held | None:
        """The live reply under `token`, or None if it expired or never was."""
        held = self._held.get(token)
        if held is None or held.expires <= self.clock.now():
            self._held.pop(token, None)
            return None
        return held

    def take(self, token: str) -> Held | None:
        """Like get, and the reply is gone afterwards: a confirmation answers once."""
        held = self.get(token)
        self._held.pop(token, None)
        return held

    def _expire(self) -> None:
        now = self.clock.now()
        for token in [t for t, h in self._held.items() if h.expires <= now]:
            del self._held[token]

    def __len__(self) -> int:
        return len(self._held)
