"""INTERACTION_CREATE payloads as Discord's client builds them, and a readable view of what came back.

Slash and autocomplete payloads are built from the commands the bot registered with the fake,
with the checks Discord's client makes before it sends anything (known option, a value among
the choices, an integer in range, a channel of an allowed type, required options present): a
test cannot send what a user could not.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from tests.discord.fake.world import FakeChannel, FakeGuild, FakeRole, FakeUser, snowflake

STRING, INTEGER, BOOLEAN, CHANNEL, ROLE = 3, 4, 5, 7, 8
SLASH, COMPONENT, AUTOCOMPLETE = 2, 3, 4


def _find_command(registered: list[dict[str, Any]], name: str) -> tuple[dict[str, Any], list[str]]:
    """The registered top-level command for "event add", and the path below it (["add"])."""
    top, *rest = name.split()
    for command in registered:
        if command["name"] == top:
            return command, rest
    raise AssertionError(f"/{top} is not registered; registered: {[c['name'] for c in registered]}")


def _check_value(where: str, spec: dict[str, Any], value: Any, focused: bool) -> Any:
    kind = spec["type"]
    if kind == STRING:
        if not isinstance(value, str):
            raise AssertionError(f"{where}: a string option needs a str, got {value!r}")
        if len(value) > spec.get("max_length", 6000):
            raise AssertionError(f"{where}: longer than the option's max_length")
    elif kind == INTEGER:
        if focused:
            return str(value)  # Discord sends what is typed so far, as text
        if not isinstance(value, int) or isinstance(value, bool):
            raise AssertionError(f"{where}: an integer option needs an int, got {value!r}")
        if "min_value" in spec and value < spec["min_value"]:
            raise AssertionError(f"{where}: {value} < min {spec['min_value']} (Discord's client refuses it)")
        if "max_value" in spec and value > spec["max_value"]:
            raise AssertionError(f"{where}: {value} > max {spec['max_value']} (Discord's client refuses it)")
    elif kind == BOOLEAN and not isinstance(value, bool):
        raise AssertionError(f"{where}: a boolean option needs a bool")
    if spec.get("choices") and not focused and value not in [c["value"] for c in spec["choices"]]:
        raise AssertionError(f"{where}: {value!r} is not among the choices")
    return value


def _options(
    specs: list[dict[str, Any]],
    given: dict[str, Any],
    guild: FakeGuild,
    resolved: dict[str, dict[str, Any]],
    where: str,
    focused: str | None,
) -> list[dict[str, Any]]:
    by_name = {s["name"]: s for s in specs}
    unknown = set(given) - set(by_name)
    if unknown:
        raise AssertionError(f"{where}: no option(s) {sorted(unknown)}; it has {sorted(by_name)}")
    out: list[dict[str, Any]] = []
    for spec in specs:  # Discord sends options in the registered order
        name = spec["name"]
        if name not in given:
            if spec.get("required") and focused is None:
                raise AssertionError(f"{where}: required option {name!r} missing")
            continue
        value = given[name]
        here = f"{where} {name}"
        if spec["type"] == CHANNEL:
            channel = value if isinstance(value, FakeChannel) else guild.channels[int(value)]
            allowed = spec.get("channel_types")
            if allowed and channel.type not in allowed:
                raise AssertionError(f"{here}: channel type {channel.type} not in {allowed}")
            resolved.setdefault("channels", {})[str(channel.id)] = {
                k: v
                for k, v in channel.payload().items()
                if k in ("id", "name", "type", "permissions", "guild_id", "parent_id", "flags", "nsfw", "topic")
            }
            value = str(channel.id)
        elif spec["type"] == ROLE:
            role = value if isinstance(value, FakeRole) else guild.roles[int(value)]
            resolved.setdefault("roles", {})[str(role.id)] = role.payload()
            value = str(role.id)
        else:
            value = _check_value(here, spec, value, focused == name)
        option: dict[str, Any] = {"name": name, "type": spec["type"], "value": value}
        if focused == name:
            if not spec.get("autocomplete"):
                raise AssertionError(f"{here}: the option has no autocomplete")
            option["focused"] = True
        out.append(option)
    return out


def command_data(
    registered: list[dict[str, Any]],
    name: str,
    options: dict[str, Any],
    guild: FakeGuild,
    *,
    focused: str | None = None,
) -> dict[str, Any]:
    command, path = _find_command(registered, name)
    resolved: dict[str, dict[str, Any]] = {}
    specs: list[dict[str, Any]] = command.get("options") or []
    chain: list[tuple[str, int]] = []
    for part in path:
        sub = next((o for o in specs if o["name"] == part and o["type"] in (1, 2)), None)
        if sub is None:
            raise AssertionError(f"/{name}: no subcommand {part!r}")
        chain.append((part, sub["type"]))
        specs = sub.get("options") or []
    if any(s["type"] in (1, 2) for s in specs):
        raise AssertionError(f"/{name} is a group; name a subcommand")
    leaf = _options(specs, options, guild, resolved, f"/{name}", focused)
    for part, kind in reversed(chain):
        leaf = [{"name": part, "type": kind, "options": leaf}]
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1, "options": leaf}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def base_payload(app_id: int, kind: int, guild: FakeGuild, user: FakeUser, channel: FakeChannel) -> dict[str, Any]:
    member = guild.members[user.id]
    return {
        "id": str(snowflake()),
        "application_id": str(app_id),
        "type": kind,
        "token": f"itoken-{snowflake()}",
        "version": 1,
        "attachment_size_limit": 8 * 1024 * 1024,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "channel_id": str(channel.id),
        "channel": channel.payload(),
        "member": member.payload(permissions=guild.permissions_of(user.id)),
        "app_permissions": str((1 << 53) - 1),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
    }


@dataclass
class Shown:
    """A message as the fake holds it (a snapshot), with helpers for assertions."""

    raw: dict[str, Any]

    @classmethod
    def of(cls, message: dict[str, Any]) -> Shown:
        return cls(copy.deepcopy(message))

    @property
    def id(self) -> int:
        return int(self.raw["id"])

    @property
    def content(self) -> str:
        return str(self.raw.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.raw.get("embeds") or [])

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.raw.get("flags") or 0) & (1 << 6))

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return list(self.raw.get("attachments") or [])

    @property
    def images(self) -> list[str]:
        """The image URL of each embed that shows one."""
        return [str(e["image"]["url"]) for e in self.embeds if (e.get("image") or {}).get("url")]

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self.raw.get("allowed_mentions")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [
            c for row in self.raw.get("components") or [] for c in row.get("components") or [] if c.get("type") == 2
        ]

    def button(self, label: str) -> dict[str, Any]:
        for b in self.buttons:
            if b.get("label") == label:
                return b
        raise AssertionError(f"no button {label!r}; buttons: {[b.get('label') for b in self.buttons]}")

    @property
    def title(self) -> str:
        return str(self.embeds[0].get("title") or "") if self.embeds else ""

    @property
    def text(self) -> str:
        """Everything a reader sees, in order: content, then each embed's parts."""
        parts = [self.content] if self.content else []
        for e in self.embeds:
            parts.extend(str(e[k]) for k in ("title", "description") if e.get(k))
            for f in e.get("fields") or []:
                parts.append(f"{f['name']}\n{f['value']}")
            if (e.get("footer") or {}).get("text"):
                parts.append(e["footer"]["text"])
        return "\n".join(parts)

    def pings_nobody(self) -> bool:
        am = self.allowed_mentions
        return (
            am is not None
            and am.get("parse") == []
            and not am.get("roles")
            and not am.get("users")
            and not am.get("replied_user")
        )
