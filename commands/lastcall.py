"""/lastcall: the latest contact and what it means."""

from __future__ import annotations

import datetime as dt

from commands.common import (
    SIDE_LABEL,
    facts_line,
    issue_titles,
    pair_line,
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
    return await describe_event(ctx, event, now, title_prefix="Latest contact" + (f" {scope}" if scope else ""))


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


async def derived_context(ctx: Ctx, event: Event, now: dt.date) -> list[Line]:
    """What the record says about this contact: firsts, gaps, the previous one between the same offices."""
    ws = ctx.caller.workspace
    before = (event.day, event.id)
    out: list[Line] = []
    us, cn = event.side("us"), event.side("china")
    if us and cn:
        a, b = us[0], cn[0]
        prev = await ctx.store.previous_day_between(ws, ("person", a.person_id), ("person", b.person_id), before)
        if prev is None:
            out.append(line("First recorded contact between ", UserText(a.name), " and ", UserText(b.name)))
        else:
            out.append(
                line(
                    "Previous between ",
                    UserText(a.name),
                    " and ",
                    UserText(b.name),
                    ": ",
                    prev.isoformat(),
                    f" ({(event.day - prev).days} days earlier)",
                )
            )
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
                        f": previous {prev_o.day.isoformat()}, ",
                        *pair_line(prev_o),
                        f", {(event.day - prev_o.day).days} days earlier",
                    )
                )
    if event.status == "held":
        prev_t = await ctx.store.latest_day(ws, track=event.track, before=before)
        if prev_t is None:
            out.append(line(f"First recorded contact on the {event.track} track"))
        else:
            gap = (event.day - prev_t).days
            out.append(line(f"First on the {event.track} track since {prev_t.isoformat()} ({gap} days)"))
            refused, more = await ctx.store.requests_not_granted(ws, event.track, prev_t, event.day, limit=10)
            if refused:
                out.append(line(f"Not granted in between ({len(refused)}{'+' if more else ''}):"))
                for r in reversed(refused):
                    who = SIDE_LABEL.get(r.requested_by, "one side")
                    out.append(line("  ", when(r.day, now), f" {who} asked: ", *pair_line(r), f" — {r.status}"))
    return out
