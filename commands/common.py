"""Helpers the command modules share: today's date, name and issue resolution, event formatting."""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, overload
from zoneinfo import ZoneInfo

from commands import names
from commands.context import Ctx
from commands.errors import NotFound, UserError
from commands.platform import PlatformInfo
from commands.reply import Field, Line, Link, Span, UserText, When, line
from storage.errors import Conflict, DuplicateEvent, RecordMissing
from storage.records import Event, EventBrief, Issue, NewParticipant, Participant, Person, Source
from storage.vocab import SIDE_ALIASES, norm, slugify

SIDE_LABEL = {"us": "US", "china": "China", "other": "Other"}
KIND_LABEL = {
    "call": "phone call",
    "video": "video call",
    "meeting": "meeting",
    "summit": "summit",
    "visit": "visit",
    "talks": "talks",
    "request": "request",
}


async def zone(ctx: Ctx) -> ZoneInfo:
    settings = await ctx.store.workspace_settings(ctx.caller.workspace)
    return ZoneInfo(settings.timezone or ctx.settings.default_timezone)


A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


@overload
async def together(ctx: Ctx, a: Coroutine[Any, Any, A], b: Coroutine[Any, Any, B], /) -> tuple[A, B]: ...
@overload
async def together(
    ctx: Ctx, a: Coroutine[Any, Any, A], b: Coroutine[Any, Any, B], c: Coroutine[Any, Any, C], /
) -> tuple[A, B, C]: ...
async def together(ctx: Ctx, *reads: Coroutine[Any, Any, Any]) -> tuple[Any, ...]:
    """The results of reads that do not depend on each other, in order: sent together where each waits on
    a round trip (PostgreSQL), one after the other where a read is a local call and a task for each
    would cost more than it saves (SQLite: /lastcall took 0.65-0.70 ms with tasks, 0.34-0.36 without)."""
    if ctx.store.reads_overlap:
        return tuple(await asyncio.gather(*reads))
    done: list[Any] = []
    try:
        for read in reads:
            done.append(await read)
    finally:
        for unread in reads[len(done) + 1 :]:
            unread.close()  # after a failure: never started, and never to be
    return tuple(done)


async def today(ctx: Ctx) -> dt.date:
    """The current date in the workspace's time zone."""
    return ctx.clock.now().astimezone(await zone(ctx)).date()


