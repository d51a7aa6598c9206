"""Checks and parsers for user input. Each failure names the field, what is wrong and what is accepted."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands.errors import UserError
from commands.platform import PlatformInfo, ReferenceKind
from storage.vocab import SIDE_ALIASES

# The record's own limits (README, "Limits"): short enough that a value reads as one item in any
# chat client; an adapter whose display holds less splits or pages the reply, never the record.
LIMITS = {
    "name": 100,
    "title": 200,
    "alias": 100,
    "location": 200,
    "summary": 2000,
    "text": 1000,  # concern and question texts
    "answer": 1000,
    "reason": 500,
    "source": 500,
    "query": 200,
}
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_FUTURE_DAYS_HELD = 366


def text(field: str, value: str, *, limit_key: str | None = None, required: bool = True) -> str | None:
    """Strip surrounding space; refuse empty (when required) and over-long text, and control characters."""
    limit = LIMITS[limit_key or field]
    stripped = value.strip()
    if not stripped:
        if required:
            raise UserError(f"must not be empty (up to {limit} characters)", field=field)
        return None
    if len(stripped) > limit:
        raise UserError(f"is {len(stripped)} characters long; the limit is {limit}", field=field)
    if any(ord(c) < 32 and c not in "\n\t" for c in stripped) or "\x7f" in stripped:
        raise UserError("contains control characters; use plain text", field=field)
    return stripped


def required_text(field: str, value: str, *, limit_key: str | None = None) -> str:
    result = text(field, value, limit_key=limit_key, required=True)
    assert result is not None
    return result


def url(field: str, value: str) -> str:
    candidate = value.strip()
    if len(candidate) > LIMITS["source"]:
        raise UserError(f"is {len(candidate)} characters long; the limit is {LIMITS['source']}", field=field)
    try:
        parts = urlsplit(candidate)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() for c in candidate)
    ):
        raise UserError(f"{candidate!r} is not a link; give an http:// or https:// URL", field=field)
    return candidate


def urls(field: str, value: str) -> list[str]:
    """One or more URLs separated by spaces or commas."""
    items = [u for u in re.split(r"[\s,]+", value.strip()) if u]
    if not items:
        raise UserError("must not be empty; give an http:// or https:// URL", field=field)
    return [url(field, u) for u in items]


def choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    candidate = value.strip().lower()
    if candidate not in allowed:
        raise UserError(f"{value!r} is not one of: {', '.join(allowed)}", field=field)
    return candidate


def side(field: str, value: str, allowed: tuple[str, ...] = ("us", "china")) -> str:
    canonical = SIDE_ALIASES.get(value.strip().lower())
    if canonical is None or canonical not in allowed:
        raise UserError(f"{value!r} is not a side; use one of: {', '.join(allowed)}", field=field)
    return canonical


def integer(field: str, value: object, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool):
        raise UserError("must be a whole number", field=field)
    if isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise UserError(f"{value!r} is not a whole number", field=field) from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise UserError(f"{number} is out of range; give a number from {low} to {high}", field=field)
    return number


def timezone(field: str, value: str) -> str:
    name = value.strip()
    try:
        # The shape of an IANA name first: zoneinfo imports a package per "/" of the name, and a
        # name of thousands of them raised RecursionError (fuzzing found it).
        if not re.fullmatch(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,3}", name) or len(name) > 64:
            raise ValueError(name)
        ZoneInfo(name)
    # OSError too: "America" names a folder of the zone database (IsADirectoryError) and a very long
    # name is too long for a file name (fuzzing found both escaping).
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UserError(
            f"{name!r} is not an IANA time zone; give one like America/New_York or UTC", field=field
        ) from None
    return name


def clock_time(field: str, value: str) -> str:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not match:
        raise UserError(f"{value!r} is not a time; give HH:MM on a 24-hour clock, like 09:00", field=field)
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def date(field: str, value: str, today: dt.date) -> dt.date:
    """YYYY-MM-DD, today, yesterday, or a weekday name meaning its most recent occurrence.

    `today` is the current date in the workspace's time zone. A weekday names its most recent
    occurrence, today included: "Wednesday" typed on a Thursday is yesterday, on a Wednesday today.
    """
    raw = value.strip().lower()
    if raw == "today":
        return today
    if raw == "yesterday":
        return today - dt.timedelta(days=1)
    if raw in WEEKDAY_NAMES:
        back = (today.weekday() - WEEKDAY_NAMES.index(raw)) % 7
        return today - dt.timedelta(days=back)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise UserError(f"{value!r} is not a date; give YYYY-MM-DD, today, yesterday or a weekday name", field=field)
    try:
        parsed = dt.date.fromisoformat(raw)
    except ValueError:
        raise UserError(f"{value!r} is not a real calendar date; give YYYY-MM-DD", field=field) from None
    if parsed.year < 1900:
        raise UserError(f"{value!r} is too far back; give a date from 1900 on", field=field)
    return parsed


def split_list(value: str) -> list[str]:
    """Comma-separated items, stripped, empties dropped."""
    return [item.strip() for item in value.split(",") if item.strip()]


def reference(field: str, value: str, kind: ReferenceKind, platform: PlatformInfo) -> str:
    """A channel or role: its id, or its reference as the platform's client pastes it (Discord's
    <#id>), or a plain name (the console has no ids). Stored as the id or name; never anything that
    could mention someone."""
    raw = value.strip()
    pasted = platform.reference_id(kind, raw)
    if pasted is not None:
        return pasted
    if not re.fullmatch(r"[\w][\w .\-]{0,99}", raw):
        raise UserError(f"{raw!r} is not a {field}; give its id, its mention, or a plain name", field=field)
    return raw
