"""Copy a whole SQLite store into an empty PostgreSQL database (`python -m bot migrate --to URL`), ids
and all, and prove the copy by counting both sides.

Every table of either schema is accounted for below: copied row for row (COPIED, parents before children
so that each foreign key holds as rows arrive), filled by PostgreSQL itself as those rows arrive
(DERIVED, and counted against SQLite all the same), or left out with the reason (SQLITE_ONLY,
POSTGRES_ONLY, and NOT_COPIED for the short-lived tables both sides have). A table that is none of these
is refused, never silently left behind, and tests/postgres/test_from_sqlite.py fails when a migration adds
one to either schema.

The SQLite file is read through a read-only connection inside one read transaction: one snapshot, in WAL
mode neither waiting for the bot's writes nor blocking them; what is written after the copy begins is not
in it. The PostgreSQL side is one transaction, under the migrations' advisory lock: the schema brought up
to date, the tables locked and found empty, their foreign keys and secondary indexes set aside, each table
copied with COPY, the keys and indexes put back as they were, the identity sequences moved past the copied
ids, every count compared, and only then COMMIT. Anything that fails or differs rolls it all
back, schema included: the database is as it was.

SQLite formats each row as a line of CSV itself (in C, much faster than the csv module), which PostgreSQL
parses into its own types as its migrations define them: text days into DATE, ISO instants into
TIMESTAMPTZ, 0/1 into BOOLEAN, JSON text into JSONB. A NULL comes out unquoted and empty, every value
quoted, so an empty string stays an empty string.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from storage.errors import SchemaTooNew, StoreError
from storage.postgres.migrate import MIGRATION_LOCK, database_version, migrate, schema_version
from storage.postgres.pool import Connection, open_pool
from storage.records import Progress
from storage.rules import search_tokens
from storage.sqlite.db import ws_token
from storage.sqlite.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

# Copied row for row, in this order: each table after the tables its foreign keys name.
COPIED: tuple[str, ...] = (
    "workspace",
    "person",
    "person_key",
    "issue",
    "office",
    "event",
    "participant",
    "concern",
    "question",
    "subscription",
    "digest_run",
    "audit",
    "slack_installation",
    "feed",
    "feed_item",
    "draft",
)


@dataclass(frozen=True)
class Derived:
    """A PostgreSQL table filled from the copy rather than copied: its rows are counted against `source`."""

    table: str
    source: str
    how: str


DERIVED: tuple[Derived, ...] = (
    Derived("person_word", "person_word", "a trigger on person_key writes the words of each name as keys arrive"),
    Derived("event_tally", "event_tally", "triggers on event count the contacts as events arrive"),
    Derived(
        "search_doc",
        "search_index",
        "built here from SQLite's full-text table, each text folded as PostgreSQL's search reads it",
    ),
)
SQLITE_ONLY: dict[str, str] = {
    "search_index": "its rows become search_doc",
    **{
        f"search_index_{part}": "FTS5's own storage behind search_index"
        for part in ("config", "content", "data", "docsize", "idx")
    },
}
POSTGRES_ONLY: dict[str, str] = {"schema_version": "PostgreSQL's own migrations write it"}
# On both sides, and their rows left behind: short-lived state of the chat adapters, not the record. A held
# reply lives ten minutes at most and an OAuth state ten: after the move a button pressed on an older reply
# answers that it expired and nothing changed (the member runs the command again), and an install begun
# before it is begun again. Neither is worth a step of the move, nor a count that could differ.
NOT_COPIED: dict[str, str] = {
    "held_reply": "replies whose buttons are live expire within minutes; their buttons then say so",
    "slack_oauth_state": "an install flow's state expires within minutes; the install is begun again",
}

# Rows a chunk: a progress step, and what is held in memory at once.
CHUNK_ROWS = 5000
# A bulk load is mostly index building at the end of each COPY; the default 64 MB spills to disk sooner.
MAINTENANCE_WORK_MEM = "256MB"

# Makes a progress callback for one step (description, unit), or None to show nothing: bot/progress.py's
# progress_bar at a terminal.
Bars = Callable[[str, str], AbstractContextManager[Progress | None]]


class MoveRefused(StoreError):
    """The copy was not made: the source or the target is not fit for it. Nothing was changed."""


@dataclass(frozen=True)
class Count:
    """One table's rows on both sides (`what` names it: a table, or a figure of one)."""

    what: str
    sqlite: int
    postgres: int
    seconds: float = 0.0

    @property
    def matches(self) -> bool:
        return self.sqlite == self.postgres


