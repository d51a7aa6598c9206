"""/concern add and /positions: what each side said on an issue."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.shared import description, group, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot


class ConcernCog(commands.Cog):
    concern = group("concern", "Concerns and positions each side has stated")

    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @concern.command(name="add", description=description("concern add"))
    @surface("concern add")
    async def add(
        self,
        interaction: discord.Interaction,
        issue: str,
        side: str,
        text: str,
        event: int | None = None,
        by: str | None = None,
        date: str | None = None,
        source: str | None = None,
    ) -> None:
        await self.bot.run_command(
            interaction,
            "concern add",
            {
                "issue": issue,
                "side": side,
                "text": text,
                "event": event,
                "by": by,
                "date": date,
                "source": source,
            },
        )

    @app_commands.command(name="positions", description=description("positions"))
    @app_commands.guild_only()
    @surface("positions")
    async def positions(self, interaction: discord.Interaction, issue: str, side: str | None = None) -> None:
        await self.bot.run_command(interaction, "positions", {"issue": issue, "side": side})
