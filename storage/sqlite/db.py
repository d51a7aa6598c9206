"""The connections, transactions and audit trail that every area of the SQLite store shares.

Database holds three connections to one file: a writer (aiosqlite, its own thread), whose transactions a
lock serializes; a reader (aiosqlite) for reads that may take a while; and a point connection (plain
sqlite3, in the event loop's thread) for reads of a few rows by key. In WAL mode both readers see
committed data only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.errors import OpenFailed, WriteFailed
from storage.records import Actor
from storage.sqlite.schema import migrate

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000

# SQLite result codes (the primary code: the low byte of an extended one) that mean the database
# could not take a write whatever was written: a fault of the file, its locks or its disk, not of
# the record or of the SQL. Each becomes WriteFailed, which the user reads; any other sqlite3 error
# (a constraint, a syntax error) is a bug and escapes as it is.
_WRITE_FAULTS = {
    sqlite3.SQLITE_BUSY: "the database is locked by another process; try again in a moment",
    sqlite3.SQLITE_LOCKED: "the database is locked; try again in a moment",
    sqlite3.SQLITE_PROTOCOL: "the database is locked; try again in a moment",
    sqlite3.SQLITE_FULL: "the database or its disk is full",
    sqlite3.SQLITE_READONLY: "the database is read-only",
    sqlite3.SQLITE_PERM: "the database file may not be written",
    sqlite3.SQLITE_CANTOPEN: "the database file cannot be opened (is its path a folder, or not allowed?)",
    sqlite3.SQLITE_IOERR: "the disk reported an input/output error",
    sqlite3.SQLITE_CORRUPT: "the database file is damaged",
    sqlite3.SQLITE_NOTADB: "the database file is damaged",
}


def write_fault(exc: BaseException) -> WriteFailed | None:
    """The WriteFailed that a sqlite3 error from a write stands for, or None if it is not a fault."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(exc, sqlite3.Error) or not isinstance(code, int):
        return None
    reason = _WRITE_FAULTS.get(code & 0xFF)
    if reason is None:
        return None
    return WriteFailed(reason, str(getattr(exc, "sqlite_errorname", code)))


def ws_token(workspace: str) -> str:
    """One full-text token that stands for a workspace (workspace ids hold ':' and digits)."""
    return "w" + hashlib.blake2s(workspace.encode(), digest_size=8).hexdigest()


