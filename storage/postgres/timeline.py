"""The counts a timeline is drawn from, on PostgreSQL (what storage/sqlite/timeline.py computes on SQLite).

Without a person, a side or an issue the counts come from event_tally, kept by the statement triggers of
migration 0002; with one, the matching events are grouped in SQL. Buckets are the same on both
backends: weeks start on Monday, quarters, half-years and years follow the calendar.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from storage.postgres.db import Database, storable
from storage.postgres.events import Events
from storage.records import Grain, LaneGap, Tally, Timeline
from storage.rules import (
    DAY_MARKS,
    GAPS_PER_LANE,
    LONG_GRAINS,
    MONTH_GAP_DAYS,
    PAIR_SEPARATOR,
    grain_for,
    timeline_lanes,
)
from storage.vocab import TRACKS


def bucket_sql(column: str, grain: Grain) -> str:
    """SQL for the first day of the bucket that holds the DATE in `column`."""
    if grain == "day":
        return column
    if grain == "half-year":
        month = f"CASE WHEN extract(month FROM {column}) > 6 THEN 7 ELSE 1 END"
        return f"make_date(extract(year FROM {column})::int, {month}, 1)"
    unit = {"week": "week", "month": "month", "quarter": "quarter", "year": "year"}[grain]
    return f"date_trunc('{unit}', {column})::date"


class Timelines:
    def __init__(self, db: Database, events: Events) -> None:
        self.db = db
        self.events = events

    async def timeline(
        self,
        workspace: str,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        person_id: int | None = None,
        side: str | None = None,
        track: str | None = None,
        issue: str | None = None,
        grain: Grain | None = None,
    ) -> Timeline:
        if not storable(side, track, issue):
            pairs = person_id is not None
            return Timeline(grain or "day", timeline_lanes([], pairs=pairs), (), (), None, None, None, pairs)
        filtered = person_id is not None or side is not None or issue is not None
        if filtered:
            source, args, lane = _matching(workspace, since, until, person_id, side, track, issue)
        else:
            source, args, lane = _tallied(workspace, since, until, track)
        span = await self.db.one(f"SELECT min(day) AS first, max(day) AS last FROM {source}", *args)
        first: dt.date | None = span["first"] if span else None
        last: dt.date | None = span["last"] if span else None
        chosen: Grain = grain or "day"
        if grain is None and first and last:
            marks = await self.db.value(
                f"SELECT count(*) FROM (SELECT DISTINCT {lane}, day, kind, status FROM {source}"
                f" LIMIT {DAY_MARKS + 1}) m",
                *args,
            )
            if marks > DAY_MARKS:
                chosen = grain_for((last - first).days + 1)
        tallies: list[Tally] = []
        gaps: list[LaneGap] = []
        if first is not None and last is not None:
            count = "sum(n)" if not filtered else "count(*)"
            rows = await self.db.all(
                f"SELECT {lane} AS lane, status, {bucket_sql('day', chosen)} AS bucket, kind, {count} AS n"
                f" FROM {source} GROUP BY 1, 2, 3, 4",
                *args,
            )
            tallies = [Tally(r["lane"], r["bucket"], r["kind"], r["status"], int(r["n"])) for r in rows]
            min_days = MONTH_GAP_DAYS if chosen in LONG_GRAINS else 1
            gap_rows = await self.db.all(
                f"WITH days AS (SELECT DISTINCT {lane} AS lane, day FROM {source} AND status = 'held'),"
                " steps AS (SELECT lane, LAG(day) OVER (PARTITION BY lane ORDER BY day) AS prev, day FROM days),"
                " ranked AS (SELECT lane, prev, day, ROW_NUMBER() OVER (PARTITION BY lane"
                " ORDER BY day - prev DESC, day DESC) AS place FROM steps"
                f" WHERE prev IS NOT NULL AND day - prev >= {int(min_days)})"
                f" SELECT lane, prev, day FROM ranked WHERE place <= {GAPS_PER_LANE} ORDER BY lane, place",
                *args,
            )
            gaps = [LaneGap(r["lane"], r["prev"], r["day"]) for r in gap_rows]
        events, _more = await self.events.list_events(
            workspace,
            since=since,
            until=until,
            person_id=person_id,
            side=side,
            track=track,
            issue=issue,
            status="held",
            limit=1,
        )
        return Timeline(
            grain=chosen,
            lanes=timeline_lanes(tallies, pairs=person_id is not None),
            tallies=tuple(tallies),
            gaps=tuple(gaps),
            first=first,
            last=last,
            latest=events[0] if events else None,
            pairs=person_id is not None,
        )


def _tallied(
    workspace: str, since: dt.date | None, until: dt.date | None, track: str | None
) -> tuple[str, list[Any], str]:
    """FROM … WHERE … over the day counts (columns day, kind, status, n), its arguments and the lane."""
    args: list[Any] = [workspace, [track] if track else list(TRACKS)]
    source = (
        "(SELECT track, bucket AS day, kind, status, n FROM event_tally WHERE workspace = $1 AND grain = 'day'"
        " AND track = ANY($2::text[])) t WHERE TRUE"
    )
    if since is not None:
        args.append(since)
        source += f" AND day >= ${len(args)}"
    if until is not None:
        args.append(until)
        source += f" AND day <= ${len(args)}"
    return source, args, "track"


def _matching(
    workspace: str,
    since: dt.date | None,
    until: dt.date | None,
    person_id: int | None,
    side: str | None,
    track: str | None,
    issue: str | None,
) -> tuple[str, list[Any], str]:
    """FROM … WHERE … of the matching events (columns day, kind, status), its arguments and the lane:
    the track, or with a person the pair of their office and the other side's lead's."""
    args: list[Any] = [workspace]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if person_id is not None:
        source = (
            "(SELECT e.day, e.kind, e.status, e.track, coalesce(x.office, '') || '"
            + PAIR_SEPARATOR
            + "' || coalesce((SELECT y.office FROM participant y WHERE y.event_id = x.event_id AND y.side <> x.side"
            " ORDER BY y.position LIMIT 1), '') AS pair, e.id"
            " FROM participant x JOIN event e ON e.id = x.event_id"
            f" WHERE x.workspace = $1 AND x.person_id = {arg(person_id)}"
        )
        lane = "pair"
    else:
        source = "(SELECT e.day, e.kind, e.status, e.track, e.id FROM event e WHERE e.workspace = $1"
        lane = "track"
    if side is not None:
        source += f" AND EXISTS (SELECT 1 FROM participant s WHERE s.event_id = e.id AND s.side = {arg(side)})"
    if issue is not None:
        source += f" AND EXISTS (SELECT 1 FROM concern c WHERE c.event_id = e.id AND c.issue = {arg(issue)})"
    if track is not None:
        source += f" AND e.track = {arg(track)}"
    if since is not None:
        source += f" AND e.day >= {arg(since)}"
    if until is not None:
        source += f" AND e.day <= {arg(until)}"
    return source + ") m WHERE TRUE", args, lane
