"""Rules of the record that every backend keeps alike, whatever database holds it: how a name is folded
for search, what an event's duplicate key is, which track its offices put it on, which office a title
names, what an audit entry holds for each kind of record.

The ones already public in the SQLite modules are re-exported here, so a backend imports every shared
rule from this one place; the ones that were private there are defined here. Moving the definitions
themselves here (and the SQLite modules importing them) is the next step of the seam.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from storage.events import dedupe_key, event_dict, sources_json, track_of
from storage.people import (
    EXACT,
    START,
    START_WORD,
    WORD,
    WORD_CANDIDATES,
    WORD_START,
    name_words,
    slug_for_title,
    wrong_side,
)
from storage.records import Draft, Event, Feed, Office, Person, Question, Subscription
from storage.vocab import BUILTIN_ISSUES, BUILTIN_OFFICES, norm

__all__ = [
    "ATTACH_DAYS",
    "BUILTIN_ISSUE_SLUGS",
    "BUILTIN_OFFICE_BY_SLUG",
    "EXACT",
    "ITEM_OUTCOMES",
    "START",
    "START_WORD",
    "WORD",
    "WORD_CANDIDATES",
    "WORD_START",
    "custom_forms_of",
    "dedupe_key",
    "draft_dict",
    "event_dict",
    "event_text",
    "feed_dict",
    "fold",
    "name_words",
    "norm",
    "office_track",
    "person_dict",
    "person_text",
    "question_dict",
    "search_tokens",
    "slug_for_title",
    "sources_json",
    "subscription_dict",
    "track_of",
    "words_fit",
    "wrong_side",
]

BUILTIN_OFFICE_BY_SLUG: dict[str, Office] = {
    o.slug: Office(o.slug, o.title, o.track, o.forms, builtin=True) for o in BUILTIN_OFFICES
}
BUILTIN_ISSUE_SLUGS = frozenset(i.slug for i in BUILTIN_ISSUES)

# The other side's readout of one contact may date it a day apart (Beijing morning, Washington evening):
# a readout joins a recorded contact of the same two leads within this many days.
ATTACH_DAYS = 1
# What may become of a claimed feed item (besides 'baseline', the items a feed held when it was added).
ITEM_OUTCOMES = ("posted", "skipped", "failed")

# Words as search splits them (FTS5's unicode61 tokenizer with remove_diacritics 2 does the same): runs
# of letters and digits, case-folded, without diacritics.
_TOKEN = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Case-folded and without diacritics ("Zhōu" -> "zhou"): how search compares words."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_tokens(text: str) -> list[str]:
    """The words of `text` as search matches them, folded."""
    return _TOKEN.findall(fold(text))


# A search hit's snippet: at most this many words, as SQLite's FTS5 snippet(…, 16) gave.
SNIPPET_WORDS = 16


def snippet(body: str, words: list[str]) -> str:
    """Up to SNIPPET_WORDS words of `body` around the most hits of a search's `words` (folded, the last
    one also as a prefix), with '…' where words are left out; a text that short is shown whole. Both
    backends cut their snippets here, so a hit reads the same whichever found it."""
    *whole, last = words
    spans = list(_TOKEN.finditer(body))
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


def office_track(own: dict[str, str], slug: str | None) -> str | None:
    """The track of an office: the workspace's own (`own`, slug to track) first, then the built-in one."""
    if slug is None:
        return None
    if slug in own:
        return own[slug]
    builtin = BUILTIN_OFFICE_BY_SLUG.get(slug)
    return builtin.track if builtin else None


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
