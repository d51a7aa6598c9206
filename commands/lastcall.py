"""/lastcall: the latest contact and what it means."""

from __future__ import annotations

import datetime as dt

from commands import accounts
from commands.common import (
    KIND_LABEL,
    SIDE_LABEL,
    confidence_lines,
    facts_line,
    issue_titles,
    pair_line,
    plural,
    raised_lines,
    resolve_who,
    side_line,
    source_lines,
    today,
    when,
)
from commands.context import Ctx
from commands.reply import Field, Line, Reply, UserText, line
from storage.records import Event


async def lastcall(ctx: Ctx, with_: str | None = None, track: str | None = None) -> Reply:
    ws = ctx.caller.workspace
    now = await today(ctx)
    who = await resolve_who(ctx, with_) if with_ else None
    event = await ctx.store.latest_event(
        ws, person_id=who.person.id if who and who.person else None, side=who.side if who else None, track=track
    )
    scope = " ".join(filter(None, [f"with {who.label}" if who else None, f"on the {track} track" if track else None]))
    if event is None:
        return Reply(
            title=line(f"No contact recorded{' ' + scope if scope else ''}"),
            lines=[line("Add one with /event add.")],
            ephemeral=True,
        )
    reply = await describe_event(ctx, event, now, title_prefix="Latest contact" + (f" {scope}" if scope else ""))
    reply.fields += await accounts.account_fields(ctx, event, both_only=True)
    return reply


async def describe_event(ctx: Ctx, event: Event, now: dt.date, title_prefix: str) -> Reply:
    """An event in full with its derived context; /lastcall and /event show share it."""
    ws = ctx.caller.workspace
    titles = await issue_titles(ctx)
    raised = (await ctx.store.raised_at(ws, [event.id])).get(event.id, {})
    questions = await ctx.store.questions_for_events(ws, [event.id])
    lines: list[Line] = [
        line("When: ", when(event.day, now), f" {event.time} {event.timezone or ''}".rstrip() if event.time else None),
        facts_line(event),
    ]
    if event.location:
        lines.append(line("Where: ", UserText(event.location)))
    lines += confidence_lines(event)
    # One field per side, side by side where the platform can show them so.
    fields: list[Field] = [
        Field(line("US"), (side_line(event, "us"),), inline=True),
        Field(line("China"), (side_line(event, "china"),), inline=True),
    ]
    context = await derived_context(ctx, event, now)
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
    return Reply(
        title=line(f"{title_prefix}: ", *pair_line(event)),
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


async def derived_context(ctx: Ctx, event: Event, now: dt.date) -> list[Line]:
    """What the record says about this contact: the previous contact between the same people, between
    the same offices and on the same track (each "first recorded" when there is none), and the
    contacts refused, postponed or cancelled on the track since the previous one.

    Only contacts that took place count as previous ones. For a contact that did not take place
    (planned, declined...) the lines say "latest ... before it" rather than "previous".
    """
    ws = ctx.caller.workspace
    before = (event.day, event.id)
    held = event.status == "held"
    previous = "previous" if held else "latest held"
    out: list[Line] = []
    us, cn = event.side("us"), event.side("china")
    if us and cn:
        a, b = us[0], cn[0]
        prev = await ctx.store.previous_day_between(ws, ("person", a.person_id), ("person", b.person_id), before)
        pair = line(UserText(a.name), " and ", UserText(b.name))
        if prev is None:
            out.append(line("first recorded contact between ", *pair))
        else:
            out.append(line(f"{previous} contact between ", *pair, f": {prev.isoformat()}, {gap(event, prev)}"))
        if a.office and b.office:
            office_a = await ctx.store.office_by_slug(ws, a.office)
            office_b = await ctx.store.office_by_slug(ws, b.office)
            label = line(
                UserText(office_a.title if office_a else a.title or a.office),
                " ↔ ",
                UserText(office_b.title if office_b else b.title or b.office),
            )
            prev_o = await ctx.store.previous_between(ws, ("office", a.office), ("office", b.office), before)
            if prev_o is None:
                out.append(line(*label, ": first recorded contact between these offices"))
            else:
                out.append(
                    line(
                        *label,
                        f": {previous} contact {prev_o.day.isoformat()} (",
                        *pair_line(prev_o),
                        f"), {gap(event, prev_o.day)}",
                    )
                )
    prev_t = await ctx.store.latest_day(ws, track=event.track, before=before)
    if prev_t is None:
        out.append(line(f"first recorded {event.track}-track contact"))
    else:
        out.append(line(f"{previous} {event.track}-track contact: {prev_t.isoformat()}, {gap(event, prev_t)}"))
        if held:
            out += await _not_held_between(ctx, event, prev_t, now)
    return out


async def _not_held_between(ctx: Ctx, event: Event, since: dt.date, now: dt.date) -> list[Line]:
    """The track's contacts that did not take place since the previous one: counted, then listed."""
    refused, more = await ctx.store.requests_not_granted(ctx.caller.workspace, event.track, since, event.day, limit=10)
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
        out.append(line("  ", when(r.day, now), f" {kind} ({who}): ", *pair_line(r), f" — {r.status}"))
    return out
