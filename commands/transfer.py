"""The JSON Lines import and export format (README, "Data format"), as pure functions.

One line is one contact event. `parse_line` turns a line into a NewEvent or raises a UserError that
names the field; `event_to_dict` and `dump_line` write an event back in the same shape, so that an
export imported into an empty workspace gives the same record. Nothing here touches the store: the
importer decides about line numbers, transactions and duplicates.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from commands import validate
from commands.errors import UserError
from storage.records import Event, NewEvent, NewParticipant, Source
from storage.vocab import CONFIDENCES, EVENT_STATUSES, KINDS, REQUESTERS, SIDE_ALIASES, TRACKS, slugify

# The order of the README's example; the confidence, "time" and "timezone" go last because most lines lack them.
KEY_ORDER = (
    "date",
    "kind",
    "track",
    "us",
    "cn",
    "minutes",
    "requested_by",
    "location",
    "status",
    "summary",
    "sources",
    "raised",
    "confidence",
    "confidence_note",
    "time",
    "timezone",
)
REQUIRED_KEYS = ("date", "kind", "us", "cn")
PARTICIPANT_KEYS = ("name", "title", "aliases")
SOURCE_KEYS = ("url", "title", "publisher", "note")
MAX_ALIASES = 20  # as /person add allows
# The file writes participants under "cn" but issues under "china" (the store's side name); issues
# are read under either spelling so a hand-written file does not trip over the difference.
RAISED_SIDE_KEYS = {"us": "us", "china": "china", "cn": "china"}
# An issue slug has no limit of its own in validate.LIMITS; it is held to the length of an alias,
# since a slug is what an alias resolves to and both show up in the same embed fields.
ISSUE_LIMIT_KEY = "alias"
# parse_line took ~135 µs a line, most of it in checks that walk a value character by
# character in Python (validate.text's control characters, urlsplit, slugify): once the store's part
# was done in bulk, more than the import's own writes. The common case is checked here at C speed and
# gives the same value; anything else still goes to validate, so that every message stays the same
# (tests/test_transfer_fast_paths.py checks each fast path against the full check).
_KNOWN_KEYS = frozenset(KEY_ORDER)
# The keys plain_line handles; a line with any other known key (a confidence) takes the full checks.
_PLAIN_KEYS = _KNOWN_KEYS - {"confidence", "confidence_note"}
_PLAIN_PARTICIPANT_KEYS = frozenset(("name", "title"))
# What validate.text refuses as control characters: below 32 except tab and newline, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# An http(s) URL of a plain host (and port) and printable ASCII after it: urlsplit finds the scheme and
# the host of every one of these and they hold no space, so validate.url accepts them as they are.
_PLAIN_URL = re.compile(r"(?i:https?)://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][!-~]*)?")
# validate.date needs a reference day only for relative words ("today", weekdays), which this
# format refuses before calling it: the value below is never used to compute a date.
_UNUSED_REFERENCE_DAY = dt.date(2000, 1, 1)


def parse_line(raw: str) -> NewEvent:
    """One line of an import file as a NewEvent; a UserError names the first thing wrong with it."""
    data = _load_object(raw)
    return plain_line(data) or checked_line(data)


def checked_line(data: dict[str, Any]) -> NewEvent:
    """The line checked one thing after another, in the format's order; a UserError names the first
    thing wrong with it."""
    if not data.keys() <= _KNOWN_KEYS:
        unknown = [key for key in data if key not in _KNOWN_KEYS]
        raise UserError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"a line may have: {', '.join(KEY_ORDER)}"
        )
    for key in REQUIRED_KEYS:
        if data.get(key) is None:
            raise UserError("is required", field=key)

    requested_by = _optional_str(data, "requested_by")
    raw_status = _optional_str(data, "status")
    status = checked_choice("status", raw_status, EVENT_STATUSES) if raw_status is not None else "held"
    day = _parse_date(data["date"])
    kind = checked_choice("kind", _expect_str("kind", data["kind"]), KINDS)
    track = _optional_choice(data, "track", TRACKS)
    # A contact that did not take place may leave a side unnamed: a request nobody answered.
    us = _parse_participants("us", "us", data["us"], may_be_empty=status != "held")
    cn = _parse_participants("cn", "china", data["cn"], may_be_empty=status != "held")
    return NewEvent(
        day=day,
        kind=kind,
        track=track,
        us=us,
        cn=cn,
        minutes=parse_minutes(data.get("minutes")),
        requested_by=parse_requester(requested_by) if requested_by is not None else "unknown",
        location=_optional_text(data, "location"),
        summary=_optional_text(data, "summary"),
        sources=_parse_sources(data.get("sources")),
        status=status,
        raised=_parse_raised(data.get("raised")),
        time=_optional_time(data),
        timezone=_optional_timezone(data),
        confidence=_optional_choice(data, "confidence", CONFIDENCES),
        confidence_note=_optional_text(data, "confidence_note", limit_key="text"),
    )


def plain_line(data: dict[str, Any]) -> NewEvent | None:
    """The NewEvent of a line whose every value is plainly valid, the same as checked_line gives, in
    far fewer steps (most lines of a file are such). None for anything else, for
    checked_line to check: it gives the same NewEvent, or says what is wrong, first things first.
    """
    if not data.keys() <= _PLAIN_KEYS:
        return None
    get = data.get
    date, kind, track = get("date"), get("kind"), get("track")
    status, requested_by = get("status"), get("requested_by")
    status = "held" if status is None else status
    requested_by = "unknown" if requested_by is None else requested_by
    # Spelled exactly as allowed (validate.choice gives those back as they are); `in` a tuple, as a
    # value of any JSON type may be asked.
    if (
        not isinstance(date, str)
        or kind not in KINDS
        or (track is not None and track not in TRACKS)
        or status not in EVENT_STATUSES
        or requested_by not in REQUESTERS
    ):
        return None
    day = _plain_date(date)
    us, cn = _plain_people(get("us"), "us"), _plain_people(get("cn"), "china")
    minutes = get("minutes")
    if day is None or us is None or cn is None or (minutes is not None and not _plain_minutes(minutes)):
        return None
    texts: list[str | None] = []
    for field in ("location", "summary"):
        value = get(field)
        if value is not None:
            value = _passing(value, validate.LIMITS[field]) if isinstance(value, str) else None
            if value is None:  # empty (which means unset) or wrong: the full checks tell which
                return None
        texts.append(value)
    sources, raised = _plain_sources(get("sources")), _plain_raised(get("raised"))
    time, timezone = get("time"), get("timezone")
    try:
        time = None if time is None else _clock_time(time) if isinstance(time, str) else ""
        timezone = None if timezone is None else _timezone(timezone) if isinstance(timezone, str) else ""
    except UserError:
        return None
    if sources is None or raised is None or time == "" or timezone == "":
        return None
    return NewEvent(
        day=day,
        kind=kind,
        track=track,
        us=us,
        cn=cn,
        minutes=minutes,
        requested_by=requested_by,
        location=texts[0],
        summary=texts[1],
        sources=sources,
        status=status,
        raised=raised,
        time=time,
        timezone=timezone,
    )


def event_to_dict(
    event: Event, raised: Mapping[str, Iterable[str]], aliases: Mapping[int, Iterable[str]] | None = None
) -> dict[str, object]:
    """The export line of an event; `raised` maps a side ("us", "china") to the issue slugs it raised,
    `aliases` a participant's person id to the aliases to write with them (the export gives each
    person's on the first line they appear in).

    Optional values that are unset are written as null (or an empty list) rather than left out, so
    every exported line has the same keys; "time", "timezone" and the confidence are the exception,
    being rare.
    """
    people_aliases = aliases or {}
    by_side: dict[str, list[str]] = {"us": [], "china": []}
    for side, slugs in raised.items():
        canonical = RAISED_SIDE_KEYS.get(side)
        if canonical is None:
            # Only the two sides can raise an issue at an event; anything else is a caller's bug,
            # and dropping it silently would make the export lose data.
            raise ValueError(f"raised has side {side!r}; the format knows only us and china")
        for slug in slugs:
            if slug not in by_side[canonical]:
                by_side[canonical].append(slug)

    line: dict[str, object] = {
        "date": event.day.isoformat(),
        "kind": event.kind,
        "track": event.track,
        "us": [_participant_dict(p.name, p.title, people_aliases.get(p.person_id, ())) for p in event.side("us")],
        "cn": [_participant_dict(p.name, p.title, people_aliases.get(p.person_id, ())) for p in event.side("china")],
        "minutes": event.minutes,
        "requested_by": event.requested_by,
        "location": event.location,
        "status": event.status,
        "summary": event.summary,
        "sources": [s.as_json() for s in event.sources],
        "raised": by_side,
    }
    if event.confidence is not None:
        line["confidence"] = event.confidence
    if event.confidence_note is not None:
        line["confidence_note"] = event.confidence_note
    if event.time is not None:
        line["time"] = event.time
    if event.timezone is not None:
        line["timezone"] = event.timezone
    return line


def dump_line(d: Mapping[str, object]) -> str:
    """One line of JSON, UTF-8 text kept readable, keys in the format's order whatever the input's."""
    known = [key for key in KEY_ORDER if key in d]
    others = [key for key in d if key not in KEY_ORDER]
    ordered = {key: d[key] for key in (*known, *others)}
    # json.dumps escapes newlines inside strings, so the result is always exactly one line.
    return json.dumps(ordered, ensure_ascii=False)


def _load_object(raw: str) -> dict[str, Any]:
    text = raw.removeprefix("\ufeff").strip()  # a BOM survives in files saved by some Windows editors
    if not text:
        raise UserError("the line is empty; give one JSON object per line")
    try:
        value = decode_json(text)
    except DuplicateKey as dup:
        raise UserError(f"key {dup.key!r} appears more than once") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"not valid JSON ({exc.msg} at column {exc.colno}); give one JSON object per line") from None
    except RecursionError:
        raise UserError("not valid JSON (nested too deeply); give one JSON object per line") from None
    if not isinstance(value, dict):
        raise UserError(f"a line must be a JSON object {{...}}, not {_json_type(value)}")
    return value


def decode_json(text: str) -> Any:
    """json.loads(text, object_pairs_hook=_refuse_duplicate_keys), with one decoder for every line
    rather than one made per call."""
    if text.startswith("\ufeff"):  # as json.loads refuses a second byte order mark
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


class DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys without a word; a line that says two different
    # dates is more likely a mistake than a correction, so it is refused instead.
    result = dict(pairs)
    if len(result) != len(pairs):  # the dict in C first: a key is rarely repeated
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return result


_DECODER = json.JSONDecoder(object_pairs_hook=_refuse_duplicate_keys)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _expect_str(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise UserError(f"must be a string, not {_json_type(value)}", field=field)
    return value


def _optional_str(data: Mapping[str, Any], field: str) -> str | None:
    value = data.get(field)
    return None if value is None else _expect_str(field, value)


def _optional_text(data: Mapping[str, Any], field: str, limit_key: str | None = None) -> str | None:
    value = _optional_str(data, field)
    return None if value is None else checked_text(field, value, limit_key=limit_key, required=False)


def _passing(value: str, limit: int) -> str | None:
    """What validate.text returns for a value it accepts as not empty, found at C speed; None if the
    value is empty, too long or holds a control character, for validate.text to say so."""
    stripped = value.strip()
    if stripped and len(stripped) <= limit and not _CONTROL.search(stripped):
        return stripped
    return None


def checked_text(field: str, value: str, *, limit_key: str | None = None, required: bool = True) -> str | None:
    passing = _passing(value, validate.LIMITS[limit_key or field])
    return passing if passing is not None else validate.text(field, value, limit_key=limit_key, required=required)


def checked_url(field: str, value: str) -> str:
    """validate.url, with a plain http(s) URL (most of them) recognized at C speed."""
    candidate = value.strip()
    if len(candidate) <= validate.LIMITS["source"] and _PLAIN_URL.fullmatch(candidate):
        return candidate
    return validate.url(field, value)


@functools.lru_cache(maxsize=1024)  # a file names the same few issues on most of its lines
def plain_issue(item: str) -> str | None:
    """The slug of an issue named as validate and slugify accept it, or None for the full checks."""
    text = _passing(item, validate.LIMITS[ISSUE_LIMIT_KEY])
    return (slugify(text) or None) if text is not None else None


def plain_participant(item: object, side: str) -> NewParticipant | None:
    """A participant that passes every check of _parse_participants, or None for the full checks."""
    if not isinstance(item, dict) or not item.keys() <= _PLAIN_PARTICIPANT_KEYS:
        return None
    name, title = item.get("name"), item.get("title")
    if not isinstance(name, str) or (title is not None and not isinstance(title, str)):
        return None
    name = _passing(name, validate.LIMITS["name"])
    if title is not None:
        title = _passing(title, validate.LIMITS["title"])
        if title is None:  # empty (which means no title) or wrong: the full checks tell which
            return None
    return None if name is None else NewParticipant(name=name, side=side, title=title)


def _plain_people(value: object, side: str) -> list[NewParticipant] | None:
    """_parse_participants of a list every person of which is plainly valid, or None."""
    if not isinstance(value, list) or not value:
        return None
    people: list[NewParticipant] = []
    seen: set[str] = set()
    for item in value:
        person = plain_participant(item, side)
        if person is None or person.name.casefold() in seen:
            return None
        seen.add(person.name.casefold())
        people.append(person)
    return people


def _plain_minutes(value: object) -> bool:
    return type(value) is int and 1 <= value <= 1440  # not a bool, in range: what parse_minutes keeps


def _plain_sources(value: object) -> list[Source] | None:
    """_parse_sources of plain http(s) URLs, or None."""
    if value is None:
        return []
    if not isinstance(value, list):
        return None
    sources: list[Source] = []
    for item in value:
        link = item.strip() if isinstance(item, str) else ""
        if len(link) > validate.LIMITS["source"] or not _PLAIN_URL.fullmatch(link):
            return None
        source = Source(link)
        if source not in sources:
            sources.append(source)
    return sources


def _plain_raised(value: object) -> dict[str, list[str]] | None:
    """_parse_raised of issues named plainly under us, china or cn (not both of these), or None."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return None
    raised: dict[str, list[str]] = {}
    sides: set[str] = set()
    for key, issues in value.items():
        side = RAISED_SIDE_KEYS.get(key)
        if side is None or side in sides or not isinstance(issues, list):
            return None
        sides.add(side)
        slugs: list[str] = []
        for item in issues:
            slug = plain_issue(item) if isinstance(item, str) else None
            if slug is None:
                return None
            if slug not in slugs:
                slugs.append(slug)
        if slugs:
            raised[side] = slugs
    return raised


