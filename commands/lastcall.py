"""/lastcall: the latest contact and what it means."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from commands import accounts
from commands.common import (
    KIND_LABEL,
    SIDE_LABEL,
    Who,
    confidence_lines,
    facts_line,
    issue_titles,
    pair_line,
    person_span,
    plural,
    raised_lines,
    resolve_who,
    short_name,
    short_pair_line,
    source_lines,
    today,
    together,
    when,
)
from commands.context import Ctx
from commands.reply import Field, Line, Reply, Span, UserText, When, line, plain
from storage.records import ContactScope, Event, EventBrief, EventNotes, Participant


async def lastcall(ctx: Ctx, with_: str | None = None, track: str | None = None) -> Reply:
    # Reads that do not wait on each other are asked for together, here and below: on PostgreSQL each
    # is a round trip to the server, which costs more than the read itself (commands.common.together).
    now, (who, event) = await together(ctx, today(ctx), _latest(ctx, with_, track))
    scope = " ".join(filter(None, [f"with {who.label}" if who else None, f"on the {track} track" if track else None]))
    if event is None:
        return Reply(
            title=line(f"No contact recorded{' ' + scope if scope else ''}"),
            lines=[line(f"Add one with {ctx.platform.usage('event add')}.")],
            ephemeral=True,
        )
    return await describe_event(
        ctx,
        event,
        now,
        title_prefix="Latest contact" + (f" {scope}" if scope else ""),
        about=who.person.id if who and who.person else None,
        both_accounts_only=True,
    )


async def _latest(ctx: Ctx, with_: str | None, track: str | None) -> tuple[Who | None, Event | None]:
    """Whom `with_` names, and the latest contact with them (or anyone) on `track` (or any)."""
    who = await resolve_who(ctx, with_) if with_ else None
    event = await ctx.store.latest_event(
        ctx.caller.workspace,
        person_id=who.person.id if who and who.person else None,
        side=who.side if who else None,
        track=track,
    )
    return who, event


def _title_tail(event: Event, about: int | None) -> Line:
    """What follows the title's prefix: both sides ("Donald J. Trump ↔ Xi Jinping"), or, when the
    reply is about one person already named in the prefix, whom they met ("meeting with Dong Jun"),
    and who else of their side took part."""
    mine = next((p for p in event.participants if p.person_id == about), None)
    if mine is None:
        return pair_line(event)
    other_side = "china" if mine.side == "us" else "us"
    others = [p.name for p in event.side(other_side)] or ["someone not named"]
    kind = KIND_LABEL.get(event.kind, event.kind)
    tail: list[Span] = [f"{kind} with ", UserText(", ".join(others))]
    companions = [p.name for p in event.side(mine.side) if p.person_id != about]
    if companions:
        tail += [" (also ", UserText(", ".join(companions)), ")"]
    return tuple(tail)


async def describe_event(
    ctx: Ctx,
    event: Event,
    now: dt.date,
    title_prefix: str,
    about: int | None = None,
    *,
    both_accounts_only: bool,
) -> Reply:
    """An event in full with its derived context and its sides' accounts; /lastcall and /event show share
    it. `about` is the person the title's prefix names already (/lastcall with:), so the title does not
    name them twice; `both_accounts_only` shows the accounts only when both sides' are recorded."""
    ws = ctx.caller.workspace

    async def notes_and_accounts() -> tuple[EventNotes, list[Field]]:
        # The readouts' words are among the event's concerns: one read serves what was raised and both.
        notes = await ctx.store.event_notes(ws, event.id)
        return notes, await accounts.account_fields(ctx, event, both_only=both_accounts_only, notes=notes)

    # The derived context first: its reads are the longest, and others wait on them.
    context, titles, (notes, account_fields) = await together(
        ctx, derived_context(ctx, event), issue_titles(ctx), notes_and_accounts()
    )
    raised = notes.raised()
    questions = notes.questions
    lines: list[Line] = [
        line("When: ", when(event.day, now), f" {event.time} {event.timezone or ''}".rstrip() if event.time else None),
        facts_line(event),
    ]
    if event.location:
        lines.append(line("Where: ", UserText(event.location)))
    lines += confidence_lines(event)
    # One field per side, side by side where the platform can show them so; one person a line.
    fields: list[Field] = [
        Field(line(SIDE_LABEL[side]), tuple(person_span(p) for p in event.side(side)) or (("not named",),), inline=True)
        for side in ("us", "china")
    ]
    if context:
        fields.append(Field(line("What it means"), tuple(context)))
    for name, value in raised_lines(raised, titles):
        fields.append(Field(line(name), (value,)))
    if event.summary:
        fields.append(Field(line("Summary"), (line(UserText(event.summary)),)))
    open_q = [q for q in questions if q.status == "open"]
    closed_q = [q for q in questions if q.status != "open"]
    if open_q:
        fields.append(
            Field(
                line("Open questions"),
                tuple(line(f"#{q.id} ", UserText(q.text), " — open since ", when(q.raised_on, now)) for q in open_q),
            )
        )
    if closed_q:
        fields.append(
            Field(
                line("Settled questions"),
                tuple(
                    line(f"#{q.id} ", UserText(q.text), f" — {q.status}: ", UserText(q.answer or "")) for q in closed_q
                ),
            )
        )
    if event.sources:
        fields.append(Field(line("Sources"), source_lines(event)))
    fields += account_fields
    return Reply(
        title=line(f"{title_prefix}: ", *_title_tail(event, about)),
        lines=lines,
        fields=fields,
        footer=line(f"Event #{event.id}"),
    )


