"""A readout's draft: how it is kept in the store, shown for review, and turned into what Record writes.

The store keeps the extraction as JSON (`to_json`); known people are kept under the workspace's own name
for them, so Record finds them. `draft_reply` is the review message with its Record, Edit and Discard
buttons; `record_parts` checks the draft through the import format's own parser (commands/transfer.py)
and gives the NewEvent and the positions Record writes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from commands.common import KIND_LABEL, SIDE_LABEL, issue_titles, today, truncate, when
from commands.context import Ctx
from commands.errors import UserError
from commands.reply import Action, Field, Line, Link, Reply, Span, UserText, line
from commands.transfer import parse_line
from commands.validate import LIMITS
from extraction.draft import Draft, DraftIncomplete, Participant
from extraction.people import KnownPerson, People
from storage.records import Draft as StoredDraft
from storage.records import NewEvent, NewPosition

# The import format and the store call China's side "china"; the extraction calls it "cn".
STORE_SIDE = {"us": "us", "cn": "china"}
POSITION_SHOWN = 500  # characters of one side's words on one issue in the review message
POSITIONS_SHOWN = 3000  # characters of positions in all, so that the draft fits one Discord message


async def workspace_people(ctx: Ctx) -> People:
    """The workspace's people with their aliases, as the extraction resolves names against them."""
    return people_of(await ctx.store.people_of(ctx.caller.workspace))


def people_of(persons: list[Any]) -> People:
    side = {"us": "us", "china": "cn"}
    return People(tuple(KnownPerson(p.name, side.get(p.side, "other"), p.title, p.aliases) for p in persons))


def to_json(draft: Draft) -> dict[str, object]:
    def person(p: Participant) -> dict[str, object]:
        known = p.person is not None
        return {"name": p.person.name if p.person is not None else p.name, "title": p.title, "known": known}

    return {
        "is_us_china_contact": draft.is_us_china_contact,
        "date": draft.date.isoformat() if draft.date else None,
        "kind": draft.kind,
        "location": draft.location,
        "minutes": draft.minutes,
        "requested_by": draft.requested_by,
        "us": [person(p) for p in draft.us],
        "cn": [person(p) for p in draft.cn],
        "raised_us": list(draft.raised_us),
        "raised_cn": list(draft.raised_cn),
        "positions": [p.as_dict() for p in draft.positions],
        "unknowns": list(draft.unknowns),
        "author": draft.author,
    }


def from_json(data: dict[str, Any], source: str | None = None) -> Draft:
    """The stored JSON as an extraction Draft again (for import_line and the reply)."""
    from extraction.draft import Position

    def people(side: str) -> list[Participant]:
        out: list[Participant] = []
        for item in data.get(side) or []:
            name = item.get("name")
            known = KnownPerson(name, side) if item.get("known") and name else None
            out.append(Participant(name, item.get("title"), known))
        return out

    return Draft(
        is_us_china_contact=bool(data.get("is_us_china_contact")),
        date=dt.date.fromisoformat(data["date"]) if data.get("date") else None,
        kind=data.get("kind"),
        location=data.get("location"),
        minutes=data.get("minutes"),
        us=people("us"),
        cn=people("cn"),
        requested_by=data.get("requested_by"),
        raised_us=list(data.get("raised_us") or []),
        raised_cn=list(data.get("raised_cn") or []),
        positions=[Position(p["side"], p["issue"], p["sentence"]) for p in data.get("positions") or []],
        unknowns=list(data.get("unknowns") or []),
        source=source,
        author=data.get("author"),
    )


def grouped_positions(draft: Draft) -> dict[tuple[str, str], list[str]]:
    """(side, issue) -> the sentences, in the readout's order."""
    out: dict[tuple[str, str], list[str]] = {}
    for p in draft.positions:
        sentences = out.setdefault((p.side, p.issue), [])
        if p.sentence not in sentences:
            sentences.append(p.sentence)
    return out


async def record_parts(ctx: Ctx, stored: StoredDraft) -> tuple[NewEvent, list[NewPosition]]:
    """What Record writes, checked as an import line would be; a UserError says what to fix."""
    draft = from_json(stored.extracted, stored.url)
    try:
        data = draft.import_line()
    except DraftIncomplete as exc:
        raise UserError(f"draft #{stored.id} {exc}; press Edit to fill it in, or Discard it") from None
    if stored.url:
        source: dict[str, str] = {"url": stored.url}
        if stored.title:
            source["title"] = truncate(stored.title, LIMITS["source"])
        if stored.publisher:
            source["publisher"] = stored.publisher
        data["sources"] = [source]
    issues = {slug: await issue_slug(ctx, slug) for slug in [*draft.raised_us, *draft.raised_cn]}
    data["raised"] = {
        "us": list(dict.fromkeys(issues[s] for s in draft.raised_us)),
        "china": list(dict.fromkeys(issues[s] for s in draft.raised_cn)),
    }
    try:
        new = parse_line(json.dumps(data, ensure_ascii=False))
    except UserError as exc:
        raise UserError(f"draft #{stored.id} cannot be recorded as it is: {exc}; press Edit to correct it") from None
    positions: list[NewPosition] = []
    for (side, issue), sentences in grouped_positions(draft).items():
        slug = issues.get(issue) or await issue_slug(ctx, issue)
        positions.append(NewPosition(STORE_SIDE[side], slug, truncate(" ".join(sentences), LIMITS["text"])))
    return new, positions


# The readout annotation's slugs that the store's vocabulary spells otherwise (docs/EXTRACTION.md).
STORE_SLUGS = {"nuclear-weapons": "nuclear"}


