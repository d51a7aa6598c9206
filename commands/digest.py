"""/digest preview and the store side of /digest subscribe, unsubscribe, pause, resume, status."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from charts.drawer import ChartError
from commands import validate
from commands.common import (
    KIND_LABEL,
    SIDE_LABEL,
    SUMMARY_CHARS,
    age,
    issue_titles,
    plural,
    short_pair_line,
    store_errors,
    today,
    truncate,
    when,
    zone,
)
from commands.context import Ctx
from commands.errors import UserError
from commands.lastcall import NOT_HELD_WORDS
from commands.platform import PlatformInfo
from commands.reply import At, Field, Line, Ref, Reply, Span, UserText, When, date_text, line
from commands.schedule import WEEKDAYS, describe, next_run
from commands.timeline import digest_chart, not_drawn
from storage.records import Concern, Event, Subscription
from storage.vocab import TRACKS

DEFAULT_DAYS = 7
SECTION_LIMIT = 50
# The statuses of contacts that did not take place, listed in their own section of a digest.
NOT_TAKEN_PLACE = ("declined", "postponed", "cancelled")
# A digest is a briefing that fits a screen or two: it shows this many contacts (and as many of each
# other list) in full and counts the rest, with the command that lists them all.
SHOWN = 12
LOCATION_CHARS = 60

# Seniority, for the headline's "the most senior" contact: the track first (the leaders; then the
# foreign and defense ministers, who hold the diplomatic and defense tracks; then the economic
# ministers; then climate; then other offices), then contacts in person before video before phone,
# then the newest. Tracks are derived from the participants' offices, so this ranks offices too.
TRACK_SENIORITY = {"leaders": 0, "diplomatic": 1, "defense": 1, "economic": 2, "climate": 3, "other": 4}
KIND_SENIORITY = {"summit": 0, "visit": 0, "meeting": 0, "talks": 1, "video": 2, "call": 3, "request": 4}


def seniority(event: Event) -> tuple[int, int, int, int]:
    """A sort key: the most senior contact sorts first."""
    return (
        TRACK_SENIORITY.get(event.track, len(TRACK_SENIORITY)),
        KIND_SENIORITY.get(event.kind, len(KIND_SENIORITY)),
        -event.day.toordinal(),
        -event.id,
    )


async def digest_preview(ctx: Ctx, days: int | None = None, chart: bool = True) -> Reply:
    now = await today(ctx)
    span = days or DEFAULT_DAYS
    start = now - dt.timedelta(days=span - 1)
    heading = f"Digest preview: {period_text(start, now)} ({plural(span, 'day')})"
    return await compose_digest(ctx, start, now, now, heading=heading, chart=chart)


def period_text(first: dt.date, last: dt.date) -> str:
    """A digest's period for its title, in the fixed style (titles show no platform dates)."""
    return date_text(first) if first == last else f"{date_text(first)} to {date_text(last)}"


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

    It leads with what changed: a headline (how many contacts, the most senior one, what did not take
    place), tracks whose silence a contact broke and tracks still silent; then each contact as one
    block (who, when, kind, place, what each side raised, each side's words where recorded), newest
    first; then what did not take place, stated positions outside the contacts, open questions,
    questions answered and planned contacts. A period in which nothing was recorded gets a short
    digest: that, the last contact, the silent tracks and what is still open.
    With `chart`, the reply's image is a small chart of the contacts of the twelve months up to `last`
    (none when there were none; a line saying so when it could not be drawn).
    """
    reply = await _compose(ctx, first, last, now, heading, short_when_empty)
    if chart:
        try:
            reply.image = await digest_chart(ctx, last)
        except ChartError as exc:
            reply.lines.append(not_drawn(exc))
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
    # Only what had happened by the period's end counts: a digest of a past period (a late one, or a
    # preview on a store that holds later contacts) must not see the future.
    until = (last + dt.timedelta(days=1), 0)
    last_by_track = {
        track: day for track in TRACKS if (day := await ctx.store.latest_day(ws, track=track, before=until)) is not None
    }
    dormant = _dormant(ctx, last_by_track, now)
    quiet = not held and not not_held and not concerns and not answered

    if short_when_empty and quiet:
        latest = await ctx.store.latest_event(ws, before=until)
        lines = [
            line(
                "Nothing recorded. Last contact: ",
                *(_contact_words(latest, now) if latest else ("none yet",)),
                ".",
            )
        ]
        if dormant:
            lines.append(line(f"No contact for over {ctx.settings.dormant_days} days: ", *_join(dormant), "."))
        waiting = [
            text
            for text in (
                f"{len(open_q)}{'+' if more_open else ''} open {'question' if len(open_q) == 1 else 'questions'}"
                f" ({ctx.platform.usage('questions')})"
                if open_q
                else "",
                f"{len(planned)}{'+' if more_planned else ''} planned {'contact' if len(planned) == 1 else 'contacts'}"
                if planned
                else "",
            )
            if text
        ]
        if waiting:
            lines.append(line("Still open: ", "; ".join(waiting), "."))
        return Reply(title=line(heading), lines=lines)

    lines = [_headline(held, more_held, not_held, more_not_held)]
    broken = await _silences_broken(ctx, held)
    if broken:
        lines.append(broken)
    if dormant:
        lines.append(line(f"No contact for over {ctx.settings.dormant_days} days: ", *_join(dormant), "."))

    fields: list[Field] = []
    shown = held[:SHOWN]
    raised = await ctx.store.raised_at(ws, [e.id for e in shown])
    words: dict[int, list[Concern]] = defaultdict(list)
    loose: list[Concern] = []  # stated positions not tied to a contact shown here
    shown_ids = {e.id for e in shown}
    for c in concerns:
        if c.text and c.event_id in shown_ids:
            words[c.event_id].append(c)
        elif c.text:
            loose.append(c)
    for e in shown:
        fields.append(_contact_field(e, raised.get(e.id, {}), words.get(e.id, []), titles))
    if len(held) > len(shown) or more_held:
        more = f"{len(held) - len(shown)}{'+' if more_held else ''}"
        fields.append(
            Field(
                line(f"{more} more contacts"),
                (
                    line(
                        f"{ctx.platform.usage('event list')} since:{first.isoformat()} until:{last.isoformat()}"
                        " lists them all."
                    ),
                ),
            )
        )
    if not held:
        latest = await ctx.store.latest_event(ws, before=until)
        lines.insert(1, line("Last contact: ", *(_contact_words(latest, now) if latest else ("none yet",)), "."))
    if not_held:
        cut = len(not_held) > SHOWN or more_not_held
        fields.append(
            Field(
                line(f"Did not take place ({len(not_held[:SHOWN])}{'+' if cut else ''}), newest first"),
                tuple(_not_held_line(e) for e in not_held[:SHOWN]),
            )
        )
    if loose:
        newest = sorted(loose, key=lambda c: (c.day, c.id), reverse=True)
        values = [_stated_line(c, titles) for c in newest[:SHOWN]]
        if len(newest) > SHOWN:
            values.append(
                line(f"{len(newest) - SHOWN} more: {ctx.platform.usage('positions')} issue:… has each issue's history.")
            )
        fields.append(Field(line("Stated positions, newest first"), tuple(values)))
    if open_q:
        # Oldest first, on purpose: the longest-open question is the one a briefing presses on.
        values = [
            line(f"#{q.id} ", UserText(truncate(q.text, SUMMARY_CHARS)), f" — raised {age(q.raised_on, now)}")
            for q in open_q[:SHOWN]
        ]
        if len(open_q) > SHOWN or more_open:
            values.append(
                line(
                    f"{len(open_q) - SHOWN if len(open_q) > SHOWN else ''}{'+' if more_open else ''} more: ",
                    ctx.platform.usage("questions"),
                )
            )
        count = f"{len(open_q)}{'+' if more_open else ''}"
        fields.append(Field(line(f"Open questions ({count}), longest open first"), tuple(values)))
    if answered:
        newest_a = sorted(answered, key=lambda q: (q.closed_on or q.raised_on, q.id), reverse=True)
        fields.append(
            Field(
                line(f"Answered ({len(answered)}), newest first"),
                tuple(
                    line(
                        f"#{q.id} ",
                        UserText(truncate(q.text, SUMMARY_CHARS)),
                        " — ",
                        UserText(truncate(q.answer or "", SUMMARY_CHARS)),
                    )
                    for q in newest_a[:SHOWN]
                ),
            )
        )
    if planned:
        # Soonest first, on purpose: what comes next reads in calendar order.
        soonest = list(reversed(planned))[:SHOWN]
        count = f"{len(planned)}{'+' if more_planned else ''}"
        fields.append(
            Field(
                line(f"Planned ({count}), soonest first"),
                tuple(
                    line(When(e.day), " · ", *_kind_track(e), " · ", *short_pair_line(e), f" · #{e.id}")
                    for e in soonest
                ),
            )
        )
    return Reply(title=line(heading), lines=lines, fields=fields)


def _join(parts: list[Line]) -> Line:
    out: list[Span] = []
    for i, part in enumerate(parts):
        if i:
            out.append("; ")
        out.extend(part)
    return tuple(out)


def _dormant(ctx: Ctx, last_by_track: dict[str, dt.date], now: dt.date) -> list[Line]:
    """Each silent track, longest silence first: "economic 149 days (last Jul 4, 2022)"."""
    silent = [
        (track, day)
        for track, day in last_by_track.items()
        if track != "other" and (now - day).days > ctx.settings.dormant_days
    ]
    silent.sort(key=lambda item: item[1])
    return [line(f"{track} for {plural((now - day).days, 'day')} (last ", When(day), ")") for track, day in silent]


def _kind_track(event: Event) -> Line:
    return (f"{KIND_LABEL.get(event.kind, event.kind)} · {event.track}",)


def _contact_words(event: Event, now: dt.date) -> Line:
    """ "May 14, 2026 (7 months ago), leaders meeting, Trump ↔ Xi Jinping"."""
    kind = KIND_LABEL.get(event.kind, event.kind)
    return line(when(event.day, now), f", {event.track} {kind}, ", *short_pair_line(event))


def _headline(held: list[Event], more_held: bool, not_held: list[Event], more_not_held: bool) -> Line:
    """ "2 contacts; the most senior: leaders meeting, Biden ↔ Xi Jinping, Nov 14, 2022. Also 1
    request refused." The period is in the title."""
    count = f"{len(held)}{'+' if more_held else ''}"
    parts: list[Span] = [
        f"{count} {'contact' if len(held) == 1 and not more_held else 'contacts'}" if held else "No contact took place"
    ]
    if held:
        top = min(held, key=seniority)
        kind = KIND_LABEL.get(top.kind, top.kind)
        parts += [
            "; the most senior: " if len(held) > 1 else ": ",
            f"{top.track} {kind}, ",
            *short_pair_line(top),
            ", ",
            When(top.day),
        ]
    parts.append(".")
    if not_held:
        counts: dict[str, int] = {}
        for e in not_held:
            counts[e.status] = counts.get(e.status, 0) + 1
        said = [
            f"{n}{'+' if more_not_held else ''} {NOT_HELD_WORDS[status][0 if n == 1 else 1]}"
            for status, n in sorted(counts.items(), key=lambda item: NOT_TAKEN_PLACE.index(item[0]))
        ]
        parts.append((" Also " if held else " ") + ", ".join(said) + ".")
    return line(*parts)


async def _silences_broken(ctx: Ctx, held: list[Event]) -> Line | None:
    """The tracks whose first contact of the period ended a silence longer than the dormant threshold,
    in one line: "Silence broken: defense after 165 days (since Jun 10, 2022)". The contact itself is
    in its block below."""
    first_on_track: dict[str, Event] = {}
    for held_event in held:  # newest first, so the last one seen on a track is its first of the period
        first_on_track[held_event.track] = held_event
    broken: list[Line] = []
    for track in TRACKS:
        if track not in first_on_track or track == "other":
            continue
        e = first_on_track[track]
        before = await ctx.store.latest_day(ctx.caller.workspace, track=track, before=(e.day, e.id))
        if before is None:
            broken.append(line(f"{track}, its first recorded contact"))
        elif (e.day - before).days > ctx.settings.dormant_days:
            broken.append(line(f"{track} after {plural((e.day - before).days, 'day')} (since ", When(before), ")"))
    return line("Silence broken: ", *_join(broken), ".") if broken else None


def place(location: str) -> str:
    """A place short enough for a block: the place before any parenthesised detail, cut at a word."""
    head = location.split(" (", 1)[0].strip() or location
    return truncate(head, LOCATION_CHARS)


def _contact_field(event: Event, raised: dict[str, list[str]], words: list[Concern], titles: dict[str, str]) -> Field:
    """One contact as a block: who ↔ who; when, kind, track, place; one line per side of what it
    raised; each side's recorded words."""
    facts: list[Span] = [When(event.day), " · ", *_kind_track(event)]
    if event.location:
        facts += [" · ", UserText(place(event.location))]
    facts.append(f" · #{event.id}")
    values: list[Line] = [line(*facts)]
    for side in ("us", "china"):
        issues = raised.get(side, [])
        if issues:
            values.append(line(f"{SIDE_LABEL[side]} raised: ", ", ".join(titles.get(i, i) for i in issues)))
    for c in sorted(words, key=lambda c: (("us", "china", "other").index(c.side), c.id)):
        who = (" — ", UserText(c.by)) if c.by else ()
        values.append(line(f"{SIDE_LABEL[c.side]}", *who, ": “", UserText(truncate(c.text or "", 300)), "”"))
    return Field(line(*short_pair_line(event)), tuple(values))


def _not_held_line(event: Event) -> Line:
    who = f"{SIDE_LABEL[event.requested_by]} asked" if event.requested_by in ("us", "china") else "asked by either side"
    kind = KIND_LABEL.get(event.kind, event.kind)
    return line(When(event.day), f" · {kind} ({who}) · ", *short_pair_line(event), f" — {event.status} · #{event.id}")


def _planned_line(event: Event) -> Line:
    return line(When(event.day), " · ", *_kind_track(event), " · ", *short_pair_line(event), f" · #{event.id}")


def _stated_line(c: Concern, titles: dict[str, str]) -> Line:
    who = (" — ", UserText(c.by)) if c.by else ()
    return line(
        When(c.day),
        f" · {SIDE_LABEL[c.side]} on {titles.get(c.issue, c.issue)}",
        *who,
        ": “",
        UserText(truncate(c.text or "", 300)),
        "”",
    )


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
    with store_errors(ctx.platform):
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
            _chart_line(sub, ctx.platform),
        ],
    )


