"""Rules of the record that every backend keeps alike, whatever database holds it: how a name is folded
for search, what an event's duplicate key is, which track its offices put it on, which office a title
names, what an audit entry holds for each kind of record, how a timeline's buckets and lanes are chosen.

Both backends (storage/sqlite/, storage/postgres/) import them from here; neither keeps a copy of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from storage.errors import Conflict
from storage.records import Draft, Event, Feed, Grain, Issue, Office, Person, Question, Source, Subscription, Tally
from storage.vocab import BUILTIN_ISSUES, BUILTIN_OFFICES, TRACKS, norm, slugify

BUILTIN_OFFICE_BY_SLUG: dict[str, Office] = {
    o.slug: Office(o.slug, o.title, o.track, o.forms, builtin=True) for o in BUILTIN_OFFICES
}
BUILTIN_ISSUE_SLUGS = frozenset(i.slug for i in BUILTIN_ISSUES)
# The built-in issues as every workspace lists them, first (built once: every command that shows issues
# reads this list, and building it cost /lastcall 25 µs).
BUILTIN_ISSUE_RECORDS = tuple(Issue(i.slug, i.title, i.aliases, builtin=True) for i in BUILTIN_ISSUES)


def _builtin_forms() -> dict[tuple[str, str], str]:
    forms: dict[tuple[str, str], str] = {}
    for office in BUILTIN_OFFICES:
        for form in (office.title, *office.forms, office.slug.split(":", 1)[1].replace("-", " ")):
            forms.setdefault((office.side, norm(form)), office.slug)
    return forms


# Every form of a built-in office's title (its title, its common forms, its slug's words), normalized,
# by side: (side, form) -> slug. A form two offices share belongs to the first.
BUILTIN_FORMS = _builtin_forms()

# How people_matching ranks a match, best first: the name or alias is what was typed; starts with it as
# a whole word ("dong" in "Dong Jun"); starts with it ("xi" in "Xie Feng"); has a word that is it ("austin"
# in "Lloyd J. Austin III"); has a word that starts with it ("aus").
EXACT, START_WORD, START, WORD, WORD_START = 0, 1, 2, 3, 4
# people_matching: how many people one index range may bring in before they are ranked. The exact and
# start-of-name matches come from their own ranges, so this caps only the word matches.
WORD_CANDIDATES = 200

# The other side's readout of one contact may date it a day apart (Beijing morning, Washington evening):
# a readout joins a recorded contact of the same two leads within this many days.
ATTACH_DAYS = 1
# What may become of a claimed feed item (besides 'baseline', the items a feed held when it was added).
ITEM_OUTCOMES = ("posted", "skipped", "failed")

# Words as search splits them (FTS5's unicode61 tokenizer with remove_diacritics 2 does the same): runs
# of letters and digits, case-folded, without diacritics.
SEARCH_TOKEN = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Case-folded and without diacritics ("Zhōu" -> "zhou"): how search compares words."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_tokens(text: str) -> list[str]:
    """The words of `text` as search matches them, folded."""
    return SEARCH_TOKEN.findall(fold(text))


def has_search_words(text: str) -> bool:
    """Whether `text` has anything search can look for (a letter or a digit): a query without is refused
    before any backend is asked."""
    return bool(search_tokens(text))


def name_words(key: str) -> list[str]:
    """The words of a name's key (storage.vocab.norm of it) that suggestions match by their start."""
    return sorted(set(key.split()))


# A search hit's snippet: at most this many words, as SQLite's FTS5 snippet(…, 16) gave.
SNIPPET_WORDS = 16


def snippet(body: str, words: list[str]) -> str:
    """Up to SNIPPET_WORDS words of `body` around the most hits of a search's `words` (folded, the last
    one also as a prefix), with '…' where words are left out; a text that short is shown whole. Both
    backends cut their snippets here, so a hit reads the same whichever found it."""
    *whole, last = words
    spans = list(SEARCH_TOKEN.finditer(body))
    if len(spans) <= SNIPPET_WORDS:
        return body.strip()
    hits = [i for i, m in enumerate(spans) if (t := fold(m.group())) in whole or t.startswith(last)]
    # The window that holds the most hits, among those starting at a hit (or ending the text).
    best, best_count = 0, -1
    for start in sorted({max(0, min(h, len(spans) - SNIPPET_WORDS)) for h in hits} or {0}):
        count = sum(1 for h in hits if start <= h < start + SNIPPET_WORDS)
        if count > best_count:
            best, best_count = start, count
    end = best + SNIPPET_WORDS - 1
    text = body[spans[best].start() : spans[end].end()]
    return ("…" if best > 0 else "") + text + ("…" if end < len(spans) - 1 else "")


