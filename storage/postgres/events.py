"""Contact events on PostgreSQL: adding, editing, deleting, and the reads /lastcall, /event list, the
digests and export use.

The duplicate rule is the constraint event_dedupe (workspace, dedupe_key): an event is inserted with its
key already computed, ON CONFLICT DO NOTHING, so two writers recording the same contact at once end with
one event and a DuplicateEvent for the other, never two events.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from typing import Any

import asyncpg

from storage.errors import DuplicateEvent, RecordMissing
from storage.postgres.db import Database, Tx, storable
from storage.postgres.people import custom_forms, own_tracks, resolve_person
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
from storage.rules import (
    BUILTIN_ISSUE_SLUGS,
    dedupe_key,
    event_dict,
    event_text,
    office_track,
    slug_for_title,
    track_of,
)
from storage.vocab import EVENT_STATUSES, TRACKS, slug_title

# The walk between two participants (_previous_id): past this many held contacts a side is walked only
# if the other is as busy.
WALK_COUNT = 200
# The walk between two participants: how many of one side's newest contacts are looked through before
# the full walk.
RECENT_COUNT = 32

EVENT_COLUMNS = (
    "e.id, e.day, e.time, e.timezone, e.kind, e.track, e.status, e.minutes, e.requested_by, e.location,"
    " e.summary, e.sources, e.confidence, e.confidence_note"
)
# The participants of `event e` in order, as anonymous records (Participant's fields).
_PARTICIPANTS = (
    "coalesce((SELECT array_agg(ROW(pa.person_id, p.name, pa.side, pa.title, pa.office) ORDER BY pa.position)"
    " FROM participant pa JOIN person p ON p.id = pa.person_id WHERE pa.event_id = e.id), '{}') AS participants"
)
# An event with its participants in order, in one statement.
_WITH_PARTICIPANTS = f"SELECT {EVENT_COLUMNS}, {_PARTICIPANTS} FROM event e"
# An event's id and day with its participants in order (what EventBrief holds), from `event e`, with the
# rest of EVENT_COLUMNS as NULLs of their types: a brief and whole events can then share one UNION ALL.
_BRIEF_FROM_EVENT = (
    "e.id, e.day, NULL::text AS time, NULL::text AS timezone, NULL::text AS kind, NULL::text AS track,"
    " NULL::text AS status, NULL::integer AS minutes, NULL::text AS requested_by, NULL::text AS location,"
    " NULL::text AS summary, NULL::jsonb AS sources, NULL::text AS confidence, NULL::text AS confidence_note,"
    f" {_PARTICIPANTS} FROM event e"
)


def event_of(row: asyncpg.Record) -> Event:
    """An Event from a row of _WITH_PARTICIPANTS."""
    return Event(
        id=row["id"],
        day=row["day"],
        kind=row["kind"],
        track=row["track"],
        status=row["status"],
        minutes=row["minutes"],
        requested_by=row["requested_by"],
        location=row["location"],
        summary=row["summary"],
        sources=tuple(Source.from_json(item) for item in row["sources"]),
        participants=tuple(Participant(*p) for p in row["participants"]),
        time=row["time"],
        timezone=row["timezone"],
        confidence=row["confidence"],
        confidence_note=row["confidence_note"],
    )


def key_column(key: ParticipantKey) -> tuple[str, Any]:
    """("person", id) or ("office", slug) as the participant column it matches and its value."""
    kind, value = key
    return ("person_id", int(value)) if kind == "person" else ("office", str(value))


class Events:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading -------------------------------------------------------------------------------

    async def event(self, workspace: str, event_id: int) -> Event | None:
        row = await self.db.point_one(f"{_WITH_PARTICIPANTS} WHERE e.workspace = $1 AND e.id = $2", workspace, event_id)
        return event_of(row) if row else None

    async def events_by_ids(self, workspace: str, ids: Sequence[int]) -> list[Event]:
        if not ids:
            return []
        rows = await self.db.point_all(
            f"{_WITH_PARTICIPANTS} WHERE e.workspace = $1 AND e.id = ANY($2::bigint[])", workspace, list(ids)
        )
        by_id = {r["id"]: event_of(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def _event_where(self, where: str, args: Sequence[Any]) -> Event | None:
        row = await self.db.point_one(f"{_WITH_PARTICIPANTS} WHERE {where}", *args)
        return event_of(row) if row else None

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
        sql, args = _latest_id(workspace, person_id, side, track, status, before)
        return await self._event_where(f"e.workspace = $1 AND e.id = ({sql})", args)

    async def latest_day(
        self, workspace: str, *, track: str | None = None, before: tuple[dt.date, int] | None = None
    ) -> dt.date | None:
        sql, args = _latest_id(workspace, None, None, track, "held", before)
        day: dt.date | None = await self.db.point_value(
            f"SELECT day FROM event WHERE workspace = $1 AND id = ({sql})", *args
        )
        return day

    async def earlier_contacts(
        self,
        workspace: str,
        before: tuple[dt.date, int],
        scopes: Sequence[ContactScope],
        not_held_on: str | None = None,
        not_held_limit: int = 0,
    ) -> EarlierContacts:
        """Every scope's earlier contact and the contacts not held on a track in one statement, a UNION ALL
        of one point read per scope (n, its place in `scopes`) and of the contacts not held (n = -1): each
        read is a round trip to the server, most of the cost of one this small."""
        args: list[Any] = [workspace]
        parts: list[str] = []
        held = ""
        for n, scope in enumerate(scopes):
            if not storable(scope.track, *(str(value) for _, value in scope.between or ())):
                continue  # a key or track no event can have
            if scope.between is not None:
                sql, own = _previous_id(workspace, *scope.between, before)
            else:
                sql, own = _latest_id(workspace, None, None, scope.track, "held", before)
            # Each part numbers its own parameters from $2 ($1 is the workspace for all).
            sql = _shifted(sql, len(args) - 1)
            parts.append(f"SELECT {n} AS n, {_BRIEF_FROM_EVENT} WHERE e.workspace = $1 AND e.id = ({sql})")
            args += own[1:]
        if not_held_on is not None and storable(not_held_on):
            held, ids, own = _not_held_ids(workspace, not_held_on, before, not_held_limit + 1)
            held, ids = _shifted(held, len(args) - 1), _shifted(ids, len(args) - 1)
            parts.append(
                f"SELECT -1 AS n, {EVENT_COLUMNS}, {_PARTICIPANTS} FROM event e"
                f" WHERE e.workspace = $1 AND e.id IN ({ids})"
            )
            args += own[1:]
        rows = await self.db.point_all(held + " UNION ALL ".join(parts), *args) if parts else []
        found: dict[int, EventBrief] = {}
        not_held: list[Event] = []
        for row in rows:
            if row["n"] < 0:
                not_held.append(event_of(row))
            else:
                participants = tuple(Participant(*p) for p in row["participants"])
                found[row["n"]] = EventBrief(row["id"], row["day"], participants)
        not_held.sort(key=lambda e: (e.day, e.id), reverse=True)
        return EarlierContacts(
            tuple(found.get(n) for n in range(len(scopes))),
            tuple(not_held[:not_held_limit]),
            len(not_held) > not_held_limit,
        )

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
        if not storable(side, track, issue, status, kind):
            return [], False
        where = ["e.workspace = $1"]
        args: list[Any] = [workspace]

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if since:
            where.append(f"e.day >= {arg(since)}")
        if until:
            where.append(f"e.day <= {arg(until)}")
        if track:
            where.append(f"e.track = {arg(track)}")
        if status:
            where.append(f"e.status = {arg(status)}")
        if kind:
            where.append(f"e.kind = {arg(kind)}")
        # The planner weighs each filter by its statistics: a rare person drives through their index,
        # a common side is probed event by event, newest first, until the page is full.
        if person_id is not None:
            where.append(
                f"EXISTS (SELECT 1 FROM participant x WHERE x.event_id = e.id AND x.person_id = {arg(person_id)})"
            )
        if side:
            where.append(f"EXISTS (SELECT 1 FROM participant x WHERE x.event_id = e.id AND x.side = {arg(side)})")
        if issue:
            where.append(f"EXISTS (SELECT 1 FROM concern x WHERE x.event_id = e.id AND x.issue = {arg(issue)})")
        rows = await self.db.all(
            f"{_WITH_PARTICIPANTS} WHERE {' AND '.join(where)} ORDER BY e.day DESC, e.id DESC"
            f" LIMIT {arg(limit + 1)} OFFSET {arg(offset)}",
            *args,
        )
        return [event_of(r) for r in rows[:limit]], len(rows) > limit

    async def events_after(self, workspace: str, after: tuple[dt.date, int] | None, limit: int) -> list[Event]:
        if after is None:
            rows = await self.db.all(
                f"{_WITH_PARTICIPANTS} WHERE e.workspace = $1 ORDER BY e.day, e.id LIMIT $2", workspace, limit
            )
        else:
            rows = await self.db.all(
                f"{_WITH_PARTICIPANTS} WHERE e.workspace = $1 AND (e.day, e.id) > ($2, $3)"
                " ORDER BY e.day, e.id LIMIT $4",
                workspace,
                after[0],
                after[1],
                limit,
            )
        return [event_of(r) for r in rows]

    async def last_held_by_track(self, workspace: str) -> dict[str, dt.date]:
        rows = await self.db.point_all(
            "SELECT t.track, (SELECT day FROM event WHERE workspace = $1 AND status = 'held' AND track = t.track"
            " ORDER BY day DESC, id DESC LIMIT 1) AS day FROM unnest($2::text[]) AS t(track)",
            workspace,
            list(TRACKS),
        )
        return {r["track"]: r["day"] for r in rows if r["day"] is not None}

    async def raised_at(self, workspace: str, event_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
        if not event_ids:
            return {}
        rows = await self.db.point_all(
            "SELECT event_id, side, issue FROM concern WHERE workspace = $1 AND event_id = ANY($2::bigint[])"
            " ORDER BY id",
            workspace,
            list(event_ids),
        )
        by_event: dict[int, list[tuple[str, str]]] = {}
        for r in rows:
            by_event.setdefault(r["event_id"], []).append((r["side"], r["issue"]))
        return {event_id: raised_by_side(concerns) for event_id, concerns in by_event.items()}

    # -- writing -------------------------------------------------------------------------------

    async def add_event(self, actor: Actor, at: dt.datetime, new: NewEvent) -> AddedEvent:
        async with self.db.transaction() as tx:
            return await add_event_tx(tx, actor, at, new)

    async def edit_event(self, actor: Actor, at: dt.datetime, event_id: int, changes: dict[str, Any]) -> Event:
        async with self.db.transaction() as tx:
            before = await event_tx(tx, actor.workspace, event_id, lock=True)
            columns = {k: v for k, v in changes.items() if k not in ("us", "cn", "sources")}
            if "sources" in changes:
                columns["sources"] = [s.as_json() for s in changes["sources"]]
            if columns:
                assignments = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=2))
                await tx.run(f"UPDATE event SET {assignments} WHERE id = $1", event_id, *columns.values())
            for key, side in (("us", "us"), ("cn", "china")):
                if key in changes:
                    await tx.run("DELETE FROM participant WHERE event_id = $1 AND side = $2", event_id, side)
                    start = 0 if side == "us" else 100
                    await _add_participants(tx, actor, at, event_id, side, changes[key], start)
            await tx.run(
                "UPDATE participant pa SET day = e.day, status = e.status FROM event e"
                " WHERE e.id = $1 AND pa.event_id = e.id",
                event_id,
            )
            after = await event_tx(tx, actor.workspace, event_id)
            key = dedupe_key(after.day, after.kind, [p.person_id for p in after.participants])
            await _set_dedupe_key(tx, actor.workspace, event_id, key)
            await tx.index(actor.workspace, "event", event_id, event_text(after))
            await tx.audit(actor, at, "update", "event", event_id, event_dict(before), event_dict(after))
        return after

    async def delete_event(self, actor: Actor, at: dt.datetime, event_id: int) -> Event:
        async with self.db.transaction() as tx:
            before = await event_tx(tx, actor.workspace, event_id, lock=True)
            await tx.run(
                "DELETE FROM search_doc WHERE kind = 'concern' AND ref IN (SELECT id FROM concern WHERE event_id = $1)",
                event_id,
            )
            await tx.run("DELETE FROM event WHERE id = $1", event_id)  # participants, concerns cascade
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
    """The statement (and its arguments, $1 the workspace) that finds the id of latest_event's event."""
    args: list[Any] = [workspace]
    if person_id is not None or side is not None:
        column, value = ("person_id", person_id) if person_id is not None else ("side", side)
        args += [value, status]
        sql = (
            f"SELECT x.event_id FROM participant x{' JOIN event y ON y.id = x.event_id' if track else ''}"
            f" WHERE x.workspace = $1 AND x.{column} = $2 AND x.status = $3"
        )
        if track:
            args.append(track)
            sql += f" AND y.track = ${len(args)}"
        day_col, id_col = "x.day", "x.event_id"
    else:
        args.append(status)
        sql = "SELECT x.id FROM event x WHERE x.workspace = $1 AND x.status = $2"
        if track is not None:
            args.append(track)
            sql += f" AND x.track = ${len(args)}"
        day_col, id_col = "x.day", "x.id"
    if before is not None:
        args += [before[0], before[1]]
        sql += f" AND ({day_col}, {id_col}) < (${len(args) - 1}, ${len(args)})"
    sql += f" ORDER BY {day_col} DESC, {id_col} DESC LIMIT 1"
    return sql, args


