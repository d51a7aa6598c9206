"""What a fake Slack knows: teams, each with users, channels, user groups and one bot."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

# The bot scopes the manifest asks for; a test removes one from a team to see a missing_scope.
DEFAULT_SCOPES = (
    "commands",
    "chat:write",
    "users:read",
    "usergroups:read",
    "files:write",
    "channels:read",
    "groups:read",
)

_serial = itertools.count(1)


def slack_id(prefix: str) -> str:
    """An id shaped like Slack's: a type letter, then upper-case letters and digits."""
    return f"{prefix}0{next(_serial):06d}{secrets.token_hex(2).upper()}"


@dataclass
class FakeUser:
    id: str
    name: str
    real_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    tz: str = "America/New_York"
    tz_offset: int = -14400
    team_id: str = ""

    def payload(self) -> dict[str, Any]:
        """As users.info returns it."""
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.real_name or self.name,
            "deleted": False,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_owner,
            "is_bot": self.is_bot,
            "tz": self.tz,
            "tz_offset": self.tz_offset,
            "profile": {"real_name": self.real_name or self.name, "display_name": self.name},
        }


@dataclass
class FakeChannel:
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)

    def payload(self, viewer: str) -> dict[str, Any]:
        """As conversations.info returns it to `viewer` (a user id)."""
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_member": viewer in self.members,
            "num_members": len(self.members),
        }


@dataclass
class FakeUsergroup:
    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)
    team_id: str = ""

    def payload(self, *, with_users: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "team_id": self.team_id,
            "handle": self.handle,
            "name": self.name,
            "is_usergroup": True,
            "user_count": len(self.users),
        }
        if with_users:
            out["users"] = list(self.users)
        return out


@dataclass
class FakeTeam:
    id: str
    name: str
    domain: str
    bot_user: FakeUser
    bot_id: str
    bot_token: str
    scopes: set[str] = field(default_factory=lambda: set(DEFAULT_SCOPES))
    users: dict[str, FakeUser] = field(default_factory=dict)
    channels: dict[str, FakeChannel] = field(default_factory=dict)
    usergroups: dict[str, FakeUsergroup] = field(default_factory=dict)

    def add_user(
        self,
        name: str,
        *,
        admin: bool = False,
        owner: bool = False,
        tz: str = "America/New_York",
        tz_offset: int = -14400,
    ) -> FakeUser:
        user = FakeUser(slack_id("U"), name, name.title(), admin, owner, tz=tz, tz_offset=tz_offset, team_id=self.id)
        self.users[user.id] = user
        for channel in self.channels.values():
            if not channel.is_private:
                channel.members.add(user.id)
        return user

    def add_channel(
        self, name: str, *, private: bool = False, archived: bool = False, bot_member: bool = True
    ) -> FakeChannel:
        channel = FakeChannel(slack_id("G" if private else "C"), name, private, archived)
        channel.members.update(self.users)
        if not bot_member:
            channel.members.discard(self.bot_user.id)
        self.channels[channel.id] = channel
        return channel

    def add_usergroup(self, handle: str, *members: FakeUser) -> FakeUsergroup:
        group = FakeUsergroup(slack_id("S"), handle, handle.title(), [m.id for m in members], self.id)
        self.usergroups[group.id] = group
        return group

    def channel(self, name: str) -> FakeChannel:
        return next(c for c in self.channels.values() if c.name == name)

    def user(self, name: str) -> FakeUser:
        return next(u for u in self.users.values() if u.name == name)


def new_team(name: str, domain: str) -> FakeTeam:
    """A team with its bot user (a member of every channel added afterwards unless told otherwise)."""
    team_id = slack_id("T")
    bot = FakeUser(slack_id("U"), "hotline", "Hotline", is_bot=True, team_id=team_id)
    team = FakeTeam(team_id, name, domain, bot, slack_id("B"), f"xoxb-{team_id}-{secrets.token_hex(12)}")
    team.users[bot.id] = bot
    return team