@functools.lru_cache(maxsize=4096)  # a file has many events a day
def _plain_date(raw: str) -> dt.date | None:
    try:
        return _calendar_date(raw.strip())
    except UserError:
        return None


def checked_choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    """validate.choice, which gives a value spelled as allowed back as it is."""
    return value if value in allowed else validate.choice(field, value, allowed)


def _optional_choice(data: Mapping[str, Any], field: str, allowed: tuple[str, ...]) -> str | None:
    value = _optional_str(data, field)
    return None if value is None else checked_choice(field, value, allowed)


def _optional_time(data: Mapping[str, Any]) -> str | None:
    value = _optional_str(data, "time")
    return None if value is None else _clock_time(value)


def _optional_timezone(data: Mapping[str, Any]) -> str | None:
    value = _optional_str(data, "timezone")
    return None if value is None else _timezone(value)


# The same few times and zones recur through a file; a refused one raises, and is not kept.
@functools.lru_cache(maxsize=1024)
def _clock_time(value: str) -> str:
    return validate.clock_time("time", value)


@functools.lru_cache(maxsize=1024)
def _timezone(value: str) -> str:
    return validate.timezone("timezone", value)


def _parse_date(value: object) -> dt.date:
    return _calendar_date(_expect_str("date", value).strip())


