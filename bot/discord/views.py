"""Buttons: pages of a long reply, and the confirmation a delete asks for.

Both answer only the member who ran the command (anyone else gets a private note), expire, and
take their buttons off the message when they expire, so nobody presses a dead button. Views
live in memory only: after a restart the buttons of old messages do nothing, which is fine for
things that expire within minutes anyway.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.discord import images
from commands.reply import Confirm, Image

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot

log = logging.getLogger("hotline.discord")


class OwnedView(discord.ui.View):
    """A view whose buttons answer one member, and which edits its message when it expires.

    `origin` is the interaction whose response carries the view: its token stays valid for
    15 minutes, which is why no view here lives longer than that.
    """

    def __init__(self, *, owner_id: int, origin: discord.Interaction, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.origin = origin
        self.refusal = "These buttons answer only the member who ran the command."

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            self.refusal, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
        return False

    async def _edit_origin(self, **changes: Any) -> None:
        try:
            await self.origin.edit_original_response(**changes)
        except discord.HTTPException as exc:
            # The message may have been deleted, or the token expired: nothing left to tidy.
            log.warning("could not update an expired message: %s", exc)


class PagedView(OwnedView):
    """Previous / Next through the pages of one reply.

    A reply's picture is shown by its first page only (bot/discord/images.py): turning to another
    page drops the file from the message, so it does not hang loose below that page's embed, and
    turning back uploads it again.
    """

    def __init__(
        self,
        pages: list[discord.Embed],
        *,
        owner_id: int,
        origin: discord.Interaction,
        timeout: float,
        image: Image | None = None,
    ) -> None:
        super().__init__(owner_id=owner_id, origin=origin, timeout=timeout)
        self.pages = pages
        self.image = image
        self.index = 0
        self.refusal = "Only the member who ran the command can turn these pages; run it yourself to browse."
        if len(pages) < 2:
            self.remove_item(self.previous)
            self.remove_item(self.next)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync_buttons()
        if self.image is None:
            await interaction.response.edit_message(embed=self.pages[self.index], view=self)
            return
        files = [images.file_of(self.image)] if self.index == 0 else []
        await interaction.response.edit_message(embed=self.pages[self.index], view=self, attachments=files)

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[PagedView]) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[PagedView]) -> None:
        await self._show(interaction, self.index + 1)

    async def on_timeout(self) -> None:
        # Keep the page being read; only the buttons go.
        await self._edit_origin(view=None)


class ConfirmView(PagedView):
    """Confirm or Cancel a command that asked to be confirmed (Reply.confirm)."""

    def __init__(
        self,
        bot: HotlineBot,
        confirm: Confirm,
        pages: list[discord.Embed],
        *,
        owner_id: int,
        origin: discord.Interaction,
        timeout: float,
    ) -> None:
        super().__init__(pages, owner_id=owner_id, origin=origin, timeout=timeout)
        self.bot = bot
        self.confirm = confirm
        self.refusal = "Only the member who asked can confirm or cancel this."

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm_button(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        self.stop()  # one answer only: a second press finds no view
        done = await self.bot.run_confirmed(interaction, self.confirm)
        if not done:
            # The error went privately to the member; the prompt must not stay pressable.
            await self._edit_origin(view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel_button(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled: nothing was changed.", embeds=[], view=None)

    async def on_timeout(self) -> None:
        await self._edit_origin(
            content="Expired without an answer: nothing was changed. Run the command again if you still want it.",
            embeds=[],
            view=None,
        )
