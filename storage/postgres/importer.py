"""Import on PostgreSQL: many events in one transaction, resolved in memory and written in bulk.

Running each line as add_event does, in a savepoint of its own, was some twenty statements a line (about
150 lines a second). Here the store is read once for what the file needs (its names and aliases, the
offices' forms and tracks, the issues, the events the file could repeat), every line is resolved in
Python in file order with the rules of the per-line path (add_event_tx and resolve_person in events.py
and people.py), and each table is written with a few statements at the end: COPY where nothing can
collide, and INSERT ... ON CONFLICT DO NOTHING RETURNING where another writer could have got there first
(the events from a temporary table filled by COPY). What the rows still need of Python once the ids are
taken (events' rows, search text, audit JSON) is made in a worker thread while the server writes.

The rules kept, as the per-line path applies them (tests/postgres/test_bulk_import.py compares the two):
- A name or alias finds the workspace's person, including one created by an earlier line; an unknown
  name creates a person of that side; a name of the other side refuses the line, and everything the line
  did is undone (people it created, first titles and aliases it gave).
- A person without a title takes the first title an event gives them (the update and its audit entry).
- A participant's title is the line's, or else the person's current one; its office is the one
  slug_for_title gives; a line without a track gets the one its offices give.
- The same person twice in one event counts once; the first mention is the participant.
- A line with the day, kind and participants of an event of the store or of an earlier line is a
  duplicate: skipped, undone, and reported with that event's id.
- A participant's aliases new to the workspace become theirs; one that names someone else refuses the line.
- Issues new to the workspace are created once, with their audit entry; a concern row per issue raised;
  the event's search text and its audit entry, with what was raised. Audit entries come in the order
  the per-line path writes them: per line, the people's, the issues', then the event's.

Other writers. The file is resolved against what the store held when it was read, and the write checks
that nothing it relied on changed meanwhile: every new name and alias is still free (person_key's key),
every first title still the first (`title IS NULL`), every new issue still new, and every event still
unrecorded (the event_dedupe constraint). The constraints decide, so a writer in another process never
makes a duplicate: its INSERT and ours meet on the same key, one waits for the other. If a check fails,
the import is rolled back to a savepoint and resolved again against the store as it now is, where the
other writer's event is a duplicate like any other. Names, issues and events are written in the order
of their keys, so two imports take shared keys in the same order and cannot deadlock; a deadlock with a
single write (add_event takes a line's names in the line's order) ends the attempt the same way. Ids
come from the tables' own sequences, so an import never takes an id another writer holds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from storage.errors import Conflict, WriteFailed
from storage.postgres.db import AUDIT_COLUMNS, Database, Tx, audit_values
from storage.postgres.people import CUSTOM_OFFICES_SQL
from storage.records import (
    PROGRESS_EVERY,
    Actor,
    Event,
    ImportResult,
    NewEvent,
    NewParticipant,
    Participant,
    Person,
    Progress,
)
from storage.rules import (
    BUILTIN_ISSUE_SLUGS,
    custom_forms_of,
    dedupe_key,
    event_dict,
    event_text,
    office_track,
    person_dict,
    person_text,
    search_tokens,
    slug_for_title,
    sources_json,
    track_of,
    wrong_side,
)
from storage.vocab import norm, slug_title

# How many times an import is resolved against the store as it is, with others writing meanwhile; the
# last attempt first locks out other writers of names, issues and events (see import_events).
ATTEMPTS = 4
# The tables whose rows an import relies on not changing under it, in the order the last attempt locks them.
_LOCKED = "person, person_key, issue, event"
SEARCH_COLUMNS = ["kind", "ref", "workspace", "body", "folded"]
# The event columns the import stages (workspace and created_at are the same for every row).
EVENT_COLUMNS = [
    "id",
    "day",
    "time",
    "timezone",
    "kind",
    "track",
    "status",
    "minutes",
    "requested_by",
    "location",
    "summary",
    "sources",
    "confidence",
    "confidence_note",
    "dedupe_key",
    "created_by",
]


class _Raced(Exception):
    """Another writer changed what the import was resolved against: roll back and resolve again."""


@dataclass(eq=False)
class _Person:
    """A person as the import sees them: read from the store, or created by a line of the file (then
    `id` is a stand-in, negative, until the write takes one from the sequence)."""

    id: int
    name: str
    side: str
    title: str | None
    key: str  # the key it was found by; for a new person, norm(name): its own-name key
    new: bool
    aliases: tuple[str, ...] = ()
    store_title: str | None = None  # a person of the store: their title as read
    store_aliases: tuple[str, ...] = ()  # and their aliases as read


@dataclass
class _Line:
    """What one line changed while it was resolved: undone if the line is refused or a duplicate."""

    created: list[_Person] = field(default_factory=list)
    retitled: list[tuple[_Person, str | None]] = field(default_factory=list)  # (person, title before)
    aliased: list[tuple[_Person, tuple[str, ...], list[str]]] = field(default_factory=list)  # before, keys
    audits: list[tuple[str, str, object, dict[str, Any] | None, dict[str, Any] | None]] = field(default_factory=list)


@dataclass
class _Part:
    person: _Person
    side: str
    title: str | None
    office: str | None
    position: int


@dataclass
class _NewEvent:
    """An event the import adds; its id is taken at the write."""

    new: NewEvent
    track: str
    parts: list[_Part]
    key: str  # with stand-in ids for new people: compared only within the file
    id: int = 0
    _record: Event | None = None

    def record(self) -> Event:
        """The event as the per-line path reads it back after writing it (once its id is taken)."""
        if self._record is None:
            self._record = _event(self)
        return self._record


# An audit entry before the write: action, table, the record (a _Person, a _NewEvent or an issue's
# slug), before, after. The record's id is known only once the write has taken the ids.
_Audit = tuple[str, str, object, dict[str, Any] | None, dict[str, Any] | None]


class Importer:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def import_events(
        self,
        actor: Actor,
        at: dt.datetime,
        lines: Sequence[tuple[int, NewEvent]],
        *,
        progress: Progress | None = None,
    ) -> ImportResult:
        async with self.db.transaction() as tx:
            # The pool plans every statement for its values (force_custom_plan), and that reaches the
            # foreign-key checks too: PostgreSQL runs one prepared look-up per row written, and would plan
            # it anew for each of the file's ~550,000 participant and concern rows, which doubled the
            # write. Its default lets those look-ups keep one plan; it lasts until this transaction ends.
            await tx.run("SET LOCAL plan_cache_mode = auto")
            tx.wrote_in(actor.workspace)  # its audit rows go by COPY, not Tx.audit
            for attempt in range(ATTEMPTS):
                try:
                    async with tx.conn.transaction():  # a savepoint: a race undoes only this attempt
                        if attempt == ATTEMPTS - 1:
                            # Others kept getting there first. This attempt cannot lose: writes to these
                            # tables wait until the import commits (reads go on), and what it then reads
                            # is everything committed before it.
                            await tx.run(f"LOCK TABLE {_LOCKED} IN SHARE ROW EXCLUSIVE MODE")
                        plan = _Plan(actor, at)
                        await plan.load(tx, lines)
                        plan.resolve(lines, progress if attempt == 0 else None)
                        while await plan.more_store_keys(tx):
                            plan = plan.again()
                            plan.resolve(lines, None)
                        await plan.write(tx)
                        return plan.result()
                except (_Raced, asyncpg.DeadlockDetectedError):
                    # A deadlock: another writer took some of the same keys in another order (add_event
                    # takes a line's names in the line's order). PostgreSQL ended this attempt's statement
                    # and the savepoint releases what it held: the other writer goes on, this one tries again.
                    continue
        # Only a deadlock in the last attempt's wait for its locks comes here.
        raise WriteFailed("the database could not order this import against other writes; try again", "40P01")


class _Plan:
    """One attempt at an import: what the store holds, what the file makes of it, and the write."""

    def __init__(self, actor: Actor, at: dt.datetime) -> None:
        self.actor = actor
        self.ws = actor.workspace
        self.at = at
        self.by_key: dict[str, _Person] = {}  # names and aliases known so far, of the store and the file
        self.store_people: dict[str, _Person] = {}  # the store's, by key, as read
        self.store_events: dict[str, int | None] = {}  # dedupe key -> the store's event with it, None: none
        self.forms: dict[str, dict[str, str]] = {}
        self.tracks: dict[str, str] = {}
        self.issues_known: set[str] = set()
        self.offices: dict[tuple[str, str], str] = {}
        self.norms: dict[str, str] = {}  # norm of each name seen: the costly part of a look-up
        self._reset()

    def _reset(self) -> None:
        self.next_stand_in = -1
        self.file_events: dict[str, _NewEvent] = {}  # dedupe key -> the event of an earlier line
        self.events: list[_NewEvent] = []
        self.people: list[_Person] = []  # created, in the order the lines created them
        self.retitled: list[_Person] = []  # people of the store given a first title
        self.aliases: list[tuple[str, _Person, str]] = []  # (key, person, alias) to add
        self.reindexed: list[_Person] = []  # people of the store whose search text changes
        self.new_issues: list[str] = []
        self.audits: list[_Audit] = []
        self.duplicates: list[tuple[int, _NewEvent | int]] = []
        self.refused: list[tuple[int, str]] = []
        self.wanted_keys: set[str] = set()  # store-only dedupe keys met that were not read

    def again(self) -> _Plan:
        """The same plan, resolved afresh: the store as read, with the dedupe keys read since."""
        for person in self.store_people.values():
            person.title, person.aliases = person.store_title, person.store_aliases
        self.by_key = dict(self.store_people)
        self._reset()
        return self

    # -- what the file needs from the store ------------------------------------------------------

    async def load(self, tx: Tx, lines: Sequence[tuple[int, NewEvent]]) -> None:
        ws = self.ws
        keys = sorted({self._norm(n) for _, new in lines for p in (*new.us, *new.cn) for n in (p.name, *p.aliases)})
        keys = [k for k in keys if k]
        rows = await tx.all(
            "SELECT k.key, p.id, p.name, p.side, p.title FROM person_key k JOIN person p ON p.id = k.person_id"
            " WHERE k.workspace = $1 AND k.key = ANY($2::text[])",
            ws,
            keys,
        )
        seen: dict[int, _Person] = {}  # a person's name and aliases share one object
        for r in rows:
            person = seen.get(r["id"]) or _Person(
                r["id"], r["name"], r["side"], r["title"], r["key"], new=False, store_title=r["title"]
            )
            seen[r["id"]] = self.store_people[r["key"]] = person
        if seen:
            aliases: dict[int, list[str]] = {}
            for r in await tx.all(
                "SELECT person_id, alias FROM person_key WHERE person_id = ANY($1::bigint[]) AND alias IS NOT NULL",
                list(seen),
            ):
                aliases.setdefault(r["person_id"], []).append(r["alias"])
            for pid, person in seen.items():
                person.aliases = person.store_aliases = tuple(sorted(aliases.get(pid, ())))
        self.by_key = dict(self.store_people)
        for side in ("us", "china"):
            found = await tx.all(CUSTOM_OFFICES_SQL, ws, side + ":%")
            self.forms[side] = custom_forms_of((r["slug"], r["title"], r["forms"]) for r in found)
        rows = await tx.all("SELECT slug, track FROM office WHERE workspace = $1", ws)
        self.tracks = {r["slug"]: r["track"] for r in rows}
        self.issues_known = set(BUILTIN_ISSUE_SLUGS) | {
            r["slug"] for r in await tx.all("SELECT slug FROM issue WHERE workspace = $1", ws)
        }
        # The events the file may repeat: each line's key as the store's people make it, when they all are.
        candidates = set()
        for _, new in lines:
            named = [self.store_people.get(self._norm(p.name)) for p in (*new.us, *new.cn)]
            ids = [p.id for p in named if p is not None]
            if len(ids) == len(named):
                candidates.add(dedupe_key(new.day, new.kind, ids))
        await self._read_events(tx, candidates)

    async def _read_events(self, tx: Tx, keys: Iterable[str]) -> None:
        wanted = sorted(set(keys) - set(self.store_events))
        for key in wanted:
            self.store_events[key] = None
        for r in await tx.all(
            "SELECT dedupe_key, id FROM event WHERE workspace = $1 AND dedupe_key = ANY($2::text[])", self.ws, wanted
        ):
            self.store_events[r["dedupe_key"]] = int(r["id"])

    async def more_store_keys(self, tx: Tx) -> bool:
        """Whether a line met a key of the store's people that was not read at the start (a name
        found through an alias an earlier line gave): read them, and say the file must be resolved again."""
        if not self.wanted_keys:
            return False
        await self._read_events(tx, self.wanted_keys)
        return True

    # -- the lines -------------------------------------------------------------------------------

    def resolve(self, lines: Sequence[tuple[int, NewEvent]], progress: Progress | None) -> None:
        total = len(lines)
        for done, (number, new) in enumerate(lines, start=1):
            self._line(number, new)
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)

    def _line(self, number: int, new: NewEvent) -> None:
        line = _Line()
        parts: list[_Part] = []
        try:
            for side, start, people in (("us", 0, new.us), ("china", 100, new.cn)):
                for position, np in enumerate(people, start=start):
                    person = self._resolve(line, np, side)
                    if any(p.person is person for p in parts):
                        continue  # the same person twice: the first mention counts
                    title = np.title or person.title
                    office = self._office(side, title) if title else None
                    parts.append(_Part(person, side, title, office, position))
            key = dedupe_key(new.day, new.kind, [p.person.id for p in parts])
            earlier = self.file_events.get(key)
            if earlier is not None:
                raise _Duplicate(earlier)
            if all(not p.person.new for p in parts):
                if key not in self.store_events:
                    self.wanted_keys.add(key)
                elif (existing := self.store_events[key]) is not None:
                    raise _Duplicate(existing)
        except (Conflict, _Duplicate) as exc:
            self._undo(line)
            if isinstance(exc, _Duplicate):
                self.duplicates.append((number, exc.event))
            else:
                self.refused.append((number, str(exc)))
            return
        # Accepted: what the line changed stays.
        if new.track is None:
            track = track_of([office_track(self.tracks, p.office) for p in parts])
        else:
            track = new.track or "other"
        event = _NewEvent(new, track, parts, key)
        self.file_events[key] = event
        self.events.append(event)
        self.people += line.created
        for person, _ in line.retitled:
            if not person.new and person not in self.retitled:
                self.retitled.append(person)
        for person, _, added in line.aliased:
            self.aliases += [(self._norm(alias), person, alias) for alias in added]
        for person in [p for p, _ in line.retitled] + [p for p, _, _ in line.aliased]:
            if not person.new and person not in self.reindexed:
                self.reindexed.append(person)
        self.audits += line.audits
        for slugs in new.raised.values():
            for slug in slugs:
                if slug not in self.issues_known:
                    self.issues_known.add(slug)
                    self.new_issues.append(slug)
                    self.audits.append(("create", "issue", slug, None, {"slug": slug, "title": slug_title(slug)}))
        self.audits.append(("create", "event", event, None, None))  # its snapshot is made at the write

    def _resolve(self, line: _Line, np: NewParticipant, side: str) -> _Person:
        """resolve_person: the person `np` names, or a new one; a first title; new aliases."""
        key = self.norms.get(np.name) or self._norm(np.name)
        person = self.by_key.get(key)
        if person is None:
            person = _Person(self.next_stand_in, np.name, side, np.title, key, new=True)
            self.next_stand_in -= 1
            self.by_key[key] = person
            line.created.append(person)
            line.audits.append(("create", "person", person, None, person_dict(_record(person))))
        elif person.side != side:
            raise wrong_side(person.name, person.side, side)
        elif np.title and person.title is None:
            # The first title an event gives someone becomes their current title.
            before = person_dict(_record(person))
            line.retitled.append((person, person.title))
            person.title = np.title
            line.audits.append(("update", "person", person, before, person_dict(_record(person))))
        if np.aliases:
            self._add_aliases(line, person, np.aliases)
        return person

    def _add_aliases(self, line: _Line, person: _Person, aliases: tuple[str, ...]) -> None:
        added: dict[str, str] = {}  # key -> alias, in the order given; none taken before all are checked
        for alias in aliases:
            key = self._norm(alias)
            if not key or key in added:
                continue
            owner = self.by_key.get(key)
            if owner is not None and owner is not person:
                raise Conflict(f"the alias {alias!r} already means {owner.name!r}")
            if owner is None:
                added[key] = alias
        if not added:
            return
        for key in added:
            self.by_key[key] = person
        before = person_dict(_record(person))
        line.aliased.append((person, person.aliases, list(added.values())))
        person.aliases = tuple(sorted((*person.aliases, *added.values())))
        line.audits.append(("update", "person", person, before, person_dict(_record(person))))

    def _undo(self, line: _Line) -> None:
        for person, aliases, added in reversed(line.aliased):
            for alias in added:
                del self.by_key[self._norm(alias)]
            person.aliases = aliases
        for person in line.created:
            del self.by_key[person.key]
        for person, title in reversed(line.retitled):
            person.title = title
        self.next_stand_in += len(line.created)

    def _norm(self, name: str) -> str:
        key = self.norms.get(name)
        if key is None:
            key = self.norms[name] = norm(name)
        return key

    def _office(self, side: str, title: str) -> str:
        slug = self.offices.get((side, title))
        if slug is None:
            slug = self.offices[(side, title)] = slug_for_title(self.forms[side], side, title)
        return slug

    # -- writing ---------------------------------------------------------------------------------

    async def write(self, tx: Tx) -> None:
        ws, conn = self.ws, tx.conn
        if self.people:
            ids = await _take_ids(tx, "person", len(self.people))
            for person, pid in zip(self.people, ids, strict=True):
                person.id = pid
        if self.events:
            ids = await _take_ids(tx, "event", len(self.events))
            for event, eid in zip(self.events, ids, strict=True):
                event.id = eid
                event.key = dedupe_key(event.new.day, event.new.kind, [p.person.id for p in event.parts])
        # With every id known, what this process still has to make of the rows (the events' rows, the
        # search text, the audit snapshots as JSON: seconds of work) is made in a worker thread while the
        # server writes what does not need it; the server's part is the longer, and meanwhile the main
        # thread mostly waits on the connection. The worker reads only what no longer changes from here
        # on; if the write fails, what it made is dropped with the attempt.
        columns_job = asyncio.ensure_future(asyncio.to_thread(self._event_rows))
        late_job: asyncio.Future[tuple[list[tuple[Any, ...]], list[bytes]]] | None = None
        try:
            await self._write_people(tx)
            event_rows = await columns_job
            late_job = asyncio.ensure_future(asyncio.to_thread(self._late_rows))
            if self.events:
                await self._write_events(tx, event_rows)
            search, audits = await late_job
        except BaseException:
            columns_job.cancel()
            if late_job is not None:
                late_job.cancel()
            raise
        for person in self.reindexed:  # people of the store: their row is replaced
            await tx.index(ws, "person", person.id, person_text(_record(person)))
        await conn.copy_records_to_table("search_doc", records=search, columns=SEARCH_COLUMNS)
        if audits:
            await conn.copy_to_table("audit", source=_chunks(audits), columns=AUDIT_COLUMNS, format="text")

    def _event_rows(self) -> list[tuple[Any, ...]]:
        """The events' rows for the staging table (EVENT_COLUMNS)."""
        user = self.actor.user_id
        return [
            (
                e.id,
                n.day,
                n.time,
                n.timezone,
                n.kind,
                e.track,
                n.status,
                n.minutes,
                n.requested_by,
                n.location,
                n.summary,
                sources_json(n.sources),
                n.confidence,
                n.confidence_note,
                e.key,
                user,
            )
            for e in self.events
            for n in (e.new,)
        ]

    def _late_rows(self) -> tuple[list[tuple[Any, ...]], list[bytes]]:
        """The new people's and events' search_doc rows; the audit rows in COPY's text format, in
        chunks, the JSON made here rather than by the connection's codec, which runs in this process's
        main thread."""
        ws = self.ws
        people = (("person", p.id, person_text(_record(p))) for p in self.people)
        events = (("event", e.id, event_text(e.record())) for e in self.events)
        search = [
            (kind, ref, ws, body, " ".join(search_tokens(body)))
            for kind, ref, body in (*people, *events)
            if body.strip()
        ]
        rows = [self._audit_line(*a) for a in self.audits]
        audits = ["".join(rows[i : i + COPY_CHUNK_ROWS]).encode() for i in range(0, len(rows), COPY_CHUNK_ROWS)]
        return search, audits

    async def _write_people(self, tx: Tx) -> None:
        ws, at, conn = self.ws, self.at, tx.conn
        if self.people:
            await conn.copy_records_to_table(
                "person",
                records=[(p.id, ws, p.name, p.side, p.title, at) for p in self.people],
                columns=["id", "workspace", "name", "side", "title", "created_at"],
            )
        keys = [(p.key, p, None) for p in self.people] + [(key, p, alias) for key, p, alias in self.aliases]
        if keys:
            claimed = await tx.all(
                "INSERT INTO person_key (workspace, key, person_id, alias)"
                " SELECT $1, k, p, a FROM unnest($2::text[], $3::bigint[], $4::text[]) AS t(k, p, a)"
                " ORDER BY k ON CONFLICT DO NOTHING RETURNING key",
                ws,
                [k for k, _, _ in keys],
                [p.id for _, p, _ in keys],
                [a for _, _, a in keys],
            )
            if len(claimed) != len(keys):
                raise _Raced  # another writer took a name or alias meanwhile
        if self.retitled:
            done = await tx.all(
                "UPDATE person p SET title = t.title FROM unnest($2::bigint[], $3::text[]) AS t(id, title)"
                " WHERE p.id = t.id AND p.workspace = $1 AND p.title IS NULL RETURNING p.id",
                ws,
                [p.id for p in self.retitled],
                [p.title for p in self.retitled],
            )
            if len(done) != len(self.retitled):
                raise _Raced  # another writer gave the first title meanwhile
        if self.new_issues:
            added = await tx.all(
                "INSERT INTO issue (workspace, slug, title, aliases)"
                " SELECT $1, s, t, '[]' FROM unnest($2::text[], $3::text[]) AS u(s, t)"
                " ORDER BY s ON CONFLICT (workspace, slug) DO NOTHING RETURNING slug",
                ws,
                self.new_issues,
                [slug_title(s) for s in self.new_issues],
            )
            if len(added) != len(self.new_issues):
                raise _Raced

    async def _write_events(self, tx: Tx, rows: list[tuple[Any, ...]]) -> None:
        ws, at, conn = self.ws, self.at, tx.conn
        # Staged with COPY, then inserted by one statement: ON CONFLICT is what meets another writer of
        # the same event, and COPY has none. Passed as arrays of parameters instead, the values cost this
        # process about a second more to encode, in the main thread, before the server could start.
        columns = ", ".join(EVENT_COLUMNS)
        selected = ", ".join("sources::jsonb" if c == "sources" else c for c in EVENT_COLUMNS)
        await tx.run(
            f"CREATE TEMP TABLE import_event ON COMMIT DROP AS SELECT {columns} FROM event WITH NO DATA;"
            " ALTER TABLE import_event ALTER COLUMN sources TYPE text"  # the JSON as made here, as text
        )
        await conn.copy_records_to_table("import_event", records=rows, columns=EVENT_COLUMNS)
        inserted = await tx.value(
            f"WITH added AS (INSERT INTO event ({columns}, workspace, created_at)"
            f" SELECT {selected}, $1, $2 FROM import_event"
            " ORDER BY dedupe_key ON CONFLICT ON CONSTRAINT event_dedupe DO NOTHING RETURNING 1)"
            " SELECT count(*) FROM added",
            ws,
            at,
        )
        await tx.run("DROP TABLE import_event")
        if inserted != len(self.events):
            raise _Raced  # another writer recorded one of these events meanwhile
        await conn.copy_records_to_table(
            "participant",
            records=(
                (e.id, p.person.id, ws, p.side, p.title, p.office, p.position, e.new.day, e.new.status)
                for e in self.events
                for p in e.parts
            ),
            columns=["event_id", "person_id", "workspace", "side", "title", "office", "position", "day", "status"],
        )
        await conn.copy_records_to_table(
            "concern",
            records=(
                (ws, slug, side, e.new.day, e.id, at)
                for e in self.events
                for side, slugs in e.new.raised.items()
                for slug in slugs
            ),
            columns=["workspace", "issue", "side", "day", "event_id", "created_at"],
        )

    def _audit_line(
        self, action: str, table: str, record: object, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> str:
        """One audit row as a line of COPY's text format, with the values the per-line path writes."""
        actor = self.actor
        if isinstance(record, _NewEvent):
            after = event_dict(record.record())
            after["raised"] = record.new.raised
            record_id: object = record.id
        elif isinstance(record, _Person):
            record_id = record.id
        else:
            record_id = record
        values = audit_values(actor, self.at, action, table, record_id, before, after)
        return "\t".join(copy_text(_audit_field(v)) for v in values) + "\n"

    def result(self) -> ImportResult:
        duplicates = [(n, e.id if isinstance(e, _NewEvent) else e) for n, e in self.duplicates]
        return ImportResult(len(self.events), duplicates, len(self.people), self.refused)


class _Duplicate(Exception):
    def __init__(self, event: _NewEvent | int) -> None:
        self.event = event


def _record(person: _Person) -> Person:
    return Person(person.id, person.name, person.side, person.title, person.aliases)


def _event(e: _NewEvent) -> Event:
    """The event as the per-line path reads it back after writing it."""
    n = e.new
    return Event(
        id=e.id,
        day=n.day,
        kind=n.kind,
        track=e.track,
        status=n.status,
        minutes=None if n.minutes is None else int(n.minutes),
        requested_by=n.requested_by,
        location=n.location,
        summary=n.summary,
        sources=tuple(n.sources),
        participants=tuple(Participant(p.person.id, p.person.name, p.side, p.title, p.office) for p in e.parts),
        time=n.time,
        timezone=n.timezone,
        confidence=n.confidence,
        confidence_note=n.confidence_note,
    )


# COPY's text format: a backslash, tab, newline or carriage return in a value is escaped, NULL is \\N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Rows of COPY text sent to the server at a time.
COPY_CHUNK_ROWS = 5000


def copy_text(value: str | None) -> str:
    """A value as a field of COPY's text format."""
    return "\\N" if value is None else value.translate(_COPY_ESCAPES)


def _audit_field(value: object) -> str | None:
    """A value of audit_values as asyncpg would send it: the instant in UTC, a snapshot as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return json.dumps(value)


async def _chunks(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def _take_ids(tx: Tx, table: str, count: int) -> list[int]:
    """`count` ids from the table's identity sequence, as its inserts would take them."""
    rows = await tx.all(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id FROM generate_series(1, $1)", count
    )
    return [int(r["id"]) for r in rows]
