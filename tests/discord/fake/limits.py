"""Discord's limits, checked the way Discord checks them: a breach is a 400, never a silent cut.

The fake answers every message, edit and command registration through these checks, so a
reply that real Discord would reject for length fails the test instead of passing quietly.
"""

from __future__ import annotations

import re
from typing import Any

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
# Integer options (and their min/max) are JavaScript-safe integers.
INT_LIMIT = 2**53 - 1

EMBED_TOTAL = 6000
LIMITS = {
    "content": 2000,
    "embeds": 10,
    "title": 256,
    "description": 4096,
    "fields": 25,
    "field_name": 256,
    "field_value": 1024,
    "footer": 2048,
    "author": 256,
    "rows": 5,
    "buttons_per_row": 5,
    "custom_id": 100,
    "label": 80,
}


def _len(value: object) -> int:
    return len(value) if isinstance(value, str) else 0


def embed_size(embed: dict[str, Any]) -> int:
    """Characters that count toward the 6000 a message may carry across all its embeds."""
    total = _len(embed.get("title")) + _len(embed.get("description"))
    total += _len((embed.get("footer") or {}).get("text"))
    total += _len((embed.get("author") or {}).get("name"))
    for f in embed.get("fields") or []:
        total += _len(f.get("name")) + _len(f.get("value"))
    return total


def check_message(body: dict[str, Any], *, require_content: bool = True) -> list[str]:
    """Problems Discord would answer with 400 for a message create or edit body."""
    problems: list[str] = []
    content = body.get("content")
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if require_content and not content and not embeds and not components:
        problems.append("cannot send an empty message")
    if isinstance(content, str) and len(content) > LIMITS["content"]:
        problems.append(f"content is {len(content)} > 2000 characters")
    if len(embeds) > LIMITS["embeds"]:
        problems.append(f"{len(embeds)} embeds > 10")
    total = 0
    for i, e in enumerate(embeds):
        total += embed_size(e)
        for key, limit in (("title", "title"), ("description", "description")):
            if _len(e.get(key)) > LIMITS[limit]:
                problems.append(f"embed {i} {key} is {_len(e.get(key))} > {LIMITS[limit]}")
        if _len((e.get("footer") or {}).get("text")) > LIMITS["footer"]:
            problems.append(f"embed {i} footer too long")
        if _len((e.get("author") or {}).get("name")) > LIMITS["author"]:
            problems.append(f"embed {i} author too long")
        fields = e.get("fields") or []
        if len(fields) > LIMITS["fields"]:
            problems.append(f"embed {i} has {len(fields)} fields > 25")
        for j, f in enumerate(fields):
            name, value = f.get("name"), f.get("value")
            if not isinstance(name, str) or not name.strip() or len(name) > LIMITS["field_name"]:
                problems.append(f"embed {i} field {j} name empty or > 256: {name!r:.40}")
            if not isinstance(value, str) or not value.strip() or len(value) > LIMITS["field_value"]:
                problems.append(f"embed {i} field {j} value empty or > 1024 ({_len(value)})")
    if total > EMBED_TOTAL:
        problems.append(f"embeds total {total} > 6000 characters")
    problems.extend(check_components(components))
    return problems


def check_components(rows: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(rows) > LIMITS["rows"]:
        problems.append(f"{len(rows)} action rows > 5")
    seen: set[str] = set()
    for row in rows:
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= LIMITS["buttons_per_row"]:
            problems.append("an action row must hold 1 to 5 components")
        for c in children:
            cid = c.get("custom_id")
            if c.get("type") == 2 and c.get("style") != 5:
                if not isinstance(cid, str) or not 1 <= len(cid) <= LIMITS["custom_id"]:
                    problems.append(f"bad custom_id {cid!r}")
                elif cid in seen:
                    problems.append(f"duplicate custom_id {cid!r}")
                else:
                    seen.add(cid)
            if _len(c.get("label")) > LIMITS["label"]:
                problems.append(f"button label > 80: {c.get('label')!r}")
    return problems


def check_autocomplete(choices: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(choices) > 25:
        problems.append(f"{len(choices)} autocomplete choices > 25")
    for c in choices:
        name, value = c.get("name"), c.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            problems.append(f"choice name empty or > 100: {name!r}")
        if isinstance(value, str) and len(value) > 100:
            problems.append(f"choice value > 100: {value!r}")
    return problems


def check_commands(commands: list[dict[str, Any]]) -> list[str]:
    """What Discord's bulk overwrite refuses: bad names, missing descriptions, too many options..."""
    problems: list[str] = []
    names = [c.get("name") for c in commands]
    if len(set(names)) != len(names):
        problems.append(f"duplicate command names: {names}")
    if len(commands) > 100:
        problems.append("more than 100 commands")
    for c in commands:
        problems.extend(_check_named(c, f"/{c.get('name')}"))
        problems.extend(_check_options(c.get("options") or [], f"/{c.get('name')}"))
    return problems


def _check_named(item: dict[str, Any], where: str) -> list[str]:
    problems = []
    name = item.get("name")
    if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
        problems.append(f"{where}: bad name {name!r}")
    description = item.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= 100:
        problems.append(f"{where}: description must be 1-100 characters, got {description!r}")
    return problems


def _check_options(options: list[dict[str, Any]], where: str) -> list[str]:
    problems: list[str] = []
    if len(options) > 25:
        problems.append(f"{where}: {len(options)} options > 25")
    seen_optional = False
    for o in options:
        here = f"{where} {o.get('name')}"
        problems.extend(_check_named(o, here))
        if o.get("type") in (1, 2):
            problems.extend(_check_options(o.get("options") or [], here))
            continue
        if o.get("required"):
            if seen_optional:
                problems.append(f"{here}: required options must come before optional ones")
        else:
            seen_optional = True
        for bound in ("min_value", "max_value"):
            if bound in o and not -INT_LIMIT <= o[bound] <= INT_LIMIT:
                problems.append(f"{here}: {bound} {o[bound]} is outside ±(2^53 - 1)")
        choices = o.get("choices") or []
        if len(choices) > 25:
            problems.append(f"{here}: more than 25 choices")
        if choices and o.get("autocomplete"):
            problems.append(f"{here}: choices and autocomplete together")
        for ch in choices:
            if not 1 <= len(str(ch.get("name"))) <= 100:
                problems.append(f"{here}: bad choice name {ch.get('name')!r}")
    return problems