def _not_held_ids(workspace: str, track: str, before: tuple[dt.date, int], limit: int) -> tuple[str, str, list[Any]]:
    """The statement's parts (and their arguments, $1 the workspace) that find the ids of the contacts on
    `track` not held since its latest held contact before `before`, at most `limit` of each status: a
    WITH clause that finds that contact's day once, and one range of event_track per status from it."""
    held_sql, args = _latest_id(workspace, None, None, track, "held", before)
    # held_sql numbers $1 workspace, $2 status, $3 track, $4 before's day, $5 its id; $6 is the limit.
    args.append(limit)
    held = f"WITH held AS (SELECT day FROM event WHERE workspace = $1 AND id = ({held_sql})) "
    ranges = []
    for status in (s for s in EVENT_STATUSES if s != "held"):
        kind = " AND kind = 'request'" if status == "planned" else ""
        ranges.append(
            f"(SELECT id FROM event WHERE workspace = $1 AND status = '{status}' AND track = $3{kind}"
            " AND day >= (SELECT day FROM held) AND day <= $4 ORDER BY day DESC, id DESC LIMIT $6)"
        )
    return held, " UNION ALL ".join(ranges), args


@functools.lru_cache(maxsize=64)
def _shifted(sql: str, offset: int) -> str:
    """A statement's parameters $2, $3… renumbered by `offset`, $1 kept: to join statements that each
    number their own parameters into one. Kept per statement: the rewrite costs more than the read's own
    Python work, and /lastcall asks a few shapes over and over."""
    return _PARAMETER.sub(lambda m: m[0] if m[1] == "1" else f"${int(m[1]) + offset}", sql)