# How a contact that did not take place is counted between two that did ("2 requests refused").
NOT_HELD_WORDS = {
    "declined": ("request refused", "requests refused"),
    "postponed": ("contact postponed", "contacts postponed"),
    "cancelled": ("contact cancelled", "contacts cancelled"),
    "planned": ("request pending", "requests pending"),
}


def gap(event: Event, earlier: dt.date) -> str:
    """How long before `event` a previous contact was, as the "what it means" lines say it."""
    days = (event.day - earlier).days
    if days == 0:
        return "the same day"
    return f"{plural(days, 'day')} {'earlier' if event.status == 'held' else 'before'}"


def _and(parts: list[Line]) -> Line:
    """ "a, b and c" of lines."""
    out: list[Span] = []
    for i, part in enumerate(parts):
        if i:
            # "a, b and c", but "a, and b": each part holds an "and" of its own ("between A and B").
            out.append(
                (", and " if len(parts) == 2 and " and " in plain(parts[0]) else " and ")
                if i == len(parts) - 1
                else ", "
            )
        out.extend(part)
    return tuple(out)


async def _offices_with_titles(ctx: Ctx, a: Participant, b: Participant) -> Line:
    """ "between their offices (Secretary of Defense ↔ Minister of National Defense)"."""
    office_a, office_b = await together(
        ctx,
        ctx.store.office_by_slug(ctx.caller.workspace, a.office or ""),
        ctx.store.office_by_slug(ctx.caller.workspace, b.office or ""),
    )
    return line(
        "between their offices (",
        UserText(office_a.title if office_a else a.title or a.office or ""),
        " ↔ ",
        UserText(office_b.title if office_b else b.title or b.office or ""),
        ")",
    )


