"""Discord as a platform of the runtime: log in, stay connected, stop promptly; and `python -m bot sync`.

Start is login (REST: the token is checked, the commands are loaded and, with a development guild,
synced) followed by the gateway connection in a task of its own; posting works from the login on.
Stop closes the bot, then cancels that task: discord.py's close does not wake a connection task
that sleeps out a reconnect backoff (seconds to minutes while Discord is unreachable).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl

from bot.discord.app import HotlineBot, build_bot
from bot.discord.info import DISCORD
from bot.discord.poster import DiscordPoster
from bot.runtime.platform import StartupError
from bot.runtime.runner import Runner
from commands.context import Clock, CoreSettings
from commands.delivery import Poster
from config.settings import DiscordSettings, SettingsError
from storage.contract import StoreContract

if TYPE_CHECKING:
    from bot.runtime.service import Runtime

log = logging.getLogger("hotline.discord")

CLOSE_BOUND = 2.0  # seconds for discord.py's close (gateway and HTTP session)
CANCEL_BOUND = 2.0  # seconds for the connection task to end once cancelled


def token_of(settings: DiscordSettings) -> str:
    if not settings.token:
        raise SettingsError("DISCORD_TOKEN is not set: Hotline cannot connect to Discord without it")
    return settings.token


def startup_error(exc: BaseException) -> StartupError:
    """One line a person can act on, for what went wrong while logging in to Discord."""
    where = yarl.URL(discord.http.Route.BASE).host or "Discord"
    if isinstance(exc, discord.LoginFailure):
        return StartupError(
            "discord: Discord refused the bot token (401 Unauthorized): check DISCORD_TOKEN "
            "(the Bot page of the application in Discord's developer portal; reset it if it leaked)"
        )
    if isinstance(exc, discord.HTTPException):
        return StartupError(
            f"discord: Discord answered {exc.status} while Hotline logged in ({exc.text or 'no detail'}): "
            "check the bot's token and permissions, or try again if Discord is having trouble"
        )
    reason = str(exc) or type(exc).__name__
    return StartupError(
        f"discord: cannot reach Discord at {where} ({reason}): check the network connection, DNS and any proxy"
    )


class DiscordPlatform:
    name = "discord"

    def __init__(self, settings: DiscordSettings, bot: HotlineBot) -> None:
        self.settings = settings
        self.bot = bot
        self._connection: asyncio.Task[None] | None = None

    @classmethod
    def from_runtime(cls, runtime: Runtime, **bot_options: Any) -> DiscordPlatform:
        settings = runtime.settings.discord
        bot = build_bot(
            shard_ids=settings.shard_ids,
            shard_count=settings.shard_count,
            runner=runtime.runner(DISCORD),
            store=runtime.store,
            dev_guild=settings.dev_guild,
            **bot_options,
        )
        return cls(settings, bot)

    @property
    def connected(self) -> bool:
        """Ready, and every connection open: the one gateway connection, or each of this process's shards."""
        if not self.bot.is_ready() or self.bot.is_closed():
            return False
        if isinstance(self.bot, discord.AutoShardedClient):
            shards = self.bot.shards
            wanted = self.settings.shard_ids or ()
            return set(shards) == set(wanted) and not any(shard.is_closed() for shard in shards.values())
        ws = self.bot.ws
        return ws is not None and ws.open

    async def start(self) -> None:
        token = token_of(self.settings)
        try:
            await self.bot.login(token)  # also runs setup_hook: the cogs, the dev guild's commands
        except (discord.LoginFailure, discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            await self._close()
            raise startup_error(exc) from None
        self._connection = asyncio.create_task(self.bot.connect(reconnect=True), name="discord gateway")

    async def wait(self) -> None:
        if self._connection is None:
            return
        try:
            await asyncio.shield(self._connection)
        except discord.PrivilegedIntentsRequired:
            raise StartupError(
                "discord: Discord refused the gateway intents: Hotline needs no privileged intent; "
                "check the application's settings in the developer portal"
            ) from None
        except discord.LoginFailure:
            raise StartupError("discord: Discord refused the bot token on the gateway: check DISCORD_TOKEN") from None

    async def stop(self) -> None:
        await self._close()
        task, self._connection = self._connection, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=CANCEL_BOUND)
        if task is not None and task.done() and not task.cancelled() and task.exception() is not None:
            log.warning("the Discord connection had ended with: %r", task.exception())

    async def _close(self) -> None:
        try:
            await asyncio.wait_for(self.bot.close(), CLOSE_BOUND)
        except TimeoutError:
            log.warning("closing the Discord connection took over %g s; going on", CLOSE_BOUND)

    def poster(self) -> Poster | None:
        return DiscordPoster(self.bot, self.settings)


async def sync_commands(settings: DiscordSettings, store: StoreContract, clock: Clock, core: CoreSettings) -> None:
    """Register the slash commands everywhere (a deliberate act: `python -m bot sync`)."""
    token = token_of(settings)
    bot = HotlineBot(runner=Runner(store, clock, core, DISCORD), store=store, sync_dev_guild=False)
    async with bot:
        try:
            await bot.login(token)  # runs setup_hook, which loads the cogs; no gateway connection
        except (discord.LoginFailure, discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise startup_error(exc) from None
        synced = await bot.tree.sync()
    log.info("synced %d commands globally; Discord may take a while to show them everywhere", len(synced))
