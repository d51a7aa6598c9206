"""The two backends as the tests see them: their ids, the session's PostgreSQL scratch database, and a
look at every row of a store of either kind.

The store fixture (tests/conftest.py) runs each test that asks for it once per backend. For PostgreSQL
a new database per test costs 0.3-0.7 s on a busy 2-core machine (CREATE DATABASE copies the template
and checkpoints); emptying one database costs a few hundredths, so the session keeps one scratch
database and empties it before each test, ids restarted, as a new database would be.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import asyncpg

from storage.contract import StoreContract
from storage.postgres.store import PostgresStore
from storage.store import Store

if TYPE_CHECKING:
    from tests.pg_server import PgServer

BACKENDS = ("sqlite", "postgresql")

_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
_WRITABLE_COLUMNS = (
    "SELECT table_name, column_name FROM information_schema.columns"
    " WHERE table_schema = 'public' AND is_generated = 'NEVER' ORDER BY table_name, ordinal_position"
)
_SEQUENCES = "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename"
# Whatever holds a lock on the scratch database at the next test's start is a leak of the test before:
# fail with the lock named rather than hang.
_LOCK_TIMEOUT = "10s"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class ScratchDatabase:
    """One migrated database that the tests of a session take turns on (they run one at a time)."""

    def __init__(self, url: str, tables: dict[str, list[str]], sequences: list[str]) -> None:
        self.url = url
        self._tables = tables  # each table's columns that can be written (not the generated ones)
        self._sequences = sequences
        self._restore_sql: dict[str, str] = {}  # by the name a state was saved under

    @classmethod
    async def create(cls, server: PgServer, template: str) -> ScratchDatabase:
        url = await server.create_database(template=template)
        conn = await asyncpg.connect(url)
        try:
            columns = await conn.fetch(_WRITABLE_COLUMNS)
            sequences = [r["sequencename"] for r in await conn.fetch(_SEQUENCES)]
        finally:
            await conn.close()
        tables: dict[str, list[str]] = {}
        for r in columns:
            if r["table_name"] != "schema_version":
                tables.setdefault(r["table_name"], []).append(r["column_name"])
        return cls(url, tables, sequences)

    def _emptying(self) -> list[str]:
        # As a superuser in the `replica` role no trigger runs, the foreign keys' included: every table
        # is emptied in one go, in any order, and the tables the triggers keep (event_tally, person_word)
        # are emptied like any other. DELETE, not TRUNCATE: on tables this small it is several times
        # faster (TRUNCATE makes new files for every table and index).
        return [
            f"SET lock_timeout = '{_LOCK_TIMEOUT}'",
            "BEGIN",
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {_quoted(t)}" for t in self._tables),
        ]

    async def _run(self, statements: list[str]) -> None:
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(";\n".join(statements))
        finally:
            await conn.close()

    async def emptied(self) -> str:
        """Empty every table and restart every id, as in a new database; returns the database's URL."""
        await self._run(
            [*self._emptying(), *(f"ALTER SEQUENCE {_quoted(q)} RESTART" for q in self._sequences), "COMMIT"]
        )
        return self.url

    async def save(self, name: str) -> None:
        """Keep a copy of every row and of where each id sequence stands, to `restore(name)` later: a
        fixture that loads a record pays for loading it once per session, not once per test."""
        schema = _quoted(f"saved_{name}")
        conn = await asyncpg.connect(self.url)
        try:
            async with conn.transaction():
                await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
                for table, columns in self._tables.items():
                    listed = ", ".join(_quoted(c) for c in columns)
                    await conn.execute(
                        f"CREATE TABLE {schema}.{_quoted(table)} AS SELECT {listed} FROM {_quoted(table)}"
                    )
                positions = [
                    (q, await conn.fetchrow(f"SELECT last_value, is_called FROM {_quoted(q)}")) for q in self._sequences
                ]
        finally:
            await conn.close()
        self._restore_sql[name] = ";\n".join(
            [
                *self._emptying(),
                *(
                    f"INSERT INTO {_quoted(t)} ({', '.join(_quoted(c) for c in cols)})"
                    f" SELECT {', '.join(_quoted(c) for c in cols)} FROM {schema}.{_quoted(t)}"
                    for t, cols in self._tables.items()
                ),
                *(
                    f"SELECT setval('{_quoted(q)}', {row['last_value']}, {'true' if row['is_called'] else 'false'})"
                    for q, row in positions
                    if row is not None
                ),
                "COMMIT",
            ]
        )

    async def restore(self, name: str) -> bool:
        """The database as it was when `save(name)` ran; False (and nothing done) if it never ran."""
        sql = self._restore_sql.get(name)
        if sql is None:
            return False
        await self._run([sql])
        return True


async def pg_rows(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a PostgreSQL store, each table's rows sorted: what a refused command
    must leave as it was. Read in one snapshot of the database."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        tables = [r["tablename"] for r in await conn.fetch(_TABLES)]
        return {
            t: sorted((tuple(r) for r in await conn.fetch(f"SELECT * FROM {_quoted(t)}")), key=repr) for t in tables
        }


async def event_count(store: StoreContract, workspace: str) -> int:
    """How many events the workspace holds, held or not, through the contract (either backend)."""
    events, more = await store.list_events(workspace, limit=100_000)
    assert not more
    return len(events)


@asynccontextmanager
async def refusing_inserts(store: StoreContract, table: str) -> AsyncIterator[None]:
    """While inside, the database itself refuses every insert into `table` with the error 'refused': a
    fault that no validation foresees, for the tests that a write is all or nothing. The trigger is gone
    afterwards, whatever happened inside."""
    if isinstance(store, PostgresStore):
        await store.pool.execute(
            "CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'refused'; END $$;"
            f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {_quoted(table)}"
            " FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
        )
        try:
            yield
        finally:
            await store.pool.execute(f"DROP TRIGGER refuse_insert ON {_quoted(table)}; DROP FUNCTION refuse_insert()")
        return
    assert isinstance(store, Store)
    await store._writer.execute(
        f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {_quoted(table)} BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    try:
        yield
    finally:
        await store._writer.execute("DROP TRIGGER refuse_insert")