async def connect(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> aiosqlite.Connection:
    """A connection to `path` as every connection of the store is set up."""
    # A file SQLite cannot open fails here first, in a thread that ends with the call: aiosqlite, when its
    # own connect fails, stops its thread without waiting for it, and the thread then answers into an
    # event loop that may be closed already (a traceback printed after our message).
    await asyncio.to_thread(_try_open, path)
    # isolation_level=None: transactions are begun and ended explicitly, never implicitly.
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        db.row_factory = sqlite3.Row
        await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("PRAGMA synchronous = NORMAL")  # durable across process crashes in WAL mode
    except BaseException:
        # Close it, or aiosqlite's thread outlives the failure and the process never exits.
        await db.close()
        raise
    return db


def _try_open(path: Path) -> None:
    sqlite3.connect(path).close()


async def use_wal(db: aiosqlite.Connection, busy_timeout_ms: int) -> None:
    """Switch the file to WAL mode (a no-op once it is).

    Processes that open a new file at the same moment each try to switch it, which takes the file's
    exclusive lock. SQLite sees that waiting there could deadlock and answers SQLITE_BUSY at once,
    without the busy timeout (about 1 open in 100 when eight start together), so the waiting is done
    here: try again until the busy timeout has passed.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(0.005)


def open_failed(path: Path, exc: sqlite3.Error) -> OpenFailed:
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_READONLY_DIRECTORY":
        reason = "its folder is read-only, and SQLite must create the -wal and -shm files beside it"
    else:
        fault = write_fault(exc)
        reason = fault.reason if fault else str(exc)
    log.error("cannot open the database %s: %s (%s)", path, exc, getattr(exc, "sqlite_errorname", "?"))
    return OpenFailed(f"cannot open the database {path}: {reason}")


# Marks a Database.all statement that reads a few rows by key: it runs on the point connection.
POINT = "/* point */ "


class Database:
    """The writer, the reader and the point connection of one SQLite file.

    The bot answers many interactions at once on one event loop. With one shared connection a
    read could run inside another command's open transaction and show what that command has
    not committed (and may roll back). In WAL mode the reader sees committed data only.

    /lastcall must answer in 1 ms at a million events, and makes a dozen reads. Through aiosqlite each
    read is a round trip to its thread and back through the event loop, which costs 60-70 µs on the
    benchmark machine, so the trips alone came to 1.5 ms; the queries themselves take 5-20 µs. So reads
    that fetch a few rows by key run on the point connection, in the event loop's thread, without a
    trip: every `one` (a key or LIMIT 1 by contract) and the `all` statements that start with POINT. Any
    other `all` (full-text search, lists, digests) goes through the reader's thread in one trip
    (execute_fetchall), so that a long read never holds up the event loop and overlaps with other
    commands' Python. The point connection sees committed data only, as the reader does, and may not write.
    """

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        self.path = path
        self.writer = writer
        self.reader = reader
        self.busy_timeout_ms = busy_timeout_ms
        # Held by every write of this process, the bulk import's own connection included.
        self.write_lock = asyncio.Lock()
        self._point_db: sqlite3.Connection | None = None

    @classmethod
    async def open(cls, path: Path | str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
        """Open (creating it if need be) and migrate the file; OpenFailed if SQLite cannot use it.
        `busy_timeout_ms`: how long a write waits for another process's lock before it fails."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            writer = await connect(path, busy_timeout_ms)
        except sqlite3.Error as exc:
            raise open_failed(path, exc) from exc
        try:
            await use_wal(writer, busy_timeout_ms)
            await migrate(writer)
            reader = await connect(path, busy_timeout_ms)
        except BaseException as exc:
            await writer.close()
            if isinstance(exc, sqlite3.Error):  # a file SQLite cannot use: say which and why
                raise open_failed(path, exc) from exc
            raise
        return cls(path, writer, reader, busy_timeout_ms)

    async def close(self) -> None:
        if self._point_db is not None:
            self._point_db.close()
            self._point_db = None
        await self.reader.close()
        await self.writer.close()

    # -- reading -------------------------------------------------------------------------------

    def point(self) -> sqlite3.Connection:
        """The point connection, opened on first use (used from the event loop's thread only)."""
        if self._point_db is None:
            db = sqlite3.connect(self.path, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA query_only = ON")
            self._point_db = db
        return self._point_db

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Every row; on the point connection if `sql` starts with POINT, else through the reader's thread."""
        if sql.startswith(POINT):
            return self.point().execute(sql, tuple(params)).fetchall()
        return list(await self.reader.execute_fetchall(sql, tuple(params)))

    async def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        """The first row (of a statement that reads a few rows by key), on the point connection."""
        row: sqlite3.Row | None = self.point().execute(sql, tuple(params)).fetchone()
        return row

    # -- writing -------------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One transaction: everything inside commits together or not at all.

        A fault of the database itself (locked past the busy timeout, full, read-only, a failing
        disk), at BEGIN, inside or at COMMIT, is rolled back, logged and raised as WriteFailed, which
        commands/ shows the user; any other error is rolled back and raised as it is.
        """
        async with self.write_lock:
            try:
                await self._begin()
                try:
                    yield Tx(self.writer)
                    # Inside the try: a COMMIT that fails (a full disk) must roll back too, or the
                    # transaction stays open on the writer.
                    await self.writer.commit()
                except BaseException:
                    await self._rollback()
                    raise
            except sqlite3.Error as exc:
                fault = self.fault_of(exc)
                if fault is None:
                    raise
                raise fault from exc

    def fault_of(self, exc: sqlite3.Error) -> WriteFailed | None:
        """The WriteFailed a write that failed with `exc` (and was rolled back) raises, logged; None if
        `exc` is not a fault of the database (a bug, raised as it is)."""
        fault = write_fault(exc)
        if fault is not None:
            log.error("write refused by the database %s: %s (%s); rolled back", self.path, exc, fault.code)
        return fault

    async def _begin(self) -> None:
        try:
            await self.writer.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            if not self.writer.in_transaction:
                raise
            # A transaction nobody owns: a task cancelled while its BEGIN waited in aiosqlite's queue
            # (the BEGIN ran after the task had let go of the lock), or a rollback that failed. Without
            # this every later write would fail: "cannot start a transaction within a transaction".
            await self._rollback()
            await self.writer.execute("BEGIN IMMEDIATE")

    async def _rollback(self) -> None:
        # After some faults (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY) SQLite has already rolled the
        # transaction back and this is a no-op. If the rollback itself fails, the error that caused it
        # is the one to report; the next transaction rolls back what is left.
        try:
            await self.writer.rollback()
        except sqlite3.Error:
            log.exception("rollback failed on %s", self.path)


class Tx:
    """The writer connection inside an open transaction."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self.db.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self.db.execute(sql, tuple(params)) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def run(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Execute; returns the last inserted rowid."""
        async with self.db.execute(sql, tuple(params)) as cursor:
            return cursor.lastrowid or 0

    async def audit(
        self,
        actor: Actor,
        at: dt.datetime,
        action: str,
        table: str,
        record_id: object,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        await self.run(AUDIT_INSERT, audit_row(actor, at.isoformat(), action, table, record_id, before, after))

    async def index(self, workspace: str, kind: str, ref: int, body: str) -> None:
        """Put (or replace) one record's searchable text."""
        rowid = search_rowid(kind, ref)
        await self.run("DELETE FROM search_index WHERE rowid = ?", (rowid,))
        if body.strip():
            await self.run(
                "INSERT INTO search_index (rowid, body, ws, kind, ref) VALUES (?, ?, ?, ?, ?)",
                (rowid, body, ws_token(workspace), kind, ref),
            )

    async def unindex(self, kind: str, ref: int) -> None:
        await self.run("DELETE FROM search_index WHERE rowid = ?", (search_rowid(kind, ref),))


# Each searchable record gets a fixed rowid in the full-text table, so replacing or removing its
# entry is a rowid lookup rather than a scan over an unindexed column.
SEARCH_KINDS = ("event", "concern", "question", "person")


def search_rowid(kind: str, ref: int) -> int:
    return ref * len(SEARCH_KINDS) + SEARCH_KINDS.index(kind)


# What json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) gives, without building an
# encoder for every entry (an import writes one for each of its ~100k events).
_AUDIT_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


# An audit row: workspace, at, actor id, actor name, action, table, record id, before, after. Tx.audit
# writes one; the bulk importer (storage/sqlite/importer.py) writes many with AUDIT_INSERT in one executemany.
AuditRow = tuple[str, str, str, str, str, str, str, str | None, str | None]
AUDIT_INSERT = (
    "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id, before, after)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def audit_row(
    actor: Actor,
    at: str,
    action: str,
    table: str,
    record_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditRow:
    """The values of one audit row; `at` in ISO format."""
    return (
        actor.workspace,
        at,
        actor.user_id,
        actor.display_name,
        action,
        table,
        str(record_id),
        audit_json(before),
        audit_json(after),
    )


def audit_json(value: dict[str, Any] | None) -> str | None:
    """A snapshot as the audit table keeps it: JSON, keys sorted, text as it is (not made ASCII)."""
    return None if value is None else _AUDIT_ENCODER.encode(value)