@functools.lru_cache(maxsize=4096)  # a file has many events a day: each day's text is checked once
def _calendar_date(raw: str) -> dt.date:
    # Relative dates ("yesterday", "Wednesday") mean something only at the moment they are typed;
    # in a file they would change meaning with the day it is imported.
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise UserError(f"{raw!r} is not a date; give YYYY-MM-DD", field="date")
    return validate.date("date", raw, _UNUSED_REFERENCE_DAY)


def _parse_participants(field: str, side: str, value: object, may_be_empty: bool = False) -> list[NewParticipant]:
    if not isinstance(value, list):
        raise UserError(
            f'must be a list of people like [{{"name": "...", "title": "..."}}], not {_json_type(value)}',
            field=field,
        )
    if not value and not may_be_empty:
        raise UserError("must name at least one person (only a contact that did not take place may not)", field=field)
    people: list[NewParticipant] = []
    seen: set[str] = set()
    for index, item in enumerate(value, start=1):
        person = plain_participant(item, side) or checked_participant(field, side, index, item)
        key = person.name.casefold()
        if key in seen:
            raise UserError(f"{person.name!r} is listed twice", field=field)
        seen.add(key)
        people.append(person)
    return people


def checked_participant(field: str, side: str, index: int, item: object) -> NewParticipant:
    """One person of a side's list, checked one thing after another; a UserError names what is wrong."""
    where = f"{field}[{index}]"
    if not isinstance(item, dict):
        raise UserError(
            f'must be an object like {{"name": "...", "title": "..."}}, not {_json_type(item)}',
            field=where,
        )
    unknown = [key for key in item if key not in PARTICIPANT_KEYS]
    if unknown:
        raise UserError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            "a person has: name, title, aliases",
            field=where,
        )
    if item.get("name") is None:
        raise UserError("is required", field=f"{where}.name")
    name = validate.required_text(f"{where}.name", _expect_str(f"{where}.name", item["name"]), limit_key="name")
    title = item.get("title")
    if title is not None:
        title = validate.text(f"{where}.title", _expect_str(f"{where}.title", title), limit_key="title", required=False)
    return NewParticipant(name=name, side=side, title=title, aliases=_parse_aliases(f"{where}.aliases", item))


