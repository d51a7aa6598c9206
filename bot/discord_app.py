"""Hotline on Discord: the bot, how one slash command runs, and the `run` / `sync` entry points.

Every slash command goes through `HotlineBot.run_command`: it works out who is calling (the
guild is the workspace; editors have Manage Server or the workspace's editor role), calls
commands.dispatch, renders the Reply and sends it. Errors are handled here and only here, in
this order: a UserError becomes a private reply saying what to fix; anything else is logged
with a reference, the command, its options, the workspace and the user, and the member gets a
private "something went wrong (ref …)". Each command ends with one log line.

Nothing here opens the store or reads settings: the entrypoint builds them and passes them in.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import os
import secrets
import signal
import socket
import time
import weakref
from collections.abc import Mapping
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot import discord_render as render
from bot.discord_views import ConfirmView, PagedView
from bot.scheduler import DigestScheduler
from commands.context import Caller, Clock, CoreSettings, Ctx
from commands.delivery import DeliveryError, DigestDelivery
from commands.errors import UserError
from commands.reply import Reply
from commands.surface import COMMANDS, dispatch
from config.settings import Settings, SettingsError
from storage.store import Store

log = logging.getLogger("hotline.discord")

# Discord forgets an interaction that is not answered within three seconds. A command still
# running after this long is deferred ("Hotline is thinking…") and answered with a followup.
DEFER_AFTER = 1.5
# Buttons expire. Pages may be browsed for ten minutes; the interaction token that edits the
# message lives fifteen, so both views tidy their message before the token dies.
PAGE_TIMEOUT = 600.0
CONFIRM_TIMEOUT = 120.0


def intents() -> discord.Intents:
    """Guilds only: channels and roles for options and the editor role. No privileged intent."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


def new_ref() -> str:
    return secrets.token_hex(4)


def _retrieve(task: asyncio.Future[Reply]) -> None:
    # Marks the exception as seen: run_command handles it, or _log_late_failure does.
    if not task.cancelled():
        task.exception()


def _log_late_failure(ref: str, name: str, task: asyncio.Future[Reply]) -> None:
    """A command still running when answering Discord failed: say how it ended, under the same ref."""
    exc = None if task.cancelled() else task.exception()
    if exc is None:
        log.warning("command /%s (ref=%s) completed after its interaction failed", name, ref)
    elif not isinstance(exc, UserError):
        log.error("command /%s (ref=%s) also failed", name, ref, exc_info=exc)


