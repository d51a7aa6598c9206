"""The two backends as the tests see them: their ids, the session's PostgreSQL scratch database, and a
look at every row of a store of either kind.

The store fixture (tests/conftest.py) runs each test that asks for it once per backend. For PostgreSQL
a new database per test costs 0.3-0.7 s on a busy 2-core machine (CREATE DATABASE copies the template
and checkpoints); emptying one database costs a few hundredths, so the session keeps one scratch
database and empties it before each test, ids restarted, as a new database would be.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import asyncpg

from storage.contract import StoreContract
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore

if TYPE_CHECKING:
    from tests.pg_server import PgServer

BACKENDS = ("sqlite", "postgresql")

# Tables, not their partitions (search_doc's, one a kind): a partition's rows are read and written
# through its parent, and listing both would copy them twice.
_TABLES = (
    "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
    " AND relkind IN ('r', 'p') AND NOT relispartition ORDER BY relname"
)
_WRITABLE_COLUMNS = (
    "SELECT table_name, column_name FROM information_schema.columns"
    " WHERE table_schema = 'public' AND is_generated = 'NEVER' AND table_name IN"
    f" ({_TABLES.removesuffix(' ORDER BY relname')}) ORDER BY table_name, ordinal_position"
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
        # setval, not ALTER SEQUENCE … RESTART: that gives each sequence a new file, and costs ten times more.
        restart = ", ".join(f"setval('{_quoted(q)}', 1, false)" for q in self._sequences)
        await self._run([*self._emptying(), f"SELECT {restart}", "COMMIT"])
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
    """Every row of every table of a PostgreSQL store, each row as PostgreSQL writes it as text, each
    table's rows sorted: what a refused command must leave as it was. One statement, so one snapshot of
    the database and one round trip (the fuzzing takes a look before and after every call)."""
    async with pool.acquire() as conn:
        tables = [r["relname"] for r in await conn.fetch(_TABLES)]
        row = await conn.fetchrow(
            "SELECT " + ", ".join(f"ARRAY(SELECT t::text FROM {_quoted(t)} t) AS {_quoted(t)}" for t in tables)
        )
    assert row is not None
    return {t: sorted((text,) for text in row[t]) for t in tables}


async def pg_problems(pool: asyncpg.Pool) -> list[str]:
    """What is wrong with a PostgreSQL store's committed rows that its constraints cannot catch (what
    integrity_check and the full-text index's own check are on SQLite): the counts and name words its
    triggers keep, and the search text its writes keep, each against the rows it stands for. [] if
    nothing is."""
    found = []
    async with pool.acquire() as conn:
        for check, sql in _PG_CHECKS.items():
            rows = await conn.fetch(sql)
            found += [f"{check}: {tuple(r)}" for r in rows[:5]]
    return found


# Each query lists what is wrong; a sound database gives no rows.
_TALLY = (
    "SELECT workspace, g.grain, track, status,"
    " CASE g.grain WHEN 'day' THEN day ELSE date_trunc('month', day)::date END AS bucket, kind, count(*) AS n"
    " FROM event CROSS JOIN (VALUES ('day'), ('month')) AS g(grain) GROUP BY 1, 2, 3, 4, 5, 6"
)
# Every event, question and person has its search text; a concern has one unless it is only an issue
# raised at an event (the event's text holds that), as on SQLite.
_INDEXED = (
    "SELECT * FROM (SELECT 'event', id, workspace FROM event UNION ALL SELECT 'question', id, workspace FROM question"
    " UNION ALL SELECT 'person', id, workspace FROM person) AS records"
)
_RECORDS = f"SELECT * FROM ({_INDEXED} UNION ALL SELECT 'concern', id, workspace FROM concern) AS records"
_PG_CHECKS = {
    "a timeline count that is not the count of its events": (
        f"(SELECT * FROM event_tally EXCEPT SELECT * FROM ({_TALLY}) AS t)"
        f" UNION ALL (SELECT * FROM ({_TALLY}) AS t EXCEPT SELECT * FROM event_tally)"
    ),
    "a word of a name that suggestions do not find": (
        "SELECT k.workspace, w.word, k.person_id FROM person_key k"
        " CROSS JOIN LATERAL unnest(string_to_array(k.key, ' ')) AS w(word) WHERE w.word <> ''"
        " EXCEPT SELECT workspace, word, person_id FROM person_word"
    ),
    "a search text without its record (or in another workspace)": (
        f"SELECT kind, ref, workspace FROM search_doc EXCEPT {_RECORDS}"
    ),
    "a record without its search text": f"{_INDEXED} EXCEPT SELECT kind, ref, workspace FROM search_doc",
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
    assert isinstance(store, SqliteStore)
    await store.db.writer.execute(
        f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {_quoted(table)} BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    try:
        yield
    finally:
        await store.db.writer.execute("DROP TRIGGER refuse_insert")


class Renumbering:
    """Each kind of id (event, person, concern, audit) replaced by its rank among the ids of that kind a
    store holds. PostgreSQL's ids come from sequences, which never give back an id that a rolled-back
    write took (a refused import line, a duplicate), where SQLite takes the same id again
    (docs/STORAGE.md): the same record in the same order has ids of the same ranks on both."""

    def __init__(self, ids: dict[str, set[int]]) -> None:
        self._ranks = {kind: {i: n for n, i in enumerate(sorted(found), start=1)} for kind, found in ids.items()}

    def __call__(self, kind: str, id_: int) -> int:
        return self._ranks[kind][id_]

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record_of() answer, renumbered."""
        r = self
        return {
            **record,
            "events": [
                replace(
                    e,
                    id=r("event", e.id),
                    participants=tuple(replace(p, person_id=r("person", p.person_id)) for p in e.participants),
                )
                for e in record["events"]
            ],
            "raised": {r("event", k): v for k, v in record["raised"].items()},
            "people": [replace(p, id=r("person", p.id)) for p in record["people"]],
            "keys": sorted((key, r("person", p), kind) for key, p, kind in record["keys"]),
            "concerns": [
                replace(c, id=r("concern", c.id), event_id=None if c.event_id is None else r("event", c.event_id))
                for c in record["concerns"]
            ],
            "audit": [
                replace(
                    a,
                    id=r("audit", a.id),
                    record_id=str(r(a.table, int(a.record_id))) if a.table in self._ranks else a.record_id,
                )
                for a in record["audit"]
            ],
        }


