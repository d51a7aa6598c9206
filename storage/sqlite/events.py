"""Contact events on SQLite: adding, editing, deleting, and the queries /lastcall, /event list and digests use."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from storage.errors import DuplicateEvent, RecordMissing
from storage.records import (
    Actor,
    AddedEvent,
    ContactScope,
    EarlierContacts,
    Event,
    EventBrief,
    NewEvent,
    NewParticipant,
    Participant,
    ParticipantKey,
    Source,
    raised_by_side,
)
from storage.rules import BUILTIN_ISSUE_SLUGS, dedupe_key, event_dict, event_text, sources_json, track_of
from storage.sqlite.db import POINT, Database, Tx
from storage.sqlite.people import office_slug_tx, office_track_tx, resolve_person
from storage.vocab import EVENT_STATUSES, TRACKS, slug_title

# The walk between two participants (_previous_id): past this many held contacts a side is walked only
# if the other is as busy.
WALK_COUNT = 200
# The walk between two participants: how many of one side's newest contacts are looked through before
# the full walk.
RECENT_COUNT = 32
# list_events: below this many matches a filter drives the query; at or above, events are probed.
FEW_MATCHES = 5000
_EVENT_COLUMNS = (
    "id, day, time, timezone, kind, track, status, minutes, requested_by, location, summary, sources,"
    " confidence, confidence_note"
)
# One event and its participants in one statement, a row per participant (every statement is
# a round trip to aiosqlite's thread, and /lastcall reads five events: one trip each, not two). The
# participants are put in order in Python: sorting a handful of rows needs no temporary b-tree.
_WITH_PARTICIPANTS = (
    "SELECT e.id, e.day, e.time, e.timezone, e.kind, e.track, e.status, e.minutes, e.requested_by, e.location,"
    " e.summary, e.sources, e.confidence, e.confidence_note, pa.person_id AS p_id, p.name AS p_name,"
    " pa.side AS p_side, pa.title AS p_title,"
    " pa.office AS p_office, pa.position AS p_position FROM event e"
    " LEFT JOIN participant pa ON pa.event_id = e.id LEFT JOIN person p ON p.id = pa.person_id"
)
_P_ID = 14  # where the participant's columns start in a _WITH_PARTICIPANTS row: id, name, side, title, office, position
# An event's id and day with its participants (id, name, side, title, office, position), a row each.
_BRIEF = (
    "SELECT e.id, e.day, pa.person_id, p.name, pa.side, pa.title, pa.office, pa.position FROM event e"
    " LEFT JOIN participant pa ON pa.event_id = e.id LEFT JOIN person p ON p.id = pa.person_id"
)


class Events:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading -------------------------------------------------------------------------------

    async def event(self, workspace: str, event_id: int) -> Event | None:
        return await self._event_where("e.workspace = ? AND e.id = ?", (workspace, event_id))

    async def events_by_ids(self, workspace: str, ids: Sequence[int]) -> list[Event]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        # `+workspace` keeps the workspace test from choosing the index: without statistics SQLite
        # reads a workspace's whole index (millions of rows) rather than ~10 or more keys by their own index.
        rows = await self.db.all(
            f"SELECT {_EVENT_COLUMNS} FROM event WHERE +workspace = ? AND id IN ({marks})", (workspace, *ids)
        )
        by_id = {e.id: e for e in await self._with_participants(rows)}
        return [by_id[i] for i in ids if i in by_id]

    async def _event_where(self, where: str, params: Sequence[Any]) -> Event | None:
        """The one event `where` picks (by id, or by a subquery that finds one id), with its participants."""
        rows = await self.db.all(f"{POINT}{_WITH_PARTICIPANTS} WHERE {where}", params)
        return _events_of(rows)[0] if rows else None

    async def latest_event(
        self,
        workspace: str,
        *,
        person_id: int | None = None,
        side: str | None = None,
        track: str | None = None,
        status: str = "held",
        before: tuple[dt.date, int] | None = None,
    ) -> Event | None:
        """The newest event of that status (optionally with a person, a side or on a track).

        `before` = (day, id) finds the one before a given event, in the same order /lastcall uses.
        Each shape is one range scan of an index that starts with the workspace.
        """
        sql, params = _latest_id(workspace, person_id, side, track, status, before)
        return await self._event_where(f"e.workspace = ? AND e.id = ({sql})", [workspace, *params])

    async def latest_day(
        self, workspace: str, *, track: str | None = None, before: tuple[dt.date, int] | None = None
    ) -> dt.date | None:
        """The day of the event latest_event would find, without reading the event."""
        return await self._day_of(workspace, *_latest_id(workspace, None, None, track, "held", before))

    async def earlier_contacts(
        self,
        workspace: str,
        before: tuple[dt.date, int],
        scopes: Sequence[ContactScope],
        not_held_on: str | None = None,
        not_held_limit: int = 0,
    ) -> EarlierContacts:
        """/lastcall dates and names up to three earlier contacts. Each is read as a brief: reading a whole
        Event (summary, sources, every column) cost 40-70 µs at a million events, a brief 15-25 µs. On
        SQLite each is one point read of its own, and so are the contacts not held; none waits on a
        round trip."""
        found = tuple([await self._earlier_contact(workspace, before, scope) for scope in scopes])
        if not_held_on is None:
            return EarlierContacts(found)
        not_held, more = await self._not_held_since_last(workspace, not_held_on, before, not_held_limit)
        return EarlierContacts(found, tuple(not_held), more)

    async def _earlier_contact(
        self, workspace: str, before: tuple[dt.date, int], scope: ContactScope
    ) -> EventBrief | None:
        if scope.between is not None:
            sql, params = _previous_id(workspace, *scope.between, before)
        else:
            sql, params = _latest_id(workspace, None, None, scope.track, "held", before)
        rows = await self.db.all(f"{POINT}{_BRIEF} WHERE e.workspace = ? AND e.id = ({sql})", [workspace, *params])
        if not rows:
            return None
        people = sorted(
            ((r[7], Participant(r[2], r[3], r[4], r[5], r[6])) for r in rows if r[2] is not None), key=_position
        )
        return EventBrief(rows[0][0], dt.date.fromisoformat(rows[0][1]), tuple(p for _, p in people))

    async def _day_of(self, workspace: str, sql: str, params: Sequence[Any]) -> dt.date | None:
        # /lastcall needs only the day of some of the events it looks up (building an Event
        # with its participants cost 25 µs each).
        row = await self.db.one(f"SELECT day FROM event WHERE workspace = ? AND id = ({sql})", [workspace, *params])
        return dt.date.fromisoformat(row["day"]) if row else None

    async def list_events(
        self,
        workspace: str,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        person_id: int | None = None,
        side: str | None = None,
        track: str | None = None,
        issue: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Event], bool]:
        """Events newest first, and whether more match beyond `limit`.

        No total count: counting every match would make a broad list cost as much as the whole
        workspace, and "more" is all a reader needs to narrow the search.
        """
        where = ["e.workspace = ?"]
        params: list[Any] = [workspace]
        if since:
            where.append("e.day >= ?")
            params.append(since.isoformat())
        if until:
            where.append("e.day <= ?")
            params.append(until.isoformat())
        if track:
            where.append("e.track = ?")
            params.append(track)
        if status:
            where.append("e.status = ?")
            params.append(status)
        if kind:
            where.append("e.kind = ?")
            params.append(kind)
        # Who took part, a side, an issue raised: `e.id IN (every event that matches)` read
        # every match first (0.1 to 0.7 s for a side or a common issue at a million events) or, as
        # SQLite often chose, scanned every event of the workspace for a rare one. Each such filter
        # now takes the cheaper of two plans, chosen by counting its matches up to FEW_MATCHES (an
        # index range that stops there): few matches are read through their own index and their
        # events looked up by key, and sorted; many are probed event by event, newest first, which
        # stops as soon as the page is full.
        filters = [
            (table, column, value)
            for table, column, value in (
                ("participant", "person_id", person_id),
                ("participant", "side", side),
                ("concern", "issue", issue),
            )
            if value is not None and value != ""
        ]
        driver: tuple[str, str, Any] | None = None
        for table, column, value in filters:
            if driver is None and await self._few(table, column, workspace, value):
                driver = (table, column, value)
            else:
                where.append(f"EXISTS (SELECT 1 FROM {table} x WHERE x.event_id = e.id AND x.{column} = ?)")
                params.append(value)
        clause = " AND ".join(where)
        source = "event e"
        if driver is not None:
            table, column, value = driver
            # CROSS JOIN: SQLite takes the tables in this order, reading the matches, not every event.
            source = (
                f"(SELECT DISTINCT event_id FROM {table} WHERE workspace = ? AND {column} = ?"
                " AND event_id IS NOT NULL) d CROSS JOIN event e ON e.id = d.event_id"
            )
            params = [workspace, value, *params]
        rows = await self.db.all(
            f"SELECT {_EVENT_COLUMNS.replace('id, ', 'e.id, ', 1)} FROM {source} WHERE {clause}"
            " ORDER BY e.day DESC, e.id DESC LIMIT ? OFFSET ?",
            (*params, limit + 1, offset),
        )
        return await self._with_participants(rows[:limit]), len(rows) > limit

    async def _not_held_since_last(
        self, workspace: str, track: str, before: tuple[dt.date, int], limit: int
    ) -> tuple[list[Event], bool]:
        """The held contact's day first, then the contacts not held from it: two point reads, which on
        SQLite wait on no round trip."""
        sql, params = _latest_id(workspace, None, None, track, "held", before)
        rows = await self.db.all(
            f"{POINT}SELECT day FROM event WHERE workspace = ? AND id = ({sql})", [workspace, *params]
        )
        if not rows:
            return [], False
        return await self._not_held_between(workspace, track, dt.date.fromisoformat(rows[0][0]), before[0], limit)

    async def _not_held_between(
        self, workspace: str, track: str, since: dt.date, until: dt.date, limit: int
    ) -> tuple[list[Event], bool]:
        """Contacts on a track between two days that did not take place, newest first, and whether more
        than `limit` exist: declined, postponed or cancelled ones of any kind, and requests still planned
        (a planned meeting is not a request that went unanswered).

        /lastcall asks this for the gap since the previous held contact on the track. Through
        list_events it cost a trip to the reader's thread and a second statement for the participants
        (0.35 ms of a 1 ms budget); here it is one statement on the point connection. The span is one
        range of the track index per status, and the gap holds no held contact of the track by
        definition, so it is short.
        """

        # One range of the track index per status: `status IN (...)` made SQLite walk the workspace's
        # day index instead, reading every event of the span (17 ms for half a year at a million).
        # `+e.workspace`: with `e.workspace = ?` usable, SQLite read the workspace's whole index rather
        # than the few ids (as in events_by_ids).
        def one(status: str) -> str:
            kind = " AND kind = 'request'" if status == "planned" else ""
            return (
                f"SELECT id, day FROM event WHERE workspace = ? AND status = ? AND track = ?{kind}"
                " AND day >= ? AND day <= ? ORDER BY day DESC, id DESC LIMIT ?"
            )

        not_held = [s for s in EVENT_STATUSES if s != "held"]
        union = " UNION ALL ".join(f"SELECT * FROM ({one(status)})" for status in not_held)
        params: list[Any] = [workspace]
        for status in not_held:
            params += [workspace, status, track, since.isoformat(), until.isoformat(), limit + 1]
        rows = await self.db.all(
            f"{POINT}{_WITH_PARTICIPANTS} WHERE +e.workspace = ? AND e.id IN (SELECT id FROM ({union}))",
            params,
        )
        events = _events_of(rows)
        events.sort(key=lambda e: (e.day, e.id), reverse=True)
        return events[:limit], len(events) > limit

    async def _few(self, table: str, column: str, workspace: str, value: Any) -> bool:
        """Whether fewer than FEW_MATCHES rows of `table` have `column` = `value` in the workspace."""
        row = await self.db.one(
            f"SELECT count(*) AS n FROM (SELECT 1 FROM {table} WHERE workspace = ? AND {column} = ? LIMIT ?)",
            (workspace, value, FEW_MATCHES),
        )
        return row is not None and int(row["n"]) < FEW_MATCHES

    async def events_after(self, workspace: str, after: tuple[dt.date, int] | None, limit: int) -> list[Event]:
        """Events oldest first, from just after `after` = (day, id): keyset paging for export."""
        if after is None:
            rows = await self.db.all(
                f"SELECT {_EVENT_COLUMNS} FROM event WHERE workspace = ? ORDER BY day, id LIMIT ?", (workspace, limit)
            )
        else:
            day = after[0].isoformat()
            rows = await self.db.all(
                f"SELECT {_EVENT_COLUMNS} FROM event WHERE workspace = ? AND (day > ? OR (day = ? AND id > ?))"
                " ORDER BY day, id LIMIT ?",
                (workspace, day, day, after[1], limit),
            )
        return await self._with_participants(rows)

    async def last_held_by_track(self, workspace: str) -> dict[str, dt.date]:
        """The date of the latest held contact on each track that has one."""
        result: dict[str, dt.date] = {}
        for track in TRACKS:
            row = await self.db.one(
                "SELECT day FROM event WHERE workspace = ? AND status = 'held' AND track = ?"
                " ORDER BY day DESC, id DESC LIMIT 1",
                (workspace, track),
            )
            if row:
                result[track] = dt.date.fromisoformat(row["day"])
        return result

    async def event_count(self, workspace: str) -> int:
        row = await self.db.one("SELECT count(*) AS n FROM event WHERE workspace = ?", (workspace,))
        return int(row["n"]) if row else 0

    async def raised_at(self, workspace: str, event_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
        """For each event, the issues each side raised there, in the order they were recorded."""
        if not event_ids:
            return {}
        marks = ",".join("?" * len(event_ids))
        # `+workspace` keeps the workspace test from choosing the index: without statistics SQLite
        # reads a workspace's whole index (millions of rows) rather than ~10 or more keys by their own index.
        rows = await self.db.all(
            f"{POINT}SELECT event_id, side, issue FROM concern WHERE +workspace = ? AND event_id IN ({marks})"
            " ORDER BY id",
            (workspace, *event_ids),
        )
        by_event: dict[int, list[tuple[str, str]]] = {}
        for r in rows:
            by_event.setdefault(r["event_id"], []).append((r["side"], r["issue"]))
        return {event_id: raised_by_side(concerns) for event_id, concerns in by_event.items()}

    async def _with_participants(self, rows: Sequence[sqlite3.Row]) -> list[Event]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        parts = await self.db.all(
            f"{POINT}SELECT pa.event_id, pa.person_id, p.name, pa.side, pa.title, pa.office FROM participant pa"
            f" JOIN person p ON p.id = pa.person_id WHERE pa.event_id IN ({marks}) ORDER BY pa.position",
            ids,
        )
        by_event: dict[int, list[Participant]] = {}
        for p in parts:
            by_event.setdefault(p["event_id"], []).append(
                Participant(p["person_id"], p["name"], p["side"], p["title"], p["office"])
            )
        return [_event_of(r, by_event.get(r["id"], [])) for r in rows]

    # -- writing -------------------------------------------------------------------------------

    async def add_event(self, actor: Actor, at: dt.datetime, new: NewEvent) -> AddedEvent:
        async with self.db.transaction() as tx:
            return await add_event_in(tx, actor, at, new)

    async def edit_event(self, actor: Actor, at: dt.datetime, event_id: int, changes: dict[str, Any]) -> Event:
        """Change fields of an event. `us` / `cn` replace that side's participants (NewParticipant lists)."""
        async with self.db.transaction() as tx:
            before = await event_in(tx, actor.workspace, event_id)
            columns = {k: v for k, v in changes.items() if k not in ("us", "cn", "sources", "day")}
            if "day" in changes:
                columns["day"] = changes["day"].isoformat()
            if "sources" in changes:
                columns["sources"] = sources_json(changes["sources"])
            if columns:
                assignments = ", ".join(f"{c} = ?" for c in columns)
                await tx.run(f"UPDATE event SET {assignments} WHERE id = ?", (*columns.values(), event_id))
            for key, side in (("us", "us"), ("cn", "china")):
                if key in changes:
                    await tx.run("DELETE FROM participant WHERE event_id = ? AND side = ?", (event_id, side))
                    start = 0 if side == "us" else 100
                    await _add_participants(tx, actor, at, event_id, side, changes[key], start)
            await tx.run(
                "UPDATE participant SET day = (SELECT day FROM event WHERE id = ?),"
                " status = (SELECT status FROM event WHERE id = ?) WHERE event_id = ?",
                (event_id, event_id, event_id),
            )
            after = await event_in(tx, actor.workspace, event_id)
            await _check_duplicate(tx, actor.workspace, after, own_id=event_id)
            await tx.index(actor.workspace, "event", event_id, event_text(after))
            await tx.audit(actor, at, "update", "event", event_id, event_dict(before), event_dict(after))
        return after

    async def delete_event(self, actor: Actor, at: dt.datetime, event_id: int) -> Event:
        async with self.db.transaction() as tx:
            before = await event_in(tx, actor.workspace, event_id)
            concern_ids = [r["id"] for r in await tx.all("SELECT id FROM concern WHERE event_id = ?", (event_id,))]
            for cid in concern_ids:
                await tx.unindex("concern", cid)
            await tx.run("DELETE FROM event WHERE id = ?", (event_id,))  # participants, concerns cascade
            await tx.unindex("event", event_id)
            await tx.audit(actor, at, "delete", "event", event_id, event_dict(before), None)
        return before


