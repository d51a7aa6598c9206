"""Several processes opening the same new store at the same moment, on each backend: every one of them
opens it, and the schema is applied exactly once (each migration by one process only)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest

from storage.errors import OpenFailed
from storage.postgres.migrate import database_version, schema_version
from storage.sqlite.schema import SCHEMA_VERSION
from storage.sqlite.store import SqliteStore
from tests.pg_server import PgServer

PROCESSES = 8
ROUNDS = 10
ROOT = Path(__file__).resolve().parent.parent


class Children:
    """PROCESSES copies of tests.open_child, started once and told what to open each round."""

    def __init__(self) -> None:
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.open_child"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            for _ in range(PROCESSES)
        ]
        for proc in self.procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready", self._stderr(proc)

    def open_all(self, target: str) -> list[str]:
        """Every process opens `target` at once; returns what each said."""
        for proc in self.procs:  # back to back: the writes are microseconds apart
            assert proc.stdin is not None
            proc.stdin.write(target + "\n")
            proc.stdin.flush()
        answers = []
        for proc in self.procs:
            assert proc.stdout is not None
            answers.append(proc.stdout.readline().strip() or f"no answer: {self._stderr(proc)}")
        return answers

    def _stderr(self, proc: subprocess.Popen[str]) -> str:
        if proc.poll() is None:
            return "(still running)"
        assert proc.stderr is not None
        return proc.stderr.read()

    def stop(self) -> None:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.close()
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                assert stream is not None
                stream.close()


@pytest.fixture(scope="module")
def children() -> Iterator[Children]:
    started = Children()
    try:
        yield started
    finally:
        started.stop()


def check_round(answers: list[str], migrations: int) -> None:
    assert all(a.startswith("ok ") for a in answers), answers
    # Each migration was applied by exactly one of the processes; the others found it done.
    assert sum(int(a.split()[1]) for a in answers) == migrations, answers


def test_eight_processes_open_a_new_sqlite_file_at_once(children: Children, tmp_path: Path) -> None:
    began = time.perf_counter()
    for round_ in range(ROUNDS):
        path = tmp_path / f"round{round_}.db"
        check_round(children.open_all(str(path)), SCHEMA_VERSION)
        with closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'workspace'").fetchone()[0] == 1
    print(f"SQLite: {ROUNDS} rounds of {PROCESSES} processes in {time.perf_counter() - began:.2f} s")


async def test_eight_processes_open_a_new_postgres_database_at_once(children: Children, pg_server: PgServer) -> None:
    began = time.perf_counter()
    for _ in range(ROUNDS):
        url = await pg_server.create_database()
        check_round(children.open_all(url), schema_version())
        conn = await asyncpg.connect(url)
        try:
            assert await database_version(conn) == schema_version()
            rows = await conn.fetch("SELECT version FROM schema_version ORDER BY version")
            assert [r["version"] for r in rows] == list(range(1, schema_version() + 1))
        finally:
            await conn.close()
        await pg_server.drop_database(url)
    print(f"PostgreSQL: {ROUNDS} rounds of {PROCESSES} processes in {time.perf_counter() - began:.2f} s")


async def test_a_new_file_locked_past_the_busy_timeout_is_refused_clearly(tmp_path: Path) -> None:
    # Another process holds the new file's lock: the switch to WAL waits for the busy timeout, then
    # gives up with the reason, leaving the file as the holder has it.
    path = tmp_path / "held.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        began = time.monotonic()
        with pytest.raises(OpenFailed, match="locked by another process"):
            await SqliteStore.open(path, busy_timeout_ms=200)
        assert 0.2 <= time.monotonic() - began < 5
        holder.execute("ROLLBACK")
        assert holder.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert holder.execute("PRAGMA user_version").fetchone()[0] == 0
