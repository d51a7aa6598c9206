"""The day of a contact from what the readout says, against its publication date.

Forms understood: "March 3, 2020", "14 November", "Mar. 4", "September 16-17" (the first day),
"10/26/2023", "today", "yesterday", "last night", "this morning", weekday names ("on Thursday",
"Thursday morning"), each optionally with a time of day ("on the evening of April 16"). A date without a
year takes the publication's year, or the year before when that would put it after the publication.

The day is the Washington day for remote contacts: a Chinese text's Beijing morning is the previous day in
Washington, its afternoon, evening or night the same day. In-person contacts keep the local date.
The standard library is enough: the forms are few and closed, and the Beijing–Washington rule is ours.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from extraction.rules import BEIJING_PREVIOUS_WASHINGTON_DAY, CN, MONTHS, RELATIVE_DAYS, REMOTE_KINDS, WEEKDAYS

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_RANGE = r"(?:\s*(?:[-–]|to|and)\s*\d{1,2}(?!\d))?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
_PART = r"(?P<part>morning|afternoon|evening|night|early morning)"
_WEEKDAY = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")"
_RELATIVE = r"(?P<relative>" + "|".join(sorted((re.escape(k) for k in RELATIVE_DAYS), key=len, reverse=True)) + r")"

# One expression per form; each may carry a time of day before it ("on the evening of") or after it
# ("Thursday morning").
_FORMS: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(rf"\b{_MONTH}\s+{_DAY}{_RANGE}{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}{_RANGE}\s+{_MONTH}{_YEAR}\b", re.IGNORECASE),
    re.compile(r"\b(?P<nmonth>\d{1,2})/(?P<nday>\d{1,2})/(?P<year>\d{4})\b"),
    re.compile(rf"\b{_WEEKDAY}(?:\s+{_PART})?\b", re.IGNORECASE),
    re.compile(rf"\b{_RELATIVE}\b", re.IGNORECASE),
)
_PART_BEFORE = re.compile(rf"{_PART}\s+of\s+(?:\w+,?\s+)?$", re.IGNORECASE)
# "BEIJING, Mar. 4 --" and "10/26/2023 11:52 PM EDT" give the release, not the contact.
_DATELINE = re.compile(r"^[A-Z][A-Z .]+,\s+[A-Za-z]+\.?\s+\d{1,2}\s*(?:\([^)]*\))?\s*(?:--|—|–)")


@dataclass(frozen=True)
class DateMention:
    """A date expression found in a sentence."""

    start: int
    end: int
    text: str
    day: dt.date | None  # None: relative and there is no publication date to resolve it against
    part_of_day: str | None
    is_range: bool


def mentions(sentence: str, published: dt.date | None) -> list[DateMention]:
    """The date expressions of a sentence, in order, resolved against the publication date."""
    skip_to = 0
    dateline = _DATELINE.match(sentence)
    if dateline:
        skip_to = dateline.end()
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for form in _FORMS:
        for match in form.finditer(sentence):
            if match.start() < skip_to or any(s < match.end() and match.start() < e for s, e in taken):
                continue
            mention = _resolve(sentence, match, published)
            if mention is not None:
                found.append(mention)
                taken.append((match.start(), match.end()))
    return sorted(found, key=lambda m: m.start)


def _resolve(sentence: str, match: re.Match[str], published: dt.date | None) -> DateMention | None:
    groups = match.groupdict()
    part = (groups.get("part") or "").casefold() or None
    before = _PART_BEFORE.search(sentence[: match.start()])
    if before and part is None:
        part = before.group("part").casefold()
    day: dt.date | None
    if groups.get("month"):
        month = MONTHS[groups["month"].casefold()]
        day = _calendar(groups.get("year"), month, int(groups["day"]), published)
        if day is None:
            return None
    elif groups.get("nmonth"):
        try:
            day = dt.date(int(groups["year"]), int(groups["nmonth"]), int(groups["nday"]))
        except ValueError:
            return None
    elif groups.get("weekday"):
        weekday = WEEKDAYS[groups["weekday"].casefold()]
        day = None if published is None else published - dt.timedelta(days=(published.weekday() - weekday) % 7)
    else:
        words = groups["relative"].casefold()
        day = None if published is None else published - dt.timedelta(days=RELATIVE_DAYS[words])
        if part is None and words in ("last night", "tonight", "this evening", "last evening"):
            part = "night"
        elif part is None and words == "this morning":
            part = "morning"
    text = match.group(0)
    is_range = bool(re.search(r"\d\s*(?:[-–]|to|and)\s*\d", text))
    return DateMention(match.start(), match.end(), text, day, part, is_range)


def _calendar(year: str | None, month: int, day: int, published: dt.date | None) -> dt.date | None:
    try:
        if year:
            return dt.date(int(year), month, day)
        if published is None:
            return None
        guess = dt.date(published.year, month, day)
        # A day well after the release belongs to the previous year ("December 30" read in January).
        if guess > published + dt.timedelta(days=7):
            guess = dt.date(published.year - 1, month, day)
        return guess
    except ValueError:
        return None


def washington_day(day: dt.date, *, author_side: str | None, kind: str | None, part_of_day: str | None) -> dt.date:
    """The Washington date of a remote contact a Chinese text dates by Beijing time; else `day` itself."""
    if author_side == CN and kind in REMOTE_KINDS and part_of_day in BEIJING_PREVIOUS_WASHINGTON_DAY:
        return day - dt.timedelta(days=1)
    return day


def parse_published(value: object) -> dt.date | None:
    """The `published` field: YYYY-MM-DD or null; anything else is a ValueError naming it."""
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError(f"published must be YYYY-MM-DD or null, not {value!r}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as err:
        raise ValueError(f"published {value!r} is not a calendar date ({err})") from None