def _latest_id(
    workspace: str,
    person_id: int | None,
    side: str | None,
    track: str | None,
    status: str,
    before: tuple[dt.date, int] | None,
) -> tuple[str, list[Any]]:
    """The statement (and its parameters) that finds the id of latest_event's event."""
    params: list[Any] = [workspace]
    if person_id is not None or side is not None:
        column, value = ("person_id", person_id) if person_id is not None else ("side", side)
        sql = (
            f"SELECT x.event_id FROM participant x"
            f"{' JOIN event y ON y.id = x.event_id' if track else ''}"
            f" WHERE x.workspace = ? AND x.{column} = ? AND x.status = ?"
        )
        params += [value, status]
        if track:
            sql += " AND y.track = ?"
            params.append(track)
        day_col, id_col = "x.day", "x.event_id"
    elif track is not None:
        sql = "SELECT x.id FROM event x WHERE x.workspace = ? AND x.status = ? AND x.track = ?"
        params += [status, track]
        day_col, id_col = "x.day", "x.id"
    else:
        sql = "SELECT x.id FROM event x WHERE x.workspace = ? AND x.status = ?"
        params += [status]
        day_col, id_col = "x.day", "x.id"
    if before is not None:
        sql += f" AND ({day_col} < ? OR ({day_col} = ? AND {id_col} < ?))"
        params += [before[0].isoformat(), before[0].isoformat(), before[1]]
    sql += f" ORDER BY {day_col} DESC, {id_col} DESC LIMIT 1"
    return sql, params


