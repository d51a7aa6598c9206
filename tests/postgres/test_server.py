"""The test PostgreSQL server itself: it starts, answers on its socket, and gives each test its own database."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import asyncpg
import pytest

from tests.pg_server import PgServer, ServerFailed


async def test_each_test_gets_an_empty_database_of_its_own(pg_server: PgServer, pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT current_database()") != "postgres"
        tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables == 0
        assert int(await conn.fetchval("SHOW server_version_num")) >= 160000
    finally:
        await conn.close()
    print(f"PostgreSQL started in {pg_server.started_in_s:.2f} s")


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_a_server_runs_from_a_copy_of_the_binaries_and_leaves_nothing_behind() -> None:
    # The path CI takes when the server's user cannot reach the virtual environment.
    server = PgServer.start(copy_binaries=True)
    try:
        assert (server.folder / "pg").is_dir()
        url = await server.create_database()
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()
    finally:
        server.stop()
    assert not running(server.process.pid)
    assert not server.folder.exists()


def test_a_server_that_cannot_start_fails_with_its_log_and_leaves_nothing_behind() -> None:
    before = set(Path(tempfile.gettempdir()).glob("hotline-pg-*"))
    with pytest.raises(ServerFailed) as info:
        PgServer.start(settings={"shared_buffers": "a lot"})
    assert "exited" in str(info.value) and "shared_buffers" in str(info.value)
    assert set(Path(tempfile.gettempdir()).glob("hotline-pg-*")) <= before
