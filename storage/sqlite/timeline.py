"""The counts a timeline of contacts is drawn from: per lane, per day or month, per kind and status;
the longest gaps between held contacts on each lane; and the latest held contact.

Lanes are tracks, or, when the timeline is of one person, pairs of offices (the person's office at
the time ↔ the lead of the other side). Counting happens in SQL. Without a person, a side or an issue
the counts are read from event_tally (schema 3), which triggers keep as events are written, so a
timeline of a million events reads some thousands of rows; with one, the matching events are counted
with GROUP BY over their own index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from storage.records import Event, Grain, LaneGap, Tally, Timeline
from storage.rules import (
    DAY_MARKS,
    GAPS_PER_LANE,
    LONG_GRAINS,
    MONTH_GAP_DAYS,
    PAIR_SEPARATOR,
    grain_for,
    timeline_lanes,
)
from storage.sqlite.db import Database
from storage.sqlite.events import Events
from storage.vocab import EVENT_STATUSES, TRACKS


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


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
        """The timeline's counts for the contacts that match every filter given, per `grain`; by default
        per day when that makes at most DAY_MARKS marks, else per the shortest bucket that puts at most
        MAX_BUCKETS across the span. Over a month or longer, gaps shorter than MONTH_GAP_DAYS are
        left out."""
        filtered = person_id is not None or side is not None or issue is not None
        if filtered:
            source, params, lane = _matching(workspace, since, until, person_id, side, track, issue)
            first, last = await self._span_of(source, params)
        else:
            first, last = await self._tally_span(workspace, track, since, until)
        chosen: Grain = grain or "day"
        if grain is None and first and last:
            if filtered:
                probe = f"SELECT DISTINCT {lane}, e.day, e.kind, e.status FROM {source}"
                probe_params = list(params)
            else:
                probe, probe_params = _tally_rows(workspace, track, first, last)
            row = await self.db.all(f"SELECT count(*) AS n FROM ({probe} LIMIT ?)", [*probe_params, DAY_MARKS + 1])
            if row and int(row[0]["n"]) > DAY_MARKS:
                chosen = grain_for((last - first).days + 1)
        if first is None or last is None:
            tallies: list[Tally] = []
            gaps: list[LaneGap] = []
        elif filtered:
            tallies = await self._grouped(source, params, lane, chosen)
            gaps = await self._gaps(
                f"SELECT {lane} AS lane, e.day AS day FROM {source} AND e.status = 'held'",
                params,
                MONTH_GAP_DAYS if chosen in LONG_GRAINS else 1,
            )
        else:
            tallies = await self._tallied(workspace, track, first, last, chosen)
            if chosen not in LONG_GRAINS:
                days, day_params = _tally_days(workspace, track, first, last)
                gaps = await self._gaps(days, day_params)
            else:
                gaps = await self._month_gaps(workspace, track, first, last)
        latest = await self._latest(workspace, since, until, person_id, side, track, issue)
        return Timeline(
            grain=chosen,
            lanes=timeline_lanes(tallies, pairs=person_id is not None),
            tallies=tuple(tallies),
            gaps=tuple(gaps),
            first=first,
            last=last,
            latest=latest,
            pairs=person_id is not None,
        )

    # -- without a person, a side or an issue: the tally ----------------------------------------

    async def _tally_span(
        self, workspace: str, track: str | None, since: dt.date | None, until: dt.date | None
    ) -> tuple[dt.date | None, dt.date | None]:
        """The first and last day with a contact, each from one end of an index range."""
        where = "workspace = ?"
        params: list[Any] = [workspace]
        if since:
            where += " AND day >= ?"
            params.append(since.isoformat())
        if until:
            where += " AND day <= ?"
            params.append(until.isoformat())
        if track is None:
            row = await self.db.one(
                f"SELECT (SELECT min(day) FROM event WHERE {where}) AS first,"
                f" (SELECT max(day) FROM event WHERE {where}) AS last",
                [*params, *params],
            )
        else:
            # event_track starts (workspace, status, track, day): one range per status.
            ends = " UNION ALL ".join(
                f"SELECT (SELECT min(day) FROM event WHERE {where} AND status = ? AND track = ?) AS first,"
                f" (SELECT max(day) FROM event WHERE {where} AND status = ? AND track = ?) AS last"
                for _ in EVENT_STATUSES
            )
            ps: list[Any] = []
            for status in EVENT_STATUSES:
                ps += [*params, status, track, *params, status, track]
            row = await self.db.one(f"SELECT min(first) AS first, max(last) AS last FROM ({ends})", ps)
        if row is None or row["first"] is None:
            return None, None
        return dt.date.fromisoformat(row["first"]), dt.date.fromisoformat(row["last"])

    async def _tallied(
        self, workspace: str, track: str | None, first: dt.date, last: dt.date, grain: Grain
    ) -> list[Tally]:
        tracks = [track] if track else list(TRACKS)
        keys = (
            f"workspace = ? AND grain = ? AND track IN ({','.join('?' * len(tracks))})"
            f" AND status IN ({','.join('?' * len(EVENT_STATUSES))})"
        )

        def part(grain_read: str, start: dt.date, end: dt.date) -> tuple[str, list[Any]]:
            bucket = _bucket_sql("bucket", grain)
            return (
                f"SELECT track, status, {bucket} AS bucket, kind, sum(n) AS n FROM event_tally WHERE {keys}"
                " AND bucket >= ? AND bucket <= ? GROUP BY 1, 2, 3, 4",
                [workspace, grain_read, *tracks, *EVENT_STATUSES, start.isoformat(), end.isoformat()],
            )

        if grain not in LONG_GRAINS:
            sql, params = part("day", first, last)
            rows = await self.db.all(sql, params)
            return [_tally(r, r["bucket"]) for r in rows]
        # Whole months from the month counts; a month the span cuts (first's or last's) from its days,
        # so that the counts are of exactly first..last.
        full_from = first if first.day == 1 else _next_month(first)
        full_to = _month(last) if (last + dt.timedelta(days=1)).day == 1 else _month(last) - dt.timedelta(days=1)
        parts: list[tuple[str, list[Any]]] = []
        if full_from <= full_to:
            parts.append(part("month", full_from, _month(full_to)))
        if first < full_from:
            parts.append(part("day", first, min(last, full_from - dt.timedelta(days=1))))
        tail_from = max(full_from, _month(last))
        if tail_from > full_to and tail_from >= full_from and tail_from <= last:
            parts.append(part("day", tail_from, last))
        # Each part on its own (a GROUP BY over their union sorted every row again, 200 ms at 1M); the
        # cut months' few counts are added to their bucket here.
        merged: dict[tuple[str, str, str, str], int] = {}
        for sql, params in parts:
            for r in await self.db.all(sql, params):
                key = (r["track"], r["status"], r["bucket"], r["kind"])
                merged[key] = merged.get(key, 0) + int(r["n"])
        return [
            Tally(track, dt.date.fromisoformat(bucket), kind, status, n)
            for (track, status, bucket, kind), n in merged.items()
        ]

    async def _month_gaps(self, workspace: str, track: str | None, first: dt.date, last: dt.date) -> list[LaneGap]:
        """The longest gaps of at least MONTH_GAP_DAYS on each lane, for a picture of a mark per month.

        Walking every day of a long span took half a second at 1M (250,000 day counts). A gap of two
        months or more holds a whole month without a held contact, so the months with one (from the
        month counts; the two months the span may cut, from their days) show where every such gap
        is, and its two ends are the last held day of the month before and the first of the month
        after, each one seek in the day counts.
        """
        tracks = [track] if track else list(TRACKS)
        marks = ",".join("?" * len(tracks))
        head_end = _next_month(first) - dt.timedelta(days=1)
        tail_start = _month(last)

        def held_days(lane: str, start: str, end: str) -> str:
            return (
                f"SELECT {{}}(t.bucket) FROM event_tally t WHERE t.workspace = ? AND t.grain = 'day'"
                f" AND t.track = {lane} AND t.status = 'held' AND t.bucket >= {start} AND t.bucket <= {end}"
            )

        months = (
            "SELECT track AS lane, bucket AS month FROM event_tally WHERE workspace = ? AND grain = 'month'"
            f" AND track IN ({marks}) AND status = 'held' AND bucket > ? AND bucket < ? GROUP BY track, bucket"
            # The cut months from their days: a range each (an OR of the two read every day).
            " UNION SELECT track, substr(bucket, 1, 8) || '01' FROM event_tally WHERE workspace = ?"
            f" AND grain = 'day' AND track IN ({marks}) AND status = 'held' AND bucket >= ? AND bucket <= ?"
            " UNION SELECT track, substr(bucket, 1, 8) || '01' FROM event_tally WHERE workspace = ?"
            f" AND grain = 'day' AND track IN ({marks}) AND status = 'held' AND bucket >= ? AND bucket <= ?"
        )
        after = held_days("c.lane", "c.month", "date(c.month, '+1 month', '-1 day')").format("min")
        before = held_days("c.lane", "c.prev", "date(c.prev, '+1 month', '-1 day')").format("max")
        rows = await self.db.all(
            f"WITH months AS ({months}),"
            " steps AS (SELECT lane, month, LAG(month) OVER (PARTITION BY lane ORDER BY month) AS prev FROM months),"
            " found AS (SELECT c.lane AS lane,"
            f" ({before} AND t.bucket >= ?) AS start, ({after} AND t.bucket <= ?) AS stop"
            " FROM steps c WHERE c.prev IS NOT NULL AND c.month > date(c.prev, '+1 month')),"
            " ranked AS (SELECT lane, start, stop, ROW_NUMBER() OVER (PARTITION BY lane"
            " ORDER BY julianday(stop) - julianday(start) DESC, stop DESC) AS place FROM found"
            " WHERE julianday(stop) - julianday(start) >= ?)"
            " SELECT lane, start, stop FROM ranked WHERE place <= ? ORDER BY lane, place",
            [
                workspace,
                *tracks,
                _month(first).isoformat(),
                tail_start.isoformat(),
                workspace,
                *tracks,
                first.isoformat(),
                min(head_end, last).isoformat(),
                workspace,
                *tracks,
                max(tail_start, first).isoformat(),
                last.isoformat(),
                workspace,
                first.isoformat(),
                workspace,
                last.isoformat(),
                MONTH_GAP_DAYS,
                GAPS_PER_LANE,
            ],
        )
        return [LaneGap(r["lane"], dt.date.fromisoformat(r["start"]), dt.date.fromisoformat(r["stop"])) for r in rows]

    # -- with a person, a side or an issue: the matching events ---------------------------------

    async def _span_of(self, source: str, params: Sequence[Any]) -> tuple[dt.date | None, dt.date | None]:
        # Through the reader's thread: a side or a common issue can match most of the record.
        rows = await self.db.all(f"SELECT min(e.day) AS first, max(e.day) AS last FROM {source}", params)
        row = rows[0] if rows else None
        if row is None or row["first"] is None:
            return None, None
        return dt.date.fromisoformat(row["first"]), dt.date.fromisoformat(row["last"])

    async def _grouped(self, source: str, params: Sequence[Any], lane: str, grain: Grain) -> list[Tally]:
        bucket = _bucket_sql("e.day", grain)
        rows = await self.db.all(
            f"SELECT {lane} AS track, e.status AS status, {bucket} AS bucket, e.kind AS kind, count(*) AS n"
            f" FROM {source} GROUP BY 1, 2, 3, 4",
            params,
        )
        return [_tally(r, r["bucket"]) for r in rows]

    # -- both ------------------------------------------------------------------------------------

    async def _gaps(self, days_sql: str, params: Sequence[Any], min_days: int = 1) -> list[LaneGap]:
        """The longest gaps (of `min_days` or more) on each lane between days with a held contact.
        `days_sql` yields (lane, day) rows, repeats allowed."""
        rows = await self.db.all(
            # GROUP BY rather than DISTINCT: the day counts come in (lane, day) order, so the grouping
            # streams; DISTINCT built a temporary index of every row (1.1 s at 1M, against 0.4 s).
            f"WITH days AS (SELECT lane, day FROM ({days_sql}) GROUP BY lane, day),"
            " steps AS (SELECT lane, LAG(day) OVER (PARTITION BY lane ORDER BY day) AS prev, day,"
            " julianday(day) - julianday(LAG(day) OVER (PARTITION BY lane ORDER BY day)) AS length FROM days),"
            " ranked AS (SELECT lane, prev, day, length,"
            " ROW_NUMBER() OVER (PARTITION BY lane ORDER BY length DESC, day DESC) AS place"
            " FROM steps WHERE prev IS NOT NULL AND length >= ?)"
            " SELECT lane, prev, day FROM ranked WHERE place <= ? ORDER BY lane, place",
            [*params, min_days, GAPS_PER_LANE],
        )
        return [LaneGap(r["lane"], dt.date.fromisoformat(r["prev"]), dt.date.fromisoformat(r["day"])) for r in rows]

    async def _latest(
        self,
        workspace: str,
        since: dt.date | None,
        until: dt.date | None,
        person_id: int | None,
        side: str | None,
        track: str | None,
        issue: str | None,
    ) -> Event | None:
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
        return events[0] if events else None


def _bucket_sql(column: str, grain: Grain) -> str:
    """SQL for the first day of the bucket that holds the day in `column` (YYYY-MM-DD): weeks start
    on Monday; quarters, half-years and years as the calendar's."""
    if grain == "day":
        return column
    if grain == "week":
        return f"date({column}, '-6 days', 'weekday 1')"
    if grain == "month":
        return f"substr({column}, 1, 8) || '01'"
    step = {"quarter": 3, "half-year": 6, "year": 12}[grain]
    month = f"(CAST(substr({column}, 6, 2) AS INTEGER) - 1) / {step} * {step} + 1"
    return f"printf('%s-%02d-01', substr({column}, 1, 4), {month})"


