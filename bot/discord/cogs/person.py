"""/person add|show: the people on each side."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord.cogs.shared import description, group, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot


class PersonCog(commands.Cog):
    person = group("person", "People on each side: add, show")

    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @person.command(name="add", description=description("person add"))
    @surface("person add")
    async def add(
        self,
        interaction: discord.Interaction,
        name: str,
        side: str,
        title: str | None = None,
        aliases: str | None = None,
    ) -> None:
        await self.bot.run_command(
            interaction,
            "person add",
            {
                "name": name,
                "side": side,
                "title": title,
                "aliases": aliases,
            },
        )

    @person.command(name="show", description=description("person show"))
    @surface("person show")
    async def show(self, interaction: discord.Interaction, name: str) -> None:
        await self.bot.run_command(interaction, "person show", {"name": name})
