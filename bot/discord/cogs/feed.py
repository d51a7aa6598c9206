"""/feed add|list|remove|pause|resume: the official feeds watched for readouts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.shared import ChannelId, description, group, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot

Channel = app_commands.Transform[str, ChannelId]


class FeedCog(commands.Cog):
    feed = group("feed", "Official feeds watched for readouts of US–China contacts")

    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @feed.command(name="add", description=description("feed add"))
    @surface("feed add")
    async def add(self, interaction: discord.Interaction, url: str, channel: Channel | None = None) -> None:
        await self.bot.run_command(interaction, "feed add", {"url": url, "channel": channel})

    @feed.command(name="list", description=description("feed list"))
    @surface("feed list")
    async def list_(self, interaction: discord.Interaction) -> None:
        await self.bot.run_command(interaction, "feed list", {})

    @feed.command(name="remove", description=description("feed remove"))
    @surface("feed remove")
    async def remove(self, interaction: discord.Interaction, feed: str) -> None:
        await self.bot.run_command(interaction, "feed remove", {"feed": feed})

    @feed.command(name="pause", description=description("feed pause"))
    @surface("feed pause")
    async def pause(self, interaction: discord.Interaction, feed: str) -> None:
        await self.bot.run_command(interaction, "feed pause", {"feed": feed})

    @feed.command(name="resume", description=description("feed resume"))
    @surface("feed resume")
    async def resume(self, interaction: discord.Interaction, feed: str) -> None:
        await self.bot.run_command(interaction, "feed resume", {"feed": feed})
