"""/timeline: a picture of contacts over time, with a reply whose text says what it shows.

The store counts (storage/sqlite/timeline.py, storage/postgres/timeline.py); this module names the lanes,
words the title and the summary, and has the Ctx's drawer draw the PNG (charts/drawer.py): in the bots'
drawing process, elsewhere in a worker thread, so the event loop keeps answering others while it is
drawn. A chart that cannot be drawn leaves the reply's text as it is, with a line that says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from charts.drawer import ChartError
from charts.timeline import FULL, SMALL, Gap, Latest, Mark, TimelineData, bucket_start, is_dense
from commands import validate
from commands.common import KIND_LABEL, Who, issue_titles, plural, resolve_issue, resolve_who, today
from commands.context import Ctx
from commands.errors import UserError
from commands.reply import Image, Line, Reply, UserText, When, date_text, line
from storage.records import Event, Timeline
from storage.rules import PAIR_SEPARATOR

# With a person, their busiest pairs of offices get a lane each; the rest share one.
MAX_PAIR_LANES = 7
OTHER_PAIRS = "other pairs of offices"


@dataclass(frozen=True)
class Picture:
    """A timeline's chart and the words that go with it."""

    chart: TimelineData
    title: str
    summary: list[Line]
    alt: str


async def timeline(
    ctx: Ctx,
    with_: str | None = None,
    track: str | None = None,
    since: str | None = None,
    until: str | None = None,
    issue: str | None = None,
) -> Reply:
    now = await today(ctx)
    start = validate.date("since", since, now) if since else None
    end = validate.date("until", until, now) if until else None
    if start and end and start > end:
        raise UserError(f"since ({start}) is after until ({end})", field="since")
    who = await resolve_who(ctx, with_) if with_ else None
    issue_slug = (await resolve_issue(ctx, issue))[0] if issue else None
    found = await ctx.store.timeline(
        ctx.caller.workspace,
        since=start,
        until=end,
        person_id=who.person.id if who and who.person else None,
        side=who.side if who else None,
        track=track,
        issue=issue_slug,
    )
    issue_title = (await issue_titles(ctx)).get(issue_slug, issue_slug) if issue_slug else None
    picture = await picture_of(ctx, found, who=who, track=track, issue=issue_title, since=start, until=end)
    if not found.tallies:
        return Reply(
            title=line(picture.title),
            lines=[line(f"No contact recorded matches; {ctx.platform.usage('event list')} shows what is recorded.")],
            ephemeral=True,
        )
    try:
        png = await ctx.drawer.draw(picture.chart, FULL)
    except ChartError as exc:
        return Reply(title=line(picture.title), lines=[*picture.summary, not_drawn(exc)])
    return Reply(
        title=line(picture.title),
        lines=picture.summary,
        image=Image("timeline.png", png, picture.alt),
    )


def not_drawn(exc: ChartError) -> Line:
    """The line a reply (a scheduled digest's too) carries in place of its chart."""
    return line(f"The chart could not be drawn: {exc}.")


async def digest_chart(ctx: Ctx, last: dt.date) -> Image | None:
    """The small chart under a digest: contacts of the twelve months up to `last`; None if none.
    ChartError if it could not be drawn."""
    first = last - dt.timedelta(days=364)
    found = await ctx.store.timeline(ctx.caller.workspace, since=first, until=last)
    if not found.tallies:
        return None
    picture = await picture_of(ctx, found, since=first, until=last, heading="Contacts in the last twelve months")
    png = await ctx.drawer.draw(picture.chart, SMALL)
    return Image("contacts-12-months.png", png, picture.alt)


