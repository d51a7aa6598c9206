"""Shared fixtures: a real SQLite store in a temporary folder, a fixed clock, and callers."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.discord.info import DISCORD
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.reply import Reply, render_text
from commands.surface import dispatch
from storage.store import Store

# The session's PostgreSQL server and a fresh database per test: tests/pg_server.py.
pytest_plugins = ["tests.pg_server"]

WS = "console:test"
OTHER_WS = "console:other"
# Thursday 2022-04-21, the day after the Austin–Wei call.
NOW = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "hotline.db")
    try:
        yield s
    finally:
        await s.close()


class Runner:
    """Runs commands through commands.surface.dispatch as one caller of one workspace."""

    def __init__(self, store: Store, clock: FixedClock, workspace: str = WS, editor: bool = True) -> None:
        self.ctx = Ctx(store, Caller(workspace, "u1", "Ann Analyst", editor), clock, CoreSettings(), DISCORD)

    # Positional-only, so that a command's own `name` option can be passed as a keyword.
    async def __call__(self, command: str, /, **args: Any) -> Reply:
        return await dispatch(self.ctx, command, args)

    async def text(self, command: str, /, **args: Any) -> str:
        return render_text(await self(command, **args))


@pytest.fixture
def run(store: Store, clock: FixedClock) -> Runner:
    return Runner(store, clock)


@pytest.fixture
def other(store: Store, clock: FixedClock) -> Runner:
    """An editor of another workspace on the same store."""
    return Runner(store, clock, OTHER_WS)


@pytest.fixture
def reader(store: Store, clock: FixedClock) -> Runner:
    """A member of the same workspace who is not an editor."""
    return Runner(store, clock, WS, editor=False)


async def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused command changed nothing."""
    tables = [
        r["name"]
        for r in await store._all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_index_%'"
            " AND name NOT LIKE 'sqlite_%'"
        )
    ]
    # Some tables are WITHOUT ROWID, so rows are sorted here rather than by rowid.
    result = {
        t: sorted((tuple(r) for r in await store._all(f"SELECT * FROM {t}")), key=repr)
        for t in tables
        if t != "search_index"
    }
    result["search_index"] = [tuple(r) for r in await store._all("SELECT rowid, * FROM search_index ORDER BY rowid")]
    return result
