"""storage.factory.open_store: HOTLINE_DB's value chooses the backend."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import asyncpg
import pytest

from storage import factory
from storage.contract import StoreContract, missing_methods
from storage.errors import BackendIncomplete, OpenFailed
from storage.postgres.migrate import schema_version
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore


@pytest.mark.parametrize(
    ("value", "backend"),
    [
        ("postgresql://hotline@db.internal/hotline", "postgresql"),
        ("postgres://hotline@db.internal/hotline", "postgresql"),
        ("PostgreSQL://hotline@/hotline?host=/run/postgresql", "postgresql"),
        ("/data/hotline.db", "sqlite"),
        ("hotline.db", "sqlite"),
        ("postgresql.db", "sqlite"),
        ("data/postgres:/hotline.db", "sqlite"),
    ],
)
def test_the_backend_is_chosen_from_the_value(value: str, backend: str) -> None:
    assert factory.backend_of(value) == backend


async def test_a_path_opens_the_sqlite_store(tmp_path: Path) -> None:
    store = await factory.open_store(str(tmp_path / "sub" / "hotline.db"))
    try:
        assert isinstance(store, SqliteStore)
        assert (await store.workspace_settings("console:test")).timezone is None
    finally:
        await store.close()
    assert (tmp_path / "sub" / "hotline.db").exists()


async def test_a_path_sqlite_cannot_use_fails_to_open(tmp_path: Path) -> None:
    (tmp_path / "folder.db").mkdir()
    with pytest.raises(OpenFailed, match="cannot open the database"):
        await factory.open_store(str(tmp_path / "folder.db"))


async def test_a_postgres_url_opens_the_postgres_store_migrated(pg_url: str) -> None:
    store = await factory.open_store(pg_url)
    try:
        assert isinstance(store, PostgresStore)
        assert (await store.workspace_settings("console:test")).timezone is None
    finally:
        await store.close()
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT max(version) FROM schema_version") == schema_version()
    finally:
        await conn.close()


async def test_an_incomplete_backend_is_refused_naming_what_it_lacks_without_touching_the_database(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the factory does for a backend whose port is unfinished (as PostgreSQL's was): refuse before
    # connecting, so that it never migrates anybody's database.
    monkeypatch.setattr(factory, "missing_methods", lambda cls: ["add_event", "claim_digest"])
    with pytest.raises(BackendIncomplete) as info:
        await factory.open_store(pg_url)
    message = str(info.value)
    assert message.startswith("the PostgreSQL store cannot be used yet")
    assert "add_event" in message and "claim_digest" in message and "point HOTLINE_DB at a SQLite file" in message
    assert info.value.missing == ["add_event", "claim_digest"]
    assert missing_methods(PostgresStore) == []
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('schema_version')") is None  # not even migrated
    finally:
        await conn.close()


@runtime_checkable
class _Wider(StoreContract, Protocol):
    """A contract with one more method than any store has."""

    async def not_in_any_store(self) -> None: ...


async def test_a_store_that_proves_incomplete_once_open_is_closed_and_refused(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should the class check and the instance ever disagree, the opened store is closed, not handed out.
    checks = iter([[], ["add_event"]])
    monkeypatch.setattr(factory, "missing_methods", lambda cls: next(checks))
    monkeypatch.setattr(factory, "StoreContract", _Wider)  # the opened store then fails the isinstance check
    closed: list[bool] = []
    real_close = PostgresStore.close

    async def close(self: PostgresStore) -> None:
        closed.append(True)
        await real_close(self)

    monkeypatch.setattr(PostgresStore, "close", close)
    with pytest.raises(BackendIncomplete, match="add_event"):
        await factory.open_store(pg_url)
    assert closed == [True]
