"""/digest preview|subscribe|unsubscribe|pause|resume|status: the weekly digest of a channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.shared import ChannelId, RoleId, description, group, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot

Days = app_commands.Range[int, 1, 366]
Channel = app_commands.Transform[str, ChannelId]
Role = app_commands.Transform[str, RoleId]


class DigestCog(commands.Cog):
    digest = group("digest", "The weekly digest: preview it, subscribe a channel, pause, resume")

    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @digest.command(name="preview", description=description("digest preview"))
    @surface("digest preview")
    async def preview(
        self, interaction: discord.Interaction, days: Days | None = None, chart: bool | None = None
    ) -> None:
        await self.bot.run_command(interaction, "digest preview", {"days": days, "chart": chart})

    @digest.command(name="subscribe", description=description("digest subscribe"))
    @surface("digest subscribe")
    async def subscribe(
        self,
        interaction: discord.Interaction,
        channel: Channel,
        weekday: str | None = None,
        time: str | None = None,
        timezone: str | None = None,
        role: Role | None = None,
        chart: bool | None = None,
    ) -> None:
        await self.bot.run_command(
            interaction,
            "digest subscribe",
            {
                "channel": channel,
                "weekday": weekday,
                "time": time,
                "timezone": timezone,
                "role": role,
                "chart": chart,
            },
        )

    @digest.command(name="unsubscribe", description=description("digest unsubscribe"))
    @surface("digest unsubscribe")
    async def unsubscribe(self, interaction: discord.Interaction, channel: Channel) -> None:
        await self.bot.run_command(interaction, "digest unsubscribe", {"channel": channel})

    @digest.command(name="pause", description=description("digest pause"))
    @surface("digest pause")
    async def pause(self, interaction: discord.Interaction, channel: Channel) -> None:
        await self.bot.run_command(interaction, "digest pause", {"channel": channel})

    @digest.command(name="resume", description=description("digest resume"))
    @surface("digest resume")
    async def resume(self, interaction: discord.Interaction, channel: Channel) -> None:
        await self.bot.run_command(interaction, "digest resume", {"channel": channel})

    @digest.command(name="status", description=description("digest status"))
    @surface("digest status")
    async def status(self, interaction: discord.Interaction) -> None:
        await self.bot.run_command(interaction, "digest status", {})
