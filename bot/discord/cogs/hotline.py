"""/hotline editors|office|offices|timezone|help: the workspace's own settings, and what Hotline does."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.shared import RoleId, description, group, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot

Role = app_commands.Transform[str, RoleId]


class HotlineCog(commands.Cog):
    hotline = group("hotline", "About Hotline, and this server's settings: editors, offices, time zone")

    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @hotline.command(name="editors", description=description("hotline editors"))
    @surface("hotline editors")
    async def editors(self, interaction: discord.Interaction, role: Role) -> None:
        await self.bot.run_command(interaction, "hotline editors", {"role": role})

    @hotline.command(name="office", description=description("hotline office"))
    @surface("hotline office")
    async def office(
        self, interaction: discord.Interaction, side: str, form: str, office: str, track: str | None = None
    ) -> None:
        await self.bot.run_command(
            interaction,
            "hotline office",
            {
                "side": side,
                "form": form,
                "office": office,
                "track": track,
            },
        )

    @hotline.command(name="offices", description=description("hotline offices"))
    @surface("hotline offices")
    async def offices(self, interaction: discord.Interaction, side: str | None = None) -> None:
        await self.bot.run_command(interaction, "hotline offices", {"side": side})

    @hotline.command(name="timezone", description=description("hotline timezone"))
    @surface("hotline timezone")
    async def timezone(self, interaction: discord.Interaction, timezone: str) -> None:
        await self.bot.run_command(interaction, "hotline timezone", {"timezone": timezone})

    @hotline.command(name="help", description=description("hotline help"))
    @surface("hotline help")
    async def help(self, interaction: discord.Interaction, command: str | None = None) -> None:
        await self.bot.run_command(interaction, "hotline help", {"command": command})
