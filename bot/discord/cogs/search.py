"""/search: words across summaries, concerns, questions and people."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.shared import description, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot


class SearchCog(commands.Cog):
    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @app_commands.command(name="search", description=description("search"))
    @app_commands.guild_only()
    @surface("search")
    async def search(self, interaction: discord.Interaction, query: str) -> None:
        await self.bot.run_command(interaction, "search", {"query": query})
