"""What every cog shares: descriptions, choices and autocomplete taken from the command surface.

The surface (commands/surface.py) is the one source of command descriptions, option
descriptions and choices; `surface()` applies them to a slash command so a cog cannot drift
from it. What Python annotations must say (an integer's range, a channel or role option) is
written in the cog and checked against the surface by the tests.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import zoneinfo
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands

from commands import autocomplete
from commands.options import param_name
from commands.surface import COMMANDS, Command
from storage.contract import StoreContract

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot

log = logging.getLogger("hotline.discord")

F = TypeVar("F", bound=Callable[..., Any])
Choices = list[app_commands.Choice[str]]
Suggest = Callable[[StoreContract, str, str], Awaitable[list[tuple[str, str]]]]

# Discord drops an autocomplete answer that comes later than three seconds.
AUTOCOMPLETE_TIMEOUT = 2.0
CHOICE_MAX = 100  # characters in a choice's name and in a string choice's value
DISCORD_INT_MAX = 2**53 - 1  # integer options are JavaScript-safe integers; Discord refuses larger bounds
SIDES = (("us", "us — the US side"), ("china", "china — the Chinese side"))


def bot_of(interaction: discord.Interaction) -> HotlineBot:
    return cast("HotlineBot", interaction.client)


def command(name: str) -> Command:
    return COMMANDS[name]


def description(name: str) -> str:
    return COMMANDS[name].description


def _clip(text: str) -> str:
    return text if len(text) <= CHOICE_MAX else text[: CHOICE_MAX - 1] + "…"


async def _suggest(interaction: discord.Interaction, suggest: Suggest, prefix: str) -> list[tuple[str, str]]:
    if interaction.guild_id is None:
        return []
    bot = bot_of(interaction)
    try:
        return await asyncio.wait_for(
            suggest(bot.store, f"discord:{interaction.guild_id}", prefix), AUTOCOMPLETE_TIMEOUT
        )
    except TimeoutError:
        log.warning("autocomplete timed out for %r in guild %s", prefix, interaction.guild_id)
    except Exception:
        # No suggestions is a better answer than an error the member cannot act on.
        log.exception("autocomplete failed for %r in guild %s", prefix, interaction.guild_id)
    return []


def _single(suggest: Suggest, *, sides: bool = False) -> Callable[..., Awaitable[Choices]]:
    async def complete(interaction: discord.Interaction, current: str) -> Choices:
        typed = current.strip()
        out: Choices = []
        if sides:
            out.extend(
                app_commands.Choice(name=label, value=value)
                for value, label in SIDES
                if value.startswith(typed.lower())
            )
        for label, value in await _suggest(interaction, suggest, typed):
            if len(value) <= CHOICE_MAX:
                out.append(app_commands.Choice(name=_clip(label), value=value))
        return out[:25]

    return complete


def _listed(suggest: Suggest) -> Callable[..., Awaitable[Choices]]:
    """Completion for "a, b, c" options: complete the last item, keep the ones before it."""

    async def complete(interaction: discord.Interaction, current: str) -> Choices:
        head, sep, last = current.rpartition(",")
        kept = [item.strip() for item in head.split(",") if item.strip()] if sep else []
        prefix = ", ".join(kept) + ", " if kept else ""
        out: Choices = []
        for label, value in await _suggest(interaction, suggest, last.strip()):
            if value in kept:
                continue
            full = prefix + value
            if len(full) <= CHOICE_MAX:
                out.append(app_commands.Choice(name=_clip(prefix + label), value=full))
        return out[:25]

    return complete


async def _events(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
    out: list[app_commands.Choice[int]] = []
    for label, value in await _suggest(interaction, autocomplete.events, current.strip()):
        if value.isdigit():
            out.append(app_commands.Choice(name=_clip(label), value=int(value)))
    return out[:25]


# The autocomplete of each option type of the surface. discord.py calls a plain function (not
# a method) with (interaction, current); `is_inside_class` tells them apart by __qualname__.
AUTOCOMPLETE: dict[str, Callable[..., Awaitable[Any]]] = {
    "person": _single(autocomplete.people),
    "people": _listed(autocomplete.people),
    "issue": _single(autocomplete.issues),
    "issues": _listed(autocomplete.issues),
    "event": _events,
}
WHO = _single(autocomplete.people, sides=True)  # `with`: a person or a side


@functools.cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


async def _timezones(interaction: discord.Interaction, current: str) -> Choices:
    """IANA names containing what was typed ("york" finds America/New_York), no store needed."""
    typed = current.strip().lower().replace(" ", "_")
    found = [z for z in _zones() if z.lower().startswith(typed)]
    found += [z for z in _zones() if typed in z.lower() and z not in found]
    return [app_commands.Choice(name=z, value=z) for z in found[:25]]


def surface(name: str) -> Callable[[F], F]:
    """Apply the surface's descriptions, choices and autocomplete to a slash command's callback."""
    spec = COMMANDS[name]

    def apply(func: F) -> F:
        described: dict[str, str] = {}
        choices: dict[str, list[app_commands.Choice[str]]] = {}
        completes: dict[str, Any] = {}
        renames: dict[str, str] = {}
        for option in spec.options:
            if option.name == "confirmed":
                continue  # set by the confirmation buttons, never typed
            param = param_name(option.name)
            if param != option.name:
                renames[param] = option.name
            described[param] = option.description
            if option.choices:
                choices[param] = [app_commands.Choice(name=c, value=c) for c in option.choices]
            if option.name == "with":
                completes[param] = WHO
            elif option.name == "timezone":
                completes[param] = _timezones
            elif option.type in AUTOCOMPLETE:
                completes[param] = AUTOCOMPLETE[option.type]
        decorated: Any = app_commands.describe(**described)(func)
        if renames:
            decorated = app_commands.rename(**renames)(decorated)
        if choices:
            decorated = app_commands.choices(**choices)(decorated)
        if completes:
            decorated = app_commands.autocomplete(**completes)(decorated)
        return cast(F, decorated)

    return apply


class ChannelId(app_commands.Transformer):
    """A text or announcement channel option, handed to commands/ as the channel's id.

    Built from the interaction's resolved data, so it works whether or not the channel is cached.
    """

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> str:
        return str(value.id)


class RoleId(app_commands.Transformer):
    """A role option, handed to commands/ as the role's id."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.role

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> str:
        return str(value.id)


def group(name: str, description: str) -> app_commands.Group:
    return app_commands.Group(name=name, description=description, guild_only=True)
