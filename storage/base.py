"""The connection, transactions and audit trail that every part of the store shares."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.records import Actor
from storage.schema import migrate

BUSY_TIMEOUT_MS = 5000


def ws_token(workspace: str) -> str:
    """One full-text token that stands for a workspace (workspace ids hold ':' and digits)."""
    return "w" + hashlib.blake2s(workspace.encode(), digest_size=8).hexdigest()


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: transactions are begun and ended explicitly, never implicitly.
    db = await aiosqlite.connect(path, isolation_level=None)
    db.row_factory = sqlite3.Row
    await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await db.execute("PRAGMA foreign_keys = ON")
    await db.execute("PRAGMA synchronous = NORMAL")  # durable across process crashes in WAL mode
    return db


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
    async def open(cls, path: Path | str) -> Any:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        try:
            await writer.execute("PRAGMA journal_mode = WAL")
            await migrate(writer)
            reader = await _connect(path)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()

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
        """One transaction: everything inside commits together or not at all."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._writer)
            except BaseException:
                await self._writer.rollback()
                raise
            else:
                await self._writer.commit()


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
        await self.run(
            "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                actor.workspace,
                at.isoformat(),
                actor.user_id,
                actor.display_name,
                action,
                table,
                str(record_id),
                _json(before),
                _json(after),
            ),
        )

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


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