class HotlineBot(commands.Bot):
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        clock: Clock,
        defer_after: float = DEFER_AFTER,
        page_timeout: float = PAGE_TIMEOUT,
        confirm_timeout: float = CONFIRM_TIMEOUT,
        sync_dev_guild: bool = True,
        digests: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(
            # Slash commands only; without the message content intent a prefix would never match.
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            # Every record belongs to a guild: the commands do not exist in DMs.
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False),
            **options,
        )
        self.settings = settings
        self.store = store
        self.clock = clock
        self.core = CoreSettings(default_timezone=settings.default_timezone, dormant_days=settings.dormant_days)
        self.defer_after = defer_after
        self.page_timeout = page_timeout
        self.confirm_timeout = confirm_timeout
        self.sync_dev_guild = sync_dev_guild
        self.scheduler: DigestScheduler | None = None
        self._scheduler_start: asyncio.Task[None] | None = None
        # Open views, stopped at close so that no expiry timer outlives the bot.
        self._views: weakref.WeakSet[PagedView] = weakref.WeakSet()
        if digests:
            delivery = DigestDelivery(
                store,
                clock,
                self.core,
                DiscordPoster(self),
                # Names this process in the digest claims, so two bots on one store post once.
                claimer=f"discord:{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}",
                catchup=dt.timedelta(hours=settings.digest_catchup_hours),
            )
            self.scheduler = DigestScheduler(delivery)

    async def setup_hook(self) -> None:
        from bot.cogs import all_cogs  # the cogs import this module for typing

        for cog in all_cogs(self):
            await self.add_cog(cog)
        self.tree.error(self._on_tree_error)
        if self.scheduler is not None:
            # Posting needs only the REST API, which login has opened, so missed digests can go out
            # now; in the background, because retries against a struggling Discord can take minutes
            # and must not hold up the gateway connection.
            self._scheduler_start = asyncio.create_task(self._start_scheduler())
        if self.settings.dev_guild and self.sync_dev_guild:
            guild = discord.Object(self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to the development guild %s", len(synced), self.settings.dev_guild)

    async def _start_scheduler(self) -> None:
        assert self.scheduler is not None
        try:
            await self.scheduler.start()
        except Exception:
            log.exception("the digest scheduler failed to start; digests will not be posted until a restart")

    async def close(self) -> None:
        if self._scheduler_start is not None and not self._scheduler_start.done():
            self._scheduler_start.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scheduler_start
        if self.scheduler is not None:
            self.scheduler.shutdown()
        for view in list(self._views):
            view.stop()
        await super().close()

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))

    # -- one command -------------------------------------------------------------------------

    async def caller(self, interaction: discord.Interaction) -> Caller:
        if interaction.guild_id is None:
            raise UserError("Hotline keeps one record per server: use its commands in a server channel")
        workspace = f"discord:{interaction.guild_id}"
        user = interaction.user
        perms = interaction.permissions
        is_editor = perms.administrator or perms.manage_guild
        if not is_editor and isinstance(user, discord.Member):
            role = (await self.store.workspace_settings(workspace)).editor_role
            is_editor = role is not None and role.isdigit() and user.get_role(int(role)) is not None
        return Caller(workspace, str(user.id), user.display_name, is_editor)

    async def run_command(
        self,
        interaction: discord.Interaction,
        name: str,
        args: Mapping[str, Any],
        *,
        replace: bool = False,
    ) -> bool:
        """Run one command for this interaction and answer it; True if the command succeeded.

        `replace`: the interaction is a button press, and the result replaces the message the
        button was on (the confirmed re-run of a delete).
        """
        started = time.monotonic()
        workspace = f"discord:{interaction.guild_id}"
        outcome = "ok"
        deferred = False
        task: asyncio.Future[Reply] | None = None
        try:
            caller = await self.caller(interaction)
            ctx = Ctx(self.store, caller, self.clock, self.core)
            task = asyncio.ensure_future(dispatch(ctx, name, args))
            task.add_done_callback(_retrieve)
            done, _ = await asyncio.wait({task}, timeout=self.defer_after)
            if not done:
                deferred = True
                if replace:
                    await interaction.response.defer()
                else:
                    await interaction.response.defer(thinking=True)
            reply = await task
            if self.scheduler is not None and name.startswith("digest ") and COMMANDS[name].writes:
                await self.scheduler.sync_jobs()  # the store changed; the jobs follow it
            await self.send_reply(interaction, reply, deferred=deferred, replace=replace)
            return True
        except UserError as exc:
            outcome = f"refused ({type(exc).__name__})"
            await self._send_private(interaction, render.error_embed(str(exc)), deferred=deferred)
            return False
        except Exception:
            ref = new_ref()
            outcome = f"failed ref={ref}"
            log.exception(
                "command failed ref=%s command=/%s options=%r workspace=%s user=%s channel=%s",
                ref,
                name,
                dict(args),
                workspace,
                interaction.user.id,
                interaction.channel_id,
            )
            if task is not None and not task.done():
                # Answering Discord failed while the command runs on: it may still write; log how it ends.
                task.add_done_callback(functools.partial(_log_late_failure, ref, name))
            await self._send_private(
                interaction,
                render.error_embed(f"Something went wrong (ref {ref}). It has been logged for whoever runs Hotline."),
                deferred=deferred,
                quiet=True,
            )
            return False
        finally:
            log.info(
                "command workspace=%s user=%s command=/%s duration_ms=%d outcome=%s",
                workspace,
                interaction.user.id,
                name,
                (time.monotonic() - started) * 1000,
                outcome,
            )

    async def send_reply(
        self, interaction: discord.Interaction, reply: Reply, *, deferred: bool = False, replace: bool = False
    ) -> None:
        pages = render.render(reply)
        view: PagedView | None = None
        content: str | None = render.ping_content(reply)
        if reply.confirm is not None:
            view = ConfirmView(
                self,
                reply.confirm,
                pages,
                owner_id=interaction.user.id,
                origin=interaction,
                timeout=self.confirm_timeout,
            )
            # The prompt goes above the embed unless the reply already says it.
            if reply.confirm.prompt not in reply.lines:
                content = render.render_line(reply.confirm.prompt)
        elif len(pages) > 1:
            view = PagedView(pages, owner_id=interaction.user.id, origin=interaction, timeout=self.page_timeout)
        if view is not None:
            self._views.add(view)
        mentions = render.allowed_mentions(reply)
        if replace:
            if deferred:
                await interaction.edit_original_response(
                    content=content, embed=pages[0], view=view, allowed_mentions=mentions
                )
            else:
                await interaction.response.edit_message(
                    content=content, embed=pages[0], view=view, allowed_mentions=mentions
                )
            return
        if not deferred:
            await interaction.response.send_message(
                content=content,
                embed=pages[0],
                view=view or discord.utils.MISSING,
                ephemeral=reply.ephemeral,
                allowed_mentions=mentions,
            )
            return
        if reply.ephemeral:
            # A defer is public; a private answer must replace the public "thinking…" message.
            await interaction.delete_original_response()
        await interaction.followup.send(
            content=content or discord.utils.MISSING,
            embed=pages[0],
            view=view or discord.utils.MISSING,
            ephemeral=reply.ephemeral,
            allowed_mentions=mentions,
            wait=True,
        )

    async def _send_private(
        self, interaction: discord.Interaction, embed: discord.Embed, *, deferred: bool, quiet: bool = False
    ) -> None:
        """An error, visible to the caller only, whatever state the interaction is in."""
        try:
            if not interaction.response.is_done():
                await interaction.response.send_message(
                    embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
                )
                return
            if deferred and interaction.type is discord.InteractionType.application_command:
                await interaction.delete_original_response()
            await interaction.followup.send(
                embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none(), wait=True
            )
        except discord.HTTPException as exc:
            if not quiet:
                raise
            # Telling the member failed too (the interaction expired?); the log has the ref.
            log.warning("could not send the error reply: %s", exc)

    async def _on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """What escapes run_command: options Discord sent that did not convert, unknown commands."""
        command = interaction.command.qualified_name if interaction.command else "?"
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            log.warning("out-of-date command /%s in guild %s: %s", command, interaction.guild_id, error)
            message = "This command is out of date. Ask whoever runs Hotline to sync its commands."
        else:
            ref = new_ref()
            log.error(
                "command failed ref=%s command=/%s workspace=discord:%s user=%s",
                ref,
                command,
                interaction.guild_id,
                interaction.user.id,
                exc_info=error,
            )
            message = f"Something went wrong (ref {ref}). It has been logged for whoever runs Hotline."
        await self._send_private(interaction, render.error_embed(message), deferred=False, quiet=True)