def _previous_id(
    workspace: str, key_a: ParticipantKey, key_b: ParticipantKey, before: tuple[dt.date, int]
) -> tuple[str, list[Any]]:
    """The statement (and its parameters) that finds the id of the latest held event before `before` that
    both A and B took part in.

    It walks one side's participations newest first through the index and stops at the first that the
    other shares. Walking A's alone read all of a busy official's 35,000 contacts (65 ms at a million
    events) whenever the other was new to them; when A has more than WALK_COUNT held contacts and B has
    not (found by reading at most that many index entries), the walk starts from B, so a first meeting
    with a newcomer costs the newcomer's few.
    """
    col_a, val_a = key_a
    col_b, val_b = key_b
    col_a = "person_id" if col_a == "person" else "office"
    col_b = "person_id" if col_b == "person" else "office"
    day = before[0].isoformat()

    def walk(col: str, value: Any, other: str, probe: Any) -> tuple[str, list[Any]]:
        return (
            f"SELECT x.event_id FROM participant x WHERE x.workspace = ? AND x.{col} = ? AND x.status = 'held'"
            " AND (x.day < ? OR (x.day = ? AND x.event_id < ?))"
            f" AND EXISTS (SELECT 1 FROM participant y WHERE y.event_id = x.event_id AND y.{other} = ?)"
            " ORDER BY x.day DESC, x.event_id DESC LIMIT 1",
            [workspace, value, day, day, before[1], probe],
        )

    def busy(col: str, value: Any) -> tuple[str, list[Any]]:  # more than WALK_COUNT held contacts
        return (
            f"EXISTS (SELECT 1 FROM participant WHERE workspace = ? AND {col} = ? AND status = 'held'"
            f" LIMIT 1 OFFSET {WALK_COUNT})",
            [workspace, value],
        )

    def recent(col: str, value: Any, other: str, probe: Any) -> tuple[str, list[Any]]:
        # The walk over one side's newest RECENT_COUNT participations only. The subquery is a
        # co-routine that yields them newest first and the outer LIMIT 1 stops at the first shared
        # one, so the usual case (the two met lately) reads a handful of index entries.
        return (
            f"SELECT r.event_id FROM (SELECT event_id FROM participant WHERE workspace = ? AND {col} = ?"
            " AND status = 'held' AND (day < ? OR (day = ? AND event_id < ?))"
            f" ORDER BY day DESC, event_id DESC LIMIT {RECENT_COUNT}) r"
            f" WHERE EXISTS (SELECT 1 FROM participant y WHERE y.event_id = r.event_id AND y.{other} = ?) LIMIT 1",
            [workspace, value, day, day, before[1], probe],
        )

    (recent_a, p0), (recent_b, p5) = recent(col_a, val_a, col_b, val_b), recent(col_b, val_b, col_a, val_a)
    (busy_a, p1), (busy_b, p2) = busy(col_a, val_a), busy(col_b, val_b)
    (walk_a, p3), (walk_b, p4) = walk(col_a, val_a, col_b, val_b), walk(col_b, val_b, col_a, val_a)
    # Counting both sides' contacts first cost more than the walk itself when they had met
    # lately (30 µs of a 1 ms budget, twice per /lastcall). So the recent walks go first, A's then
    # B's (the first shared event in either side's list is the newest they share), and only when
    # both find nothing does the choice of side below run. SQLite evaluates COALESCE's arguments,
    # and a CASE's branches, only as far as it needs.
    return (
        f"COALESCE(({recent_a}), ({recent_b}),"
        f" CASE WHEN {busy_a} AND NOT {busy_b} THEN ({walk_b}) ELSE ({walk_a}) END)",
        [*p0, *p5, *p1, *p2, *p4, *p3],
    )


