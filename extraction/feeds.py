"""RSS and Atom feeds: their items, and conditional requests so that an unchanged feed costs one 304.

feedparser parses bytes already fetched (through extraction.fetch, under its rules); it never fetches
anything itself here. The schedule, the per-feed state kept across restarts and the posting of drafts
belong to the feed follower, which sits on top of this.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Final

import feedparser

from extraction.fetch import DEFAULT_LIMITS, FEED_TYPES, FetchRefused, Limits, fetch

SUMMARY_MAX = 2000  # characters of an item's summary kept: enough for the quick check below

# The quick check before a feed item's page is fetched: it names both sides, or one side and a contact.
# Loose on purpose: the extraction of the page decides; this only spares fetching the press releases
# that cannot be one (a tariff notice about no one, a call with Manila titled so).
CHINA_WORDS: Final = re.compile(
    r"(?<!\w)(?:china|chinese|prc|people's republic|beijing|xi jinping)(?!\w)",
    re.IGNORECASE,
)
US_WORDS: Final = re.compile(
    r"(?<!\w)(?:u\.s\.|us|usa|united states|america|american|washington|pentagon|white house|"
    r"state department)(?!\w)",
    re.IGNORECASE,
)
CONTACT_WORDS: Final = re.compile(
    r"\b(?:call|calls|called|phone|spoke|speaks|speak|talks?|meets?|meeting|met|video|visits?|readout|"
    r"dialogue|conversation|summit|hosts?|held|holds|consultations?|teleconference)\b",
    re.IGNORECASE,
)


def may_be_contact(item: FeedItem) -> bool:
    """Whether an item's title and summary could report a US–China contact (then its page is read)."""
    words = f"{item.title} {re.sub(r'<[^>]*>', ' ', item.summary)}"
    china, us = bool(CHINA_WORDS.search(words)), bool(US_WORDS.search(words))
    return (china and us) or ((china or us) and bool(CONTACT_WORDS.search(words)))


class NotAFeed(FetchRefused):
    """What was fetched is not an RSS or Atom feed."""


@dataclass(frozen=True)
class FeedItem:
    id: str  # the item's guid or id; its link when it has none
    link: str | None
    title: str
    published: dt.datetime | None  # UTC
    summary: str = ""  # the item's summary or description as the feed gives it (may hold markup)


@dataclass(frozen=True)
class Validators:
    """What the server said identifies this version of the feed, for the next conditional request."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """The conditional request headers these validators call for."""
        out: dict[str, str] = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass(frozen=True)
class FeedResult:
    url: str
    changed: bool  # False: 304 Not Modified, no items
    items: tuple[FeedItem, ...]
    validators: Validators


def parse_feed(body: bytes, url: str | None = None) -> tuple[FeedItem, ...]:
    """The items of an RSS or Atom document, in document order; NotAFeed if it is neither."""
    parsed: Any = feedparser.parse(body, response_headers={"content-location": url} if url else None)
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        problem = parsed.get("bozo_exception")
        why = f" ({problem})" if problem else ""
        raise NotAFeed(f"{url or 'the document'} is not an RSS or Atom feed{why}")
    items: list[FeedItem] = []
    for entry in parsed.entries:
        link = entry.get("link") or None
        ident = entry.get("id") or entry.get("guid") or link
        if not ident:
            continue  # an item with neither id nor link cannot be told apart from the next poll's
        summary = str(entry.get("summary") or "")[:SUMMARY_MAX]
        items.append(
            FeedItem(str(ident), str(link) if link else None, str(entry.get("title") or ""), _when(entry), summary)
        )
    return tuple(items)


def _when(entry: Any) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.UTC)
    return None


async def fetch_feed(
    url: str, validators: Validators = Validators(), *, allow_loopback: bool = False, limits: Limits = DEFAULT_LIMITS
) -> FeedResult:
    """The feed's items, or changed=False when the server says it has not changed since `validators`."""
    got = await fetch(
        url,
        accept=FEED_TYPES,
        allow_loopback=allow_loopback,
        limits=limits,
        headers=validators.headers(),
        allow_not_modified=True,
    )
    headers = {k.casefold(): v for k, v in got.headers.items()}
    fresh = Validators(headers.get("etag") or validators.etag, headers.get("last-modified") or validators.last_modified)
    if got.status == 304:
        return FeedResult(got.url, False, (), fresh)
    return FeedResult(got.url, True, parse_feed(got.body, got.url), fresh)
