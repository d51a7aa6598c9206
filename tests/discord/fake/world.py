"""The guilds, channels, roles and members the fake Discord knows, and their wire payloads.

Payloads carry the fields discord.py 2.7 reads; anything it reads with `[...]` rather than
`.get` must be present, or parsing fails inside the client's gateway task.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
EVERYONE_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES

TEXT_CHANNEL = 0
VOICE_CHANNEL = 2

_counter = itertools.count(1)


def snowflake() -> int:
    """A fresh, increasing snowflake with a real timestamp part (discord.py derives created_at)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_counter) & 0x3FFFFF)


def iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


@dataclass
class FakeUser:
    id: int
    username: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.username,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 1

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    id: int
    guild_id: int
    name: str
    type: int = TEXT_CHANNEL
    position: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
            # What an interaction's resolved channel carries on top: the caller's permissions there.
            "permissions": str(EVERYONE_PERMISSIONS),
            **({"bitrate": 64000, "user_limit": 0, "rtc_region": None} if self.type == VOICE_CHANNEL else {}),
        }


@dataclass
class FakeMember:
    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None

    def payload(self, *, permissions: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user": self.user.payload(),
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "joined_at": "2022-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)

    @property
    def everyone(self) -> FakeRole:
        return self.roles[self.id]

    def add_role(self, name: str, permissions: int = 0) -> FakeRole:
        role = FakeRole(snowflake(), name, permissions, position=len(self.roles))
        self.roles[role.id] = role
        return role

    def add_channel(self, name: str, type: int = TEXT_CHANNEL) -> FakeChannel:
        channel = FakeChannel(snowflake(), self.id, name, type, position=len(self.channels))
        self.channels[channel.id] = channel
        return channel

    def add_member(self, user: FakeUser, *roles: FakeRole) -> FakeMember:
        member = FakeMember(user, [r.id for r in roles])
        self.members[user.id] = member
        return member

    def channel(self, name: str) -> FakeChannel:
        return next(c for c in self.channels.values() if c.name == name)

    def role(self, name: str) -> FakeRole:
        return next(r for r in self.roles.values() if r.name == name)

    def permissions_of(self, user_id: int) -> int:
        """The member's guild-level permissions, as Discord puts them in an interaction."""
        if user_id == self.owner_id:
            return (1 << 53) - 1  # the owner has every permission
        member = self.members[user_id]
        total = self.everyone.permissions
        for role_id in member.roles:
            total |= self.roles[role_id].permissions
        if total & ADMINISTRATOR:
            return (1 << 53) - 1
        return total

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "member_count": len(self.members),
            "large": False,
            "features": [],
            "roles": [r.payload() for r in self.roles.values()],
            "channels": [c.payload() for c in self.channels.values()],
            "members": [m.payload() for m in self.members.values()],
            "threads": [],
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "presences": [],
            "preferred_locale": "en-US",
            "joined_at": "2022-01-01T00:00:00+00:00",
        }


def new_guild(name: str, owner: FakeUser, *, shard: tuple[int, int] | None = None) -> FakeGuild:
    """A guild owned by `owner`; with `shard` (id, count), one whose id Discord puts on that shard."""
    gid = snowflake()
    if shard is not None:
        wanted, count = shard
        # The shard is (id >> 22) % count: move the id's timestamp part back to the wanted remainder.
        gid -= (((gid >> 22) - wanted) % count) << 22
    guild = FakeGuild(gid, name, owner.id)
    # @everyone shares the guild's id, as on Discord.
    guild.roles[gid] = FakeRole(gid, "@everyone", EVERYONE_PERMISSIONS, position=0)
    guild.add_member(owner)
    return guild
