"""Typed records that the store returns. Plain data, no behaviour beyond small conveniences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    side: str
    title: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Participant:
    person_id: int
    name: str
    side: str
    title: str | None  # the title held at the time of the event
    office: str | None  # normalized office slug the title maps to


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: a link (with the page's title and publisher when known), or, for a
    citation without an address, its words as a note."""

    url: str | None
    title: str | None = None
    publisher: str | None = None
    note: str | None = None

    def as_json(self) -> str | dict[str, str]:
        """The stored and exported form: a bare link as its URL, anything more as an object."""
        if self.url is not None and self.title is None and self.publisher is None and self.note is None:
            return self.url
        fields = (("url", self.url), ("title", self.title), ("publisher", self.publisher), ("note", self.note))
        return {key: value for key, value in fields if value is not None}

    @staticmethod
    def from_json(value: object) -> Source:
        """The inverse of as_json, for values the store wrote (validated on the way in)."""
        if isinstance(value, str):
            return Source(value)
        if not isinstance(value, dict):
            raise ValueError(f"a source is a URL or an object, not {value!r}")
        return Source(value.get("url"), value.get("title"), value.get("publisher"), value.get("note"))


@dataclass(frozen=True)
class Event:
    id: int
    day: dt.date
    kind: str
    track: str
    status: str
    minutes: int | None
    requested_by: str
    location: str | None
    summary: str | None
    sources: tuple[Source, ...]
    participants: tuple[Participant, ...]
    time: str | None = None  # "HH:MM", optional
    timezone: str | None = None
    confidence: str | None = None  # one of vocab.CONFIDENCES; None: as verified as its sources
    confidence_note: str | None = None  # which facts are unconfirmed, in a reader's words

    def side(self, side: str) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.side == side)


@dataclass(frozen=True)
class EventBrief:
    """An event as a line that dates it and names who met needs it: its id, its day and its
    participants in order, without its summary, sources and other facts (which cost more to read)."""

    id: int
    day: dt.date
    participants: tuple[Participant, ...]

    def side(self, side: str) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.side == side)


@dataclass(frozen=True)
class EarlierContacts:
    """What earlier_contacts found: for each scope asked, in order, its earlier contact or None; and,
    when asked, the contacts on a track that did not take place since its previous held one, newest
    first, with whether there were more than asked for."""

    found: tuple[EventBrief | None, ...]
    not_held: tuple[Event, ...] = ()
    more_not_held: bool = False


# A participant key: ("person", person id) or ("office", office slug).
ParticipantKey = tuple[str, int | str]


@dataclass(frozen=True)
class ContactScope:
    """Where an earlier contact is looked for: an event that both keys of `between` took part in, or one
    on `track`. Exactly one of the two is given."""

    between: tuple[ParticipantKey, ParticipantKey] | None = None
    track: str | None = None

    def __post_init__(self) -> None:
        if (self.between is None) == (self.track is None):
            raise ValueError("a contact scope is either between two participants or on a track")


@dataclass(frozen=True)
class Concern:
    id: int
    issue: str
    side: str
    text: str | None
    by: str | None
    day: dt.date
    event_id: int | None
    source: str | None


@dataclass(frozen=True)
class Question:
    id: int
    text: str
    issue: str | None
    event_id: int | None
    status: str
    raised_on: dt.date
    answer: str | None
    answer_source: str | None
    closed_on: dt.date | None