async def add_event_in(tx: Tx, actor: Actor, at: dt.datetime, new: NewEvent) -> AddedEvent:
    event_id = await tx.run(
        "INSERT INTO event (workspace, day, time, timezone, kind, track, status, minutes, requested_by,"
        " location, summary, sources, confidence, confidence_note, dedupe_key, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)",
        (
            actor.workspace,
            new.day.isoformat(),
            new.time,
            new.timezone,
            new.kind,
            new.track or "other",
            new.status,
            new.minutes,
            new.requested_by,
            new.location,
            new.summary,
            sources_json(new.sources),
            new.confidence,
            new.confidence_note,
            at.isoformat(),
            actor.user_id,
        ),
    )
    created = await _add_participants(tx, actor, at, event_id, "us", new.us, 0)
    created += await _add_participants(tx, actor, at, event_id, "china", new.cn, 100)
    if new.track is None:
        track = await _derive_track(tx, actor.workspace, event_id)
        await tx.run("UPDATE event SET track = ? WHERE id = ?", (track, event_id))
    event = await event_in(tx, actor.workspace, event_id)
    await _check_duplicate(tx, actor.workspace, event, own_id=event_id)
    new_issues: list[str] = []
    for side_key, issues in new.raised.items():
        for issue in issues:
            if await ensure_issue(tx, actor, at, issue):
                new_issues.append(issue)
            await tx.run(
                "INSERT INTO concern (workspace, issue, side, text, by_name, day, event_id, source, created_at)"
                " VALUES (?, ?, ?, NULL, NULL, ?, ?, NULL, ?)",
                (actor.workspace, issue, side_key, new.day.isoformat(), event_id, at.isoformat()),
            )
    await tx.index(actor.workspace, "event", event_id, event_text(event))
    after = event_dict(event)
    after["raised"] = new.raised
    await tx.audit(actor, at, "create", "event", event_id, None, after)
    return AddedEvent(event, tuple(created), tuple(new_issues))


