"""One cog per command family. Each slash handler only gathers its options and calls
HotlineBot.run_command, which dispatches to commands/ and renders the reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

if TYPE_CHECKING:
    from bot.discord_app import HotlineBot


def all_cogs(bot: HotlineBot) -> list[commands.Cog]:
    from bot.cogs.concern import ConcernCog
    from bot.cogs.digest import DigestCog
    from bot.cogs.event import EventCog
    from bot.cogs.hotline import HotlineCog
    from bot.cogs.lastcall import LastcallCog
    from bot.cogs.person import PersonCog
    from bot.cogs.question import QuestionCog
    from bot.cogs.search import SearchCog

    return [
        LastcallCog(bot),
        EventCog(bot),
        ConcernCog(bot),
        QuestionCog(bot),
        PersonCog(bot),
        SearchCog(bot),
        DigestCog(bot),
        HotlineCog(bot),
    ]