def _parse_aliases(where: str, item: Mapping[str, Any]) -> tuple[str, ...]:
    value = item.get("aliases")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise UserError(f"must be a list of names, not {_json_type(value)}", field=where)
    if len(value) > MAX_ALIASES:
        raise UserError(f"{len(value)} aliases; at most {MAX_ALIASES}", field=where)
    aliases: list[str] = []
    for index, alias in enumerate(value, start=1):
        text = validate.required_text(f"{where}[{index}]", _expect_str(f"{where}[{index}]", alias), limit_key="alias")
        if text not in aliases:
            aliases.append(text)
    return tuple(aliases)


def parse_minutes(value: object) -> int | None:
    if value is None:
        return None
    # A float such as 45.0 or a string "45" is refused rather than coerced: the export writes whole
    # numbers, and anything else suggests the file was not written for this format.
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserError(f"must be a whole number of minutes, not {_json_type(value)}", field="minutes")
    if 1 <= value <= 1440:  # what validate.integer gives back
        return value
    return validate.integer("minutes", value, low=1, high=1440)


def parse_requester(value: str) -> str:
    if value in REQUESTERS:  # spelled as allowed: itself, whether through SIDE_ALIASES or not
        return value
    # "cn" is the file's own word for China elsewhere in the line, so it is understood here too.
    canonical = SIDE_ALIASES.get(value.strip().lower(), value)
    return validate.choice("requested_by", canonical, REQUESTERS)