_PARAMETER = re.compile(r"\$(\d+)")


def _previous_id(
    workspace: str, key_a: ParticipantKey, key_b: ParticipantKey, before: tuple[dt.date, int]
) -> tuple[str, list[Any]]:
    """The statement that finds the id of the latest held event before `before` both A and B took part in,
    as the SQLite store walks it
    (storage/sqlite/events.py): each side's RECENT_COUNT newest contacts first, then the whole history of the
    side that is not busy. PostgreSQL evaluates COALESCE's and CASE's subqueries only as far as needed."""
    col_a, val_a = key_column(key_a)
    col_b, val_b = key_column(key_b)
    # $1 workspace, $2 A's value, $3 B's value, $4 day, $5 id
    args: list[Any] = [workspace, val_a, val_b, before[0], before[1]]

    def walk(col: str, value: str, other: str, probe: str) -> str:
        return (
            f"SELECT x.event_id FROM participant x WHERE x.workspace = $1 AND x.{col} = {value} AND x.status = 'held'"
            " AND (x.day, x.event_id) < ($4, $5)"
            f" AND EXISTS (SELECT 1 FROM participant y WHERE y.event_id = x.event_id AND y.{other} = {probe})"
            " ORDER BY x.day DESC, x.event_id DESC LIMIT 1"
        )

    def busy(col: str, value: str) -> str:
        return (
            f"EXISTS (SELECT 1 FROM participant WHERE workspace = $1 AND {col} = {value} AND status = 'held'"
            f" OFFSET {WALK_COUNT} LIMIT 1)"
        )

    def recent(col: str, value: str, other: str, probe: str) -> str:
        return (
            f"SELECT r.event_id FROM (SELECT event_id, day FROM participant WHERE workspace = $1 AND {col} = {value}"
            " AND status = 'held' AND (day, event_id) < ($4, $5)"
            f" ORDER BY day DESC, event_id DESC LIMIT {RECENT_COUNT}) r"
            f" WHERE EXISTS (SELECT 1 FROM participant y WHERE y.event_id = r.event_id AND y.{other} = {probe})"
            # The subquery's order does not survive the semi-join (a hash join, once the table has
            # statistics, returns its rows in any order): the newest is asked for again here.
            " ORDER BY r.day DESC, r.event_id DESC LIMIT 1"
        )

    return (
        f"SELECT COALESCE(({recent(col_a, '$2', col_b, '$3')}), ({recent(col_b, '$3', col_a, '$2')}),"
        f" CASE WHEN {busy(col_a, '$2')} AND NOT {busy(col_b, '$3')} THEN ({walk(col_b, '$3', col_a, '$2')})"
        f" ELSE ({walk(col_a, '$2', col_b, '$3')}) END)",
        args,
    )


