"""/event add, show, edit, delete, list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from commands import validate
from commands.common import (
    EXACT,
    event_headline,
    event_item,
    facts_line,
    match_person,
    plural,
    resolve_issue,
    resolve_who,
    split_people,
    store_errors,
    today,
    together,
)
from commands.context import Ctx
from commands.errors import NotFound, UserError
from commands.lastcall import describe_event
from commands.paging import paginate
from commands.reply import Confirm, Line, Page, Reply, UserText, line
from storage.records import NewEvent, NewParticipant, Source
from storage.vocab import EVENT_STATUSES, KINDS, REQUESTERS, TRACKS

LIST_LIMIT = 50
MAX_PEOPLE_PER_SIDE = 10


async def _participants(
    ctx: Ctx, field: str, value: str, side: str, taken: list[tuple[str, str]] | None = None
) -> list[NewParticipant]:
    """Names as typed, each resolved to a known person when it clearly means one ("Austin"); a name
    taken for someone by its words or spelling is added to `taken` as (typed, known), for the reply."""
    people = split_people(value)
    if not people:
        raise UserError("give at least one name (several: separate with commas)", field=field)
    if len(people) > MAX_PEOPLE_PER_SIDE:
        raise UserError(f"{len(people)} names; at most {MAX_PEOPLE_PER_SIDE} per side", field=field)
    for p in people:
        p.name = validate.required_text(field, p.name, limit_key="name")
        p.title = validate.text(field, p.title, limit_key="title", required=False) if p.title else None
        p.side = side
        try:
            known, how = await match_person(ctx, p.name, field, loose=False)
        except NotFound:
            continue  # a new person: the store creates them and the reply says so
        if how != EXACT and taken is not None:
            taken.append((p.name, known.name))
        p.name = known.name
    return people


def check_future(field: str, day: dt.date, status: str, now: dt.date) -> None:
    """A held contact cannot be more than a year ahead; a planned one may be."""
    if status == "held" and (day - now).days > validate.MAX_FUTURE_DAYS_HELD:
        raise UserError(
            f"{day.isoformat()} is more than a year ahead; a held contact must have happened "
            "(for a future one, use status:planned)",
            field=field,
        )


async def _raised(ctx: Ctx, field: str, value: str | None) -> tuple[list[str], list[str]]:
    slugs: list[str] = []
    new: list[str] = []
    for item in validate.split_list(value or ""):
        slug, is_new = await resolve_issue(ctx, item, field=field, create=True)
        if slug not in slugs:
            slugs.append(slug)
        if is_new:
            new.append(slug)
    return slugs, new


async def event_add(
    ctx: Ctx,
    date: str,
    us: str,
    cn: str,
    kind: str,
    track: str | None = None,
    minutes: int | None = None,
    requested_by: str | None = None,
    location: str | None = None,
    summary: str | None = None,
    source: str | None = None,
    status: str | None = None,
    us_raised: str | None = None,
    cn_raised: str | None = None,
) -> Reply:
    now = await today(ctx)
    day = validate.date("date", date, now)
    status = status or "held"
    check_future("date", day, status, now)
    us_raised_slugs, _ = await _raised(ctx, "us_raised", us_raised)
    cn_raised_slugs, _ = await _raised(ctx, "cn_raised", cn_raised)
    taken: list[tuple[str, str]] = []
    new = NewEvent(
        day=day,
        kind=kind,
        track=track,
        us=await _participants(ctx, "us", us, "us", taken),
        cn=await _participants(ctx, "cn", cn, "china", taken),
        minutes=minutes,
        requested_by=requested_by or "unknown",
        location=validate.text("location", location, required=False) if location else None,
        summary=validate.text("summary", summary, required=False) if summary else None,
        sources=[Source(u) for u in validate.urls("source", source)] if source else [],
        status=status,
        raised={k: v for k, v in (("us", us_raised_slugs), ("china", cn_raised_slugs)) if v},
    )
    with store_errors(ctx.platform):
        added = await ctx.store.add_event(ctx.caller.actor, ctx.clock.now(), new)
    event = added.event
    lines: list[Line] = [line(*event_headline(event, now)), facts_line(event)]
    for typed, known in taken:
        # So that the editor sees a wrong match at once, and can fix it with /event edit.
        lines.append(line(UserText(typed), " → taken as ", UserText(known)))
    if added.new_people:
        lines.append(
            line(
                "New people: ",
                *_join(added.new_people),
                f" (check the spelling; {ctx.platform.usage('person add')} can give them titles and aliases)",
            )
        )
    if added.new_issues:
        lines.append(line("New issues: ", ", ".join(added.new_issues)))
    raised_total = len(us_raised_slugs) + len(cn_raised_slugs)
    if raised_total:
        lines.append(line(f"Recorded {plural(raised_total, 'concern')} raised at this contact."))
    return Reply(
        title=line(f"Recorded event #{event.id}"),
        lines=lines,
        footer=line(f"{ctx.platform.usage('event show')} id:{event.id}"),
    )


def _join(names: tuple[str, ...]) -> Line:
    out: list[Any] = []
    for i, n in enumerate(names):
        if i:
            out.append(", ")
        out.append(UserText(n))
    return tuple(out)


async def event_show(ctx: Ctx, id: int) -> Reply:
    event, now = await together(ctx, ctx.store.event(ctx.caller.workspace, id), today(ctx))
    if event is None:
        raise NotFound(f"no event #{id} in this workspace", field="id")
    return await describe_event(ctx, event, now, title_prefix=f"Event #{event.id}", both_accounts_only=False)


async def event_edit(ctx: Ctx, id: int, field: str, value: str) -> Reply:
    ws = ctx.caller.workspace
    event = await ctx.store.event(ws, id)
    if event is None:
        raise NotFound(f"no event #{id} in this workspace", field="id")
    now = await today(ctx)
    raw = value.strip()
    changes: dict[str, Any] = {}
    taken: list[tuple[str, str]] = []
    optional_clear = {"minutes", "location", "summary", "source", "time"}
    if not raw and field not in optional_clear:
        raise UserError(f"{field} cannot be empty", field="value")
    if field == "date":
        day = validate.date("value", raw, now)
        check_future("value", day, event.status, now)
        changes["day"] = day
    elif field == "kind":
        changes["kind"] = validate.choice("value", raw, KINDS)
    elif field == "track":
        changes["track"] = validate.choice("value", raw, TRACKS)
    elif field == "status":
        changes["status"] = validate.choice("value", raw, EVENT_STATUSES)
        check_future("value", event.day, changes["status"], now)
    elif field == "requested_by":
        changes["requested_by"] = validate.choice("value", raw, REQUESTERS)
    elif field == "minutes":
        changes["minutes"] = validate.integer("value", raw, 1, 1440) if raw else None
    elif field in ("location", "summary"):
        changes[field] = validate.text("value", raw, limit_key=field, required=False)
    elif field == "source":
        changes["sources"] = [Source(u) for u in validate.urls("value", raw)] if raw else []
    elif field == "time":
        changes["time"] = validate.clock_time("value", raw) if raw else None
    elif field in ("us", "cn"):
        changes[field] = await _participants(ctx, "value", raw, "us" if field == "us" else "china", taken)
    else:  # the surface's choices make this unreachable; keep the message clear anyway
        raise UserError(f"{field!r} cannot be edited", field="field")
    with store_errors(ctx.platform):
        after = await ctx.store.edit_event(ctx.caller.actor, ctx.clock.now(), id, changes)
    return Reply(
        title=line(f"Updated event #{id}: {field}"),
        lines=[line(*event_headline(after, now))]
        + [line(UserText(typed), " → taken as ", UserText(known)) for typed, known in taken],
        footer=line(f"{ctx.platform.usage('event show')} id:{id}"),
    )


async def event_delete(ctx: Ctx, id: int, confirmed: bool = False) -> Reply:
    ws = ctx.caller.workspace
    event = await ctx.store.event(ws, id)
    if event is None:
        raise NotFound(f"no event #{id} in this workspace", field="id")
    now = await today(ctx)
    if not confirmed:
        prompt = line("Delete ", *event_headline(event, now), "? Its concerns go with it; its questions stay.")
        return Reply(
            title=line(f"Delete event #{id}?"),
            lines=[prompt],
            ephemeral=True,
            confirm=Confirm(prompt, "event delete", {"id": id}),
        )
    with store_errors(ctx.platform):
        await ctx.store.delete_event(ctx.caller.actor, ctx.clock.now(), id)
    return Reply(title=line(f"Deleted event #{id}"), lines=[line(*event_headline(event, now))])


async def event_list(
    ctx: Ctx,
    since: str | None = None,
    until: str | None = None,
    with_: str | None = None,
    track: str | None = None,
    issue: str | None = None,
    status: str | None = None,
) -> Reply:
    ws = ctx.caller.workspace
    status = validate.choice("status", status, EVENT_STATUSES) if status else None
    now = await today(ctx)
    start = validate.date("since", since, now) if since else None
    end = validate.date("until", until, now) if until else None
    if start and end and start > end:
        raise UserError(f"since ({start}) is after until ({end})", field="since")
    who = await resolve_who(ctx, with_) if with_ else None
    issue_slug = (await resolve_issue(ctx, issue))[0] if issue else None
    events, more = await ctx.store.list_events(
        ws,
        since=start,
        until=end,
        person_id=who.person.id if who and who.person else None,
        side=who.side if who else None,
        track=track,
        issue=issue_slug,
        status=status,
        limit=LIST_LIMIT,
    )
    filters = ", ".join(
        filter(
            None,
            [
                f"since {start}" if start else None,
                f"until {end}" if end else None,
                f"with {who.label}" if who else None,
                f"track {track}" if track else None,
                f"issue {issue_slug}" if issue_slug else None,
                f"status {status}" if status else None,
            ],
        )
    )
    if not events:
        return Reply(
            title=line("No events" + (f" ({filters})" if filters else "")),
            lines=[line(f"Nothing recorded matches; {ctx.platform.usage('event add')} records one.")],
            ephemeral=True,
        )
    scope = f" ({filters})" if filters else ""
    if more:
        footer = f"The newest {len(events)} events{scope}; narrow with since, until, with, track, issue or status"
    else:
        footer = f"{plural(len(events), 'event')}, newest first{scope}"
    pages = [Page(fields=tuple(event_item(e) for e in chunk)) for chunk in paginate(events)]
    return Reply(title=line("Contact events"), pages=pages, footer=line(footer))
