"""/concern add and /positions: what each side has said on an issue."""

from __future__ import annotations

from commands import accounts, validate
from commands.common import (
    SIDE_LABEL,
    issue_titles,
    plural,
    resolve_issue,
    short_pair_line,
    store_errors,
    today,
)
from commands.context import Ctx
from commands.errors import NotFound
from commands.paging import paginate
from commands.reply import Field, Line, Link, Page, Reply, Span, UserText, When, line
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
    with store_errors(ctx.platform):
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
    return Reply(
        title=line(f"Recorded concern #{concern.id}"),
        lines=lines,
        footer=line(f"{ctx.platform.usage('positions')} issue:{slug}"),
    )


async def positions(ctx: Ctx, issue: str, side: str | None = None) -> Reply:
    """Each side's latest stated words on the issue (or that only mentions are recorded), then the
    history grouped by contact, newest first, paged by commands/paging.py."""
    ws = ctx.caller.workspace
    slug, _ = await resolve_issue(ctx, issue)
    titles = await issue_titles(ctx)
    concerns = await ctx.store.concerns_on(ws, slug, side, limit=HISTORY_LIMIT + 1)
    more = len(concerns) > HISTORY_LIMIT
    concerns = concerns[:HISTORY_LIMIT]
    name = titles.get(slug, slug)
    title = line(f"Positions on {name}" + (f" ({SIDE_LABEL[side]})" if side else ""))
    if not concerns:
        return Reply(
            title=title,
            lines=[line(f"Nothing recorded yet; {ctx.platform.usage('concern add')} records a stated position.")],
            ephemeral=True,
        )
    events = {
        e.id: e
        for e in await ctx.store.events_by_ids(ws, sorted({c.event_id for c in concerns if c.event_id is not None}))
    }
    lines: list[Line] = []
    for s in (side,) if side else ("us", "china"):
        lines.append(_latest_line(s, name, [c for c in concerns if c.side == s], events))
    # One item per contact (concerns raised at it, both sides together), one per concern stated
    # elsewhere; newest first, as the store gives them.
    items: dict[tuple[str, int], list[Concern]] = {}
    for c in concerns:
        key = ("event", c.event_id) if c.event_id in events else ("concern", c.id)
        items.setdefault(key, []).append(c)
    history = [_history_item(group, events) for group in items.values()]
    heading = line("History by contact, newest first")
    pages = [Page(fields=(Field(heading, tuple(ln for item in chunk for ln in item)),)) for chunk in paginate(history)]
    statements = sum(1 for key in items if key[0] == "concern")
    counts = [plural(len(history) - statements, "contact"), plural(statements, "statement") if statements else ""]
    footer = ", ".join(c for c in counts if c) + (f" (from the newest {HISTORY_LIMIT} mentions)" if more else "")
    # Both sides' own accounts of one contact (their readouts), when recorded, before the history.
    accounts_fields = await accounts.issue_account_fields(ctx, slug, concerns)
    return Reply(title=title, lines=lines, fields=accounts_fields, pages=pages, footer=line(footer))


def _latest_line(side: str, issue: str, mine: list[Concern], events: dict[int, Event]) -> Line:
    """ "US, latest words (Jun 1, 2023, Blinken): “…”", or plainly that only a mention is recorded."""
    who = SIDE_LABEL[side]
    said = next((c for c in mine if c.text), None)
    if said is not None:
        by = (", ", UserText(said.by)) if said.by else ()
        source = (" ", Link(said.source, "source")) if said.source else ()
        return line(f"{who}, latest words (", When(said.day), *by, "): “", UserText(said.text or ""), "”", *source)
    if not mine:
        return line(f"{who}: nothing recorded on {issue}.")
    last = mine[0]
    event = events.get(last.event_id) if last.event_id is not None else None
    at = (" at ", *short_pair_line(event), f" (#{event.id})") if event else ()
    return line(f"{who}: no words recorded, only mentions; it last raised {issue} on ", When(last.day), *at, ".")


def _history_item(group: list[Concern], events: dict[int, Event]) -> list[Line]:
    """One contact ("Nov 22, 2022 · Austin ↔ Wei Fenghe · both raised it · #43"), then the words said
    there, one line each; or one statement made outside a recorded contact."""
    first = group[0]
    event = events.get(first.event_id) if first.event_id is not None else None
    if event is None:
        return [_said_line(first, lead=(When(first.day), " · "))]
    sides = {c.side for c in group}
    who = (
        "both raised it"
        if {"us", "china"} <= sides
        else " and ".join(f"{SIDE_LABEL[s]} raised it" for s in ("us", "china", "other") if s in sides)
    )
    status = "" if event.status == "held" else f" ({event.status})"
    out = [line(When(event.day), " · ", *short_pair_line(event), f"{status} · {who} · #{event.id}")]
    out += [_said_line(c, lead=("  ",)) for c in sorted(group, key=lambda c: c.id) if c.text]
    return out


def _said_line(c: Concern, lead: tuple[Span, ...]) -> Line:
    by = (" — ", UserText(c.by)) if c.by else ()
    source = (" ", Link(c.source, "source")) if c.source else ()
    return line(*lead, SIDE_LABEL[c.side], *by, ": “", UserText(c.text or "raised it"), "”", *source)
