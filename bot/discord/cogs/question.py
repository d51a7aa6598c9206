"""/question add|answer|drop and /questions: what is still unknown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.cogs.shared import DISCORD_INT_MAX, description, group, surface

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot

# The surface allows larger ids than Discord can carry; Discord's limit is the one that can bind here.
QuestionId = app_commands.Range[int, 1, DISCORD_INT_MAX]


class QuestionCog(commands.Cog):
    question = group("question", "Open questions: add, answer, drop")

    def __init__(self, bot: HotlineBot) -> None:
        self.bot = bot

    @question.command(name="add", description=description("question add"))
    @surface("question add")
    async def add(
        self, interaction: discord.Interaction, text: str, issue: str | None = None, event: int | None = None
    ) -> None:
        await self.bot.run_command(interaction, "question add", {"text": text, "issue": issue, "event": event})

    @question.command(name="answer", description=description("question answer"))
    @surface("question answer")
    async def answer(
        self, interaction: discord.Interaction, id: QuestionId, answer: str, source: str | None = None
    ) -> None:
        await self.bot.run_command(interaction, "question answer", {"id": id, "answer": answer, "source": source})

    @question.command(name="drop", description=description("question drop"))
    @surface("question drop")
    async def drop(self, interaction: discord.Interaction, id: QuestionId, reason: str | None = None) -> None:
        await self.bot.run_command(interaction, "question drop", {"id": id, "reason": reason})

    @app_commands.command(name="questions", description=description("questions"))
    @app_commands.guild_only()
    @surface("questions")
    async def questions(
        self, interaction: discord.Interaction, status: str | None = None, issue: str | None = None
    ) -> None:
        await self.bot.run_command(interaction, "questions", {"status": status, "issue": issue})