async def derived_context(ctx: Ctx, event: Event) -> list[Line]:
    """What the record says about this contact: the previous contact between the same people, between
    the same offices and on the same track (each "first recorded" when there is none), and the
    contacts refused, postponed or cancelled on the track since the previous one.

    Each fact is stated once: when two or three of these previous contacts are the same earlier
    contact, they make one line ("previous contact between Trump and Xi Jinping, between their offices
    and on the leaders track: Feb 4, 2026, 99 days earlier"); so do the "first recorded" ones. Only
    contacts that took place count as previous ones. For a contact that did not take place (planned,
    declined...) the lines say "latest held ... before it" rather than "previous".
    """
    ws = ctx.caller.workspace
    before = (event.day, event.id)
    held = event.status == "held"
    previous = "previous" if held else "latest held"
    # Where an earlier contact is looked for, with how its line tells that, in the order they are told.
    # All are asked for at once, each found as a brief (id, day, who took part): all its line shows.
    asked: list[tuple[Line, ContactScope]] = []
    us, cn = event.side("us"), event.side("china")
    # "between their offices": told with the offices' titles unless it shares its line with the people,
    # whose fields show the titles already (the usual case, so the titles are read only when shown).
    offices: Line | None = None
    if us and cn:
        a, b = us[0], cn[0]
        people = line("between ", UserText(short_name(a)), " and ", UserText(short_name(b)))
        asked.append((people, ContactScope(between=(("person", a.person_id), ("person", b.person_id)))))
        if a.office and b.office:
            offices = line("between their offices")
            asked.append((offices, ContactScope(between=(("office", a.office), ("office", b.office)))))
    asked.append((line(f"on the {event.track} track"), ContactScope(track=event.track)))
    # For a held contact, the contacts not held on the track since its previous held one, in the same read.
    looked_up = await ctx.store.earlier_contacts(
        ws, before, [scope for _, scope in asked], event.track if held else None, NOT_HELD_SHOWN
    )
    found_in, not_held, more = looked_up.found, looked_up.not_held, looked_up.more_not_held
    # (how it is told, the earlier contact or None for "first recorded")
    facts = [(told, found) for (told, _), found in zip(asked, found_in, strict=True)]
    prev_t = found_in[-1]

    # Group the scopes by the earlier contact they point at, keeping the order of first mention.
    groups: dict[int | None, list[Line]] = {}
    earlier: dict[int | None, EventBrief | None] = {}
    for scope, found in facts:
        key = found.id if found else None
        groups.setdefault(key, []).append(scope)
        earlier[key] = found
    people_scope = facts[0][0] if us and cn else None
    out: list[Line] = []
    for key, scopes in groups.items():
        found = earlier[key]
        with_people = people_scope is not None and scopes[0] is people_scope
        if not with_people and offices is not None and any(s is offices for s in scopes):
            titled = await _offices_with_titles(ctx, us[0], cn[0])
            scopes = [titled if s is offices else s for s in scopes]
        if found is None:
            out.append(line("first recorded contact ", *_and(scopes)))
            continue
        # Who met then, unless the line is about these two people already.
        who: Line = () if with_people else (" (", *short_pair_line(found), ")")
        when_then = (When(found.day), f", {gap(event, found.day)}")
        out.append(line(f"{previous} contact ", *_and(scopes), ": ", *when_then, *who, f" · #{found.id}"))
    if held and prev_t is not None:
        out += _not_held_between(not_held, more)
    return out


# How many of the contacts not held between two held ones are listed ("10+ requests refused in between").
NOT_HELD_SHOWN = 10


def _not_held_between(refused: Sequence[Event], more: bool) -> list[Line]:
    """The track's contacts that did not take place since the previous one: counted, then listed."""
    if not refused:
        return []
    counts: dict[str, int] = {}
    for r in refused:
        counts[r.status] = counts.get(r.status, 0) + 1
    parts = [
        f"{n}{'+' if more else ''} {NOT_HELD_WORDS[status][0 if n == 1 else 1]}"
        for status, n in sorted(counts.items(), key=lambda item: list(NOT_HELD_WORDS).index(item[0]))
    ]
    out = [line(", ".join(parts) + " in between:")]
    for r in reversed(refused):
        who = f"{SIDE_LABEL[r.requested_by]} asked" if r.requested_by in ("us", "china") else "asked by either side"
        kind = KIND_LABEL.get(r.kind, r.kind)
        out.append(line("  ", When(r.day), f" · {kind} ({who}) · ", *short_pair_line(r), f" — {r.status} · #{r.id}"))
    return out
