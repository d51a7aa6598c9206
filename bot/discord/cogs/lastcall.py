"""/lastcall: the latest contact, with what it means."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.shared import description, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot


class LastcallCog(commands.Cog):
    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @app_commands.command(name="lastcall", description=description("lastcall"))
    @app_commands.guild_only()
    @surface("lastcall")
    async def lastcall(
        self, interaction: discord.Interaction, with_: str | None = None, track: str | None = None
    ) -> None:
        await self.bot.run_command(interaction, "lastcall", {"with": with_, "track": track})
