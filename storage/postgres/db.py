"""Reads and transactions over the pool, shared by every area of the PostgreSQL store.

A read borrows a connection for one statement. A write is one transaction on one connection, together
with its audit entry and its search text; a fault of the database (unreachable, read-only, full, shut
down, a deadlock or serialization failure that outlived the retry) is rolled back and becomes WriteFailed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg

from storage.errors import WriteFailed
from storage.postgres.pool import Connection, PointConnections
from storage.records import Actor
from storage.rules import search_tokens

log = logging.getLogger(__name__)

T = TypeVar("T")

# SQLSTATE classes and codes that mean the database could not take a write, whatever was written.
_FAULT_CLASSES = {
    "08": "the database connection was lost; try again in a moment",
    "53": "the database server is out of resources (disk, memory or connections)",
    "57": "the database server is shutting down or restarting; try again in a moment",
    "58": "the database server reported a system error",
}
_FAULT_CODES = {
    "25006": "the database is read-only",
    "40001": "the database could not order this write against another one; try again",
    "40P01": "the database could not order this write against another one; try again",
}


def write_fault(exc: BaseException) -> WriteFailed | None:
    """The WriteFailed that an error from a write stands for, or None if it is not a fault of the database."""
    if isinstance(exc, asyncpg.PostgresError):
        code = str(exc.sqlstate or "")
        reason = _FAULT_CODES.get(code) or _FAULT_CLASSES.get(code[:2])
        return WriteFailed(reason, code) if reason else None
    if isinstance(exc, asyncpg.InterfaceError | ConnectionError | OSError | TimeoutError):
        return WriteFailed("the database connection was lost; try again in a moment", type(exc).__name__)
    return None


def _connection_lost(exc: BaseException) -> bool:
    """Whether an error is the connection's rather than the statement's: the socket, or the server ending
    the session (SQLSTATE class 08, or 57P..: an administrator's command, a shutdown, the database gone;
    not 57014, a statement cancelled)."""
    if isinstance(exc, asyncpg.InterfaceError | ConnectionError | OSError):
        return True
    code = str(exc.sqlstate or "") if isinstance(exc, asyncpg.PostgresError) else ""
    return code.startswith(("08", "57P"))


class Tx:
    """One connection inside an open transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.workspaces: set[str] = set()  # whose records this transaction wrote (its audit entries say)

    def wrote_in(self, workspace: str) -> None:
        """Name a workspace this transaction writes in, for a write whose audit rows do not go through
        `audit` (a bulk COPY): what the process keeps of that workspace is forgotten when it ends."""
        self.workspaces.add(workspace)

    async def all(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(sql, *args))

    async def one(self, sql: str, *args: Any) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self.conn.fetchrow(sql, *args)
        return row

    async def value(self, sql: str, *args: Any) -> Any:
        return await self.conn.fetchval(sql, *args)

    async def run(self, sql: str, *args: Any) -> str:
        """Execute; returns the command tag ("INSERT 0 1")."""
        return str(await self.conn.execute(sql, *args))

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
        self.wrote_in(actor.workspace)
        await self.conn.execute(AUDIT_INSERT, *audit_values(actor, at, action, table, record_id, before, after))

    async def index(self, workspace: str, kind: str, ref: int, body: str) -> None:
        """Put (or replace) one record's searchable text."""
        if not body.strip():
            await self.unindex(kind, ref)
            return
        await self.conn.execute(
            "INSERT INTO search_doc (kind, ref, workspace, body, folded) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (kind, ref) DO UPDATE SET body = excluded.body, folded = excluded.folded",
            kind,
            ref,
            workspace,
            body,
            " ".join(search_tokens(body)),
        )

    async def unindex(self, kind: str, ref: int) -> None:
        await self.conn.execute("DELETE FROM search_doc WHERE kind = $1 AND ref = $2", kind, ref)


