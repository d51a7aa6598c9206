"""The checks Slack makes on Block Kit, as far as Hotline's messages and modals use it.

The fake refuses what Slack would refuse (`invalid_blocks` for messages, `invalid_arguments` for
views), so a renderer that oversteps a limit fails its test instead of failing in production.
Limits from Slack's Block Kit reference.
"""

from __future__ import annotations

import re
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 40_000
TEXT_OBJECT = 3000
HEADER_TEXT = 150
SECTION_FIELDS = 10
FIELD_TEXT = 2000
CONTEXT_ELEMENTS = 10
ACTION_ELEMENTS = 25
BUTTON_TEXT = 75
ID_MAX = 255
VALUE_MAX = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS_MAX = 100
VIEW_TITLE = 24
PRIVATE_METADATA = 3000
LABEL_MAX = 2000
PLACEHOLDER = 150
INPUT_MAX_LENGTH = 3000


def _text(obj: Any, where: str, limit: int, problems: list[str], *, plain_only: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        problems.append(f"{where}: not a text object")
        return
    if plain_only and obj["type"] != "plain_text":
        problems.append(f"{where}: must be plain_text")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: empty text")
    elif len(text) > limit:
        problems.append(f"{where}: {len(text)} characters, limit {limit}")


def _option(obj: Any, where: str, problems: list[str]) -> None:
    if not isinstance(obj, dict):
        problems.append(f"{where}: not an option")
        return
    _text(obj.get("text"), f"{where}.text", OPTION_TEXT, problems, plain_only=True)
    value = obj.get("value")
    if not isinstance(value, str) or not value or len(value) > OPTION_VALUE:
        problems.append(f"{where}.value: must be 1..{OPTION_VALUE} characters")


def _element(el: Any, where: str, problems: list[str]) -> None:
    if not isinstance(el, dict):
        problems.append(f"{where}: not an element")
        return
    action_id = el.get("action_id")
    if action_id is not None and (not isinstance(action_id, str) or len(action_id) > ID_MAX):
        problems.append(f"{where}.action_id: too long or not text")
    kind = el.get("type")
    if kind == "button":
        _text(el.get("text"), f"{where}.text", BUTTON_TEXT, problems, plain_only=True)
        value = el.get("value")
        if value is not None and (not isinstance(value, str) or len(value) > VALUE_MAX):
            problems.append(f"{where}.value: over {VALUE_MAX} characters")
        if el.get("style") not in (None, "primary", "danger"):
            problems.append(f"{where}.style: unknown")
    elif kind in ("static_select", "multi_static_select"):
        options = el.get("options")
        if not isinstance(options, list) or not 1 <= len(options) <= OPTIONS_MAX:
            problems.append(f"{where}.options: 1..{OPTIONS_MAX} needed")
        else:
            for i, o in enumerate(options):
                _option(o, f"{where}.options[{i}]", problems)
    elif kind in ("external_select", "multi_external_select"):
        mql = el.get("min_query_length")
        if mql is not None and (not isinstance(mql, int) or mql < 0):
            problems.append(f"{where}.min_query_length: not a count")
    elif kind == "datepicker":
        initial = el.get("initial_date")
        if initial is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(initial)):
            problems.append(f"{where}.initial_date: not YYYY-MM-DD")
    elif kind == "plain_text_input":
        length = el.get("max_length")
        if length is not None and (not isinstance(length, int) or not 1 <= length <= INPUT_MAX_LENGTH):
            problems.append(f"{where}.max_length: 1..{INPUT_MAX_LENGTH}")
        initial = el.get("initial_value")
        if initial is not None and length is not None and len(str(initial)) > length:
            problems.append(f"{where}.initial_value: longer than max_length")
    else:
        problems.append(f"{where}: unsupported element type {kind!r}")
    if "placeholder" in el:
        _text(el["placeholder"], f"{where}.placeholder", PLACEHOLDER, problems, plain_only=True)


