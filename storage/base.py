"""The connection, transactions and audit trail that every part of the store shares."""

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

from storage.backup import BackupResult, backup_database
from storage.errors import OpenFailed, WriteFailed
from storage.records import Actor, PoolStats
from storage.schema import migrate

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


async def _connect(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> aiosqlite.Connection:
    # isolation_level=None: transactions are begun and ended explicitly, never implicitly.
    connecting = aiosqlite.connect(path, isolation_level=None)
    try:
        db = await connecting
    except sqlite3.Error:
        # aiosqlite stops its thread after a failed connect without waiting for it; wait here, or the
        # thread answers into an event loop already closed and prints a traceback after our message.
        await asyncio.to_thread(connecting._thread.join, 5)
        raise
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


async def _use_wal(db: aiosqlite.Connection, busy_timeout_ms: int) -> None:
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


def _open_failed(path: Path, exc: sqlite3.Error) -> OpenFailed:
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_READONLY_DIRECTORY":
        reason = "its folder is read-only, and SQLite must create the -wal and -shm files beside it"
    else:
        fault = write_fault(exc)
        reason = fault.reason if fault else str(exc)
    log.error("cannot open the database %s: %s (%s)", path, exc, getattr(exc, "sqlite_errorname", "?"))
    return OpenFailed(f"cannot open the database {path}: {reason}")


class StoreBase:
    """Two connections: one that writes, serialized by a lock, and one that reads.

    The bot answers many interactions at once on one event loop. With one shared connection a
    read could run inside another command's open transaction and show what that command has
    not committed (and may roll back). In WAL mode the reader sees committed data only.
    """

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Any:
        """`busy_timeout_ms`: how long a write waits for another process's lock before it fails."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            writer = await _connect(path, busy_timeout_ms)
        except sqlite3.Error as exc:
            raise _open_failed(path, exc) from exc
        try:
            await _use_wal(writer, busy_timeout_ms)
            await migrate(writer)
            reader = await _connect(path, busy_timeout_ms)
        except BaseException as exc:
            await writer.close()
            if isinstance(exc, sqlite3.Error):  # a file SQLite cannot use: say which and why
                raise _open_failed(path, exc) from exc
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()

    def pool_stats(self) -> PoolStats:
        """Two connections, always open (a writer and a reader); SQLite has no pool to be idle in."""
        return PoolStats(size=2, max_size=2)

    async def backup(self, target: Path | str, *, overwrite: bool = False) -> BackupResult:
        """A consistent copy of the database at `target`, made while the store stays in use.

        It runs in a thread on a connection of its own (storage/backup.py): the bot keeps answering,
        and its writes go on meanwhile.
        """
        return await asyncio.to_thread(backup_database, self.path, Path(target), overwrite=overwrite)

    # -- reading -------------------------------------------------------------------------------

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._reader.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self._reader.execute(sql, tuple(params)) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    # -- writing -------------------------------------------------------------------------------

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Tx]:
        """One transaction: everything inside commits together or not at all.

        A fault of the database itself (locked past the busy timeout, full, read-only, a failing
        disk), at BEGIN, inside or at COMMIT, is rolled back, logged and raised as WriteFailed, which
        commands/ shows the user; any other error is rolled back and raised as it is.
        """
        async with self._write_lock:
            try:
                await self._begin()
                try:
                    yield Tx(self._writer)
                    # Inside the try: a COMMIT that fails (a full disk) must roll back too, or the
                    # transaction stays open on the writer.
                    await self._writer.commit()
                except BaseException:
                    await self._rollback()
                    raise
            except sqlite3.Error as exc:
                fault = write_fault(exc)
                if fault is None:
                    raise
                log.error("write refused by the database %s: %s (%s); rolled back", self.path, exc, fault.code)
                raise fault from exc

    async def _begin(self) -> None:
        try:
            await self._writer.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            if not self._writer.in_transaction:
                raise
            # A transaction nobody owns: a task cancelled while its BEGIN waited in aiosqlite's queue
            # (the BEGIN ran after the task had let go of the lock), or a rollback that failed. Without
            # this every later write would fail: "cannot start a transaction within a transaction".
            await self._rollback()
            await self._writer.execute("BEGIN IMMEDIATE")

    async def _rollback(self) -> None:
        # After some faults (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY) SQLite has already rolled the
        # transaction back and this is a no-op. If the rollback itself fails, the error that caused it
        # is the one to report; the next transaction rolls back what is left.
        try:
            await self._writer.rollback()
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
# writes one; the importer (storage/importer.py) writes many with AUDIT_INSERT in one executemany.
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
        _json(before),
        _json(after),
    )


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else _AUDIT_ENCODER.encode(value)