async def _add_participants(
    tx: Tx,
    actor: Actor,
    at: dt.datetime,
    event_id: int,
    side: str,
    people: Sequence[NewParticipant],
    start: int,
) -> list[str]:
    created: list[str] = []
    row = await tx.one("SELECT day, status FROM event WHERE id = ?", (event_id,))
    assert row is not None
    for position, np in enumerate(people, start=start):
        person, is_new = await resolve_person(tx, actor, at, np.name, side, np.title, np.aliases)
        if is_new:
            created.append(person.name)
        title = np.title or person.title
        office = await office_slug_tx(tx, actor.workspace, side, title)
        await tx.run(
            "INSERT OR IGNORE INTO participant (event_id, person_id, workspace, side, title, office, position,"
            " day, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event_id, person.id, actor.workspace, side, title, office, position, row["day"], row["status"]),
        )
    return created


async def _derive_track(tx: Tx, workspace: str, event_id: int) -> str:
    """The track the participants' offices point to; when they disagree, the US lead's decides."""
    rows = await tx.all("SELECT office FROM participant WHERE event_id = ? ORDER BY position", (event_id,))
    return track_of([await office_track_tx(tx, workspace, r["office"]) for r in rows])


async def _check_duplicate(tx: Tx, workspace: str, event: Event, own_id: int) -> None:
    key = dedupe_key(event.day, event.kind, [p.person_id for p in event.participants])
    row = await tx.one(
        "SELECT id FROM event WHERE workspace = ? AND dedupe_key = ? AND id != ?", (workspace, key, own_id)
    )
    if row:
        raise DuplicateEvent(int(row["id"]))
    await tx.run("UPDATE event SET dedupe_key = ? WHERE id = ?", (key, own_id))