@dataclass(frozen=True)
class MoveReport:
    counts: tuple[Count, ...]
    events_by_workspace: tuple[Count, ...]  # `what` is the workspace
    copied_rows: int  # rows written by COPY (copied tables and search_doc)
    seconds: float  # from opening the SQLite file to COMMIT
    rebuild_seconds: float  # of those, putting the indexes and foreign keys back
    schema_version: int  # PostgreSQL's, after the copy
    # After COMMIT, the planner's statistics; None if that failed (autovacuum gathers them later).
    analyze_seconds: float | None = 0.0

    @property
    def matches(self) -> bool:
        return all(c.matches for c in (*self.counts, *self.events_by_workspace))

    def lines(self) -> list[str]:
        """The counts as an aligned table, a line each, a mismatch marked."""
        rows = [*self.counts, *(Count(f"events of {c.what}", c.sqlite, c.postgres) for c in self.events_by_workspace)]
        width = max(len(r.what) for r in rows)
        head = f"{'':<{width}}  {'SQLite':>10}  {'PostgreSQL':>10}"
        return [head] + [
            f"{r.what:<{width}}  {r.sqlite:>10,}  {r.postgres:>10,}" + ("" if r.matches else "  ← differs")
            for r in rows
        ]


class CountsDiffer(StoreError):
    """The copy was made but its counts differ from the source's: it was rolled back."""

    def __init__(self, report: MoveReport) -> None:
        differ = [c.what for c in (*report.counts, *report.events_by_workspace) if not c.matches]
        super().__init__(
            f"the copy's counts differ from the SQLite store's ({', '.join(differ)}); it was rolled back and "
            "the PostgreSQL database is as it was"
        )
        self.report = report


def _no_bars(description: str, unit: str) -> AbstractContextManager[Progress | None]:
    return contextlib.nullcontext(None)


# -- the source ------------------------------------------------------------------------------------


def sqlite_schema_version(path: Path) -> int:
    """The schema version of the SQLite store at `path`, read without changing the file. MoveRefused if there
    is no such file or it is not a Hotline store; SchemaTooNew if it is newer than this code."""
    with contextlib.closing(_open_source(path)) as src:
        version = _read_version(src, path)
    if version == 0:
        raise MoveRefused(f"{path} is not a Hotline store (it has no Hotline schema)")
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(version, SCHEMA_VERSION)
    return version