async def digest_unsubscribe(ctx: Ctx, channel: str) -> Reply:
    with store_errors(ctx.platform):
        sub = await ctx.store.unsubscribe(ctx.caller.actor, ctx.clock.now(), _channel(ctx, channel))
    return Reply(
        title=line("Unsubscribed channel ", Ref("channel", sub.channel_id)), lines=[line("No more digests there.")]
    )


async def digest_pause(ctx: Ctx, channel: str) -> Reply:
    try:
        with store_errors(ctx.platform):
            sub = await ctx.store.set_paused(
                ctx.caller.actor, ctx.clock.now(), _channel(ctx, channel), True, f"paused by {ctx.caller.display_name}"
            )
    except UserError as exc:
        raise UserError(str(exc), field="channel") from None
    return Reply(
        title=line("Paused the digest in channel ", Ref("channel", sub.channel_id)),
        lines=[line(f"{ctx.platform.usage('digest resume')} channel:", UserText(sub.channel_id), " starts it again.")],
    )


async def digest_resume(ctx: Ctx, channel: str) -> Reply:
    try:
        with store_errors(ctx.platform):
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
            lines=[line(f"{ctx.platform.usage('digest subscribe')} channel:… posts the digest weekly.")],
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
                f" — {ctx.platform.usage('digest resume')} channel:",
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
    values.append(_chart_line(sub, ctx.platform))
    return Field(line("Channel ", Ref("channel", sub.channel_id)), tuple(values))


def _chart_line(sub: Subscription, platform: PlatformInfo) -> Line:
    subscribe = platform.usage("digest subscribe")
    if sub.chart:
        return line(f"Chart: the last twelve months, under the text ({subscribe} chart:no leaves it out)")
    return line(f"Chart: none ({subscribe} chart:yes adds one)")