async def ensure_issue(tx: Tx, actor: Actor, at: dt.datetime, slug: str) -> bool:
    """Make sure the workspace knows an issue slug; True if it was new."""
    if slug in BUILTIN_ISSUE_SLUGS:
        return False
    row = await tx.one("SELECT 1 FROM issue WHERE workspace = ? AND slug = ?", (actor.workspace, slug))
    if row:
        return False
    title = slug_title(slug)
    await tx.run(
        "INSERT INTO issue (workspace, slug, title, aliases) VALUES (?, ?, ?, '[]')",
        (actor.workspace, slug, title),
    )
    await tx.audit(actor, at, "create", "issue", slug, None, {"slug": slug, "title": title})
    return True


async def event_in(tx: Tx, workspace: str, event_id: int) -> Event:
    row = await tx.one(f"SELECT {_EVENT_COLUMNS} FROM event WHERE workspace = ? AND id = ?", (workspace, event_id))
    if row is None:
        raise RecordMissing("event", event_id)
    parts = await tx.all(
        "SELECT pa.person_id, p.name, pa.side, pa.title, pa.office FROM participant pa"
        " JOIN person p ON p.id = pa.person_id WHERE pa.event_id = ? ORDER BY pa.position",
        (event_id,),
    )
    return _event_of(row, [Participant(p["person_id"], p["name"], p["side"], p["title"], p["office"]) for p in parts])


