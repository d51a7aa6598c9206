"""A Reply's actions as Block Kit buttons that outlive the process, and a Reply's form as a modal.

Each button's value holds the whole action as compact JSON — `{"a":{"draft":12},"c":"readout record"}` —
so any running Hotline on the store answers it, after a restart too: nothing is kept in memory. The
buttons sit in their own actions block under the reply (on its last page); their action_ids are
`hotline_action_0`, `_1`… because Slack wants them unique within a block, and the adapter listens to
all of them with `ACTION_ID`. A press runs the hidden command as whoever pressed; only hidden commands
are run this way, so a value nobody could have made still runs nothing a member could not type.

A form (Reply.form) opens as a modal with one plain_text_input per field (block_id = the field's name,
so a UserError about a field comes back under it). Its private_metadata carries the command, its
arguments and where to answer: the response_url of the slash command or button that opened it (a
view_submission has none of its own), the channel, and whether the answer replaces the message the
button was on (Edit on a draft shows the corrected draft in its place).

Pure functions: app.py opens the views, answers the presses and the submissions.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.slack.info import SLACK
from bot.slack.render import BUTTON_VALUE_MAX, SlackMessage
from commands.errors import UserError, shorten
from commands.reply import Action, Form, command_text
from commands.surface import COMMANDS

ACTIONS_BLOCK = "hotline_actions"  # apart from render.ACTIONS_BLOCK: a page may hold both rows
ACTION_PREFIX = "hotline_action_"
ACTION_ID = re.compile(r"^hotline_action_\d{1,2}$")  # app.action(ACTION_ID)
FORM_CALLBACK = "hotline_form"  # the view's callback_id: app.view(FORM_CALLBACK)
FORM_INPUT = "value"  # the action_id of every input of a form

# Slack's limits for buttons and modals.
BUTTON_TEXT_MAX = 75
BUTTONS_MAX = 25
VIEW_TITLE_MAX = 24
LABEL_MAX = 2000
PLACEHOLDER_MAX = 150
INPUT_VALUE_MAX = 3000  # a plain_text_input's max_length
PRIVATE_METADATA_MAX = 3000
ERROR_MAX = 500
# Slack shows only `primary` and `danger`; the default button is what the reply calls "secondary".
STYLES = {"primary": "primary", "danger": "danger"}

DEAD_BUTTON = "This button no longer does anything."


def action_value(action: Action) -> str:
    """The button's value: the command and its arguments, within Slack's 2000 characters."""
    value = json.dumps({"c": action.command, "a": action.args}, separators=(",", ":"), sort_keys=True)
    if len(value) > BUTTON_VALUE_MAX:
        raise ValueError(f"the action {action.command!r} does not fit a Slack button's value")
    return value


def parse_action_value(value: str) -> tuple[str, dict[str, str | int]] | None:
    """(command, args) of a button this module wrote, or None for anything else or a command that is
    not hidden (a button of an older Hotline, or a value nobody should have been able to make)."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str) or not isinstance(data.get("a"), dict):
        return None
    command = COMMANDS.get(data["c"])
    if command is None or not command.hidden:
        return None
    args: dict[str, str | int] = {}
    for key, arg in data["a"].items():
        if not isinstance(arg, str | int) or isinstance(arg, bool):
            return None
        args[str(key)] = arg
    return command.name, args


def actions_block(actions: tuple[Action, ...]) -> dict[str, Any]:
    if len(actions) > BUTTONS_MAX:
        raise ValueError(f"a Slack actions block holds {BUTTONS_MAX} buttons")
    elements: list[dict[str, Any]] = []
    for i, action in enumerate(actions):
        button: dict[str, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": action.label[:BUTTON_TEXT_MAX]},
            "action_id": f"{ACTION_PREFIX}{i}",
            "value": action_value(action),
        }
        if action.style in STYLES:
            button["style"] = STYLES[action.style]
        elements.append(button)
    return {"type": "actions", "block_id": ACTIONS_BLOCK, "elements": elements}


