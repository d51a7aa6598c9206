"""A held reply as JSON text, for the store (bot/slack/held.py), and back, exactly.

Every part is written out field by field and read back field by field, never pickled: a row of the
database is no program to run. What a held reply holds:

- its pages, each Slack message as render.py made it (`text` and the Block Kit `blocks`, which are JSON
  already: strings, numbers, booleans, lists and objects);
- for a delete awaiting Confirm, the command's Invocation (who ran it, where, with which options) and its
  Confirm (the prompt as spans, the command to run again and its options).

A span is a plain string or an object with a `type` (user, code, when, at, link, ref). An option's value is
a string, a number (finite), a boolean or null; anything else is refused when the reply is held
(TypeError), never turned into something else. Dates and instants are ISO text; an instant keeps its UTC
offset (a zone's name, such as America/New_York, is not kept: the same instant reads back with its offset).

A text that does not read back as this form (from a newer Hotline, or damaged) raises Unreadable.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

from bot.runtime.runner import Invocation
from bot.slack.render import SlackMessage
from commands.context import Caller
from commands.reply import At, Code, Confirm, Line, Link, Ref, Span, UserText, When

FORMAT = 1

Scalar = str | int | float | bool | None


class Unreadable(ValueError):
    """A stored held reply that is not in the form this code writes."""


def encode(pages: list[SlackMessage], invocation: Invocation | None, confirm: Confirm | None) -> str:
    """The JSON text of a held reply's pages and, for a confirmation, its invocation and Confirm."""
    document = {
        "format": FORMAT,
        "pages": [{"text": page.text, "blocks": page.blocks} for page in pages],
        "invocation": None if invocation is None else _invocation(invocation),
        "confirm": None if confirm is None else _confirm(confirm),
    }
    # ASCII only: a lone surrogate a member typed stays an escape, which every database takes.
    return json.dumps(document, allow_nan=False, separators=(",", ":"))


def decode(text: str) -> tuple[list[SlackMessage], Invocation | None, Confirm | None]:
    """What `encode` wrote, as it was; Unreadable for anything else."""
    try:
        document = json.loads(text)
        _require(isinstance(document, dict) and document.get("format") == FORMAT, "not a held reply of this format")
        pages = [_page(p) for p in _list(document["pages"])]
        raw_invocation, raw_confirm = document["invocation"], document["confirm"]
        invocation = None if raw_invocation is None else _read_invocation(_dict(raw_invocation))
        confirm = None if raw_confirm is None else _read_confirm(_dict(raw_confirm))
    except (KeyError, TypeError, ValueError) as exc:
        raise Unreadable(f"a held reply that cannot be read: {exc}") from None
    return pages, invocation, confirm


# -- writing -----------------------------------------------------------------------------------------


def _invocation(inv: Invocation) -> dict[str, Any]:
    caller = inv.caller
    return {
        "workspace": caller.workspace,
        "user_id": caller.user_id,
        "display_name": caller.display_name,
        "is_editor": caller.is_editor,
        "name": inv.name,
        "args": _args(inv.args),
        "channel": inv.channel,
    }


def _confirm(confirm: Confirm) -> dict[str, Any]:
    return {"prompt": [_span(s) for s in confirm.prompt], "command": confirm.command, "args": _args(confirm.args)}


def _args(args: Mapping[str, object]) -> dict[str, Scalar]:
    out: dict[str, Scalar] = {}
    for key, value in args.items():
        if value is not None and not isinstance(value, str | int | float | bool):
            raise TypeError(f"option {key!r} is a {type(value).__name__}: a held reply keeps plain values only")
        if isinstance(value, float) and not math.isfinite(value):
            raise TypeError(f"option {key!r} is {value}, which JSON cannot hold")
        out[str(key)] = value
    return out


def _span(span: Span) -> str | dict[str, Any]:
    if isinstance(span, str):
        return span
    if isinstance(span, UserText):
        return {"type": "user", "text": span.text}
    if isinstance(span, Code):
        return {"type": "code", "text": span.text}
    if isinstance(span, When):
        return {"type": "when", "day": span.day.isoformat(), "ago": span.ago}
    if isinstance(span, At):
        return {"type": "at", "moment": span.moment.isoformat()}
    if isinstance(span, Link):
        return {"type": "link", "url": span.url, "label": span.label}
    return {"type": "ref", "kind": span.kind, "id": span.id}


# -- reading -----------------------------------------------------------------------------------------


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(what)


def _dict(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("an object was expected")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("a list was expected")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a string was expected")
    return value


def _optional_str(value: object) -> str | None:
    return None if value is None else _str(value)


def _page(value: object) -> SlackMessage:
    page = _dict(value)
    blocks = _list(page["blocks"])
    _require(all(isinstance(b, dict) for b in blocks), "a block is an object")
    return SlackMessage(_str(page["text"]), blocks)


def _read_args(value: object) -> dict[str, Scalar]:
    args = _dict(value)
    _require(
        all(v is None or isinstance(v, str | int | float | bool) for v in args.values()), "an option is a plain value"
    )
    return args


def _read_invocation(raw: dict[str, Any]) -> Invocation:
    _require(isinstance(raw["is_editor"], bool), "is_editor is a boolean")
    caller = Caller(_str(raw["workspace"]), _str(raw["user_id"]), _str(raw["display_name"]), raw["is_editor"])
    return Invocation(caller, _str(raw["name"]), _read_args(raw["args"]), _optional_str(raw["channel"]))


def _read_confirm(raw: dict[str, Any]) -> Confirm:
    prompt: Line = tuple(_read_span(s) for s in _list(raw["prompt"]))
    return Confirm(prompt, _str(raw["command"]), dict(_read_args(raw["args"])))


def _read_span(value: object) -> Span:
    if isinstance(value, str):
        return value
    span = _dict(value)
    kind = span["type"]
    if kind == "user":
        return UserText(_str(span["text"]))
    if kind == "code":
        return Code(_str(span["text"]))
    if kind == "when":
        return When(dt.date.fromisoformat(_str(span["day"])), _optional_str(span["ago"]))
    if kind == "at":
        moment = dt.datetime.fromisoformat(_str(span["moment"]))
        _require(moment.tzinfo is not None, "an instant has its offset")
        return At(moment)
    if kind == "link":
        return Link(_str(span["url"]), _optional_str(span["label"]))
    if kind == "ref":
        ref_kind = span["kind"]
        _require(ref_kind in ("channel", "role"), "a reference is to a channel or a role")
        return Ref(ref_kind, _str(span["id"]))
    raise ValueError(f"unknown span type {kind!r}")
