"""/timeline: a picture of contacts over time, attached to the reply and shown in its embed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.shared import description, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot


class TimelineCog(commands.Cog):
    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @app_commands.command(name="timeline", description=description("timeline"))
    @app_commands.guild_only()
    @surface("timeline")
    async def timeline(
        self,
        interaction: discord.Interaction,
        with_: str | None = None,
        track: str | None = None,
        since: str | None = None,
        until: str | None = None,
        issue: str | None = None,
    ) -> None:
        await self.bot.run_command(
            interaction,
            "timeline",
            {"with": with_, "track": track, "since": since, "until": until, "issue": issue},
        )