def words_fit(typed: list[str], words: list[str]) -> bool:
    """Whether each typed word starts a different word of a name, in any order (people_matching)."""
    left = list(words)
    for word in sorted(typed, key=len, reverse=True):
        match = next((w for w in left if w.startswith(word)), None)
        if match is None:
            return False
        left.remove(match)
    return True


def custom_forms_of(offices: Iterable[tuple[str, str, Iterable[str]]]) -> dict[str, str]:
    """A side's own offices as (slug, title, forms): each normalized form to its slug, for
    slug_for_title; a form two offices share belongs to the first."""
    custom: dict[str, str] = {}
    for slug, title, forms in offices:
        for form in (title, *forms):
            custom.setdefault(norm(form), slug)
    return custom


def slug_for_title(custom: dict[str, str], side: str, title: str) -> str:
    """The office of a title: the workspace's own forms first (`custom`, from custom_forms_of), then the
    built-in ones, for the whole title and then each segment of it; a title no table knows becomes an
    office of its own."""
    for candidate in (title, *title_segments(title)):
        key = norm(candidate)
        if key in custom:
            return custom[key]
        if (side, key) in BUILTIN_FORMS:
            return BUILTIN_FORMS[(side, key)]
    return f"{side}:{slugify(title)}"


def title_segments(title: str) -> list[str]:
    """Parts of a compound title ("Vice Premier; lead of the economic dialogue" -> "Vice Premier")."""
    parts: list[str] = []
    for chunk in title.replace("(", ";").replace(")", ";").split(";"):
        chunk = chunk.strip()
        if chunk:
            parts.append(chunk)
            parts.extend(p.strip() for p in chunk.split(",") if p.strip())
    return parts


def wrong_side(name: str, has: str, wanted: str) -> Conflict:
    """Why a name already known on one side cannot take part on the other."""
    return Conflict(f"{name!r} is on the {has} side, not {wanted}")


def office_track(own: dict[str, str], slug: str | None) -> str | None:
    """The track of an office: the workspace's own (`own`, slug to track) first, then the built-in one."""
    if slug is None:
        return None
    if slug in own:
        return own[slug]
    builtin = BUILTIN_OFFICE_BY_SLUG.get(slug)
    return builtin.track if builtin else None


def track_of(tracks: Sequence[str | None]) -> str:
    """The track of an event from its participants' offices' tracks, in position order (None: an office
    without one): leaders only if all say leaders, else the first other one, the US lead's."""
    known = [t for t in tracks if t]
    if not known:
        return "other"
    non_leader = [t for t in known if t != "leaders"]
    return non_leader[0] if non_leader else "leaders"


def dedupe_key(day: dt.date, kind: str, person_ids: Sequence[int]) -> str:
    """The duplicate rule: same date, kind and participants."""
    return f"{day.isoformat()}|{kind}|{','.join(str(i) for i in sorted(set(person_ids)))}"


def sources_json(sources: Sequence[Source]) -> str:
    """An event's sources as stored: a JSON list of URLs and source objects (Source.as_json)."""
    return json.dumps([s.as_json() for s in sources], ensure_ascii=False)


def person_text(person: Person) -> str:
    """What search finds a person by."""
    return " ".join(filter(None, (person.name, person.title, *person.aliases)))


def event_text(event: Event) -> str:
    """What search finds an event by: its summary, location and each participant's name and title."""
    names = " ".join(f"{p.name} {p.title or ''}" for p in event.participants)
    return " ".join(filter(None, (event.summary, event.location, names)))


def person_dict(person: Person) -> dict[str, Any]:
    """A person as the audit trail keeps them."""
    return {"name": person.name, "side": person.side, "title": person.title, "aliases": list(person.aliases)}