def _events_of(rows: Sequence[sqlite3.Row]) -> list[Event]:
    """Events from the rows of _WITH_PARTICIPANTS (a row per participant), in the order first seen."""
    # Columns by position, not name: /lastcall builds a dozen events and some thirty participants
    # from these rows, and a lookup by name costs twice one by position (docs/PERFORMANCE.md).
    grouped: dict[int, tuple[sqlite3.Row, list[tuple[int, Participant]]]] = {}
    for r in rows:
        entry = grouped.get(r[0])
        if entry is None:
            entry = grouped[r[0]] = (r, [])
        if r[_P_ID] is not None:
            entry[1].append(
                (r[_P_ID + 5], Participant(r[_P_ID], r[_P_ID + 1], r[_P_ID + 2], r[_P_ID + 3], r[_P_ID + 4]))
            )
    events = []
    for first, people in grouped.values():
        people.sort(key=_position)
        events.append(_event_of(first, [p for _, p in people]))
    return events


def _position(entry: tuple[int, Participant]) -> int:
    return entry[0]


def _event_of(row: sqlite3.Row, participants: Sequence[Participant]) -> Event:
    return Event(
        id=row["id"],
        day=dt.date.fromisoformat(row["day"]),
        kind=row["kind"],
        track=row["track"],
        status=row["status"],
        minutes=row["minutes"],
        requested_by=row["requested_by"],
        location=row["location"],
        summary=row["summary"],
        sources=tuple(Source.from_json(item) for item in json.loads(row["sources"])),
        participants=tuple(participants),
        time=row["time"],
        timezone=row["timezone"],
        confidence=row["confidence"],
        confidence_note=row["confidence_note"],
    )
