"""/event add|show|edit|delete|list: the contact events themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.shared import description, group, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot

Minutes = app_commands.Range[int, 1, 1440]


class EventCog(commands.Cog):
    event = group("event", "Contact events: add, show, edit, delete, list")

    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @event.command(name="add", description=description("event add"))
    @surface("event add")
    async def add(
        self,
        interaction: discord.Interaction,
        date: str,
        us: str,
        cn: str,
        kind: str,
        track: str | None = None,
        minutes: Minutes | None = None,
        requested_by: str | None = None,
        location: str | None = None,
        summary: str | None = None,
        source: str | None = None,
        status: str | None = None,
        us_raised: str | None = None,
        cn_raised: str | None = None,
    ) -> None:
        await self.bot.run_command(
            interaction,
            "event add",
            {
                "date": date,
                "us": us,
                "cn": cn,
                "kind": kind,
                "track": track,
                "minutes": minutes,
                "requested_by": requested_by,
                "location": location,
                "summary": summary,
                "source": source,
                "status": status,
                "us_raised": us_raised,
                "cn_raised": cn_raised,
            },
        )

    @event.command(name="show", description=description("event show"))
    @surface("event show")
    async def show(self, interaction: discord.Interaction, id: int) -> None:
        await self.bot.run_command(interaction, "event show", {"id": id})

    @event.command(name="edit", description=description("event edit"))
    @surface("event edit")
    async def edit(self, interaction: discord.Interaction, id: int, field: str, value: str) -> None:
        await self.bot.run_command(interaction, "event edit", {"id": id, "field": field, "value": value})

    @event.command(name="delete", description=description("event delete"))
    @surface("event delete")
    async def delete(self, interaction: discord.Interaction, id: int) -> None:
        # `confirmed` is not an option: the Confirm button re-runs the command with it set.
        await self.bot.run_command(interaction, "event delete", {"id": id})

    @event.command(name="list", description=description("event list"))
    @surface("event list")
    async def list_(
        self,
        interaction: discord.Interaction,
        since: str | None = None,
        until: str | None = None,
        with_: str | None = None,
        track: str | None = None,
        issue: str | None = None,
        status: str | None = None,
    ) -> None:
        await self.bot.run_command(
            interaction,
            "event list",
            {
                "since": since,
                "until": until,
                "with": with_,
                "track": track,
                "issue": issue,
                "status": status,
            },
        )