async def event_tx(tx: Tx, workspace: str, event_id: int, *, lock: bool = False) -> Event:
    """An event read inside a transaction; RecordMissing if the workspace has no such event. `lock`
    holds it until the transaction ends, so concurrent edits of one event run one after the other."""
    row = await tx.one(
        f"{_WITH_PARTICIPANTS} WHERE e.workspace = $1 AND e.id = $2{' FOR UPDATE OF e' if lock else ''}",
        workspace,
        event_id,
    )
    if row is None:
        raise RecordMissing("event", event_id)
    return event_of(row)


async def _set_dedupe_key(tx: Tx, workspace: str, event_id: int, key: str) -> None:
    """Give the event its duplicate key; DuplicateEvent if another event of the workspace has it."""
    try:
        async with tx.conn.transaction():  # a savepoint: the violation must not end the whole write
            await tx.run("UPDATE event SET dedupe_key = $1 WHERE id = $2", key, event_id)
    except asyncpg.UniqueViolationError:
        other = await tx.value(
            "SELECT id FROM event WHERE workspace = $1 AND dedupe_key = $2 AND id <> $3", workspace, key, event_id
        )
        raise DuplicateEvent(int(other)) from None


async def add_event_tx(tx: Tx, actor: Actor, at: dt.datetime, new: NewEvent) -> AddedEvent:
    """Record an event inside an open transaction (add_event, and each line of an import)."""
    ws = actor.workspace
    resolved: list[tuple[int, str, str | None, str | None, int]] = []  # person, side, title, office, position
    created: list[str] = []
    forms = {side: await custom_forms(tx, ws, side) for side in ("us", "china")}
    for side, people, start in (("us", new.us, 0), ("china", new.cn, 100)):
        for position, np in enumerate(people, start=start):
            person, is_new = await resolve_person(tx, actor, at, np.name, side, np.title, np.aliases)
            if is_new:
                created.append(person.name)
            if any(r[0] == person.id for r in resolved):
                continue  # the same person twice: the first mention counts
            title = np.title or person.title
            office = slug_for_title(forms[side], side, title) if title else None
            resolved.append((person.id, side, title, office, position))
    if new.track is None:
        tracks = await own_tracks(tx, ws)
        track = track_of([office_track(tracks, office) for _, _, _, office, _ in resolved])
    else:
        track = new.track or "other"
    key = dedupe_key(new.day, new.kind, [r[0] for r in resolved])
    event_id = await tx.value(
        "INSERT INTO event (workspace, day, time, timezone, kind, track, status, minutes, requested_by, location,"
        " summary, sources, confidence, confidence_note, dedupe_key, created_at, created_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        " ON CONFLICT ON CONSTRAINT event_dedupe DO NOTHING RETURNING id",
        ws,
        new.day,
        new.time,
        new.timezone,
        new.kind,
        track,
        new.status,
        new.minutes,
        new.requested_by,
        new.location,
        new.summary,
        [s.as_json() for s in new.sources],
        new.confidence,
        new.confidence_note,
        key,
        at,
        actor.user_id,
    )
    if event_id is None:
        other = await tx.value("SELECT id FROM event WHERE workspace = $1 AND dedupe_key = $2", ws, key)
        raise DuplicateEvent(int(other))
    await tx.conn.executemany(
        "INSERT INTO participant (event_id, person_id, workspace, side, title, office, position, day, status)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [
            (event_id, pid, ws, side, title, office, pos, new.day, new.status)
            for pid, side, title, office, pos in resolved
        ],
    )
    event = await event_tx(tx, ws, event_id)
    new_issues: list[str] = []
    for side_key, issues in new.raised.items():
        for issue in issues:
            if await ensure_issue(tx, actor, at, issue):
                new_issues.append(issue)
            await tx.run(
                "INSERT INTO concern (workspace, issue, side, text, by_name, day, event_id, source, created_at)"
                " VALUES ($1, $2, $3, NULL, NULL, $4, $5, NULL, $6)",
                ws,
                issue,
                side_key,
                new.day,
                event_id,
                at,
            )
    await tx.index(ws, "event", event_id, event_text(event))
    after = event_dict(event)
    after["raised"] = new.raised
    await tx.audit(actor, at, "create", "event", event_id, None, after)
    return AddedEvent(event, tuple(created), tuple(new_issues))