def _tally(row: Any, bucket: str) -> Tally:
    return Tally(row["track"], dt.date.fromisoformat(bucket), row["kind"], row["status"], int(row["n"]))


def _tally_rows(workspace: str, track: str | None, first: dt.date, last: dt.date) -> tuple[str, list[Any]]:
    """The day counts of first..last, for counting how many marks a mark per day makes."""
    tracks = [track] if track else list(TRACKS)
    return (
        "SELECT 1 FROM event_tally WHERE workspace = ? AND grain = 'day'"
        f" AND track IN ({','.join('?' * len(tracks))}) AND bucket >= ? AND bucket <= ?",
        [workspace, *tracks, first.isoformat(), last.isoformat()],
    )


def _tally_days(workspace: str, track: str | None, first: dt.date, last: dt.date) -> tuple[str, list[Any]]:
    """(lane, day) of the held contacts from the day counts: one range of the key per track."""
    tracks = [track] if track else list(TRACKS)
    return (
        "SELECT track AS lane, bucket AS day FROM event_tally WHERE workspace = ? AND grain = 'day'"
        f" AND track IN ({','.join('?' * len(tracks))}) AND status = 'held' AND bucket >= ? AND bucket <= ?",
        [workspace, *tracks, first.isoformat(), last.isoformat()],
    )