class DiscordPoster:
    """Posts a digest in a channel for commands.delivery: pages in order, one message each.

    discord.py already waits out rate limits (429) and retries server errors; what still fails is
    reported as a DeliveryError whose kind tells delivery whether to pause or retry. A retry of
    the same digest resumes after the pages already posted, so a failure halfway never posts the
    first pages twice.
    """

    def __init__(self, bot: HotlineBot, send_timeout: float = 30.0) -> None:
        self.bot = bot
        # Without a bound, a stalled connection would hold this channel's digest for aiohttp's five
        # minutes; a post that got no answer is reported as uncertain rather than retried.
        self.send_timeout = send_timeout
        self._progress: list[tuple[weakref.ref[Reply], list[str]]] = []

    def _sent_for(self, reply: Reply) -> list[str]:
        self._progress = [(ref, ids) for ref, ids in self._progress if ref() is not None]
        for ref, sent in self._progress:
            if ref() is reply:
                return sent
        fresh: list[str] = []
        self._progress.append((weakref.ref(reply), fresh))
        return fresh

    async def post(self, channel_id: str, reply: Reply) -> list[str]:
        pages = render.render(reply)
        channel = self.bot.get_partial_messageable(int(channel_id))
        sent = self._sent_for(reply)
        for i in range(len(sent), len(pages)):
            first = i == 0
            try:
                message = await asyncio.wait_for(
                    channel.send(
                        content=render.ping_content(reply) if first else None,
                        embed=pages[i],
                        # Only the first message may ping the chosen role; the rest ping nobody.
                        allowed_mentions=render.allowed_mentions(reply) if first else discord.AllowedMentions.none(),
                    ),
                    self.send_timeout,
                )
            except TimeoutError as exc:
                raise DeliveryError("uncertain", f"no answer within {self.send_timeout:g} s") from exc
            except discord.NotFound as exc:
                raise DeliveryError("missing", f"{exc.status} {exc.text}") from exc
            except discord.Forbidden as exc:
                raise DeliveryError("forbidden", f"{exc.status} {exc.text}") from exc
            except (discord.HTTPException, aiohttp.ClientError) as exc:
                raise DeliveryError("transient", str(exc) or type(exc).__name__) from exc
            sent.append(str(message.id))
        self._progress = [(ref, ids) for ref, ids in self._progress if ref() is not reply]
        return list(sent)


def _token(settings: Settings) -> str:
    if not settings.discord_token:
        raise SettingsError("DISCORD_TOKEN is not set: Hotline cannot connect to Discord without it")
    return settings.discord_token


async def run_discord(settings: Settings, store: Store, clock: Clock) -> None:
    """Run the bot until SIGTERM or Ctrl-C, then stop the digest scheduler and close the gateway.

    The caller opened the store and closes it after this returns.
    """
    token = _token(settings)
    bot = HotlineBot(settings=settings, store=store, clock=clock)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
        except (NotImplementedError, RuntimeError):  # not on this platform, or not the main thread
            pass
    try:
        async with bot:
            running = asyncio.create_task(bot.start(token))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                log.info("stopping: closing the gateway")
                await bot.close()
            stopping.cancel()
            await running  # re-raises a login failure or a fatal gateway error
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
    log.info("stopped")


async def sync_commands(settings: Settings, store: Store, clock: Clock) -> None:
    """Register the slash commands everywhere (a deliberate act: `python -m bot sync`)."""
    token = _token(settings)
    bot = HotlineBot(settings=settings, store=store, clock=clock, sync_dev_guild=False, digests=False)
    async with bot:
        await bot.login(token)  # runs setup_hook, which loads the cogs; no gateway connection
        synced = await bot.tree.sync()
    log.info("synced %d commands globally; Discord may take a while to show them everywhere", len(synced))
