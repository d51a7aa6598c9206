"""Real commands (commands.surface.dispatch) against a PostgreSQL store opened by storage.factory, beside
the same commands against a SQLite store: the user reads the same answers from either backend."""

from __future__ import annotations

from pathlib import Path

from commands.context import FixedClock
from storage.factory import open_store
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore
from tests.conftest import NOW, Runner
from tests.test_commands import seed


async def script(run: Runner) -> dict[str, str]:
    await seed(run)
    await run("event add", date="2022-06-10", us="Austin", cn="Wei Fenghe", kind="meeting", summary="Shangri-La talks.")
    return {
        "lastcall": await run.text("lastcall"),
        "lastcall with": await run.text("lastcall", **{"with": "Wei Fenghe"}),
        "search": await run.text("search", query="shangri"),
        "digest preview": await run.text("digest preview"),
        "timeline": await run.text("timeline"),
        "event list": await run.text("event list"),
    }


async def test_commands_answer_alike_on_postgresql_and_sqlite(pg_store_url: str, tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    pg = await open_store(pg_store_url)
    assert isinstance(pg, PostgresStore)
    try:
        on_pg = await script(Runner(pg, clock))
    finally:
        await pg.close()
    sqlite = await SqliteStore.open(tmp_path / "hotline.db")
    try:
        on_sqlite = await script(Runner(sqlite, clock))
    finally:
        await sqlite.close()
    assert "Latest contact: Lloyd J. Austin III ↔ Wei Fenghe" in on_pg["lastcall"]
    assert "Shangri-La talks" in on_pg["search"]
    assert on_pg == on_sqlite