def with_actions(pages: list[SlackMessage], actions: tuple[Action, ...]) -> list[SlackMessage]:
    """The pages with the actions as buttons under the last one (render.py keeps room for a row)."""
    if not actions or not pages:
        return pages
    last = pages[-1]
    return [*pages[:-1], dataclasses.replace(last, blocks=[*last.blocks, actions_block(actions)])]


# -- forms -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a form's answer goes: the response_url of what opened it, its channel, and whether the
    answer replaces the message a button was pressed on."""

    response_url: str | None
    channel: str | None
    replace: bool = False


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def form_view(form: Form, origin: Origin) -> dict[str, Any]:
    """The views.open `view` for a form. ValueError if its command and origin do not fit Slack's
    private_metadata (they are a command name, a few ids and a URL: they always should)."""
    metadata = json.dumps(
        {"c": form.command, "a": form.args, "u": origin.response_url, "ch": origin.channel, "r": origin.replace},
        separators=(",", ":"),
    )
    if len(metadata) > PRIVATE_METADATA_MAX:
        raise ValueError("the form's command and origin are over Slack's 3000 characters of private_metadata")
    blocks = []
    for field in form.fields:
        limit = min(field.max_length, INPUT_VALUE_MAX)
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": FORM_INPUT,
            "multiline": field.multiline,
            "max_length": limit,
        }
        if field.value:
            # A value longer than Slack's field could not be submitted back whole: the form's fields are
            # sized for what they hold, so this cut never happens to a form Hotline builds today.
            element["initial_value"] = field.value[:limit]
        if field.placeholder:
            element["placeholder"] = _plain(_cut(field.placeholder, PLACEHOLDER_MAX))
        blocks.append(
            {
                "type": "input",
                "block_id": field.name,
                "optional": not field.required,
                "label": _plain(_cut(field.label, LABEL_MAX)),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": _plain(_cut(form.title, VIEW_TITLE_MAX)),
        "submit": _plain("Submit"),
        "close": _plain("Cancel"),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def read_form(view: Mapping[str, Any]) -> tuple[str, dict[str, Any], Origin] | None:
    """(command, arguments, origin) of a submitted form: its arguments and every field as typed (an
    empty field as ""). None for a view this module did not build or whose command is unknown."""
    try:
        data = json.loads(view.get("private_metadata") or "")
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str) or not isinstance(data.get("a"), dict):
        return None
    if data["c"] not in COMMANDS:
        return None
    args: dict[str, Any] = dict(data["a"])
    values = (view.get("state") or {}).get("values") or {}
    for name in field_names(view):
        typed = (values.get(name) or {}).get(FORM_INPUT) or {}
        value = typed.get("value")
        args[name] = value if isinstance(value, str) else ""
    url, channel = data.get("u"), data.get("ch")
    origin = Origin(
        url if isinstance(url, str) and url else None,
        channel if isinstance(channel, str) and channel else None,
        data.get("r") is True,
    )
    return data["c"], args, origin


def field_names(view: Mapping[str, Any]) -> list[str]:
    return [str(b["block_id"]) for b in view.get("blocks") or [] if b.get("type") == "input" and b.get("block_id")]


def field_errors(error: UserError, view: Mapping[str, Any]) -> dict[str, str] | None:
    """`{block_id: message}` for `ack(response_action="errors", …)` when the error is about a field of
    this form; None for any other error (the adapter says it privately)."""
    if error.field is None or error.field not in field_names(view):
        return None
    # The message without its "field: " prefix: Slack shows it under the field already.
    return {error.field: _cut(shorten(str(error.args[0])), ERROR_MAX)}


def typed_instead(form: Form) -> str:
    """The command line a member can type when Slack will not open the form: /hotline readout edit draft:1 …"""
    typed = command_text(form.command, form.args).removeprefix("/" + form.command)
    fields = " ".join(f"{f.name}:…" for f in form.fields)
    return f"{SLACK.usage(form.command)}{typed} {fields}".strip()