def raised_by_side(concerns: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The issues each side raised at one event, from its concerns' (side, issue) in the order recorded:
    each issue once a side, in the order first raised."""
    found: dict[str, list[str]] = {}
    for side, issue in concerns:
        issues = found.setdefault(side, [])
        if issue not in issues:
            issues.append(issue)
    return found


@dataclass(frozen=True)
class EventNotes:
    """What was noted of one event: its concerns in the order recorded, and the questions linked to it,
    oldest raised first."""

    concerns: tuple[Concern, ...] = ()
    questions: tuple[Question, ...] = ()

    def raised(self) -> dict[str, list[str]]:
        """The issues each side raised, as raised_at gives them (raised_by_side)."""
        return raised_by_side((c.side, c.issue) for c in self.concerns)

    def worded(self) -> list[Concern]:
        """The concerns that carry words and a source: what the readouts said."""
        return [c for c in self.concerns if c.text is not None and c.source is not None]


@dataclass(frozen=True)
class Issue:
    slug: str
    title: str
    aliases: tuple[str, ...] = ()
    builtin: bool = False


@dataclass(frozen=True)
class Office:
    slug: str
    title: str
    track: str
    forms: tuple[str, ...] = ()
    builtin: bool = False


@dataclass(frozen=True)
class Subscription:
    id: int
    channel_id: str
    weekday: int  # 0 = Monday
    time: str  # "HH:MM" local
    timezone: str
    paused: bool
    pause_reason: str | None
    role_id: str | None
    last_period_end: dt.datetime | None
    last_error: str | None
    workspace: str = ""
    created_at: dt.datetime | None = None
    chart: bool = True  # the digest carries a chart of the last twelve months


@dataclass(frozen=True)
class DigestRun:
    subscription_id: int
    period_start: dt.datetime
    period_end: dt.datetime
    status: str  # claimed, sent, failed, skipped
    late: bool
    claimed_at: dt.datetime
    claimed_by: str
    finished_at: dt.datetime | None
    detail: str | None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor_id: str
    actor_name: str
    action: str
    table: str
    record_id: str
    before: dict[str, object] | None
    after: dict[str, object] | None


@dataclass(frozen=True)
class WorkspaceSettings:
    workspace: str
    timezone: str | None  # None: the deployment's default
    editor_role: str | None


@dataclass(frozen=True)
class Actor:
    """Who is writing: recorded in every audit entry."""

    workspace: str
    user_id: str
    display_name: str


@dataclass
class NewParticipant:
    name: str
    side: str
    title: str | None = None
    aliases: tuple[str, ...] = ()  # other forms of the name, added to the person if new to the workspace


@dataclass
class NewEvent:
    day: dt.date
    kind: str
    track: str | None  # None: derive from the participants' offices
    us: list[NewParticipant]
    cn: list[NewParticipant]
    minutes: int | None = None
    requested_by: str = "unknown"
    location: str | None = None
    summary: str | None = None
    sources: list[Source] = field(default_factory=list)
    status: str = "held"
    raised: dict[str, list[str]] = field(default_factory=dict)  # side -> issue slugs
    time: str | None = None
    timezone: str | None = None
    confidence: str | None = None
    confidence_note: str | None = None


@dataclass(frozen=True)
class Draft:
    """A readout as Hotline read it, waiting for an editor: `extracted` is commands/drafts.py's JSON."""

    id: int
    workspace: str
    created_by: str
    created_at: dt.datetime
    url: str | None
    title: str | None
    publisher: str | None
    published: dt.date | None
    extracted: dict[str, object]
    status: str  # pending, recorded, discarded
    event_id: int | None
    decided_by: str | None
    decided_at: dt.datetime | None
    feed_id: int | None = None


@dataclass(frozen=True)
class NewPosition:
    """One side's stated position on an issue, in a readout's words, to be recorded as a concern."""

    side: str  # us, china
    issue: str
    text: str


@dataclass(frozen=True)
class RecordedDraft:
    event: Event
    attached: bool  # True: the contact was already recorded (the other side's readout) and this joined it
    positions: int  # concerns with a readout's words added
    issues: int  # issues raised added without words
    source_added: bool
    new_people: tuple[str, ...] = ()
    new_issues: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    id: int
    workspace: str
    url: str
    channel_id: str
    paused: bool
    etag: str | None
    last_modified: str | None
    next_poll_at: dt.datetime
    last_success_at: dt.datetime | None
    last_error: str | None
    last_error_at: dt.datetime | None
    failures: int
    items_seen: int
    items_posted: int
    items_skipped: int
    items_failed: int
    created_at: dt.datetime


# Told how far a long piece of work is: (done, total) in its own unit (lines, pages). Called every so
# many units, never per unit, and possibly from a database's own thread.
Progress = Callable[[int, int], None]
# How many lines an import goes between two calls of its Progress.
PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class PoolStats:
    """The database connections a store holds, for /metrics: open now, the most it opens, and idle ones
    (None where the backend does not track it). PostgreSQL's pool reports all three."""

    size: int
    max_size: int
    idle: int | None = None


@dataclass(frozen=True)
class AddedEvent:
    """What add_event did: the event, and the people and issues it made new to the workspace."""

    event: Event
    new_people: tuple[str, ...]
    new_issues: tuple[str, ...]


@dataclass(frozen=True)
class ImportResult:
    """What import_events did: events added, lines skipped as duplicates, people created, lines refused."""

    added: int
    duplicates: list[tuple[int, int]]  # (line number, existing event id)
    new_people: int
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line number, why), e.g. a side mismatch


@dataclass(frozen=True)
class SearchHit:
    kind: str  # event, concern, question, person
    ref: int
    snippet: str


# A timeline's bucket: the length of time one mark counts.
Grain = Literal["day", "week", "month", "quarter", "half-year", "year"]


@dataclass(frozen=True)
class Tally:
    lane: str  # a track, or "<office>|<office>" for a pair (an office slug, or "" when not known)
    bucket: dt.date  # the day, or the first day of the bucket
    kind: str
    status: str
    count: int


@dataclass(frozen=True)
class LaneGap:
    lane: str
    start: dt.date  # a held contact
    end: dt.date  # the next held contact on the lane

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True)
class Timeline:
    """The counts a timeline of contacts is drawn from (storage.contract.StoreContract.timeline)."""

    grain: Grain
    lanes: tuple[str, ...]  # tracks in their usual order; pairs by their number of contacts, most first
    tallies: tuple[Tally, ...]
    gaps: tuple[LaneGap, ...]  # the longest GAPS_PER_LANE (storage.rules) of each lane, longest first
    first: dt.date | None  # the first and last day with a contact that matches
    last: dt.date | None
    latest: Event | None  # the latest held contact that matches
    pairs: bool  # lanes are pairs of offices

    @property
    def total(self) -> int:
        return sum(t.count for t in self.tallies)


@dataclass(frozen=True)
class HeldReply:
    """A reply whose buttons are still live (a chat adapter's pages, a delete awaiting Confirm), as the
    adapter gave it to StoreContract.hold_reply: who asked, until when, and the adapter's own JSON text."""

    workspace: str
    asker: str
    expires: dt.datetime
    data: str
