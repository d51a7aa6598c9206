"""A Reply's actions as buttons that outlive the process, and a Reply's form as a modal.

Each button's custom_id holds the whole action — `hl:readout record:draft=12` — so any running bot on
the store answers it, after a restart too: `ActionButton` is registered with `add_dynamic_items` at
start and rebuilds the action from the custom_id of whatever button was pressed. A press runs the
hidden command through the bot's runner as the member who pressed (permissions, errors, logging as for
any command), and its reply replaces the message. Only hidden commands are run this way.

A form (Reply.form) opens as a modal; submitting it runs the form's command with what was typed. A form
opened from a button replaces that button's message with the command's reply.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import discord

from commands.reply import Action, Form
from commands.surface import COMMANDS

if TYPE_CHECKING:
    from bot.discord.app import HotlineBot

log = logging.getLogger("hotline.discord")

CUSTOM_ID_MAX = 100
LABEL_MAX = 80  # a button's label
MODAL_TITLE_MAX = 45
INPUT_LABEL_MAX = 45
INPUT_VALUE_MAX = 4000
PLACEHOLDER_MAX = 100
FORM_TIMEOUT = 900.0  # a modal left open longer is forgotten (the member runs the command again)
STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
}
TEMPLATE = r"hl:(?P<command>[a-z][a-z ]{0,40}):(?P<args>[A-Za-z0-9_=&%.\-]{0,80})"


def custom_id(action: Action) -> str:
    value = f"hl:{action.command}:{urlencode(sorted((k, str(v)) for k, v in action.args.items()))}"
    if len(value) > CUSTOM_ID_MAX or re.fullmatch(TEMPLATE, value) is None:
        raise ValueError(f"the action {action.command!r} with {action.args!r} does not fit a Discord custom_id")
    return value


def _args(encoded: str) -> dict[str, str]:
    return dict(parse_qsl(encoded, keep_blank_values=True))


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One Reply.action; pressing it runs `command args` as the member who pressed."""

    def __init__(self, command: str, args: dict[str, str], button: discord.ui.Button[Any]) -> None:
        super().__init__(button)
        self.command = command
        self.args = args

    @classmethod
    def of(cls, action: Action) -> ActionButton:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=action.label[:LABEL_MAX], style=STYLES[action.style], custom_id=custom_id(action)
        )
        return cls(action.command, {k: str(v) for k, v in action.args.items()}, button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ActionButton:
        assert isinstance(item, discord.ui.Button)
        return cls(match["command"], _args(match["args"]), item)

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord.app import HotlineBot

        bot = interaction.client
        assert isinstance(bot, HotlineBot)
        spec = COMMANDS.get(self.command)
        if spec is None or not spec.hidden:
            # A button of an older Hotline, or a custom_id nobody made: nothing to run.
            await interaction.response.send_message(
                "This button no longer does anything.", ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
            return
        await bot.run_command(interaction, self.command, self.args, replace=True)


def actions_view(actions: tuple[Action, ...]) -> discord.ui.View:
    """The actions as buttons in a view that never times out (the buttons are answered by custom_id)."""
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(ActionButton.of(action))
    return view


class FormModal(discord.ui.Modal):
    """A Reply.form as a modal; on submit, its command runs with the fields' values as typed."""

    def __init__(self, bot: HotlineBot, form: Form) -> None:
        super().__init__(
            title=form.title[:MODAL_TITLE_MAX], timeout=FORM_TIMEOUT, custom_id=f"hl-form:{secrets.token_hex(8)}"
        )
        self.bot = bot
        self.form = form
        self.inputs: dict[str, discord.ui.TextInput[FormModal]] = {}
        for f in form.fields[:5]:  # a modal holds five inputs
            text_input: discord.ui.TextInput[FormModal] = discord.ui.TextInput(
                label=f.label[:INPUT_LABEL_MAX],
                style=discord.TextStyle.paragraph if f.multiline else discord.TextStyle.short,
                default=f.value[:INPUT_VALUE_MAX] or None,
                required=f.required,
                max_length=min(f.max_length, INPUT_VALUE_MAX),
                placeholder=f.placeholder[:PLACEHOLDER_MAX] or None,
            )
            self.inputs[f.name] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        values = {name: text_input.value for name, text_input in self.inputs.items()}
        # Opened from a button: the answer replaces that button's message (the draft shown again).
        replace = interaction.message is not None
        await self.bot.run_command(interaction, self.form.command, {**self.form.args, **values}, replace=replace)