async def renumbering(store: StoreContract, workspaces: Iterable[str]) -> Renumbering:
    """The ranks of the ids of every event, person, concern and audit entry of `workspaces` in `store`."""
    ids: dict[str, set[int]] = {"event": set(), "person": set(), "concern": set(), "audit": set()}
    for workspace in workspaces:
        record = await record_of(store, workspace)
        ids["event"] |= {e.id for e in record["events"]}
        ids["person"] |= {p.id for p in record["people"]}
        ids["concern"] |= {c.id for c in record["concerns"]}
        ids["audit"] |= {a.id for a in record["audit"]}
    return Renumbering(ids)


async def record_of(store: StoreContract, workspace: str) -> dict[str, Any]:
    """A workspace's record as the contract reads it: every event (participants, sources, the issues each
    side raised), person, name key, issue, concern, office and audit entry. Two stores of different
    backends that hold the same record give equal answers, where their rows (typed by each database)
    cannot be compared."""
    events, more = await store.list_events(workspace, limit=100_000)
    assert not more
    keys = await store.person_keys(workspace)
    people = [await store.person(workspace, person_id) for person_id in sorted({p for _, p, _ in keys})]
    issues = await store.issues(workspace)
    concerns = [c for i in issues for c in await store.concerns_on(workspace, i.slug, limit=100_000)]
    return {
        "events": events,
        "raised": await store.raised_at(workspace, [e.id for e in events]),
        "people": people,
        "keys": sorted(keys),
        "issues": issues,
        "concerns": concerns,
        "offices": await store.offices(workspace),
        "audit": await store.audit_entries(workspace, limit=100_000),
    }
