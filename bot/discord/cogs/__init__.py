"""One cog per command family. Each slash handler only gathers its options and calls
HotlineBot.run_command, which dispatches to commands/ and renders the reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot


def all_cogs(bot: HotlineBot) -> list[commands.Cog]:
    from bot.discord.cogs.concern import ConcernCog
    from bot.discord.cogs.digest import DigestCog
    from bot.discord.cogs.event import EventCog
    from bot.discord.cogs.feed import FeedCog
    from bot.discord.cogs.hotline import HotlineCog
    from bot.discord.cogs.lastcall import LastcallCog
    from bot.discord.cogs.person import PersonCog
    from bot.discord.cogs.question import QuestionCog
    from bot.discord.cogs.readout import ReadoutCog
    from bot.discord.cogs.search import SearchCog
    from bot.discord.cogs.timeline import TimelineCog

    return [
        LastcallCog(bot),
        TimelineCog(bot),
        EventCog(bot),
        ConcernCog(bot),
        QuestionCog(bot),
        PersonCog(bot),
        SearchCog(bot),
        DigestCog(bot),
        HotlineCog(bot),
        ReadoutCog(bot),
        FeedCog(bot),
    ]