def event_dict(event: Event) -> dict[str, Any]:
    """An event as the audit trail keeps it; a confidence only when it has one."""
    data: dict[str, Any] = {
        "day": event.day.isoformat(),
        "time": event.time,
        "timezone": event.timezone,
        "kind": event.kind,
        "track": event.track,
        "status": event.status,
        "minutes": event.minutes,
        "requested_by": event.requested_by,
        "location": event.location,
        "summary": event.summary,
        "sources": [s.as_json() for s in event.sources],
        "participants": [{"name": p.name, "side": p.side, "title": p.title} for p in event.participants],
    }
    if event.confidence is not None or event.confidence_note is not None:
        data["confidence"] = event.confidence
        data["confidence_note"] = event.confidence_note
    return data


def question_dict(q: Question) -> dict[str, Any]:
    """A question as the audit trail keeps it."""
    return {
        "text": q.text,
        "issue": q.issue,
        "event_id": q.event_id,
        "status": q.status,
        "raised_on": q.raised_on.isoformat(),
        "answer": q.answer,
        "answer_source": q.answer_source,
        "closed_on": q.closed_on.isoformat() if q.closed_on else None,
    }


def subscription_dict(s: Subscription) -> dict[str, Any]:
    """A subscription as the audit trail keeps it."""
    return {
        "channel_id": s.channel_id,
        "weekday": s.weekday,
        "time": s.time,
        "timezone": s.timezone,
        "paused": s.paused,
        "pause_reason": s.pause_reason,
        "role_id": s.role_id,
        "chart": s.chart,
    }


def draft_dict(d: Draft) -> dict[str, Any]:
    """A draft as the audit trail keeps it."""
    return {
        "url": d.url,
        "title": d.title,
        "publisher": d.publisher,
        "status": d.status,
        "event_id": d.event_id,
        "extracted": d.extracted,
    }


def feed_dict(f: Feed) -> dict[str, Any]:
    """A feed as the audit trail keeps it."""
    return {"url": f.url, "channel_id": f.channel_id, "paused": f.paused}


# -- timelines ---------------------------------------------------------------------------------------

# Bucket lengths in days, for choosing one; months and longer follow the calendar.
GRAIN_DAYS: dict[Grain, float] = {
    "day": 1,
    "week": 7,
    "month": 30.4,
    "quarter": 91.3,
    "half-year": 182.6,
    "year": 365.2,
}
LONG_GRAINS = ("month", "quarter", "half-year", "year")  # counted from the month counts
# A mark per day when that makes at most this many marks; else the shortest bucket (a week, a month,
# a quarter, half a year, a year) that puts at most MAX_BUCKETS across the span.
DAY_MARKS = 1500
MAX_BUCKETS = 100
GAPS_PER_LANE = 3
# A picture of a mark per month shows only gaps of two months or more: shorter ones are a few pixels.
MONTH_GAP_DAYS = 62
# A pair lane's key: the person's office and the other side's lead's, joined by this.
PAIR_SEPARATOR = "|"


def grain_for(days: int) -> Grain:
    """The shortest bucket longer than a day that puts at most MAX_BUCKETS across `days`."""
    longer: tuple[Grain, ...] = ("week", "month", "quarter", "half-year")
    for grain in longer:
        if days / GRAIN_DAYS[grain] <= MAX_BUCKETS:
            return grain
    return "year"


def timeline_lanes(tallies: Sequence[Tally], *, pairs: bool) -> tuple[str, ...]:
    """A timeline's lanes: tracks in their usual order (others after, by name), or pairs of offices by
    their number of contacts, most first."""
    if not pairs:
        present = {t.lane for t in tallies}
        return tuple(t for t in TRACKS if t in present) + tuple(sorted(present - set(TRACKS)))
    totals: dict[str, int] = {}
    for t in tallies:
        totals[t.lane] = totals.get(t.lane, 0) + t.count
    return tuple(sorted(totals, key=lambda lane: (-totals[lane], lane)))


# Short-lived rows (held replies, OAuth states): each write purges at most this many expired ones, so its
# cost stays bounded however many expired meanwhile; as each write adds one row, they never pile up.
EXPIRED_PURGE = 100