def age(day: dt.date, today: dt.date) -> str:
    """How long ago (or ahead) a date is, rounded as people say it: "today", "yesterday", "9 days
    ago", "3 weeks ago" (from two weeks), "5 months ago" (from two months), "2½ years ago" (from 21
    months, to the nearest half year; whole years from five), "in 2 weeks". Exact day counts stay
    where they are the fact itself (a gap between contacts, a dormant track), never in an age."""
    days = (today - day).days
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days == -1:
        return "tomorrow"
    n = abs(days)
    if n < 14:
        amount = plural(n, "day")
    elif n < 60:
        amount = plural(round(n / 7), "week")
    else:
        early, late = sorted((day, today))
        months = (late.year - early.year) * 12 + late.month - early.month - (late.day < early.day)
        if months < 21:
            amount = plural(max(2, months), "month")
        elif months < 60:  # to the nearest half year: 30 months is "2½ years", not "3 years"
            halves = (months + 3) // 6
            amount = f"{halves // 2}{'½' if halves % 2 else ''} years"
        else:
            amount = plural((months + 6) // 12, "year")
    return f"{amount} ago" if days > 0 else f"in {amount}"


def when(day: dt.date, today: dt.date) -> When:
    """A date with its age, for where the age helps: the date of /lastcall, an open question."""
    return When(day, age(day, today))


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


@contextmanager
def store_errors(platform: PlatformInfo) -> Iterator[None]:
    """Turn what the store refuses into messages for the user, naming commands as `platform` types them."""
    try:
        yield
    except RecordMissing as exc:
        raise NotFound(
            f"no {exc.what} #{exc.ident} in this workspace"
            if isinstance(exc.ident, int)
            else f"no {exc.what} {exc.ident} in this workspace"
        ) from None
    except DuplicateEvent as exc:
        raise UserError(
            f"this contact is already recorded as event #{exc.event_id} "
            f"(same date, kind and participants); see {platform.usage('event show')} id:{exc.event_id}"
        ) from None
    except Conflict as exc:
        from commands.surface import named_for  # local: the surface imports this module

        raise UserError(named_for(platform, str(exc))) from None


def event_id(value: object, field: str = "id") -> int:
    """An event id as typed: 12 or #12."""
    text = str(value).strip().lstrip("#")
    # isdecimal, not isdigit: "²" is a digit that int() refuses; and at most 16 digits before int(),
    # which refuses 4,301 and more (fuzzing found both ValueErrors). 2**53 - 1 has 16 digits.
    if not text.isdecimal() or len(text) > 16 or int(text) < 1 or int(text) > 2**53 - 1:
        raise UserError(f"{value!r} is not an event id; give the number shown as #N", field=field)
    return int(text)


# -- people ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    person: Person | None = None
    side: str | None = None

    @property
    def label(self) -> str:
        if self.person:
            return self.person.name
        return SIDE_LABEL.get(self.side or "", "")


async def resolve_who(ctx: Ctx, text: str, field: str = "with", sides: bool = True) -> Who:
    """A side word, or a person by name or alias: exact, then by whole words, then by spelling."""
    raw = text.strip()
    if not raw:
        raise UserError("must not be empty; give a name, an alias or a side (us, china)", field=field)
    if sides and raw.lower() in SIDE_ALIASES and SIDE_ALIASES[raw.lower()] in ("us", "china"):
        return Who(side=SIDE_ALIASES[raw.lower()])
    person = await find_person_fuzzy(ctx, raw, field)
    return Who(person=person)


# How match_person found someone: the name or alias itself, by its whole words, or by close spelling.
EXACT, BY_WORDS, BY_SPELLING = "exact", "words", "spelling"


async def find_person_fuzzy(ctx: Ctx, raw: str, field: str, loose: bool = True) -> Person:
    """A person by name or alias: exact, then by whole words, then by close spelling (match_person)."""
    person, _ = await match_person(ctx, raw, field, loose)
    return person


async def match_person(ctx: Ctx, raw: str, field: str, loose: bool = True) -> tuple[Person, str]:
    """A person by name or alias: exact, then by whole words, then by close spelling (the rule is in
    commands/names.py); and how they were found (EXACT, BY_WORDS, BY_SPELLING).

    `loose=False` (recording an event) matches by words only for a single word ("Austin"), so that a
    new full name whose words happen to appear in a known one ("Wei Wei") is not taken for it, and
    asks for closer spelling (names.RECORD_CUTOFF).
    """
    ws = ctx.caller.workspace
    exact = await ctx.store.find_person(ws, raw)
    if exact:
        return exact, EXACT
    key = norm(raw)
    keys = await ctx.store.person_keys(ws)
    # "austin" -> "lloyd j austin iii": every typed word is a word of one name or alias.
    words = set(key.split())
    use_words = loose or len(words) == 1
    by_words = {pid: name for k, pid, name in keys if use_words and words and words <= set(k.split())}
    if len(by_words) == 1:
        pid = next(iter(by_words))
        found = await ctx.store.person(ws, pid)
        assert found is not None
        return found, BY_WORDS
    if len(by_words) > 1:
        listed = ", ".join(sorted(by_words.values())[:8])
        raise UserError(f"{raw!r} could be several people: {listed}; give more of the name", field=field)
    # "Wei Fenge" -> "wei fenghe": close spelling of a whole key.
    cutoff = names.LOOKUP_CUTOFF if loose else names.RECORD_CUTOFF
    close = set(names.close_keys(key, [k for k, _, _ in keys], cutoff))
    ids = {pid: name for k, pid, name in keys if k in close}
    if len(ids) == 1:
        found = await ctx.store.person(ws, next(iter(ids)))
        assert found is not None
        return found, BY_SPELLING
    if len(ids) > 1:
        raise UserError(f"{raw!r} could be several people: {', '.join(sorted(ids.values()))}", field=field)
    raise NotFound(
        f"nobody called {raw!r} is recorded in this workspace; {ctx.platform.usage('person add')} adds someone",
        field=field,
    )


def split_people(value: str) -> list[NewParticipant]:
    """Names separated by commas, each optionally followed by its title in parentheses.

    `Lloyd J. Austin III (Secretary of Defense), Mark Milley` — commas inside parentheses belong to
    the title, as in "Minister of National Defense (General, PLA)".
    """
    items: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in value:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    people: list[NewParticipant] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        title: str | None = None
        if item.endswith(")") and "(" in item:
            head, _, rest = item.partition("(")
            if head.strip():
                item, title = head.strip(), rest[:-1].strip() or None
        people.append(NewParticipant(item, "", title))
    return people


# -- issues ------------------------------------------------------------------------------------


async def resolve_issue(ctx: Ctx, text: str, field: str = "issue", create: bool = False) -> tuple[str, bool]:
    """An issue slug from a slug, title or alias. With `create`, an unknown one becomes a new slug
    unless it is a near miss of a known one (a typo should not start a new issue). Returns (slug, new)."""
    raw = text.strip()
    if not raw:
        raise UserError("must not be empty; give an issue such as taiwan or south-china-sea", field=field)
    found = await ctx.store.find_issue(ctx.caller.workspace, raw)
    if found:
        return found.slug, False
    issues = await ctx.store.issues(ctx.caller.workspace)
    slug = slugify(raw)
    if len(slug) > 60:
        raise UserError(f"{raw!r} is too long for an issue name (60 characters at most)", field=field)
    near = _near_issues(slug, issues)
    if near:
        raise UserError(f"{raw!r} is not a known issue; did you mean {' or '.join(near)}?", field=field)
    if not create:
        raise NotFound(
            f"{raw!r} is not an issue of this workspace; {ctx.platform.usage('hotline help')} lists how to add one",
            field=field,
        )
    if not slug:
        raise UserError(f"{raw!r} is not a usable issue name; use letters and numbers", field=field)
    return slug, True


def _near_issues(slug: str, issues: list[Issue]) -> list[str]:
    slugs = {i.slug for i in issues}
    return difflib.get_close_matches(slug, sorted(slugs), n=3, cutoff=0.85)


async def issue_titles(ctx: Ctx) -> dict[str, str]:
    return {i.slug: i.title for i in await ctx.store.issues(ctx.caller.workspace)}


# -- events ------------------------------------------------------------------------------------


def person_span(p: Participant, with_title: bool = True) -> Line:
    """ "Dong Jun — Minister of National Defense (Admiral, PLA Navy)": the title after a dash, so a
    title that holds parentheses never nests them."""
    if with_title and p.title:
        return line(UserText(p.name), " — ", UserText(p.title))
    return line(UserText(p.name))


# Generational suffixes are not surnames: "Lloyd J. Austin III" is Austin, "Joseph R. Biden Jr." Biden.
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def short_name(p: Participant) -> str:
    """The name a briefing uses once the reader knows who is meant: a US official by surname
    ("Austin"), a Chinese official in full ("Wei Fenghe"), since Chinese names are short already and
    a family name alone is ambiguous (Wang Yi, Wang Wentao, Wang Huning)."""
    if p.side != "us":
        return p.name
    words = [w for w in p.name.replace(",", " ").split() if w.lower() not in _SUFFIXES]
    return words[-1] if words else p.name


def short_pair_line(event: Event | EventBrief, leave_out: int | None = None) -> Line:
    """ "Austin ↔ Wei Fenghe": both sides by short name; `leave_out` drops one person (the one a
    reply is about already)."""
    sides: list[Line] = []
    for side in ("us", "china"):
        names = [short_name(p) for p in event.side(side) if p.person_id != leave_out]
        sides.append(line(UserText(", ".join(names))) if names else ("not named",))
    return (*sides[0], " ↔ ", *sides[1])


def side_line(event: Event, side: str, with_title: bool = True) -> Line:
    parts: list[Span] = []
    for i, p in enumerate(event.side(side)):
        if i:
            parts.append(", ")
        parts.extend(person_span(p, with_title))
    return tuple(parts) if parts else ("not named",)


def pair_line(event: Event) -> Line:
    """ "Austin ↔ Wei Fenghe" — the two sides' names, no titles."""
    return (*side_line(event, "us", False), " ↔ ", *side_line(event, "china", False))


def event_headline(event: Event, today: dt.date) -> Line:
    """#12 · Apr 20, 2022 · phone call · defense — names. The date alone: an age on every item of a
    list is noise, and the reader sees the date in their own locale."""
    status = "" if event.status == "held" else f" ({event.status})"
    return line(
        f"#{event.id} · ",
        When(event.day),
        f" · {KIND_LABEL.get(event.kind, event.kind)}{status} · {event.track} — ",
        *pair_line(event),
    )


def facts_line(event: Event) -> Line:
    facts = [KIND_LABEL.get(event.kind, event.kind), f"{event.track} track"]
    if event.minutes:
        facts.append(f"{event.minutes} minutes")
    if event.requested_by != "unknown":
        facts.append(f"requested by {SIDE_LABEL[event.requested_by]}")
    if event.status != "held":
        facts.append(event.status)
    if event.confidence in ("partial", "unconfirmed"):
        facts.append(CONFIDENCE_LABEL[event.confidence])
    return (" · ".join(facts),)


CONFIDENCE_LABEL = {"verified": "verified", "partial": "partly verified", "unconfirmed": "unconfirmed"}


def confidence_lines(event: Event) -> list[Line]:
    """How well the record establishes the contact, when it says so: "Confidence: partly verified —
    China's topics are not confirmed by a source."."""
    if event.confidence is None and event.confidence_note is None:
        return []
    label = CONFIDENCE_LABEL.get(event.confidence or "", event.confidence or "not stated")
    note = (" — ", UserText(event.confidence_note)) if event.confidence_note else ()
    return [line(f"Confidence: {label}", *note)]


def source_lines(event: Event) -> tuple[Line, ...]:
    """Each source on a line, in the order recorded (official ones first, where the record says so):
    a link labelled with its page's title, then its publisher; a citation without a link as words."""
    return tuple(source_line(s) for s in event.sources)


def source_line(source: Source) -> Line:
    parts: list[Span] = []
    if source.url is not None:
        parts.append(Link(source.url, source.title) if source.title else Link(source.url))
    elif source.title:
        parts.append(UserText(source.title))
    if source.publisher:
        parts += [" — " if parts else "", UserText(source.publisher)]
    if source.note:
        parts += [" (", UserText(source.note), ")"] if parts else [UserText(source.note)]
    return tuple(parts)


def raised_lines(raised: dict[str, list[str]], titles: dict[str, str]) -> list[tuple[str, Line]]:
    out: list[tuple[str, Line]] = []
    for side in ("us", "china"):
        issues = raised.get(side, [])
        if issues:
            out.append((f"{SIDE_LABEL[side]} raised", (", ".join(titles.get(i, i) for i in issues),)))
    return out


def truncate(text: str, limit: int) -> str:
    """Shorten for a list view, visibly and at a word (the full text is one /event show away): the
    longest run of whole words that fits with its "…", its trailing punctuation dropped. Only a
    single word longer than the limit is cut inside itself."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = text[: limit - 1]
    # The room ends a whole word when the next character is a space; otherwise back up to a space.
    cut = len(room) if text[len(room)] == " " else room.rfind(" ")
    kept = room[:cut] if cut > 0 else room
    return kept.rstrip(" ,;:.–—-") + "…"


SUMMARY_CHARS = 140  # a summary in a list: about one line of a chat window


def event_item(event: Event, detail: str | None = None) -> Field:
    """An event as one item of a list, two lines: "#43 · Austin ↔ Wei Fenghe", then "Nov 22, 2022 ·
    meeting · defense — " and its summary (or `detail`, e.g. a search snippet) cut at a word."""
    status = "" if event.status == "held" else f" · {event.status}"
    text = detail if detail is not None else event.summary
    words: tuple[Span, ...] = (" — ", UserText(truncate(text, SUMMARY_CHARS))) if text else ()
    return Field(
        line(f"#{event.id} · ", *short_pair_line(event)),
        (line(When(event.day), f" · {KIND_LABEL.get(event.kind, event.kind)} · {event.track}{status}", *words),),
    )
