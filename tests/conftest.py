"""Shared fixtures: a real store of each backend (a SQLite file in a temporary folder, a PostgreSQL
database of the session's server), a fixed clock, and callers."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import asyncpg
import pytest

from bot.discord.info import DISCORD
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.reply import Reply, render_text
from commands.surface import dispatch
from storage.contract import StoreContract
from storage.postgres.migrate import migrate
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore
from tests.backends import BACKENDS, ScratchDatabase, pg_rows
from tools.gallery import load_sample

if TYPE_CHECKING:  # imported by pytest as a plugin below, so that its asserts are rewritten
    from tests.pg_server import PgServer

# The session's PostgreSQL server and a fresh database per test: tests/pg_server.py.
pytest_plugins = ["tests.pg_server"]

WS = "console:test"
OTHER_WS = "console:other"
# Thursday 2022-04-21, the day after the Austin–Wei call.
NOW = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """The name of a database migrated to the current schema, that each test's database is copied from:
    copying a migrated database is as fast as creating an empty one, and spares each test the migration."""
    # In a thread of its own: this fixture may be first asked for from inside a test's running event loop.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, _migrated_database(pg_server)).result()


async def _migrated_database(pg_server: PgServer) -> str:
    url = await pg_server.create_database()
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return unquote(urlsplit(url).path.lstrip("/"))


@pytest.fixture
async def pg_store_url(pg_server: PgServer, pg_template: str) -> AsyncIterator[str]:
    """A fresh database at the current schema for this test; dropped afterwards."""
    url = await pg_server.create_database(template=pg_template)
    try:
        yield url
    finally:
        await pg_server.drop_database(url)


@pytest.fixture(scope="session")
def pg_scratch(pg_server: PgServer, pg_template: str) -> ScratchDatabase:
    """One database at the current schema for the whole session, emptied before each test that uses it:
    emptying it takes a few hundredths of a second where a new database takes several tenths
    (docs/STORAGE.md, "How both backends are tested")."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, ScratchDatabase.create(pg_server, pg_template)).result()


# Opens one more store on the same database, as another process would.
OpenStore = Callable[[], Awaitable[StoreContract]]


@pytest.fixture(params=BACKENDS)
async def backend_opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenStore]:
    """An empty database of each backend in turn, and how to open a store on it: every store opened is
    closed after the test. SQLite gets a new file; PostgreSQL the session's scratch database, emptied
    and its ids restarted. (The PostgreSQL server is asked for only here, so that a run of SQLite tests
    alone never starts it.)"""
    opened: list[StoreContract] = []
    url: str | None = None
    if request.param == "postgresql":
        scratch: ScratchDatabase = request.getfixturevalue("pg_scratch")
        url = await scratch.emptied()

    async def open_store() -> StoreContract:
        store: StoreContract = await (PostgresStore.open(url) if url else SqliteStore.open(tmp_path / "hotline.db"))
        opened.append(store)
        return store

    try:
        yield open_store
    finally:
        for store in opened:
            await store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def backend_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database of each backend in turn, as HOTLINE_DB names it (a SQLite path or a PostgreSQL
    URL), for tests that open it in processes of their own (storage.factory.open_store)."""
    if request.param == "sqlite":
        yield str(tmp_path / "hotline.db")
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = await server.create_database(template=request.getfixturevalue("pg_template"))
    try:
        yield url
    finally:
        await server.drop_database(url)


@pytest.fixture
async def backend(backend_opener: OpenStore) -> StoreContract:
    """A fresh store of each backend in turn: the contract's tests run against both."""
    return await backend_opener()


@pytest.fixture(params=BACKENDS)
async def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """What HOTLINE_DB names for an empty store of each backend, for tests that run Hotline's own
    processes: a new SQLite file's path, or the PostgreSQL scratch database's URL (emptied)."""
    if request.param == "postgresql":
        scratch: ScratchDatabase = request.getfixturevalue("pg_scratch")
        return await scratch.emptied()
    return str(tmp_path / "hotline.db")


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    """A fresh SQLite store, for the tests that are about SQLite itself (its file, its SQL, its migrations)."""
    s = await SqliteStore.open(tmp_path / "hotline.db")
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def store(backend_opener: OpenStore) -> StoreContract:
    """A fresh store of each backend in turn (test ids end in [sqlite] and [postgresql]): the command,
    import/export and fuzzing suites run on both. A module about SQLite itself overrides this fixture
    with `sqlite_store`."""
    return await backend_opener()


# Fills a store with a record (an import of the sample, say).
Load = Callable[[], Awaitable[None]]
Preload = Callable[[StoreContract, str, Load], Awaitable[None]]


@pytest.fixture
def preload(request: pytest.FixtureRequest) -> Preload:
    """`await preload(store, name, load)` fills the test's store as `load` does. On SQLite `load` runs
    every time; on PostgreSQL it runs for the first test that asks for `name`, whose rows (and ids) are
    then kept and copied back into the scratch database for each later test: importing the sample costs
    seconds there, copying it back a few hundredths. `name` must stand for everything `load` does."""

    async def fill(store: StoreContract, name: str, load: Load) -> None:
        if not isinstance(store, PostgresStore):
            await load()
            return
        scratch: ScratchDatabase = request.getfixturevalue("pg_scratch")
        if not await scratch.restore(name):
            await load()
            await scratch.save(name)

    return fill


@pytest.fixture
async def gallery_sample(store: StoreContract, preload: Preload) -> StoreContract:
    """The store with the whole sample record as tools/gallery.py loads it (in its workspace, tools.gallery.WS):
    what the snapshots and the layout tests read."""
    await preload(store, "gallery-sample", lambda: load_sample(store))
    return store


class Runner:
    """Runs commands through commands.surface.dispatch as one caller of one workspace."""

    def __init__(self, store: StoreContract, clock: FixedClock, workspace: str = WS, editor: bool = True) -> None:
        self.ctx = Ctx(store, Caller(workspace, "u1", "Ann Analyst", editor), clock, CoreSettings(), DISCORD)

    # Positional-only, so that a command's own `name` option can be passed as a keyword.
    async def __call__(self, command: str, /, **args: Any) -> Reply:
        return await dispatch(self.ctx, command, args)

    async def text(self, command: str, /, **args: Any) -> str:
        return render_text(await self(command, **args))


@pytest.fixture
def run(store: StoreContract, clock: FixedClock) -> Runner:
    return Runner(store, clock)


@pytest.fixture
def other(store: StoreContract, clock: FixedClock) -> Runner:
    """An editor of another workspace on the same store."""
    return Runner(store, clock, OTHER_WS)


@pytest.fixture
def reader(store: StoreContract, clock: FixedClock) -> Runner:
    """A member of the same workspace who is not an editor."""
    return Runner(store, clock, WS, editor=False)


async def snapshot(store: StoreContract) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused command changed nothing (of either backend: compare
    two snapshots of one store, not of two backends, whose columns have types of their own)."""
    if isinstance(store, PostgresStore):
        return await pg_rows(store.pool)
    assert isinstance(store, SqliteStore)
    tables = [
        r["name"]
        for r in await store.db.all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_index_%'"
            " AND name NOT LIKE 'sqlite_%'"
        )
    ]
    # Some tables are WITHOUT ROWID, so rows are sorted here rather than by rowid.
    result = {
        t: sorted((tuple(r) for r in await store.db.all(f"SELECT * FROM {t}")), key=repr)
        for t in tables
        if t != "search_index"
    }
    result["search_index"] = [tuple(r) for r in await store.db.all("SELECT rowid, * FROM search_index ORDER BY rowid")]
    return result