def _open_source(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise MoveRefused(f"there is no SQLite store at {path}")
    try:
        # Read-only: a copy must not write to what it copies. isolation_level=None: the read transaction
        # is begun and ended here, explicitly.
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise MoveRefused(f"cannot open the SQLite store {path}: {exc}") from exc


def _read_version(src: sqlite3.Connection, path: Path) -> int:
    try:
        return int(src.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise MoveRefused(f"{path} is not a SQLite database ({exc})") from exc


def sqlite_tables(src: sqlite3.Connection) -> set[str]:
    """The tables of a SQLite store, without SQLite's own (sqlite_…)."""
    return {
        r[0]
        for r in src.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        )
    }


def unplanned_sqlite_tables(tables: set[str]) -> set[str]:
    """SQLite tables that this module neither copies nor derives nor leaves out with a reason."""
    return tables - set(COPIED) - {d.source for d in DERIVED} - set(SQLITE_ONLY) - set(NOT_COPIED)


def unplanned_postgres_tables(tables: set[str]) -> set[str]:
    return tables - set(COPIED) - {d.table for d in DERIVED} - set(POSTGRES_ONLY) - set(NOT_COPIED)


def _columns(src: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]


def _csv_select(table: str, columns: list[str]) -> str:
    """A SELECT giving each row of `table` as one line of CSV: each value quoted (quotes doubled), a NULL
    as nothing at all, which is how PostgreSQL's CSV format tells NULL from an empty string."""
    fields = " || ',' || ".join(f"""coalesce('"' || replace("{c}", '"', '""') || '"', '')""" for c in columns)
    return f'SELECT {fields} || char(10) FROM "{table}"'


def _count(src: sqlite3.Connection, table: str) -> int:
    return int(src.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


# -- the copy --------------------------------------------------------------------------------------


async def copy_sqlite_store(sqlite_path: Path, url: str, *, bars: Bars | None = None) -> MoveReport:
    """Copy the SQLite store at `sqlite_path` (at this code's schema version) into the PostgreSQL database
    at `url`, which must hold no Hotline record yet; verify every count; return them.

    MoveRefused (nothing changed) for a source or target unfit for it; OpenFailed if the database cannot
    be reached; SchemaTooNew if it is newer than this code; CountsDiffer (rolled back) if a count differs.
    `bars` makes a progress callback per step (a table, the verification), or None for none.
    """
    make_bar = bars or _no_bars
    began = time.perf_counter()
    with contextlib.closing(_open_source(sqlite_path)) as src:
        version = _read_version(src, sqlite_path)
        if version != SCHEMA_VERSION:
            raise MoveRefused(
                f"the SQLite store {sqlite_path} is at schema version {version}, and this Hotline copies "
                f"version {SCHEMA_VERSION}: open it once with this version of Hotline first"
            )
        src.execute("BEGIN")  # one read transaction: every table is read from the same snapshot
        try:
            unknown = unplanned_sqlite_tables(sqlite_tables(src))
            if unknown:
                raise MoveRefused(
                    f"the SQLite store has tables this Hotline does not know how to copy: {', '.join(sorted(unknown))}"
                )
            pool = await open_pool(url, min_size=1, max_size=1)
            try:
                async with pool.acquire() as conn:
                    report = await _copy(src, conn, make_bar, began)
            finally:
                await pool.close()
        except sqlite3.Error as exc:
            raise MoveRefused(f"could not read the SQLite store {sqlite_path}: {exc}; nothing was changed") from exc
        except asyncpg.PostgresError as exc:
            raise MoveRefused(f"PostgreSQL refused the copy: {exc}; nothing was changed") from exc
        except (asyncpg.InterfaceError, OSError) as exc:
            raise MoveRefused(
                f"the connection to PostgreSQL failed during the copy ({exc}); "
                "it was not committed, nothing was changed"
            ) from exc
        finally:
            if src.in_transaction:
                src.execute("COMMIT")
    return report


async def _copy(src: sqlite3.Connection, conn: Connection, make_bar: Bars, began: float) -> MoveReport:
    async with conn.transaction():
        # Held to COMMIT: a Hotline process starting on this database meanwhile waits to see the copy whole.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        found = await database_version(conn)
        if found > schema_version():
            raise SchemaTooNew(found, schema_version(), "another database")
        await migrate(conn)  # inside this transaction: undone too if the copy is
        await conn.execute("SET LOCAL TimeZone = 'UTC'")  # an instant without an offset is UTC, as written
        await conn.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        targets = [*COPIED, *(d.table for d in DERIVED)]
        # Writers wait (readers do not) until the copy commits: a second `migrate` then finds it and refuses.
        await conn.execute(f"LOCK TABLE {', '.join(targets)} IN EXCLUSIVE MODE")
        await _refuse_unless_empty(conn, targets)
        put_back = await _set_aside_indexes_and_keys(conn, targets)
        counts: list[Count] = []
        for table in COPIED:
            counts.append(await _copy_table(src, conn, table, make_bar))
        searching = time.perf_counter()
        await _copy_search(src, conn, make_bar)
        built = {"search_doc": time.perf_counter() - searching}
        rebuilding = time.perf_counter()
        await _put_back(conn, put_back, make_bar)
        rebuilt = time.perf_counter() - rebuilding
        await _reset_identities(conn)
        # Rows this copy wrote itself: the copied tables' and search_doc's (the triggers wrote the rest).
        copied = sum(c.postgres for c in counts) + int(await conn.fetchval("SELECT count(*) FROM search_doc"))
        counts += await _derived_counts(src, conn, built)
        by_workspace = await _events_by_workspace(src, conn)
        report = MoveReport(
            tuple(counts), by_workspace, copied, time.perf_counter() - began, rebuilt, await database_version(conn)
        )
        if not report.matches:
            raise CountsDiffer(report)
    try:
        analyzed: float | None = await _analyze(conn, make_bar)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError) as exc:
        # The copy is committed: without statistics now, autovacuum gathers them later.
        log.warning("the copy is made, but ANALYZE failed: %s", exc)
        analyzed = None
    return dataclasses.replace(report, analyze_seconds=analyzed)


async def _refuse_unless_empty(conn: Connection, tables: list[str]) -> None:
    held = {}
    for table in tables:
        if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
            held[table] = int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    if held:
        raise MoveRefused(
            f"the PostgreSQL database already holds a Hotline record ({held.get('event', 0):,} events; "
            f"{sum(held.values()):,} rows in {len(held)} tables): migrate copies into an empty database only; "
            "nothing was changed"
        )


async def _set_aside_indexes_and_keys(conn: Connection, tables: list[str]) -> list[str]:
    """Drop the foreign keys and the indexes that no constraint owns of `tables`; return the statements that
    put them back, as they were, in an order that works (indexes, then keys).

    What pg_restore does: rows arrive faster into tables without them, one index built over all the rows
    beats as many insertions, and one foreign key checked by one join beats a lookup per row. Primary keys
    and unique constraints stay: ON CONFLICT in the triggers that derive tables relies on them. Putting a
    key back checks every row, and a unique index rebuilt checks its rule, so nothing goes unchecked; and
    all of it is inside the copy's transaction, so a failure leaves the schema as it was.
    """
    keys = await conn.fetch(
        "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),"
        " format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))"
        " FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
        " AND conrelid::regclass::text = ANY($1) ORDER BY conrelid::regclass::text, conname",
        tables,
    )
    indexes = await conn.fetch(
        "SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
        # A partitioned table's indexes stay: dropping one drops its partitions' indexes, and the one
        # created again would not bring back those made on a partition alone (search_doc's, by kind).
        " WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1) AND t.relkind = 'r'"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
        " WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))"
        " ORDER BY t.relname, i.indexrelid::regclass::text",
        tables,
    )
    for drop, _ in (*keys, *indexes):
        await conn.execute(drop)
    return [create for _, create in (*indexes, *keys)]


async def _put_back(conn: Connection, statements: list[str], make_bar: Bars) -> None:
    with make_bar("rebuilding indexes and keys", "step") as progress:
        for done, statement in enumerate(statements, start=1):
            await _refused_as("the copied rows as the indexes and foreign keys were put back", conn.execute(statement))
            if progress is not None:
                progress(done, len(statements))


async def _copy_table(src: sqlite3.Connection, conn: Connection, table: str, make_bar: Bars) -> Count:
    started = time.perf_counter()
    total = _count(src, table)
    columns = _columns(src, table)
    with make_bar(f"copying {table}", "row") as progress:
        if total:
            cursor = src.execute(_csv_select(table, columns))

            async def lines() -> AsyncIterator[bytes]:
                for chunk in _chunks(cursor, total, progress):
                    yield "".join(r[0] for r in chunk).encode()

            copying = conn.copy_to_table(table, source=lines(), columns=columns, format="csv")
            await _refused_as(f"a row of {table}", copying)
        elif progress is not None:
            progress(0, 0)
    copied = int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    return Count(table, total, copied, time.perf_counter() - started)


async def _copy_search(src: sqlite3.Connection, conn: Connection, make_bar: Bars) -> None:
    """search_index's rows as search_doc's: the workspace from its token, the text folded as on PostgreSQL."""
    total = _count(src, "search_index")
    workspaces = {
        w
        for table in ("event", "person", "concern", "question")
        for (w,) in src.execute(f"SELECT DISTINCT workspace FROM {table}")
    }
    token_of = {ws_token(w): w for w in workspaces}
    with make_bar("copying search_doc", "row") as progress:
        if total:
            cursor = src.execute("SELECT kind, ref, ws, body FROM search_index")

            async def records() -> AsyncIterator[tuple[Any, ...]]:
                for chunk in _chunks(cursor, total, progress):
                    for kind, ref, ws, body in chunk:
                        workspace = token_of.get(ws)
                        if workspace is None:
                            raise MoveRefused(f"the SQLite store's search text of {kind} {ref} names no workspace")
                        yield kind, int(ref), workspace, body, " ".join(search_tokens(body))

            await _refused_as(
                "a row of search_doc",
                conn.copy_records_to_table(
                    "search_doc", records=records(), columns=["kind", "ref", "workspace", "body", "folded"]
                ),
            )
        elif progress is not None:
            progress(0, 0)


def _chunks(cursor: sqlite3.Cursor, total: int, progress: Progress | None) -> Iterator[list[Any]]:
    """The cursor's rows CHUNK_ROWS at a time, telling `progress` after each chunk is handed on."""
    done = 0
    while chunk := cursor.fetchmany(CHUNK_ROWS):
        done += len(chunk)
        yield chunk
        if progress is not None:
            progress(done, total)


async def _refused_as(what: str, statement: Awaitable[object]) -> None:
    """Run a statement of the copy; data PostgreSQL refuses (a date or JSON it cannot read, a row whose
    foreign key points nowhere) becomes MoveRefused that says what it was refusing."""
    try:
        await statement
    except asyncpg.PostgresError as exc:
        if exc.sqlstate and exc.sqlstate[:2] in {"22", "23"}:  # data exception, integrity constraint violation
            context = getattr(exc, "context", None)
            raise MoveRefused(
                f"PostgreSQL refused {what}: {exc}{f' ({context})' if context else ''}; nothing was changed"
            ) from exc
        raise


async def _reset_identities(conn: Connection) -> None:
    """Move each identity past the ids copied, so that the next row PostgreSQL numbers gets a new id."""
    rows = await conn.fetch(
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " WHERE c.relnamespace = current_schema()::regnamespace AND a.attidentity <> '' AND c.relname = ANY($1)",
        list(COPIED),
    )
    for table, column in rows:
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
            f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
        )