async def issue_slug(ctx: Ctx, slug: str) -> str:
    """The workspace's slug for an extraction slug: its own when a title or alias means it ("tariffs")."""
    slug = STORE_SLUGS.get(slug, slug)
    found = await ctx.store.find_issue(ctx.caller.workspace, slug)
    if found is None:
        found = await ctx.store.find_issue(ctx.caller.workspace, slug.replace("-", " "))
    return found.slug if found is not None else slug


# -- the review message ----------------------------------------------------------------------------


def draft_actions(draft_id: int) -> tuple[Action, ...]:
    args: dict[str, str | int] = {"draft": draft_id}
    return (
        Action("Record", "readout record", args, "primary", editors_only=True),
        Action("Edit", "readout edit", args, "secondary", editors_only=True),
        Action("Discard", "readout discard", args, "danger", editors_only=True),
    )


def _people_line(people: list[Participant]) -> Line:
    parts: list[Span] = []
    for i, p in enumerate(people):
        if i:
            parts.append(", ")
        parts.append(UserText(p.name) if p.name else "(a group, not named)")
        if p.title:
            parts += [" (", UserText(p.title), ")"]
        if p.proposed_new:
            parts.append(" — new")
    return tuple(parts) if parts else ("nobody named",)


def event_line(draft: Draft, now: dt.date) -> Line:
    """2022-04-20 · phone call · requested by China · 45 minutes · in Bali."""
    parts: list[Span] = [when(draft.date, now) if draft.date else "no date"]
    facts = [KIND_LABEL.get(draft.kind, draft.kind) if draft.kind else "kind unknown"]
    if draft.requested_by in ("us", "china"):
        facts.append(f"requested by {SIDE_LABEL[draft.requested_by]}")
    if draft.minutes:
        facts.append(f"{draft.minutes} minutes")
    parts.append(" · " + " · ".join(facts))
    if draft.location:
        parts += [" · in ", UserText(draft.location)]
    return tuple(parts)


def source_line(stored: StoredDraft, now: dt.date) -> Line | None:
    parts: list[Span] = []
    if stored.url:
        parts.append(Link(stored.url, truncate(stored.title, 200) if stored.title else None))
    elif stored.title:
        parts.append(UserText(stored.title))
    if stored.publisher:
        parts += [" — " if parts else "", UserText(stored.publisher)]
    if stored.published:
        parts += [", published " if parts else "published ", when(stored.published, now)]
    return line("From: ", *parts) if parts else None


async def draft_reply(ctx: Ctx, stored: StoredDraft, *, title_prefix: str | None = None) -> Reply:
    """The draft for review: the event line, the participants (new people marked), each side's positions
    per issue, what the extraction could not tell; and, while it is pending, Record, Edit and Discard."""
    now = await today(ctx)
    draft = from_json(stored.extracted, stored.url)
    titles = await issue_titles(ctx)
    names = [p.name or "a group" for p in (*draft.us[:1], *draft.cn[:1])]
    heading = " ↔ ".join(names) if draft.is_us_china_contact and len(names) == 2 else "not a US–China contact"
    lines: list[Line] = [event_line(draft, now)]
    src = source_line(stored, now)
    if src is not None:
        lines.append(src)
    if not draft.is_us_china_contact:
        lines.append(
            line(
                "This does not read as a contact between a US and a Chinese participant, so Record will refuse it. "
                "Discard it, or Edit it if it is one."
            )
        )
    elif stored.status == "pending" and draft.date and draft.us and draft.cn and draft.us[0].name and draft.cn[0].name:
        match = await ctx.store.matching_event(ctx.caller.workspace, draft.date, draft.us[0].name, draft.cn[0].name)
        if match is not None:
            lines.append(
                line(
                    f"Event #{match} looks like the same contact (the other side's readout?): "
                    "Record adds this readout to it rather than making a second event."
                )
            )
    fields = [
        Field(line("US"), (_people_line(draft.us),), inline=True),
        Field(line("China"), (_people_line(draft.cn),), inline=True),
    ]
    grouped = grouped_positions(draft)
    # The review message stays one message with its buttons: each position is cut, and past a budget
    # the rest are only counted (Record writes them all, whole).
    budget = POSITIONS_SHOWN
    for side in ("us", "cn"):
        rows: list[Line] = []
        hidden = 0
        for (s, issue), sentences in grouped.items():
            if s != side:
                continue
            words = truncate(" ".join(sentences), POSITION_SHOWN)
            if len(words) > budget:
                hidden += 1
                continue
            budget -= len(words)
            rows.append(line(f"{titles.get(issue, issue)}: ", UserText(words)))
        if hidden:
            rows.append(line(f"… and {hidden} more, recorded in full with Record"))
        if rows:
            fields.append(Field(line(f"{SIDE_LABEL[STORE_SIDE[side]]} positions"), tuple(rows)))
    if draft.unknowns:
        fields.append(Field(line("Could not tell"), tuple(line(UserText(u)) for u in draft.unknowns)))
    if stored.status == "pending":
        footer = line(f"Draft #{stored.id} · nothing is recorded until an editor presses Record")
        actions = draft_actions(stored.id)
    elif stored.status == "recorded":
        footer = line(f"Draft #{stored.id} · recorded as event #{stored.event_id}")
        actions = ()
    else:
        footer = line(f"Draft #{stored.id} · discarded; nothing was recorded")
        actions = ()
    return Reply(
        title=line(title_prefix or f"Readout draft #{stored.id}", ": ", *[UserText(heading)]),
        lines=lines,
        fields=fields,
        footer=footer,
        actions=actions,
    )
