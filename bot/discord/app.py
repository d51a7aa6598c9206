"""Hotline on Discord: the bot, and how one slash command is answered.

Every slash command goes through `HotlineBot.run_command`: it builds the Invocation (the guild is
the workspace; editors have Manage Server or the workspace's editor role), hands it to the shared
Runner (bot/runtime/runner.py), which dispatches, maps errors to a private text with a reference and
logs the command's line, and answers Discord: within its three seconds, deferring a slow command,
rendering the Reply as embeds with buttons. Only what is Discord's lives here.

Nothing here opens the store or reads settings: bot/discord/platform.py builds the bot from them.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import images, render
from bot.discord.actions import ActionButton, FormModal, actions_view
from bot.discord.views import ConfirmView, PagedView
from bot.runtime.runner import UNEXPECTED, Invocation, Outcome, Runner, new_ref
from commands.context import Caller
from commands.errors import UserError
from commands.reply import Confirm, Reply
from storage.contract import StoreContract

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


class HotlineBot(commands.Bot):
    def __init__(
        self,
        *,
        runner: Runner,
        store: StoreContract,
        dev_guild: int | None = None,
        defer_after: float = DEFER_AFTER,
        page_timeout: float = PAGE_TIMEOUT,
        confirm_timeout: float = CONFIRM_TIMEOUT,
        sync_dev_guild: bool = True,
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
        self.runner = runner
        self.store = store  # autocomplete reads it directly
        self.dev_guild = dev_guild
        self.defer_after = defer_after
        self.page_timeout = page_timeout
        self.confirm_timeout = confirm_timeout
        self.sync_dev_guild = sync_dev_guild
        # Open views, stopped at close so that no expiry timer outlives the bot.
        self._views: weakref.WeakSet[PagedView] = weakref.WeakSet()

    async def setup_hook(self) -> None:
        from bot.discord.cogs import all_cogs  # the cogs import this module for typing

        for cog in all_cogs(self):
            await self.add_cog(cog)
        # Buttons of Reply.actions are answered from their custom_id, on any message, after any restart.
        self.add_dynamic_items(ActionButton)
        self.tree.error(self._on_tree_error)
        if self.dev_guild and self.sync_dev_guild:
            guild = discord.Object(self.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to the development guild %s", len(synced), self.dev_guild)

    async def close(self) -> None:
        for view in list(self._views):
            view.stop()
        await super().close()

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))

    # -- one command -------------------------------------------------------------------------

    def invocation(self, interaction: discord.Interaction, name: str, args: Mapping[str, Any]) -> Invocation:
        """Who asked, as far as the interaction tells without the store; `resolve_caller` completes it."""
        user = interaction.user
        caller = Caller(f"discord:{interaction.guild_id}", str(user.id), user.display_name, False)
        channel = str(interaction.channel_id) if interaction.channel_id is not None else None
        return Invocation(caller, name, args, channel)

    async def resolve_caller(self, interaction: discord.Interaction, caller: Caller) -> Caller:
        """Refuse DMs; editors have Manage Server (or Administrator) or the workspace's editor role."""
        if interaction.guild_id is None:
            raise UserError("Hotline keeps one record per server: use its commands in a server channel")
        perms = interaction.permissions
        is_editor = perms.administrator or perms.manage_guild
        user = interaction.user
        if not is_editor and isinstance(user, discord.Member):
            role = (await self.store.workspace_settings(caller.workspace)).editor_role
            is_editor = role is not None and role.isdigit() and user.get_role(int(role)) is not None
        return Caller(caller.workspace, caller.user_id, caller.display_name, is_editor)

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
        button was on.
        """
        inv = self.invocation(interaction, name, args)
        return await self._answer(
            interaction, inv, lambda resolve: self.runner.run(inv, resolve=resolve), replace=replace
        )

    async def run_confirmed(self, interaction: discord.Interaction, confirm: Confirm) -> bool:
        """The Confirm button: the confirmed re-run, replacing the prompt it was pressed on."""
        inv = self.invocation(interaction, confirm.command, confirm.args)
        return await self._answer(
            interaction, inv, lambda resolve: self.runner.confirm(inv, confirm, resolve=resolve), replace=True
        )

    async def _answer(
        self,
        interaction: discord.Interaction,
        inv: Invocation,
        run: Callable[[Callable[[Caller], Awaitable[Caller]]], Awaitable[Outcome]],
        *,
        replace: bool,
    ) -> bool:
        async def resolve(caller: Caller) -> Caller:
            return await self.resolve_caller(interaction, caller)

        task = asyncio.ensure_future(run(resolve))
        deferred = False
        try:
            done, _ = await asyncio.wait({task}, timeout=self.defer_after)
            if not done:
                deferred = True
                if replace:
                    await interaction.response.defer()
                else:
                    await interaction.response.defer(thinking=True)
            outcome = await task
            form = outcome.reply.form if outcome.reply is not None else None
            if form is not None and not deferred and interaction.type is not discord.InteractionType.modal_submit:
                # A modal is an interaction's first answer, or nothing; a late form falls back to its text.
                await interaction.response.send_modal(FormModal(self, form))
                return True
            if outcome.reply is None:
                assert outcome.error is not None
                await self._send_private(
                    interaction, render.error_embed(outcome.error), deferred=deferred, quiet=outcome.ref is not None
                )
                return False
            await self.send_reply(interaction, outcome.reply, deferred=deferred, replace=replace)
            return True
        except Exception:
            # Answering Discord failed (the runner's own errors come back as an Outcome). A command
            # still running goes on and logs its own line when it ends.
            ref = new_ref()
            log.exception(
                "answering failed ref=%s command=/%s workspace=%s user=%s channel=%s",
                ref,
                inv.name,
                inv.caller.workspace,
                inv.caller.user_id,
                inv.channel,
            )
            await self._send_private(
                interaction, render.error_embed(UNEXPECTED.format(ref=ref)), deferred=deferred, quiet=True
            )
            return False

    async def send_reply(
        self, interaction: discord.Interaction, reply: Reply, *, deferred: bool = False, replace: bool = False
    ) -> None:
        pages = render.render(reply)
        if reply.image is not None:
            images.show(pages[0], reply.image)
        view: discord.ui.View | None = None
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
            view = PagedView(
                pages, owner_id=interaction.user.id, origin=interaction, timeout=self.page_timeout, image=reply.image
            )
        elif reply.actions:
            # Answered by custom_id (bot/discord/actions.py): not kept, nothing to stop at close.
            view = actions_view(reply.actions)
        if isinstance(view, PagedView):
            self._views.add(view)
        mentions = render.allowed_mentions(reply)
        # The picture is uploaded with the message that shows it on its first page (images.py).
        file = images.file_of(reply.image) if reply.image is not None else discord.utils.MISSING
        if replace:
            # The replaced message keeps only the picture of the new reply, if it has one.
            kept: list[discord.File] = [] if reply.image is None else [file]
            if deferred:
                await interaction.edit_original_response(
                    content=content, embed=pages[0], view=view, allowed_mentions=mentions, attachments=kept
                )
            else:
                await interaction.response.edit_message(
                    content=content, embed=pages[0], view=view, allowed_mentions=mentions, attachments=kept
                )
            return
        if not deferred:
            await interaction.response.send_message(
                content=content,
                embed=pages[0],
                file=file,
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
            file=file,
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
            message = UNEXPECTED.format(ref=ref)
        await self._send_private(interaction, render.error_embed(message), deferred=False, quiet=True)


class ShardedHotlineBot(HotlineBot, commands.AutoShardedBot):
    """The same bot on some of the gateway's shards (`shard_ids` of `shard_count`): Discord sends this
    process the events, interactions included, of the guilds on those shards only. discord.py's
    AutoShardedBot runs one connection per shard; everything Hotline adds is HotlineBot's."""


def build_bot(*, shard_ids: Sequence[int] | None = None, shard_count: int | None = None, **options: Any) -> HotlineBot:
    """A HotlineBot, sharded when this process runs a subset of the shards. Without shard settings it
    is the plain bot on one connection, as a single process always ran (AutoShardedBot would ask
    Discord's /gateway/bot and reconnect shard by shard: a different life for no gain there)."""
    if shard_ids is None or shard_count is None:
        return HotlineBot(**options)
    return ShardedHotlineBot(shard_ids=list(shard_ids), shard_count=shard_count, **options)