def check_blocks(blocks: Any, limit: int, *, in_view: bool) -> list[str]:
    problems: list[str] = []
    if not isinstance(blocks, list):
        return ["blocks: not a list"]
    if len(blocks) > limit:
        problems.append(f"blocks: {len(blocks)}, limit {limit}")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        if not isinstance(block, dict):
            problems.append(f"{where}: not an object")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or len(block_id) > ID_MAX:
                problems.append(f"{where}.block_id: too long or not text")
            elif block_id in seen:
                problems.append(f"{where}.block_id: duplicate {block_id!r}")
            seen.add(str(block_id))
        kind = block.get("type")
        if kind == "header":
            _text(block.get("text"), f"{where}.text", HEADER_TEXT, problems, plain_only=True)
        elif kind == "section":
            fields = block.get("fields")
            if "text" not in block and not fields:
                problems.append(f"{where}: needs text or fields")
            if "text" in block:
                _text(block["text"], f"{where}.text", TEXT_OBJECT, problems)
            if fields is not None:
                if not isinstance(fields, list) or not 1 <= len(fields) <= SECTION_FIELDS:
                    problems.append(f"{where}.fields: 1..{SECTION_FIELDS} needed")
                else:
                    for j, f in enumerate(fields):
                        _text(f, f"{where}.fields[{j}]", FIELD_TEXT, problems)
            if "accessory" in block:
                _element(block["accessory"], f"{where}.accessory", problems)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= CONTEXT_ELEMENTS:
                problems.append(f"{where}.elements: 1..{CONTEXT_ELEMENTS} needed")
            else:
                for j, el in enumerate(elements):
                    _text(el, f"{where}.elements[{j}]", TEXT_OBJECT, problems)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= ACTION_ELEMENTS:
                problems.append(f"{where}.elements: 1..{ACTION_ELEMENTS} needed")
            else:
                ids = [el.get("action_id") for el in elements if isinstance(el, dict) and el.get("action_id")]
                if len(ids) != len(set(ids)):
                    problems.append(f"{where}.elements: duplicate action_id")
                for j, el in enumerate(elements):
                    _element(el, f"{where}.elements[{j}]", problems)
        elif kind == "divider":
            pass
        elif kind == "input" and in_view:
            _text(block.get("label"), f"{where}.label", LABEL_MAX, problems, plain_only=True)
            if "hint" in block:
                _text(block["hint"], f"{where}.hint", LABEL_MAX, problems, plain_only=True)
            _element(block.get("element"), f"{where}.element", problems)
        else:
            problems.append(f"{where}: unsupported block type {kind!r}")
    return problems


def check_message(args: dict[str, Any]) -> list[str]:
    """Problems with a message's text and blocks (chat.postMessage, chat.update, a response_url post)."""
    problems: list[str] = []
    text = args.get("text")
    if text is not None and len(str(text)) > MESSAGE_TEXT:
        problems.append(f"text: {len(str(text))} characters, limit {MESSAGE_TEXT}")
    if args.get("blocks") is not None:
        problems.extend(check_blocks(args["blocks"], MESSAGE_BLOCKS, in_view=False))
    return problems


def check_view(view: Any) -> list[str]:
    if not isinstance(view, dict) or view.get("type") != "modal":
        return ["view: not a modal"]
    problems: list[str] = []
    _text(view.get("title"), "view.title", VIEW_TITLE, problems, plain_only=True)
    for key in ("submit", "close"):
        if key in view:
            _text(view[key], f"view.{key}", VIEW_TITLE, problems, plain_only=True)
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
    if has_input and "submit" not in view:
        problems.append("view.submit: required when the view has input blocks")
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA:
        problems.append(f"view.private_metadata: over {PRIVATE_METADATA} characters")
    if len(str(view.get("callback_id", ""))) > ID_MAX:
        problems.append("view.callback_id: too long")
    problems.extend(check_blocks(view.get("blocks"), VIEW_BLOCKS, in_view=True))
    return problems
