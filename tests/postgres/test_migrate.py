"""The PostgreSQL schema and its migration runner, on the session's real server."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest

from storage.errors import OpenFailed, SchemaTooNew
from storage.postgres.migrate import (
    MIGRATION_LOCK,
    Migration,
    MigrationFilesInvalid,
    database_version,
    load_migrations,
    migrate,
    migrations,
    schema_version,
)
from storage.postgres.pool import open_pool
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore

TABLES = {
    "audit",
    "concern",
    "digest_run",
    "draft",
    "event",
    "event_tally",
    "feed",
    "held_reply",
    "feed_item",
    "issue",
    "office",
    "participant",
    "person",
    "person_key",
    "person_word",
    "question",
    "schema_version",
    "search_doc",
    "slack_installation",
    "slack_oauth_state",
    "subscription",
    "workspace",
}


@pytest.fixture
async def conn(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    c = await asyncpg.connect(pg_url)
    try:
        yield c
    finally:
        await c.close()


async def catalog(conn: asyncpg.Connection) -> list[tuple[str, ...]]:
    """Every column, constraint and index of the public schema: to compare two states of a schema."""
    columns = await conn.fetch(
        "SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '')"
        " FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"
    )
    constraints = await conn.fetch(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
    )
    indexes = await conn.fetch("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
    return [tuple(map(str, r)) for r in (*columns, *constraints, *indexes)]


async def test_an_empty_database_is_migrated_to_the_schema_version(conn: asyncpg.Connection) -> None:
    assert await database_version(conn) == 0
    began = time.perf_counter()
    assert await migrate(conn) == schema_version() >= 1
    print(f"migrated an empty database in {1000 * (time.perf_counter() - began):.0f} ms")
    assert await database_version(conn) == schema_version()
    tables = await conn.fetch(
        "SELECT c.relname, c.relispartition FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
        " AND c.relkind IN ('r', 'p')"
    )
    assert {r["relname"] for r in tables if not r["relispartition"]} == TABLES
    # Search keeps a partition per kind of record (migration 0004), each with its own statistics.
    assert {r["relname"] for r in tables if r["relispartition"]} == {
        f"search_doc_{kind}" for kind in ("event", "concern", "question", "person")
    }
    rows = await conn.fetch("SELECT version, name FROM schema_version ORDER BY version")
    assert [(r["version"], r["name"]) for r in rows] == [(m.version, m.name) for m in migrations()]
    # The uniqueness rules concurrent writers rely on are constraints, not application checks.
    unique = {
        r["conname"]
        for r in await conn.fetch(
            "SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u')"
        )
    }
    assert {"event_dedupe", "person_key_pkey", "issue_pkey", "subscription_workspace_channel_id_key"} <= unique
    # A held reply or an OAuth state is taken once by its unique key.
    assert {"held_reply_token_key", "slack_oauth_state_state_key"} <= unique
    assert await conn.fetchval("SELECT count(*) FROM pg_indexes WHERE indexname = 'search_doc_tsv'") == 1


async def test_migrating_again_changes_nothing(conn: asyncpg.Connection) -> None:
    await migrate(conn)
    before = await catalog(conn)
    assert await migrate(conn) == 0
    assert await catalog(conn) == before
    assert await conn.fetchval("SELECT count(*) FROM schema_version") == schema_version()


async def test_a_database_newer_than_the_code_is_refused(conn: asyncpg.Connection, pg_url: str) -> None:
    await migrate(conn)
    await conn.execute(
        "INSERT INTO schema_version (version, name) VALUES ($1, 'from_the_future')", schema_version() + 1
    )
    before = await catalog(conn)
    with pytest.raises(SchemaTooNew) as info:
        await migrate(conn)
    assert (info.value.found, info.value.known) == (schema_version() + 1, schema_version())
    assert f"schema version {schema_version() + 1}" in str(info.value) and "another database" in str(info.value)
    assert await catalog(conn) == before
    # The lock was let go: another session can take it at once.
    assert await conn.fetchval("SELECT pg_try_advisory_lock($1)", MIGRATION_LOCK)
    await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
    # The store refuses it too, and leaves no connection behind.
    with pytest.raises(SchemaTooNew):
        await PostgresStore.open(pg_url)
    others = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    for _ in range(100):  # a closed connection's server process may take a moment to go
        if await conn.fetchval(others) == 0:
            break
        await asyncio.sleep(0.02)
    assert await conn.fetchval(others) == 0


async def test_a_failing_migration_is_rolled_back_whole(conn: asyncpg.Connection) -> None:
    steps = (
        Migration(1, "first", "CREATE TABLE one (id INTEGER PRIMARY KEY)"),
        Migration(2, "broken", "CREATE TABLE two (id INTEGER PRIMARY KEY); INSERT INTO two VALUES ('not a number')"),
    )
    with pytest.raises(asyncpg.InvalidTextRepresentationError):
        await migrate(conn, steps)
    assert await database_version(conn) == 1
    assert await conn.fetchval("SELECT to_regclass('one')") is not None
    assert await conn.fetchval("SELECT to_regclass('two')") is None
    assert await conn.fetchval("SELECT pg_try_advisory_lock($1)", MIGRATION_LOCK)


async def test_a_second_process_waits_for_the_first_and_finds_the_work_done(pg_url: str) -> None:
    slow = (Migration(1, "slow", "SELECT pg_sleep(0.3); CREATE TABLE one (id INTEGER PRIMARY KEY)"),)
    first, second = await asyncpg.connect(pg_url), await asyncpg.connect(pg_url)
    try:
        applied = await asyncio.gather(migrate(first, slow), migrate(second, slow))
    finally:
        await first.close()
        await second.close()
    assert sorted(applied) == [0, 1]


def test_migration_files_are_numbered_from_one_without_gaps(tmp_path: Path) -> None:
    assert [m.version for m in load_migrations()] == list(range(1, schema_version() + 1))
    (tmp_path / "0001_first.sql").write_text("SELECT 1")
    (tmp_path / "0003_third.sql").write_text("SELECT 1")
    with pytest.raises(MigrationFilesInvalid, match=re.escape("0003_third.sql where 0002 was expected")):
        load_migrations(tmp_path)
    (tmp_path / "0003_third.sql").unlink()
    (tmp_path / "2_Second.sql").write_text("SELECT 1")
    with pytest.raises(MigrationFilesInvalid, match=re.escape("2_Second.sql: a migration is named NNNN_name.sql")):
        load_migrations(tmp_path)


async def test_the_schema_keeps_its_rules_under_concurrent_writers(conn: asyncpg.Connection, pg_url: str) -> None:
    await migrate(conn)
    await conn.execute(
        "INSERT INTO person (id, workspace, name, side, created_at) VALUES"
        " (1, 'w1', 'Wei Fenghe', 'china', now()), (2, 'w1', 'Wei F.', 'china', now()),"
        " (3, 'w2', 'Lloyd Austin', 'us', now())"
    )
    # Two writers claim the same name key at once: the second waits for the first, then gets nothing.
    a, b = await asyncpg.connect(pg_url), await asyncpg.connect(pg_url)
    try:
        claim = (
            "INSERT INTO person_key (workspace, key, person_id) VALUES ('w1', 'wei fenghe', $1)"
            " ON CONFLICT (workspace, key) DO NOTHING RETURNING person_id"
        )
        tx_a, tx_b = a.transaction(), b.transaction()
        await tx_a.start()
        await tx_b.start()
        got_a = await a.fetchval(claim, 1)
        pending_b = asyncio.ensure_future(b.fetchval(claim, 2))
        await asyncio.sleep(0.1)
        assert not pending_b.done()  # held by a's uncommitted key
        await tx_a.commit()
        got_b = await pending_b
        await tx_b.commit()
    finally:
        await a.close()
        await b.close()
    assert (got_a, got_b) == (1, None)
    assert await conn.fetchval("SELECT count(*) FROM person_key WHERE key = 'wei fenghe'") == 1

    event = (
        "INSERT INTO event (workspace, day, kind, track, status, dedupe_key, created_at, created_by)"
        " VALUES ($1, '2022-04-20', 'call', 'defense', 'held', $2, now(), 'u1') RETURNING id"
    )
    first = await conn.fetchval(event, "w1", "2022-04-20|call|1,3")
    with pytest.raises(asyncpg.UniqueViolationError, match="event_dedupe"):
        await conn.fetchval(event, "w1", "2022-04-20|call|1,3")
    assert await conn.fetchval(event, "w2", "2022-04-20|call|1,3") != first  # another workspace's rule
    # A participant must be a person of the event's own workspace.
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await conn.execute(
            "INSERT INTO participant (event_id, person_id, workspace, side, position, day, status)"
            " VALUES ($1, 3, 'w1', 'us', 0, '2022-04-20', 'held')",
            first,
        )


async def test_lists_are_jsonb_and_search_text_is_indexed(pg_url: str) -> None:
    pool = await open_pool(pg_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as c:
            await migrate(c)
            await c.execute(
                "INSERT INTO issue (workspace, slug, title, aliases) VALUES ('w1', 'taiwan', 'Taiwan', $1)",
                ["Taiwan Strait", "台湾"],
            )
            assert await c.fetchval("SELECT aliases FROM issue") == ["Taiwan Strait", "台湾"]
            with pytest.raises(asyncpg.CheckViolationError):
                await c.execute("INSERT INTO issue (workspace, slug, title, aliases) VALUES ('w1', 'x', 'X', $1)", {})
            await c.execute(
                "INSERT INTO search_doc (kind, ref, workspace, body, folded) VALUES ('event', 1, 'w1', $1, $2)",
                "Défense call on the Taiwan Strait",
                "defense call on the taiwan strait",
            )
            query = "SELECT ref FROM search_doc WHERE workspace = 'w1' AND tsv @@ websearch_to_tsquery('simple', $1)"
            assert [r["ref"] for r in await c.fetch(query, "taiwan strait")] == [1]
            assert [r["ref"] for r in await c.fetch(query, '"strait taiwan"')] == []
    finally:
        await pool.close()


async def test_opening_an_unusable_database_says_why(pg_server: object, pg_url: str) -> None:
    with pytest.raises(OpenFailed, match="not a PostgreSQL URL"):
        await open_pool("mysql://example/hotline")
    missing = pg_url.replace("hotline_test_", "hotline_absent_", 1)
    with pytest.raises(OpenFailed, match="the database does not exist"):
        await open_pool(missing)
    with pytest.raises(OpenFailed, match="cannot be reached") as info:
        await open_pool("postgresql://hotline:s3cret@/hotline?host=/nonexistent-folder")
    assert "s3cret" not in str(info.value) and "hotline:***@" in str(info.value)
    with pytest.raises(OpenFailed, match="the database does not exist"):
        await PostgresStore.open(missing)


async def test_the_schema_holds_the_same_columns_as_the_sqlite_store(conn: asyncpg.Connection, tmp_path: Path) -> None:
    # Both backends keep the same record: each table's columns match (search has its own table on each).
    await migrate(conn)
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        " AND table_name <> 'schema_version' AND table_name NOT LIKE 'search_doc%'"
    )
    ours: dict[str, set[str]] = {}
    for r in rows:
        ours.setdefault(r["table_name"], set()).add(r["column_name"])
    await (await SqliteStore.open(tmp_path / "hotline.db")).close()  # a new SQLite store at its schema version
    theirs: dict[str, set[str]] = {}
    with closing(sqlite3.connect(tmp_path / "hotline.db")) as db:
        for (table,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_index%'"
        ).fetchall():
            theirs[table] = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
    assert ours == theirs
