"""Replies whose buttons are still live: the pages of a long reply, a delete waiting for Confirm.

Each is kept in the store (StoreContract.hold_reply) under a random token that its buttons carry, with
the member who asked, the workspace and its expiry on the injected clock, so that whichever process a
press reaches can answer it: in Socket Mode Slack spreads requests over every connection the app has
open, and over HTTP a load balancer over every process. The pages and the confirmation are kept as JSON
(held_json.py). Like Discord's views, only the member who asked may use them, and a token is looked up in
the presser's own workspace only: another workspace's token is as unknown as a made-up one.

A confirmation is taken once (StoreContract.take_held_reply): of two presses of Confirm, in one process
or two, exactly one runs the command. Each workspace keeps at most HELD_MAX live replies, the oldest
going first, so a flood of commands cannot grow the table for ever; expired rows are purged a batch at
a time as new ones come.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass

from bot.runtime.runner import Invocation
from bot.slack import held_json
from bot.slack.render import SlackMessage
from commands.context import Clock
from commands.reply import Confirm
from storage.contract import StoreContract
from storage.records import HeldReply

log = logging.getLogger("hotline.slack")

PAGE_TIMEOUT = dt.timedelta(minutes=10)
CONFIRM_TIMEOUT = dt.timedelta(minutes=2)
# Live replies a workspace keeps; beyond it the oldest go (their buttons then answer that they expired).
# A thousand in ten minutes is more than one a second all that while.
HELD_MAX = 1000
# What new_token makes: 12 random bytes, URL-safe base64. A press carrying anything else is refused
# before the store is asked.
TOKEN = re.compile(r"[A-Za-z0-9_-]{16}")


@dataclass
class Held:
    pages: list[SlackMessage]
    asker: str  # the Slack user id who ran the command
    workspace: str  # "slack:<team id>"
    expires: dt.datetime
    invocation: Invocation | None = None  # the command that asked to be confirmed
    confirm: Confirm | None = None


def well_formed(token: str) -> bool:
    """Whether `token` could be one new_token made (a forged or damaged button value is not)."""
    return TOKEN.fullmatch(token) is not None


class HeldReplies:
    def __init__(
        self,
        store: StoreContract,
        clock: Clock,
        *,
        page_timeout: dt.timedelta = PAGE_TIMEOUT,
        confirm_timeout: dt.timedelta = CONFIRM_TIMEOUT,
        most: int = HELD_MAX,
    ) -> None:
        self.store = store
        self.clock = clock
        self.page_timeout = page_timeout
        self.confirm_timeout = confirm_timeout
        self.most = most

    def new_token(self) -> str:
        return secrets.token_urlsafe(12)

    def timeout(self, confirming: bool) -> dt.datetime:
        return self.clock.now() + (self.confirm_timeout if confirming else self.page_timeout)

    async def keep(self, token: str, held: Held) -> None:
        """Hold `held` under `token` (new_token's) until held.expires."""
        data = held_json.encode(held.pages, held.invocation, held.confirm)
        await self.store.hold_reply(
            token, held.workspace, held.asker, data, at=self.clock.now(), expires=held.expires, most=self.most
        )

    async def get(self, token: str, workspace: str) -> Held | None:
        """The live reply under `token` in `workspace`, or None if it expired, never was, or is another's."""
        if not well_formed(token):
            return None
        return _read(await self.store.held_reply(token, workspace, at=self.clock.now()))

    async def take(self, token: str, workspace: str) -> Held | None:
        """Like get, and the reply is gone afterwards: a confirmation answers once, whoever else presses."""
        if not well_formed(token):
            return None
        return _read(await self.store.take_held_reply(token, workspace, at=self.clock.now()))


def _read(stored: HeldReply | None) -> Held | None:
    if stored is None:
        return None
    try:
        pages, invocation, confirm = held_json.decode(stored.data)
    except held_json.Unreadable as exc:
        # Answered as expired: the member runs the command again.
        log.warning("a held reply of %s is unreadable (%s): its buttons say they expired", stored.workspace, exc)
        return None
    return Held(pages, stored.asker, stored.workspace, stored.expires, invocation, confirm)
