"""The `/hotline event add` modal, built from the command surface, and its submission read back.

Pure functions: the adapter opens `event_add_view(...)` with views.open, answers the external
selects' block_suggestion requests with `suggestion_options(...)`, turns a view_submission's
`view.state.values` into the arguments `commands.surface.dispatch` takes with `submitted_args(...)`,
and maps a UserError back onto the field that is wrong with `field_errors(...)`.

Every input's block_id is its option's name, so an error about an option lands on its field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from bot.slack.info import SLACK
from commands.errors import UserError, shorten
from commands.surface import COMMANDS, Command, Option, named_for
from commands.validate import LIMITS

EVENT_ADD = "event add"
EVENT_ADD_CALLBACK = "hotline_event_add"  # the view's callback_id: app.view(EVENT_ADD_CALLBACK)
# action_ids of the external selects: app.options(SUGGEST_PEOPLE) / app.options(SUGGEST_ISSUES)
SUGGEST_PEOPLE = "hotline_suggest_people"
SUGGEST_ISSUES = "hotline_suggest_issues"
INPUT_ACTION = "value"  # the action_id of every other input

# Slack's limits for a modal and its options.
VIEW_TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
HINT_MAX = 2000
ERROR_MAX = 500

LABELS = {
    "us": "US participants",
    "cn": "Chinese participants",
    "requested_by": "Requested by",
    "us_raised": "Issues the US raised",
    "cn_raised": "Issues China raised",
}
# The surface's descriptions say "separated by commas": true when typed, not in a select.
HINTS = {
    "people": "Type part of a name and pick; a new name can be picked as typed, its title in parentheses",
    "issues": "Type part of an issue and pick; a new issue can be picked as typed",
}
MULTILINE = frozenset({"summary"})


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _option(text: str, value: str) -> dict[str, Any]:
    shown = text if len(text) <= OPTION_TEXT_MAX else text[: OPTION_TEXT_MAX - 1] + "…"
    return {"text": _plain(shown), "value": value}


def _element(option: Option, today: dt.date | None) -> dict[str, Any]:
    if option.type == "date":
        element: dict[str, Any] = {"type": "datepicker", "action_id": INPUT_ACTION}
        if today is not None:
            element["initial_date"] = today.isoformat()
        return element
    if option.type in ("people", "issues"):
        return {
            "type": "multi_external_select",
            "action_id": SUGGEST_PEOPLE if option.type == "people" else SUGGEST_ISSUES,
            "min_query_length": 1,
            "placeholder": _plain("Type to search"),
        }
    if option.type == "choice":
        return {
            "type": "static_select",
            "action_id": INPUT_ACTION,
            "options": [_option(c, c) for c in option.choices],
        }
    element = {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": option.name in MULTILINE}
    if option.name in LIMITS:
        element["max_length"] = LIMITS[option.name]
    return element


def _label(option: Option) -> str:
    return LABELS.get(option.name) or option.name.replace("_", " ").capitalize()


def event_add_view(
    *, private_metadata: str = "", today: dt.date | None = None, command: Command | None = None
) -> dict[str, Any]:
    """The views.open `view` for recording an event: one input per option of /event add.

    `private_metadata` comes back with the submission (the adapter keeps e.g. the channel there);
    `today` preselects the date picker.
    """
    if len(private_metadata) > PRIVATE_METADATA_MAX:
        raise ValueError("private_metadata is over Slack's 3000 characters")
    command = command or COMMANDS[EVENT_ADD]
    blocks = []
    for option in command.options:
        blocks.append(
            {
                "type": "input",
                "block_id": option.name,
                "optional": not option.required,
                "label": _plain(_label(option)),
                "hint": _plain(HINTS.get(option.type, named_for(SLACK, option.description))[:HINT_MAX]),
                "element": _element(option, today),
            }
        )
    return {
        "type": "modal",
        "callback_id": EVENT_ADD_CALLBACK,
        "title": _plain("Record a contact"),
        "submit": _plain("Record"),
        "close": _plain("Cancel"),
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


def _value(action: Mapping[str, Any]) -> str | None:
    kind = action.get("type")
    if kind == "datepicker":
        return action.get("selected_date") or None
    if kind in ("static_select", "external_select"):
        selected = action.get("selected_option") or {}
        return selected.get("value") or None
    if kind in ("multi_static_select", "multi_external_select"):
        chosen = [o.get("value") for o in action.get("selected_options") or [] if o.get("value")]
        # The surface takes people and issues separated by commas, as typed in a command.
        return ", ".join(chosen) or None
    value = action.get("value")
    return value if isinstance(value, str) and value.strip() else None


def submitted_args(values: Mapping[str, Any], command: Command | None = None) -> dict[str, str]:
    """The arguments for `dispatch(ctx, "event add", args)` from a view_submission's state.values.

    Empty inputs are left out (an optional option not given); blocks that are not options of the
    command are ignored. Values stay strings: dispatch coerces and checks them as for any command.
    """
    command = command or COMMANDS[EVENT_ADD]
    args: dict[str, str] = {}
    for option in command.options:
        actions = values.get(option.name)
        if not isinstance(actions, Mapping):
            continue
        for action in actions.values():
            if isinstance(action, Mapping) and (value := _value(action)) is not None:
                args[option.name] = value
    return args


def field_errors(error: UserError, command: Command | None = None) -> dict[str, str] | None:
    """`{block_id: message}` for `ack(response_action="errors", errors=…)`, or None when the error is
    about no single field of the modal (a duplicate event): then the adapter shows it another way."""
    command = command or COMMANDS[EVENT_ADD]
    if error.field is None or command.option(error.field) is None:
        return None
    # The message without its "field: " prefix: the modal shows it under the field already.
    return {error.field: shorten(str(error.args[0]))[:ERROR_MAX]}


def suggestion_options(typed: str, suggestions: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """The options for a block_suggestion: what was typed first (so a new person or issue, or a name
    with its title in parentheses, can be chosen), then the store's (label, value) suggestions.

    Values longer than Slack takes (150 characters) cannot be offered and are left out.
    """
    typed = typed.strip()
    options: list[dict[str, Any]] = []
    seen: set[str] = set()
    pairs = list(suggestions)
    if typed and len(typed) <= OPTION_VALUE_MAX and all(v.casefold() != typed.casefold() for _, v in pairs):
        options.append(_option(typed, typed))
        seen.add(typed)
    for label, value in pairs:
        if value and value not in seen and len(value) <= OPTION_VALUE_MAX and len(options) < OPTIONS_MAX:
            options.append(_option(label or value, value))
            seen.add(value)
    return options