def _matching(
    workspace: str,
    since: dt.date | None,
    until: dt.date | None,
    person_id: int | None,
    side: str | None,
    track: str | None,
    issue: str | None,
) -> tuple[str, list[Any], str]:
    """FROM … WHERE … of the events that match (aliased e), its parameters, and the lane's expression.

    With a person, their own participations drive (x); the lane is their office then and the office
    of the other side's lead at that event.
    """
    params: list[Any] = []
    if person_id is not None:
        source = "participant x CROSS JOIN event e ON e.id = x.event_id WHERE x.workspace = ? AND x.person_id = ?"
        params += [workspace, person_id]
        lane = (
            f"coalesce(x.office, '') || '{PAIR_SEPARATOR}' || coalesce((SELECT y.office FROM participant y"
            " WHERE y.event_id = x.event_id AND y.side != x.side ORDER BY y.position LIMIT 1), '')"
        )
    else:
        source = "event e WHERE e.workspace = ?"
        params.append(workspace)
        lane = "e.track"
    if side is not None:
        source += " AND EXISTS (SELECT 1 FROM participant s WHERE s.event_id = e.id AND s.side = ?)"
        params.append(side)
    if issue is not None:
        source += " AND EXISTS (SELECT 1 FROM concern c WHERE c.event_id = e.id AND c.issue = ?)"
        params.append(issue)
    if track is not None:
        source += " AND e.track = ?"
        params.append(track)
    if since is not None:
        source += " AND e.day >= ?"
        params.append(since.isoformat())
    if until is not None:
        source += " AND e.day <= ?"
        params.append(until.isoformat())
    return source, params, lane
