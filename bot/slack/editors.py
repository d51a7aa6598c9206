"""Who may change the record in a Slack team: its admins and owners, or members of the user group
set by `/hotline editors`. Both are asked of Slack (users.info, usergroups.users.list) and kept for
a short while, so a burst of commands costs one lookup, and a change in Slack applies within `ttl`.

Which group is read from the store at each write, never kept. What is kept of a team is dropped when
`/hotline editors` runs, in whichever process it runs: each process hears it on the store's change feed
(`follow`), so "I changed the group in Slack, now set it again" works at once behind a load balancer too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from commands.context import Clock
from storage.changes import Change

DEFAULT_TTL = dt.timedelta(seconds=60)
WORKSPACE_PREFIX = "slack:"  # a Slack team's workspace id is slack:<team id>


class EditorCheckFailed(Exception):
    """Slack could not say whether someone is an editor (a missing scope, a rate limit, an outage).

    The message says what to fix; the caller is refused the write, never let through.
    """


@dataclass(frozen=True)
class _Entry:
    value: bool | frozenset[str]
    expires: dt.datetime


class Editors:
    def __init__(self, clock: Clock, *, ttl: dt.timedelta = DEFAULT_TTL) -> None:
        self.clock = clock
        self.ttl = ttl
        self._admins: dict[tuple[str, str], _Entry] = {}  # (team, user) -> is admin or owner
        self._groups: dict[tuple[str, str], _Entry] = {}  # (team, user group) -> its members

    async def is_editor(self, client: AsyncWebClient, team_id: str, user_id: str, editor_group: str | None) -> bool:
        """`client` carries the team's bot token; `editor_group` is the user group id the workspace set."""
        if await self._is_admin(client, team_id, user_id):
            return True
        if editor_group is None:
            return False
        return user_id in await self._members(client, team_id, editor_group)

    def forget(self, team_id: str) -> None:
        """Drop what is known of a team (after `/hotline editors` changed its group)."""
        for cache in (self._admins, self._groups):
            for key in [k for k in cache if k[0] == team_id]:
                del cache[key]

    def known_teams(self) -> set[str]:
        """The teams something is kept of."""
        return {team for team, _ in (*self._admins, *self._groups)}

    def forget_all(self) -> None:
        self._admins.clear()
        self._groups.clear()

    def follow(self, change: Change) -> None:
        """A change heard on the store's feed: one to a Slack team's settings drops what is kept of that
        team; one that names no workspace (or a gap in the feed) drops everything."""
        if not change.touches("workspace"):
            return
        if change.workspace is None:
            self.forget_all()
        elif change.workspace.startswith(WORKSPACE_PREFIX):
            self.forget(change.workspace.removeprefix(WORKSPACE_PREFIX))

    def _fresh(self, cache: dict[tuple[str, str], _Entry], key: tuple[str, str]) -> _Entry | None:
        entry = cache.get(key)
        return entry if entry is not None and entry.expires > self.clock.now() else None

    async def _is_admin(self, client: AsyncWebClient, team_id: str, user_id: str) -> bool:
        key = (team_id, user_id)
        entry = self._fresh(self._admins, key)
        if entry is None:
            try:
                response = await client.users_info(user=user_id)
                user = response["user"]
                value = bool(user.get("is_admin") or user.get("is_owner"))
            except SlackApiError as exc:
                if exc.response.get("error") != "user_not_found":
                    raise _failed(exc, "users:read") from exc
                value = False  # someone Slack does not know in this team is nobody's editor
            entry = _Entry(value, self.clock.now() + self.ttl)
            self._admins[key] = entry
        return bool(entry.value)

    async def _members(self, client: AsyncWebClient, team_id: str, group: str) -> frozenset[str]:
        key = (team_id, group)
        entry = self._fresh(self._groups, key)
        if entry is None:
            try:
                response = await client.usergroups_users_list(usergroup=group)
                members = frozenset(str(u) for u in response.get("users") or [])
            except SlackApiError as exc:
                if exc.response.get("error") != "no_such_subteam":
                    raise _failed(exc, "usergroups:read") from exc
                members = frozenset()  # the group was deleted: nobody is an editor through it
            entry = _Entry(members, self.clock.now() + self.ttl)
            self._groups[key] = entry
        assert isinstance(entry.value, frozenset)
        return entry.value


def _failed(exc: SlackApiError, scope: str) -> EditorCheckFailed:
    error = str(exc.response.get("error"))
    if error == "missing_scope":
        return EditorCheckFailed(
            f"Slack refused to say who may edit: the app lacks the {scope} scope; reinstall it from the manifest"
        )
    return EditorCheckFailed(f"Slack could not say who may edit right now ({error}); try again in a moment")