def _parse_sources(value: object) -> list[Source]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UserError(
            f"must be a list of http(s) URLs or source objects ({', '.join(SOURCE_KEYS)}), not {_json_type(value)}",
            field="sources",
        )
    sources: list[Source] = []
    for index, item in enumerate(value, start=1):
        where = f"sources[{index}]"
        source = (
            _parse_source(where, item)
            if isinstance(item, dict)
            else Source(checked_url(where, _expect_str(where, item)))
        )
        if source not in sources:
            sources.append(source)
    return sources


def _parse_source(where: str, item: Mapping[str, Any]) -> Source:
    """A source object: a link with its page's title and publisher, or a note for a citation without one."""
    unknown = [key for key in item if key not in SOURCE_KEYS]
    if unknown:
        raise UserError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"a source has: {', '.join(SOURCE_KEYS)}",
            field=where,
        )
    url = _optional_str(item, "url")
    texts = {key: _optional_text(item, key, limit_key="source") for key in ("title", "publisher", "note")}
    if url is None and texts["note"] is None:
        raise UserError("needs a url, or a note for a citation without a link", field=where)
    link = None if url is None else checked_url(f"{where}.url", url)
    return Source(link, texts["title"], texts["publisher"], texts["note"])


def _parse_raised(value: object) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UserError(
            f'must be an object like {{"us": ["taiwan"], "china": ["taiwan"]}}, not {_json_type(value)}',
            field="raised",
        )
    raised: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    for key, issues in value.items():
        side = RAISED_SIDE_KEYS.get(key)
        if side is None:
            raise UserError(f"unknown side {key!r}; use us and china (or cn)", field="raised")
        if side in spelled:
            raise UserError(
                f"China's issues are given under both {spelled[side]!r} and {key!r}; use one of them",
                field="raised",
            )
        spelled[side] = key
        where = f"raised.{key}"
        if not isinstance(issues, list):
            raise UserError(f"must be a list of issue slugs, not {_json_type(issues)}", field=where)
        slugs: list[str] = []
        for index, item in enumerate(issues, start=1):
            slug = plain_issue(item) if isinstance(item, str) else None
            if slug is None:
                item_where = f"{where}[{index}]"
                text = validate.required_text(item_where, _expect_str(item_where, item), limit_key=ISSUE_LIMIT_KEY)
                slug = slugify(text)
                if not slug:
                    raise UserError(f"{text!r} has no letters or digits to make an issue slug of", field=item_where)
            if slug not in slugs:
                slugs.append(slug)
        if slugs:
            raised[side] = slugs
    return raised


def _participant_dict(name: str, title: str | None, aliases: Iterable[str] = ()) -> dict[str, object]:
    person: dict[str, object] = {"name": name} if title is None else {"name": name, "title": title}
    listed = list(aliases)
    if listed:
        person["aliases"] = listed
    return person
