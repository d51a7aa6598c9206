"""The change feed on SQLite: the audit rows added since the last look, read every POLL_SECONDS.

SQLite has no way for one process to tell another that it wrote (no NOTIFY; `sqlite3_update_hook` sees
only its own connection's writes). Two honest options remain, both polling: `PRAGMA data_version`, which
says that another connection committed something but not what, or the audit table itself, which says
what. The audit table is read: one query on its integer key (`id > last`) that returns nothing almost
always, and when it returns rows they name the workspace and the kind of record, as NOTIFY does on
PostgreSQL. Its ids grow in commit order, because SQLite lets one writer at a time in and a reader sees
only committed rows, so `id > last` never skips a row committed late.

The poll runs on a read-only connection of its own (its own thread, through aiosqlite), so a long read
of a command never delays it, and it never waits for the writer. A change is heard at most one interval,
plus the query, after its commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

import aiosqlite

from storage.changes import Change, OnChange, deliver

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
BUSY_TIMEOUT_MS = 5000
# One grouped query over the new rows: an import of 100,000 events is a handful of changes.
_NEW_SINCE = "SELECT workspace, tbl, max(id) AS last FROM audit WHERE id > ? GROUP BY workspace, tbl"


class AuditPoller:
    """A running watch of one SQLite file (storage.changes.ChangeWatch)."""

    def __init__(self, path: Path, db: aiosqlite.Connection, last: int, on_change: OnChange, interval: float) -> None:
        self._path = path
        self._db = db
        self._last = last
        self._on_change = on_change
        self._interval = interval
        self._healthy = True
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, path: Path, on_change: OnChange, *, interval: float = POLL_SECONDS) -> AuditPoller:
        """Watch the store at `path` from its newest audit row on."""
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await db.execute("PRAGMA query_only = ON")
            async with db.execute("SELECT coalesce(max(id), 0) FROM audit") as cursor:
                row = await cursor.fetchone()
        except BaseException:
            await db.close()
            raise
        poller = cls(path, db, int(row[0]) if row else 0, on_change, interval)
        poller._task = asyncio.create_task(poller._run(), name="hotline-audit-poll")
        return poller

    @property
    def connected(self) -> bool:
        return self._healthy and self._task is not None and not self._task.done()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._db.close()

    async def poll(self) -> list[Change]:
        """One look: the changes committed since the last one, each workspace and kind once."""
        async with self._db.execute(_NEW_SINCE, (self._last,)) as cursor:
            rows = list(await cursor.fetchall())
        if rows:
            self._last = max(self._last, *(int(r[2]) for r in rows))
        return [Change(str(r[0]), str(r[1])) for r in rows]

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                changes = await self.poll()
            except sqlite3.Error as exc:
                # A locked or failing file: look again at the next tick. Rows are only read, never
                # consumed, so nothing is lost meanwhile; but say so once, and once when it recovers.
                if self._healthy:
                    log.warning("reading the change feed from %s failed: %s; trying again", self._path, exc)
                self._healthy = False
                continue
            if not self._healthy:
                log.info("the change feed is read again")
                self._healthy = True
            for change in changes:
                deliver(self._on_change, change)