async def _derived_counts(src: sqlite3.Connection, conn: Connection, seconds: dict[str, float]) -> list[Count]:
    """Each derived table's rows against its SQLite source's; `seconds`: what building one took, if it was
    built here rather than by triggers."""
    counts = [
        Count(
            d.table if d.table == d.source else f"{d.table} (from {d.source})",
            _count(src, d.source),
            int(await conn.fetchval(f"SELECT count(*) FROM {d.table}")),
            seconds.get(d.table, 0.0),
        )
        for d in DERIVED
    ]
    # The tally's counts must add up too, not only its rows: each is one contact, by day and by month.
    counts.append(
        Count(
            "event_tally (sum of counts)",
            int(src.execute("SELECT coalesce(sum(n), 0) FROM event_tally").fetchone()[0]),
            int(await conn.fetchval("SELECT coalesce(sum(n), 0) FROM event_tally")),
        )
    )
    return counts


async def _events_by_workspace(src: sqlite3.Connection, conn: Connection) -> tuple[Count, ...]:
    theirs = {r[0]: int(r[1]) for r in src.execute("SELECT workspace, count(*) FROM event GROUP BY workspace")}
    ours = {r[0]: int(r[1]) for r in await conn.fetch("SELECT workspace, count(*) FROM event GROUP BY workspace")}
    return tuple(Count(w, theirs.get(w, 0), ours.get(w, 0)) for w in sorted(theirs.keys() | ours.keys()))


async def _analyze(conn: Connection, make_bar: Bars) -> float:
    """Statistics for the planner at once, as autovacuum would gather them some time after a bulk load."""
    started = time.perf_counter()
    tables = [*COPIED, *(d.table for d in DERIVED)]
    with make_bar("analyzing", "table") as progress:
        for done, table in enumerate(tables, start=1):
            await conn.execute(f"ANALYZE {table}")
            if progress is not None:
                progress(done, len(tables))
    return time.perf_counter() - started
