"""/concern add and /positions: what each side has said on an issue."""

from __future__ import annotations

import datetime as dt

from commands import accounts, validate
from commands.common import SIDE_LABEL, issue_titles, pair_line, resolve_issue, store_errors, today, when
from commands.context import Ctx
from commands.errors import NotFound
from commands.reply import Field, Line, Link, Reply, Span, UserText, line
from storage.records import Concern, Event

HISTORY_LIMIT = 100


async def concern_add(
    ctx: Ctx,
    issue: str,
    side: str,
    text: str,
    event: int | None = None,
    by: str | None = None,
    date: str | None = None,
    source: str | None = None,
) -> Reply:
    ws = ctx.caller.workspace
    now = await today(ctx)
    slug, is_new = await resolve_issue(ctx, issue, create=True)
    words = validate.required_text("text", text)
    linked = None
    if event is not None:
        linked = await ctx.store.event(ws, event)
        if linked is None:
            raise NotFound(f"no event #{event} in this workspace", field="event")
    # Without a date, a concern raised at an event is dated by the event, else by today.
    day = validate.date("date", date, now) if date else (linked.day if linked else now)
    speaker = None
    if by:
        speaker = validate.required_text("by", by, limit_key="name")
        known = await ctx.store.find_person(ws, speaker)
        speaker = known.name if known else speaker
    url = validate.url("source", source) if source else None
    with store_errors():
        concern = await ctx.store.add_concern(
            ctx.caller.actor,
            ctx.clock.now(),
            issue=slug,
            side=side,
            text=words,
            by=speaker,
            day=day,
            event_id=event,
            source=url,
        )
    titles = await issue_titles(ctx)
    lines = [line(f"{SIDE_LABEL[side]} on {titles.get(slug, slug)}: ", UserText(words))]
    if is_new:
        lines.append(line(f"New issue: {slug}"))
    return Reply(title=line(f"Recorded concern #{concern.id}"), lines=lines, footer=line(f"/positions issue:{slug}"))


async def positions(ctx: Ctx, issue: str, side: str | None = None) -> Reply:
    ws = ctx.caller.workspace
    now = await today(ctx)
    slug, _ = await resolve_issue(ctx, issue)
    titles = await issue_titles(ctx)
    concerns = await ctx.store.concerns_on(ws, slug, side, limit=HISTORY_LIMIT + 1)
    more = len(concerns) > HISTORY_LIMIT
    concerns = concerns[:HISTORY_LIMIT]
    title = line(f"Positions on {titles.get(slug, slug)}" + (f" ({SIDE_LABEL[side]})" if side else ""))
    if not concerns:
        return Reply(
            title=title, lines=[line("Nothing recorded yet; /concern add records a stated position.")], ephemeral=True
        )
    events = {
        e.id: e
        for e in await ctx.store.events_by_ids(ws, sorted({c.event_id for c in concerns if c.event_id is not None}))
    }
    fields: list[Field] = []
    for s in (side,) if side else ("us", "china"):
        latest = next((c for c in concerns if c.side == s), None)
        if latest:
            fields.append(Field(line(f"{SIDE_LABEL[s]} — latest"), (_concern_line(latest, events, now),)))
    history = tuple(_concern_line(c, events, now, with_side=not side) for c in concerns)
    fields += await accounts.issue_account_fields(ctx, slug, concerns)
    fields.append(Field(line("History, newest first"), history))
    footer = line(f"Showing the newest {HISTORY_LIMIT}.") if more else None
    return Reply(title=title, fields=fields, footer=footer)


def _concern_line(c: Concern, events: dict[int, Event], now: dt.date, with_side: bool = False) -> Line:
    parts: list[Span] = [when(c.day, now)]
    if with_side:
        parts.append(f" {SIDE_LABEL[c.side]}")
    if c.by:
        parts += [" — ", UserText(c.by)]
    parts.append(": ")
    if c.text:
        parts.append(UserText(c.text))
    else:
        parts.append("raised it")
    event = events.get(c.event_id) if c.event_id is not None else None
    if event is not None:
        parts += [f" (at #{event.id}: ", *pair_line(event), ")"]
    if c.source:
        parts += [" ", Link(c.source, "source")]
    return tuple(parts)
