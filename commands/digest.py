"""/digest preview and the store side of /digest subscribe, unsubscribe, pause, resume, status."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from commands import validate
from commands.common import SIDE_LABEL, event_headline, issue_titles, plural, store_errors, today, when, zone
from commands.context import Ctx
from commands.errors import UserError
from commands.reply import At, Field, Line, Ref, Reply, UserText, line
from commands.schedule import WEEKDAYS, describe, next_run
from commands.timeline import digest_chart
from storage.records import Concern, Event, Subscription
from storage.vocab import TRACKS

DEFAULT_DAYS = 7
SECTION_LIMIT = 50
# The statuses of contacts that did not take place, listed in their own section of a digest.
NOT_TAKEN_PLACE = ("declined", "postponed", "cancelled")
CONCERNS_PER_SIDE = 5  # per issue and side in a digest


async def digest_preview(ctx: Ctx, days: int | None = None, chart: bool = True) -> Reply:
    now = await today(ctx)
    span = days or DEFAULT_DAYS
    start = now - dt.timedelta(days=span - 1)
    heading = f"Digest preview: the last {plural(span, 'day')}"
    return await compose_digest(ctx, start, now, now, heading=heading, chart=chart)


async def compose_digest(
    ctx: Ctx,
    first: dt.date,
    last: dt.date,
    now: dt.date,
    heading: str,
    short_when_empty: bool = True,
    chart: bool = True,
) -> Reply:
    """The digest of the days first..last (inclusive); the scheduled digest posts exactly this.

    A period in which nothing was recorded gets a short digest: that, and when the last contact was.
    With `chart`, the reply's image is a small chart of the contacts of the twelve months up to `last`
    (none when there were none).
    """
    reply = await _compose(ctx, first, last, now, heading, short_when_empty)
    if chart:
        reply.image = await digest_chart(ctx, last)
    return reply


async def _compose(
    ctx: Ctx, first: dt.date, last: dt.date, now: dt.date, heading: str, short_when_empty: bool
) -> Reply:
    ws = ctx.caller.workspace
    titles = await issue_titles(ctx)
    held, more_held = await ctx.store.list_events(ws, since=first, until=last, status="held", limit=SECTION_LIMIT)
    concerns = await ctx.store.concerns_between(ws, first, last + dt.timedelta(days=1))
    open_q, more_open = await ctx.store.list_questions(ws, status="open", limit=SECTION_LIMIT)
    answered = [
        q
        for q in await ctx.store.questions_closed_between(ws, first, last + dt.timedelta(days=1))
        if q.status == "answered"
    ]
    planned, more_planned = await ctx.store.list_events(ws, since=now, status="planned", limit=SECTION_LIMIT)
    not_held: list[Event] = []  # refused, postponed or cancelled in the period, newest first
    more_not_held = False
    for status in NOT_TAKEN_PLACE:
        found, beyond = await ctx.store.list_events(ws, since=first, until=last, status=status, limit=SECTION_LIMIT)
        not_held += found
        more_not_held = more_not_held or beyond
    not_held.sort(key=lambda e: (e.day, e.id), reverse=True)
    last_by_track = await ctx.store.last_held_by_track(ws)

    lines: list[Line] = [line("Period: ", first.isoformat(), " to ", last.isoformat())]
    if short_when_empty and not held and not not_held and not concerns and not answered:
        latest = await ctx.store.latest_event(ws)
        lines.append(
            line(
                "Nothing was recorded in this period. Last contact: ",
                *(event_headline(latest, now) if latest else ("none yet",)),
            )
        )
        if open_q:
            lines.append(line(f"Open questions: {len(open_q)}{'+' if more_open else ''} (/questions lists them)"))
        return Reply(title=line(heading), lines=lines)
    fields: list[Field] = []
    if held:
        fields.append(
            Field(
                line(f"Contacts ({len(held)}{'+' if more_held else ''})"),
                tuple(line(*event_headline(e, now)) for e in reversed(held)),
            )
        )
    else:
        latest = await ctx.store.latest_event(ws)
        lines.append(
            line(
                "No contact recorded in this period. Last contact: ",
                *(event_headline(latest, now) if latest else ("none yet",)),
            )
        )
    if not_held:
        shown = not_held[:SECTION_LIMIT]
        cut = len(not_held) > len(shown) or more_not_held
        fields.append(
            Field(
                line(f"Refused, postponed or cancelled ({len(shown)}{'+' if cut else ''})"),
                tuple(line(*event_headline(e, now)) for e in reversed(shown)),
            )
        )
    if concerns:
        # Group first, build lines only for what is shown: a busy week holds thousands of concerns; a
        # digest lists the newest few per issue and side and says how many more /positions has.
        grouped: dict[str, dict[str, list[Concern]]] = defaultdict(lambda: defaultdict(list))
        for c in concerns:
            grouped[c.issue][c.side].append(c)
        for slug in sorted(grouped, key=lambda s: titles.get(s, s)):
            values: list[Line] = []
            for side in ("us", "china", "other"):
                items = grouped[slug].get(side, [])
                for c in items[-CONCERNS_PER_SIDE:]:
                    detail = (
                        line(UserText(c.text))
                        if c.text
                        else line(f"raised at event #{c.event_id}" if c.event_id else "raised")
                    )
                    values.append(line(f"{SIDE_LABEL[side]} · {c.day.isoformat()}: ", *detail))
                if len(items) > CONCERNS_PER_SIDE:
                    more = len(items) - CONCERNS_PER_SIDE
                    values.append(line(f"{SIDE_LABEL[side]} · {more} earlier in the period: /positions issue:{slug}"))
            fields.append(Field(line(f"Concerns: {titles.get(slug, slug)}"), tuple(values)))
    if open_q:
        fields.append(
            Field(
                line(f"Open questions, oldest first ({len(open_q)}{'+' if more_open else ''})"),
                tuple(line(f"#{q.id} ", UserText(q.text), f" — open {(now - q.raised_on).days} days") for q in open_q),
            )
        )
    if answered:
        fields.append(
            Field(
                line("Answered in this period"),
                tuple(line(f"#{q.id} ", UserText(q.text), " — ", UserText(q.answer or "")) for q in answered),
            )
        )
    dormant = []
    for track in TRACKS:
        if track == "other" or track not in last_by_track:
            continue
        gap = (now - last_by_track[track]).days
        if gap > ctx.settings.dormant_days:
            dormant.append(line(f"{track}: no contact for {gap} days (last ", when(last_by_track[track], now), ")"))
    if dormant:
        fields.append(
            Field(line(f"Dormant tracks (no contact for over {ctx.settings.dormant_days} days)"), tuple(dormant))
        )
    if planned:
        fields.append(
            Field(
                line(f"Planned ahead ({len(planned)}{'+' if more_planned else ''})"),
                tuple(line(*event_headline(e, now)) for e in reversed(planned)),
            )
        )
    return Reply(title=line(heading), lines=lines, fields=fields)


# -- subscriptions (the scheduler issue wires them to time) -------------------------------------


def _channel(ctx: Ctx, value: str) -> str:
    return validate.reference("channel", value, "channel", ctx.platform)


async def digest_subscribe(
    ctx: Ctx,
    channel: str,
    weekday: str | None = None,
    time: str | None = None,
    timezone: str | None = None,
    role: str | None = None,
    chart: bool | None = None,
) -> Reply:
    target = _channel(ctx, channel)
    day = WEEKDAYS.index(weekday) if weekday else 0
    at = validate.clock_time("time", time) if time else "09:00"
    tz = validate.timezone("timezone", timezone) if timezone else (await zone(ctx)).key
    ping = validate.reference("role", role, "role", ctx.platform) if role else None
    with store_errors():
        sub, created = await ctx.store.subscribe(
            ctx.caller.actor,
            ctx.clock.now(),
            channel_id=target,
            weekday=day,
            time=at,
            timezone=tz,
            role_id=ping,
            chart=chart,
        )
    nxt = next_run(sub.weekday, sub.time, sub.timezone, ctx.clock.now())
    return Reply(
        title=line(("Subscribed" if created else "Rescheduled") + " channel ", Ref("channel", target)),
        lines=[
            line("Schedule: ", describe(sub.weekday, sub.time, sub.timezone)),
            line("Next digest: ", At(nxt)),
            line("Pings: ", *((Ref("role", ping),) if ping else ("nobody",))),
            _chart_line(sub),
        ],
    )


async def digest_unsubscribe(ctx: Ctx, channel: str) -> Reply:
    with store_errors():
        sub = await ctx.store.unsubscribe(ctx.caller.actor, ctx.clock.now(), _channel(ctx, channel))
    return Reply(
        title=line("Unsubscribed channel ", Ref("channel", sub.channel_id)), lines=[line("No more digests there.")]
    )


async def digest_pause(ctx: Ctx, channel: str) -> Reply:
    try:
        with store_errors():
            sub = await ctx.store.set_paused(
                ctx.caller.actor, ctx.clock.now(), _channel(ctx, channel), True, f"paused by {ctx.caller.display_name}"
            )
    except UserError as exc:
        raise UserError(str(exc), field="channel") from None
    return Reply(
        title=line("Paused the digest in channel ", Ref("channel", sub.channel_id)),
        lines=[line("/digest resume channel:", UserText(sub.channel_id), " starts it again.")],
    )


async def digest_resume(ctx: Ctx, channel: str) -> Reply:
    try:
        with store_errors():
            sub = await ctx.store.set_paused(ctx.caller.actor, ctx.clock.now(), _channel(ctx, channel), False, None)
    except UserError as exc:
        raise UserError(str(exc), field="channel") from None
    nxt = next_run(sub.weekday, sub.time, sub.timezone, ctx.clock.now())
    return Reply(
        title=line("Resumed the digest in channel ", Ref("channel", sub.channel_id)),
        lines=[line("Next digest: ", At(nxt))],
    )


async def digest_status(ctx: Ctx) -> Reply:
    subs = await ctx.store.subscriptions(ctx.caller.workspace)
    if not subs:
        return Reply(
            title=line("No digest subscriptions"),
            lines=[line("/digest subscribe channel:… posts the digest weekly.")],
            ephemeral=True,
        )
    fields = []
    for s in subs:
        field = _status_field(s, ctx)
        runs = await ctx.store.digest_runs(s.id, limit=1)
        if runs:
            r = runs[0]
            late = " (late)" if r.late and r.status == "sent" else ""
            field = Field(field.name, (*field.value, line("Last run: due ", At(r.period_end), f" — {r.status}{late}")))
        fields.append(field)
    return Reply(title=line("Digest subscriptions"), fields=fields)


def _status_field(sub: Subscription, ctx: Ctx) -> Field:
    values: list[Line] = [line("Schedule: ", describe(sub.weekday, sub.time, sub.timezone))]
    if sub.paused:
        values.append(
            line(
                "Paused: ",
                UserText(sub.pause_reason or "yes"),
                " — /digest resume channel:",
                Ref("channel", sub.channel_id),
            )
        )
    else:
        nxt = next_run(sub.weekday, sub.time, sub.timezone, ctx.clock.now())
        values.append(line("Next: ", At(nxt)))
    values.append(
        line(
            "Last sent period ends: ",
            At(sub.last_period_end) if sub.last_period_end else "never",
        )
    )
    if sub.last_error:
        values.append(line("Last error: ", UserText(sub.last_error)))
    if sub.role_id:
        values.append(line("Pings ", Ref("role", sub.role_id)))
    values.append(_chart_line(sub))
    return Field(line("Channel ", Ref("channel", sub.channel_id)), tuple(values))


def _chart_line(sub: Subscription) -> Line:
    if sub.chart:
        return line("Chart: the last twelve months, under the text (/digest subscribe chart:no leaves it out)")
    return line("Chart: none (/digest subscribe chart:yes adds one)")
