"""Hotline installed into many Slack teams (OAuth): each team's installation in Hotline's database.

`StoredInstallations` is the AsyncInstallationStore slack-bolt asks for a team's bot token on every
request (and saves into after /slack/oauth_redirect); the rows live in the store's
slack_installation table (storage/sqlite/installs.py, storage/postgres/installs.py), so every process
behind a load balancer sees the same installations. Tokens are never logged: the log names the team only.

`OAuthStates` is the state store of the install flow: a state is issued on /slack/install and
consumed once on the redirect, within ten minutes. States live in the store's slack_oauth_state table,
so the redirect may reach any process behind the load balancer; a state is consumed once, atomically,
whichever processes receive it. /slack/install is open to anyone, so at most STATES_MAX states are
kept (the oldest go first) and expired ones are purged as new ones are issued.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from logging import Logger
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from commands.context import Clock
from storage.contract import StoreContract

log = logging.getLogger("hotline.slack")

STATE_TTL = dt.timedelta(minutes=10)
STATES_MAX = 10_000
# What async_issue makes: 24 random bytes, URL-safe base64. Anything else is refused unread.
STATE = re.compile(r"[A-Za-z0-9_-]{32}")


def _plain(value: Any) -> Any:
    # Installation's dict holds datetimes; they go back in as timestamps, which it also takes.
    if isinstance(value, dt.datetime):
        return value.timestamp()
    raise TypeError(f"cannot store {type(value).__name__}")


class StoredInstallations(AsyncInstallationStore):
    def __init__(self, store: StoreContract, clock: Clock, client_id: str) -> None:
        self.store = store
        self.clock = clock
        self.client_id = client_id

    @property
    def logger(self) -> Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        data = json.dumps(installation.to_dict_for_copying(), default=_plain)
        await self.store.save_installation(
            self.client_id, installation.enterprise_id, installation.team_id, data, at=self.clock.now()
        )
        log.info("installed in Slack team %s (%s)", installation.team_id, installation.team_name)

    async def async_save_bot(self, bot: Bot) -> None:
        # Every installation is saved whole by async_save; the bot is part of it.
        return None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        data = await self.store.installation(self.client_id, enterprise_id, None if is_enterprise_install else team_id)
        if data is None and enterprise_id:  # a team of an Enterprise Grid installed on its own
            data = await self.store.installation(self.client_id, None, team_id)
        if data is None:
            return None
        return Installation(**json.loads(data))

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return installation.to_bot() if installation is not None and installation.bot_token else None

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self.store.delete_installation(self.client_id, enterprise_id, team_id)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.store.delete_installation(self.client_id, enterprise_id, team_id)


class OAuthStates(AsyncOAuthStateStore):
    def __init__(
        self, store: StoreContract, clock: Clock, ttl: dt.timedelta = STATE_TTL, most: int = STATES_MAX
    ) -> None:
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self.most = most

    @property
    def logger(self) -> Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        now = self.clock.now()
        state = secrets.token_urlsafe(24)
        await self.store.issue_oauth_state(state, at=now, expires=now + self.ttl, most=self.most)
        return state

    async def async_consume(self, state: str) -> bool:
        if STATE.fullmatch(state) is None:
            return False
        return await self.store.consume_oauth_state(state, at=self.clock.now())