async def picture_of(
    ctx: Ctx,
    found: Timeline,
    *,
    who: Who | None = None,
    track: str | None = None,
    issue: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    heading: str | None = None,
) -> Picture:
    """The chart's data and the reply's words for a timeline the store counted."""
    keys, labels = await _lanes(ctx, found)
    index = {key: i for i, key in enumerate(keys)}
    first = since or found.first
    last = until or found.last
    what = heading or ("Contacts by pair of offices" if found.pairs else "Contacts by track")
    filters = [
        f"with {who.label}" if who and who.person else (f"{who.label} side" if who else None),
        f"{track} track" if track else None,
        f"on {issue}" if issue else None,
    ]
    title = " · ".join(filter(None, [what, *filters]))
    if first and last:
        title += f", {date_text(first)} to {date_text(last)}"
    grain = found.grain
    counts: dict[tuple[int, dt.date, str, str], int] = {}
    for t in found.tallies:  # counted already: the merged lane's, and months into longer buckets, summed
        key = (index[_lane_key(t.lane, index)], bucket_start(t.bucket, grain), t.kind, t.status)
        counts[key] = counts.get(key, 0) + t.count
    marks = tuple(Mark(lane, day, kind, status, n) for (lane, day, kind, status), n in counts.items())
    gaps = tuple(Gap(index[g.lane], g.start, g.end) for g in found.gaps if g.lane in index)
    latest = _latest(found.latest, index, who.person.id if who and who.person else None)
    if all(m.count == 1 for m in marks):
        per = "a mark per contact"
    elif is_dense(TimelineData("", "", (), marks)):
        per = f"bars of contacts a {grain}"
    else:
        per = f"a mark per {grain} and kind, sized by count"
    held = sum(t.count for t in found.tallies if t.status == "held")
    subtitle = f"{found.total:,} contacts ({held:,} held) · {per}"
    chart = TimelineData(
        title=title,
        subtitle=subtitle,
        lanes=labels,
        marks=marks,
        gaps=gaps,
        latest=latest,
        grain=grain,
        first=first,
        last=last,
    )
    summary: list[Line] = [line(subtitle.replace(" · ", "; ", 1) + ".")]
    longest = max(found.gaps, key=lambda g: (g.days, g.end), default=None)
    if longest is not None and longest.lane in index:
        summary.append(
            line(
                f"Longest gap: {labels[index[longest.lane]]}, {plural(longest.days, 'day')} without a held contact,"
                " from ",
                When(longest.start),
                " to ",
                When(longest.end),
                ".",
            )
        )
    if found.latest is not None:
        summary.append(line("Latest held contact: ", *_latest_line(found.latest)))
    alt = f"{title}: {subtitle}."
    if longest is not None and longest.lane in index:
        alt += f" Longest gap {longest.days:,} days on {labels[index[longest.lane]]}."
    return Picture(chart, title, summary, alt)


def _lane_key(lane: str, index: dict[str, int]) -> str:
    return lane if lane in index else OTHER_PAIRS


async def _lanes(ctx: Ctx, found: Timeline) -> tuple[list[str], tuple[str, ...]]:
    """The lanes' keys as the store names them and their labels, in order; with a person, the
    busiest pairs and one lane for the rest."""
    if not found.pairs:
        return list(found.lanes), tuple(found.lanes)
    keys = list(found.lanes[:MAX_PAIR_LANES])
    if len(found.lanes) > MAX_PAIR_LANES:
        keys.append(OTHER_PAIRS)
    labels = []
    for key in keys:
        if key == OTHER_PAIRS:
            labels.append(OTHER_PAIRS)
            continue
        ours, _, theirs = key.partition(PAIR_SEPARATOR)
        labels.append(f"{await _office_title(ctx, ours)} ↔ {await _office_title(ctx, theirs)}")
    return keys, tuple(labels)


async def _office_title(ctx: Ctx, slug: str) -> str:
    if not slug:
        return "no title"
    office = await ctx.store.office_by_slug(ctx.caller.workspace, slug)
    if office is not None:
        return office.title
    # A title no table knows is an office of its own, its slug made from the title.
    return slug.split(":", 1)[-1].replace("-", " ").capitalize()


def _latest(event: Event | None, index: dict[str, int], person_id: int | None) -> Latest | None:
    """The latest held contact, on its lane: its track's, or its pair of offices' (the person's office
    then ↔ the other side's lead's), as the store made the lanes."""
    if event is None:
        return None
    key = event.track
    if person_id is not None:
        me = next((p for p in event.participants if p.person_id == person_id), None)
        other = next((p for p in event.participants if me is not None and p.side != me.side), None)
        key = f"{(me.office if me else None) or ''}{PAIR_SEPARATOR}{(other.office if other else None) or ''}"
    names = " ↔ ".join(", ".join(p.name for p in event.side(side)) or "—" for side in ("us", "china"))
    return Latest(index.get(_lane_key(key, index), 0), event.day, f"{KIND_LABEL.get(event.kind, event.kind)} · {names}")


def _latest_line(event: Event) -> Line:
    names = [UserText(", ".join(p.name for p in event.side(side)) or "—") for side in ("us", "china")]
    return line(
        When(event.day), f" · {KIND_LABEL.get(event.kind, event.kind)} · {event.track} — ", names[0], " ↔ ", names[1]
    )
