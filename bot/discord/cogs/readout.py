"""/readout: a readout into a draft for review. Without options the core answers with a form, which
the bot opens as a modal (readouts are long: Discord caps a command's options at 6000 characters)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.shared import description, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot


class ReadoutCog(commands.Cog):
    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @app_commands.command(name="readout", description=description("readout"))
    @app_commands.guild_only()
    @surface("readout")
    async def readout(
        self,
        interaction: discord.Interaction,
        url: str | None = None,
        text: str | None = None,
        published: str | None = None,
    ) -> None:
        await self.bot.run_command(interaction, "readout", {"url": url, "text": text, "published": published})
