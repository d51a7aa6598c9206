"""Many events at once on SQLite (`python -m bot import`): one transaction, resolved in memory, written in bulk.

The per-line path (`add_event_in` in storage/sqlite/events.py, in a savepoint a line) made ~60 statements
a line, each a trip to aiosqlite's thread: about 20 ms a line, half an hour for 100k lines. Here the store
is read once for what the file needs, every line is resolved in Python in file order with the rules of
the per-line path, and each table is written with one executemany at the end.

The whole of it runs in one worker thread on a plain sqlite3 connection of its own, in one transaction
begun with BEGIN IMMEDIATE, while the store's write lock is held: no other write of this process starts
meanwhile, and a write of another process waits for SQLite's lock (its busy timeout), as it waits for any
write. The ids read at the start are the ones the inserts take; any error rolls the whole import back.
Readers see nothing of it until it commits.

The rules kept, as the per-line path applies them (tests/test_importer.py compares the two table by table):
- A name or alias (compared by `norm`) finds the workspace's person, including one created by an earlier
  line; an unknown name creates a person of that side. A name known on the other side refuses the line
  (its message as resolve_person words it), and everything the line did is undone, people and first
  titles included: the per-line path rolled its savepoint back.
- A person without a title takes the first title an event gives them: the update, its re-index and its
  audit entry, as resolve_person writes them.
- A participant's title is the line's, or else the person's current one; its office is the one
  `_office_slug` (storage/sqlite/people.py) gives; a line without a track gets the track
  `_derive_track` (storage/sqlite/events.py) gives.
- The same person twice in one event counts once (the per-line path's INSERT OR IGNORE).
- A line with the day, kind and participants of an event of the store or of an earlier line
  (`dedupe_key`) is a duplicate: skipped, undone, and reported with that event's id.
- A participant's aliases new to the workspace become the person's (person_key and person_word rows, a
  re-index and an audit entry, as resolve_person writes them); one that names someone else refuses the line.
- Issues new to the workspace are created once, with their audit entry (ensure_issue); a concern row per
  issue raised; the event's full-text row and its audit entry, with what was raised.
- Ids are what the per-line inserts would have taken: the next free one per table, in file order, a
  refused or duplicate line taking none (its savepoint gave them back).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from storage.errors import Conflict, DuplicateEvent
from storage.records import PROGRESS_EVERY, Actor, ImportResult, NewEvent, NewParticipant, Person, Progress
from storage.rules import (
    BUILTIN_ISSUE_SLUGS,
    dedupe_key,
    name_words,
    office_track,
    person_dict,
    person_text,
    slug_for_title,
    sources_json,
    track_of,
    wrong_side,
)
from storage.sqlite.db import AUDIT_INSERT, AuditRow, Database, audit_row, search_rowid, ws_token
from storage.sqlite.people import CUSTOM_OFFICES_SQL, PERSON_WORD_INSERT, custom_forms
from storage.vocab import norm, slug_title

log = logging.getLogger(__name__)

# Names looked up a statement: under SQLite's limit of bound variables (999 in builds before 3.32), with
# room for the workspace.
KEY_CHUNK = 500

T = TypeVar("T")


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
        """Add the lines' events in one transaction; see the module's docstring for the rules. `progress` is
        called every PROGRESS_EVERY lines resolved (and once at the end), on the import's own thread.

        A fault of the database (locked past the busy timeout, full, read-only) rolls it all back and
        raises WriteFailed, as any write does.
        """
        db = self.db
        async with db.write_lock:
            work = asyncio.ensure_future(
                asyncio.to_thread(
                    in_own_transaction,
                    db.path,
                    db.busy_timeout_ms,
                    lambda conn: _Import(conn, actor, at).run(lines, progress),
                )
            )
            try:
                return await asyncio.shield(work)
            except asyncio.CancelledError:
                # A thread cannot be stopped: the lock is held until it has committed or rolled back, so
                # that no write of this process waits on SQLite's lock meanwhile.
                await asyncio.wait([work])
                raise
            except sqlite3.Error as exc:
                fault = db.fault_of(exc)
                if fault is None:
                    raise
                raise fault from exc


def in_own_transaction(path: Path, busy_timeout_ms: int, work: Callable[[sqlite3.Connection], T]) -> T:
    """`work` on a new sqlite3 connection to `path`, in one transaction (BEGIN IMMEDIATE: the file's write
    lock is taken at the start, waiting up to the busy timeout for another writer), committed if it
    returns and rolled back if it raises. Runs wholly in the calling thread, as sqlite3 requires."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")  # as the store's own connections
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            # After some faults (SQLITE_FULL, SQLITE_IOERR) SQLite has rolled back already.
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    log.exception("rollback of an import failed on %s", path)
            raise
        return result
    finally:
        conn.close()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused meanwhile (if it ran), for building a large batch.

    The collector runs every few hundred allocations and now and then walks every object alive; a file
    being imported is held whole, line by line and row by row (millions of objects, none in a cycle),
    and those walks came to as much as the parsing itself. Reference counting frees as usual.
    """
    if not gc.isenabled():  # paused already, by the caller: theirs to resume
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass(eq=False)
class _Person:
    """A person as the import sees them: read from the store, or created by a line of the file."""

    id: int
    name: str
    side: str
    title: str | None
    key: str  # the key it was found by; for a new person, norm(name): its person_key row
    new: bool  # created by this import, so in no event of the store and in none of its dedupe keys
    aliases: tuple[str, ...] | None = None  # read from the store when a first title re-indexes them


class _Part(NamedTuple):
    """A participant as the event has them (storage.records.Participant, lighter to make)."""

    person_id: int
    name: str  # the person's own name, whatever name or alias the line gave
    side: str
    title: str | None
    office: str | None
    position: int


@dataclass
class _Line:
    """What one line changed while it was resolved: undone if it is refused or a duplicate."""

    created: list[_Person]
    retitled: list[tuple[_Person, str | None]]  # (person, title before)
    audits: list[AuditRow]
    aliased: list[tuple[_Person, tuple[str, ...] | None, list[tuple[str, str]]]] = field(default_factory=list)
    # (person, aliases before, (key, alias) added)


class _Import:
    """One import, run on the writer's thread: load, resolve line by line, write."""

    def __init__(self, conn: sqlite3.Connection, actor: Actor, at: dt.datetime) -> None:
        self.conn = conn
        self.actor = actor
        self.ws = actor.workspace
        self.at = at.isoformat()
        self.token = ws_token(self.ws)
        self.norms: dict[str, str] = {}  # norm of each name seen: it is the costly part of a look-up
        self.by_key: dict[str, _Person] = {}  # the file's names (and aliases) known so far
        self.offices: dict[tuple[str, str], str] = {}  # (side, title) -> slug, as found
        self.dedupe: dict[str, int] = {}  # dedupe key -> id of each event this import added
        # Rows to write, in the order the per-line path wrote them.
        self.people: list[_Person] = []
        self.retitled: list[_Person] = []  # people of the store given a first title
        self.aliases: list[tuple[str, int, str]] = []  # (key, person id, alias) of person_key rows to add
        self.realiased: list[_Person] = []  # people of the store given an alias: re-indexed
        self.issues: list[tuple[str, str]] = []  # (slug, title)
        self.events: list[tuple[Any, ...]] = []
        self.participants: list[tuple[Any, ...]] = []
        self.concerns: list[tuple[str, str, str, str, int, str]] = []
        self.index: list[tuple[int, str, str, str, int]] = []
        self.audits: list[AuditRow] = []
        self.duplicates: list[tuple[int, int]] = []
        self.refused: list[tuple[int, str]] = []

    def run(self, lines: Sequence[tuple[int, NewEvent]], progress: Progress | None = None) -> ImportResult:
        with cyclic_gc_paused():
            self._load(lines)
            if progress is None:
                for number, new in lines:
                    self._line(number, new)
            else:
                total = len(lines)
                # In slices, so the loop that does the work stays the plain one above.
                for first in range(0, total, PROGRESS_EVERY):
                    for number, new in lines[first : first + PROGRESS_EVERY]:
                        self._line(number, new)
                    progress(min(first + PROGRESS_EVERY, total), total)
            self._write()
        created = len(self.people)
        return ImportResult(len(self.events), self.duplicates, created, self.refused)

    # -- what the file needs from the store --------------------------------------------------------

    def _load(self, lines: Sequence[tuple[int, NewEvent]]) -> None:
        conn, ws = self.conn, self.ws
        keys = sorted(
            {self._norm(n) for _, new in lines for p in (*new.us, *new.cn) for n in (p.name, *p.aliases)} - {""}
        )
        seen: dict[int, _Person] = {}  # a person's name and aliases share one object
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = keys[start : start + KEY_CHUNK]
            rows = conn.execute(
                "SELECT k.key, p.id, p.name, p.side, p.title FROM person_key k JOIN person p ON p.id = k.person_id"
                f" WHERE k.workspace = ? AND k.key IN ({','.join('?' * len(chunk))})",
                (ws, *chunk),
            ).fetchall()
            for key, pid, name, side, title in rows:
                person = seen.get(pid) or _Person(pid, name, side, title, key, new=False)
                seen[pid] = self.by_key[key] = person
        # The next rowid of each table, as an INSERT without one would take it (the largest + 1); the
        # write lock is held, so nobody else takes them meanwhile.
        self.next_person = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM person").fetchone()[0])
        self.next_event = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM event").fetchone()[0])
        self.forms = {
            side: custom_forms(conn.execute(CUSTOM_OFFICES_SQL, (ws, side + ":%"))) for side in ("us", "china")
        }
        self.tracks: dict[str, str] = {
            slug: track for slug, track in conn.execute("SELECT slug, track FROM office WHERE workspace = ?", (ws,))
        }
        self.known_issues = set(BUILTIN_ISSUE_SLUGS) | {
            slug for (slug,) in conn.execute("SELECT slug FROM issue WHERE workspace = ?", (ws,))
        }

    # -- one line --------------------------------------------------------------------------------

    def _line(self, number: int, new: NewEvent) -> None:
        # Most lines find everyone known and titled: `line` is made only when one creates or changes someone.
        line: _Line | None = None
        by_key, norms, offices = self.by_key, self.norms, self.offices  # the hot path: ~100k lines
        parts: list[_Part] = []  # in position order, each person once
        ids: list[int] = []  # theirs
        has_new = False  # someone created by this import takes part: no event of the store can match
        try:
            for side, start, people in (("us", 0, new.us), ("china", 100, new.cn)):  # positions as _add_event
                for position, np in enumerate(people, start=start):
                    person = by_key.get(norms.get(np.name) or self._norm(np.name))
                    if person is None or person.side != side or (np.title and not person.title):
                        line = line or _Line([], [], [])
                        person = self._resolve(line, np, side, person)
                    if np.aliases:
                        line = line or _Line([], [], [])
                        self._add_aliases(line, person, np.aliases)
                    title = np.title or person.title
                    office = (offices.get((side, title)) or self._office(side, title)) if title else None
                    if person.id in ids:
                        continue  # the same person twice: the per-line path's INSERT OR IGNORE kept the first
                    has_new = has_new or person.new
                    parts.append(_Part(person.id, person.name, side, title, office, position))
                    ids.append(person.id)
            key = dedupe_key(new.day, new.kind, ids)
            existing = self._event_with_key(key, has_new)
            if existing is not None:
                raise DuplicateEvent(existing)
        except (Conflict, DuplicateEvent) as exc:
            if line is not None:
                self._undo(line)
            if isinstance(exc, DuplicateEvent):
                self.duplicates.append((number, exc.event_id))
            else:
                self.refused.append((number, str(exc)))
            return

        event_id = self.next_event
        self.next_event += 1
        if line is not None:
            self.next_person += len(line.created)
            self.people += line.created
            self.retitled += [person for person, _ in line.retitled if not person.new]
            self.audits += line.audits
            for person, _, added in line.aliased:
                self.aliases += [(key, person.id, alias) for key, alias in added]
                if not person.new and person not in self.realiased:
                    self.realiased.append(person)
        self.dedupe[key] = event_id
        ws, day, status = self.ws, new.day.isoformat(), new.status
        # A track given stays (an empty one as "other", as the per-line insert had it); none is derived.
        track = (
            track_of([office_track(self.tracks, p.office) for p in parts])
            if new.track is None
            else (new.track or "other")
        )
        self.participants += [
            (event_id, p.person_id, ws, p.side, p.title, p.office, p.position, day, status) for p in parts
        ]
        for side_key, slugs in new.raised.items():
            for slug in slugs:
                if slug not in self.known_issues:  # ensure_issue
                    self.known_issues.add(slug)
                    title = slug_title(slug)
                    self.issues.append((slug, title))
                    self._audit("create", "issue", slug, None, {"slug": slug, "title": title})
                self.concerns.append((ws, slug, side_key, day, event_id, self.at))
        self.events.append(
            (
                event_id,
                ws,
                day,
                new.time,
                new.timezone,
                new.kind,
                track,
                status,
                new.minutes,
                new.requested_by,
                new.location,
                new.summary,
                sources_json(new.sources),
                new.confidence,
                new.confidence_note,
                key,
                self.at,
                self.actor.user_id,
            )
        )
        # event_text(event) (storage.rules): the summary, the location, and each participant's name and title.
        names = " ".join([f"{p.name} {p.title or ''}" for p in parts])
        self._index("event", event_id, " ".join(filter(None, (new.summary, new.location, names))))
        actor = self.actor
        after = _event_json(new, day, parts, track)
        self.audits.append(
            (ws, self.at, actor.user_id, actor.display_name, "create", "event", str(event_id), None, after)
        )

    def _resolve(self, line: _Line, np: NewParticipant, side: str, person: _Person | None) -> _Person:
        """resolve_person, for the person `np` names (None: nobody yet) when they are new, on the
        other side, or untitled and given a title."""
        if person is None:
            person = _Person(self.next_person + len(line.created), np.name, side, np.title, self._norm(np.name), True)
            self.by_key[person.key] = person
            line.created.append(person)
            created = person_dict(self._record(person, person.title))
            line.audits.append(audit_row(self.actor, self.at, "create", "person", person.id, None, created))
            return person
        if person.side != side:
            raise wrong_side(person.name, person.side, side)
        if np.title and not person.title:
            # The first title an event gives someone becomes their current title.
            line.retitled.append((person, person.title))
            person.title = np.title
            # The per-line path wrote None as the title before, whatever falsy title it replaced.
            before, after = person_dict(self._record(person, None)), person_dict(self._record(person, np.title))
            line.audits.append(audit_row(self.actor, self.at, "update", "person", person.id, before, after))
        return person

    def _add_aliases(self, line: _Line, person: _Person, aliases: tuple[str, ...]) -> None:
        """resolve_person's aliases: the new ones become the person's, with an audit entry."""
        added: list[tuple[str, str]] = []
        for alias in aliases:
            key = self._norm(alias)
            if not key:
                continue
            owner = self.by_key.get(key)
            if owner is not None and owner is not person:
                raise Conflict(f"the alias {alias!r} already means {owner.name!r}")
            if owner is None:
                self.by_key[key] = person
                added.append((key, alias))
        if not added:
            return
        before_aliases = self._record(person, person.title).aliases
        line.aliased.append((person, before_aliases, added))
        person.aliases = tuple(sorted((*before_aliases, *(alias for _, alias in added))))
        before = person_dict(Person(person.id, person.name, person.side, person.title, before_aliases))
        after = person_dict(self._record(person, person.title))
        line.audits.append(audit_row(self.actor, self.at, "update", "person", person.id, before, after))

    def _undo(self, line: _Line) -> None:
        for person, aliases, added in reversed(line.aliased):
            for key, _ in added:
                del self.by_key[key]
            person.aliases = aliases
        for person in line.created:
            del self.by_key[person.key]
        for person, title in reversed(line.retitled):
            person.title = title

    def _event_with_key(self, key: str, has_new: bool) -> int | None:
        """The event this import added, or else the store's, with that dedupe key."""
        found = self.dedupe.get(key)
        if found is not None or has_new:
            return found
        row = self.conn.execute(
            "SELECT id FROM event WHERE workspace = ? AND dedupe_key = ?", (self.ws, key)
        ).fetchone()
        return int(row[0]) if row else None

    def _office(self, side: str, title: str) -> str:
        """_office_slug; the office table does not change during the import, so each title is mapped once."""
        slug = self.offices.get((side, title))
        if slug is None:
            slug = self.offices[(side, title)] = slug_for_title(self.forms[side], side, title)
        return slug

    def _norm(self, name: str) -> str:
        key = self.norms.get(name)
        if key is None:
            key = self.norms[name] = norm(name)
        return key

    def _record(self, person: _Person, title: str | None) -> Person:
        """The person with that title, as the per-line path had them for the audit trail and the index."""
        if person.aliases is None:  # a new person has only the aliases this import gives them
            person.aliases = () if person.new else self._aliases(person.id)
        return Person(person.id, person.name, person.side, title, person.aliases)

    def _aliases(self, person_id: int) -> tuple[str, ...]:
        rows = self.conn.execute(
            "SELECT alias FROM person_key WHERE person_id = ? AND alias IS NOT NULL ORDER BY alias", (person_id,)
        )
        return tuple(alias for (alias,) in rows)

    def _audit(
        self, action: str, table: str, record_id: object, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> None:
        self.audits.append(audit_row(self.actor, self.at, action, table, record_id, before, after))

    def _index(self, kind: str, ref: int, body: str) -> None:
        # Tx.index also deletes the record's old row first: these ids are new to the table (nothing is
        # left at an id once its record is gone), and a row there would fail the insert, not be kept.
        if body.strip():
            self.index.append((search_rowid(kind, ref), body, self.token, kind, ref))

    # -- writing ---------------------------------------------------------------------------------

    def _write(self) -> None:
        conn, ws = self.conn, self.ws
        for person in self.people:  # their final title, so a title given by a later line is in the row
            self._index("person", person.id, person_text(self._record(person, person.title)))
        conn.executemany(
            "INSERT INTO person (id, workspace, name, side, title, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(p.id, ws, p.name, p.side, p.title, self.at) for p in self.people],
        )
        conn.executemany(
            "INSERT INTO person_key (workspace, key, person_id, alias) VALUES (?, ?, ?, NULL)",
            [(ws, p.key, p.id) for p in self.people],
        )
        conn.executemany(
            "INSERT INTO person_key (workspace, key, person_id, alias) VALUES (?, ?, ?, ?)",
            [(ws, key, pid, alias) for key, pid, alias in self.aliases],
        )
        conn.executemany(
            PERSON_WORD_INSERT,
            [(ws, word, p.id) for p in self.people for word in name_words(p.key)]
            + [(ws, word, pid) for key, pid, _ in self.aliases for word in name_words(key)],
        )
        conn.executemany("UPDATE person SET title = ? WHERE id = ?", [(p.title, p.id) for p in self.retitled])
        conn.executemany(
            "DELETE FROM search_index WHERE rowid = ?", [(search_rowid("person", p.id),) for p in self.retitled]
        )
        realiased = [p for p in self.realiased if p not in self.retitled]
        conn.executemany(
            "DELETE FROM search_index WHERE rowid = ?", [(search_rowid("person", p.id),) for p in realiased]
        )
        for person in (*self.retitled, *realiased):
            self._index("person", person.id, person_text(self._record(person, person.title)))
        conn.executemany(
            "INSERT INTO issue (workspace, slug, title, aliases) VALUES (?, ?, ?, '[]')",
            [(ws, slug, title) for slug, title in self.issues],
        )
        conn.executemany(
            "INSERT INTO event (id, workspace, day, time, timezone, kind, track, status, minutes, requested_by,"
            " location, summary, sources, confidence, confidence_note, dedupe_key, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.events,
        )
        conn.executemany(
            "INSERT INTO participant (event_id, person_id, workspace, side, title, office, position, day, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.participants,
        )
        # Concern and audit ids are left to SQLite: inserted in order, they take the ids the per-line
        # inserts took.
        conn.executemany(
            "INSERT INTO concern (workspace, issue, side, text, by_name, day, event_id, source, created_at)"
            " VALUES (?, ?, ?, NULL, NULL, ?, ?, NULL, ?)",
            self.concerns,
        )
        conn.executemany("INSERT INTO search_index (rowid, body, ws, kind, ref) VALUES (?, ?, ?, ?, ?)", self.index)
        conn.executemany(AUDIT_INSERT, self.audits)


def _event_json(new: NewEvent, day: str, parts: Sequence[_Part], track: str) -> str:
    """The event's audit entry: event_dict(event) and what was raised, as Tx.audit encodes it (audit_json in
    storage/sqlite/db.py: keys sorted, ", " and ": " between, text as json writes it when not made ASCII).

    Written out here rather than built as a dict and encoded: that took a third of resolving a line,
    and an import writes one for each of its events. tests/test_importer.py compares every audit row
    with the per-line path's, which does build the dict.
    """
    enc = encode_basestring
    people = ", ".join(
        [
            f'{{"name": {enc(p.name)}, "side": {enc(p.side)}, "title": {"null" if p.title is None else enc(p.title)}}}'
            for p in parts
        ]
    )
    raised = ", ".join([f"{enc(side)}: [{', '.join(map(enc, slugs))}]" for side, slugs in sorted(new.raised.items())])
    # int(): the per-line path read the minutes back from the table, so a bool became a number there.
    minutes = "null" if new.minutes is None else str(int(new.minutes))
    location = "null" if new.location is None else enc(new.location)
    summary = "null" if new.summary is None else enc(new.summary)
    time = "null" if new.time is None else enc(new.time)
    timezone = "null" if new.timezone is None else enc(new.timezone)
    confidence = ""
    if new.confidence is not None or new.confidence_note is not None:  # event_dict's keys only when set
        level = "null" if new.confidence is None else enc(new.confidence)
        note = "null" if new.confidence_note is None else enc(new.confidence_note)
        confidence = f'"confidence": {level}, "confidence_note": {note}, '
    sources = ", ".join([_SOURCE_ENCODER.encode(s.as_json()) for s in new.sources])
    return (
        f'{{{confidence}"day": "{day}", "kind": {enc(new.kind)}, "location": {location}, "minutes": {minutes},'
        f' "participants": [{people}], "raised": {{{raised}}}, "requested_by": {enc(new.requested_by)},'
        f' "sources": [{sources}], "status": {enc(new.status)}, "summary": {summary},'
        f' "time": {time}, "timezone": {timezone}, "track": {enc(track)}}}'
    )


# A source as Tx.audit encodes it (audit_json in storage/sqlite/db.py): a URL as a string, an object with
# its keys sorted.
_SOURCE_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