async def _add_participants(
    tx: Tx, actor: Actor, at: dt.datetime, event_id: int, side: str, people: Sequence[NewParticipant], start: int
) -> None:
    row = await tx.one("SELECT day, status FROM event WHERE id = $1", event_id)
    assert row is not None
    forms = await custom_forms(tx, actor.workspace, side)
    for position, np in enumerate(people, start=start):
        person, _ = await resolve_person(tx, actor, at, np.name, side, np.title, np.aliases)
        title = np.title or person.title
        office = slug_for_title(forms, side, title) if title else None
        await tx.run(
            "INSERT INTO participant (event_id, person_id, workspace, side, title, office, position, day, status)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            event_id,
            person.id,
            actor.workspace,
            side,
            title,
            office,
            position,
            row["day"],
            row["status"],
        )


async def ensure_issue(tx: Tx, actor: Actor, at: dt.datetime, slug: str) -> bool:
    """Make sure the workspace knows an issue slug; True if this write added it."""
    if slug in BUILTIN_ISSUE_SLUGS:
        return False
    title = slug_title(slug)
    added = await tx.value(
        "INSERT INTO issue (workspace, slug, title, aliases) VALUES ($1, $2, $3, '[]')"
        " ON CONFLICT (workspace, slug) DO NOTHING RETURNING slug",
        actor.workspace,
        slug,
        title,
    )
    if added is None:
        return False
    await tx.audit(actor, at, "create", "issue", slug, None, {"slug": slug, "title": title})
    return True