AUDIT_COLUMNS = ["workspace", "at", "actor_id", "actor_name", "action", "tbl", "record_id", "before", "after"]
AUDIT_INSERT = f"INSERT INTO audit ({', '.join(AUDIT_COLUMNS)}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"


def audit_values(
    actor: Actor,
    at: dt.datetime,
    action: str,
    table: str,
    record_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> tuple[Any, ...]:
    """One audit row's values, in AUDIT_INSERT's order (the snapshots as the JSONB codec takes them)."""
    return (actor.workspace, at, actor.user_id, actor.display_name, action, table, str(record_id), before, after)


def storable(*texts: str | None) -> bool:
    """Whether PostgreSQL can be sent these texts: it refuses the NUL character in any text, and so holds
    none with it. A lookup by such a text (a user can type one) is answered as finding nothing, without
    asking the database, which is what SQLite answers."""
    return not any(t is not None and "\x00" in t for t in texts)


class Database:
    """The pool and the point-read connections, as the store's areas use them.

    `all`, `one` and `value` run a statement through the pool, planned for the values it is given.
    `point_all`, `point_one` and `point_value` run a point read (a few rows found by key, through an
    index led by the workspace) on a connection of its own with one plan per statement: see
    PointConnections for what may go there.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        points: PointConnections | None = None,
        written: Callable[[set[str]], None] | None = None,
    ) -> None:
        self.pool = pool
        self.points = points
        # Told, after every transaction, the workspaces it wrote in (as its audit entries name them: every
        # write to the record has one), whether it committed or not: forgetting a copy costs one read.
        self.written = written

    async def all(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return list(await self.pool.fetch(sql, *args))

    async def one(self, sql: str, *args: Any) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self.pool.fetchrow(sql, *args)
        return row

    async def value(self, sql: str, *args: Any) -> Any:
        return await self.pool.fetchval(sql, *args)

    async def point_all(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return list(await self._point(lambda c: c.fetch(sql, *args)))

    async def point_one(self, sql: str, *args: Any) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self._point(lambda c: c.fetchrow(sql, *args))
        return row

    async def point_value(self, sql: str, *args: Any) -> Any:
        return await self._point(lambda c: c.fetchval(sql, *args))

    async def _point(self, run: Callable[[Connection | asyncpg.Pool], Awaitable[T]]) -> T:
        """Run a read on a point connection, or through the pool when none is free. A read is safe to run
        twice: if the point connection itself fails (the server ended it, the socket broke), the read
        goes through the pool, and the connection is replaced."""
        conn = await self.points.borrow() if self.points is not None else None
        if conn is None:
            return await run(self.pool)
        assert self.points is not None
        try:
            result = await run(conn)
        except Exception as exc:
            if not _connection_lost(exc) and not conn.is_closed():
                self.points.give_back(conn)  # the statement failed, not the connection
                raise
            self.points.discard(conn)
            log.warning("a point-read connection failed (%s); reading through the pool", type(exc).__name__)
            return await run(self.pool)
        except BaseException:
            self.points.discard(conn)  # interrupted midway (cancelled): its state is unknown
            raise
        self.points.give_back(conn)
        return result

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One transaction: everything inside commits together or not at all. A fault of the database,
        at BEGIN, inside or at COMMIT, is rolled back, logged and raised as WriteFailed; any other error
        (a broken rule of the record, a bug) is rolled back and raised as it is."""
        tx: Tx | None = None
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                tx = Tx(conn)
                yield tx
        except Exception as exc:
            fault = write_fault(exc)
            if fault is None:
                raise
            log.error("write refused by PostgreSQL: %s (%s); rolled back", type(exc).__name__, fault.code)
            raise fault from exc
        finally:
            if tx is not None and self.written is not None:
                self.written(tx.workspaces)


def ids_param(ids: Sequence[int]) -> list[int]:
    """A list of ids as one array parameter (`= ANY($n::bigint[])`)."""
    return [int(i) for i in ids]
