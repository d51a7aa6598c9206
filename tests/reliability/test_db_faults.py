"""The database refusing writes: locked by another process past the busy timeout, read-only, full
(a size limit on the database, and a small file system that runs out). Every command that writes is
tried under each fault: the user gets a clear error that nothing was changed, the log says why, nothing
is half-written, and every command that reads keeps working. When the fault goes, writes work again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from commands.errors import UserError
from commands.reply import render_text
from commands.surface import dispatch
from storage.sqlite.store import SqliteStore
from tests.reliability.command_set import READS, WRITES, context, seed
from tests.reliability.support import FIGURES, checker, file_integrity, problems, rows, unlike

ROOT = Path(__file__).resolve().parents[2]
LOCK_WAIT_MS = 100  # the injected busy timeout: how long a write waits for the other process's lock
SAVED_NOT = "the record could not be saved: "
NOTHING = "; nothing was changed"


async def attempt(store: SqliteStore, name: str, args: dict[str, Any]) -> str | None:
    """Run a write. If the database refuses it, check the refusal is clear and not one row changed,
    and return the message; None if it went through."""
    with closing(checker(store.path)) as db:
        before = rows(db)
        try:
            render_text(await dispatch(context(store), name, args))
        except UserError as exc:
            message = str(exc)
            assert message.startswith(SAVED_NOT) and message.endswith(NOTHING), message
            assert rows(db) == before, f"/{name} failed ({message}) but changed the record"
            return message
        finally:
            assert problems(db) == []
    return None


async def refused_cleanly(store: SqliteStore, name: str, args: dict[str, Any], why: str) -> None:
    message = await attempt(store, name, args)
    assert message is not None, f"/{name} went through"
    assert why in message, message


async def reads_work(store: SqliteStore) -> None:
    for name, args in READS:
        render_text(await dispatch(context(store), name, args))


async def writes_work(store: SqliteStore) -> None:
    for name, args in WRITES:
        render_text(await dispatch(context(store), name, args))


def logged(caplog: pytest.LogCaptureFixture, code: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.ERROR and code in r.getMessage()]


# --- locked -------------------------------------------------------------------------------------

HOLD_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")  # the write lock, held until our input closes
print("locked", flush=True)
sys.stdin.read()
"""


async def test_a_locked_database_refuses_writes_clearly_and_keeps_serving_reads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await SqliteStore.open(tmp_path / "hotline.db", busy_timeout_ms=LOCK_WAIT_MS)
    try:
        await seed(store)
        # Another process (a second bot, the sqlite3 shell) holds the write lock past the timeout.
        holder = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HOLD_LOCK, str(store.path), stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        try:
            assert holder.stdout is not None and await asyncio.wait_for(holder.stdout.readline(), 60) == b"locked\n"
            with caplog.at_level(logging.ERROR, logger="storage"):
                for name, args in WRITES:
                    await refused_cleanly(store, name, args, "the database is locked by another process")
            assert len(logged(caplog, "SQLITE_BUSY")) == len(WRITES)
            await reads_work(store)
        finally:
            await asyncio.wait_for(holder.communicate(b""), 30)  # the other process lets go
        await writes_work(store)  # and the same writes go through
    finally:
        await store.close()
    assert file_integrity(store.path) == []
    FIGURES["faults: writes refused while locked (each rolled back whole)"] += len(WRITES)


# --- full ---------------------------------------------------------------------------------------


async def test_a_database_at_its_size_limit_refuses_writes_clearly_and_keeps_serving_reads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """PRAGMA max_page_count on the writer: the database may not grow, as on a full disk or a quota."""
    store = await SqliteStore.open(tmp_path / "hotline.db")
    refused: list[str] = []
    try:
        await seed(store)
        with closing(checker(store.path)) as db:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
        await store.db.writer.execute(f"PRAGMA max_page_count = {pages}")
        with caplog.at_level(logging.ERROR, logger="storage"):
            for name, args in WRITES:
                # A write that fits in the free room of the pages it touches may go through; one that
                # needs a new page must be refused whole.
                message = await attempt(store, name, args)
                if message is not None:
                    assert "the database or its disk is full" in message, message
                    refused.append(name)
        big = {"event add", "event edit", "concern add", "question add", "question answer"}
        assert big <= set(refused), f"only {refused} were refused"
        assert len(logged(caplog, "SQLITE_FULL")) == len(refused)
        await reads_work(store)
        await store.db.writer.execute("PRAGMA max_page_count = 1073741823")  # room again
        for name, args in WRITES:
            if name in refused:
                render_text(await dispatch(context(store), name, args))
    finally:
        await store.close()
    assert file_integrity(store.path) == []
    FIGURES["faults: writes refused at the size limit (each rolled back whole)"] += len(refused)


async def test_a_full_disk_refuses_writes_clearly_and_keeps_serving_reads(
    small_disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await SqliteStore.open(small_disk / "hotline.db")
    try:
        await seed(store)
        name, args = WRITES[0]  # /event add with a long summary and new people and issues
        added = 0
        message = None
        with caplog.at_level(logging.ERROR, logger="storage"):
            while message is None and added < 2_000:  # fill the disk: 1 MiB takes a few dozen of these
                message = await attempt(store, name, {**args, "us": f"Envoy {added}"})
                added += message is None
        assert message is not None, "a 1 MiB disk never filled up"
        assert "the database or its disk is full" in message or "input/output" in message, message
        assert logged(caplog, "SQLITE_")
        await reads_work(store)
        # Room again (as when an operator frees space): the next write goes through.
        await asyncio.to_thread(subprocess.run, ["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
        await dispatch(context(store), name, {**args, "us": "Envoy after the disk was freed"})
    finally:
        await store.close()
    assert file_integrity(store.path) == []
    FIGURES["faults: disk-full writes refused (1 MiB tmpfs)"] += 1
    FIGURES["faults: events that fit on the 1 MiB tmpfs first"] += added


# --- read-only ----------------------------------------------------------------------------------


def as_unprivileged() -> list[str]:
    """The command prefix that runs the child as a user who may not write root's files (nobody)."""
    if os.geteuid() != 0:
        return []  # we are such a user already
    setpriv = shutil.which("setpriv")  # util-linux
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot run the bot as a user without write access")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def run_child(db: Path) -> dict[str, Any]:
    done = subprocess.run(
        [*as_unprivileged(), sys.executable, "-m", "tests.reliability.readonly_child", str(db)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0 and "Permission denied" in done.stderr and os.geteuid() == 0:
        pytest.skip(f"an unprivileged user cannot run this checkout's Python: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's own tmp folders are private to root)."""
    path = Path(tempfile.mkdtemp(prefix="hotline-readonly-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


async def make_database(path: Path) -> None:
    store = await SqliteStore.open(path)
    try:
        await seed(store)
    finally:
        await store.close()


def test_a_read_only_database_file_refuses_writes_clearly_and_keeps_serving_reads(shared_dir: Path) -> None:
    """The file is not writable by the bot's user (the folder is): e.g. a volume's file owned by root."""
    db = shared_dir / "hotline.db"
    asyncio.run(make_database(db))
    db.chmod(0o444)
    if os.geteuid() == 0:
        os.chown(shared_dir, 65534, 65534)  # the bot's user may create the -wal and -shm files
    with closing(checker(db)) as conn:
        before = rows(conn)
    result = run_child(db)
    assert "open_error" not in result, result
    assert all(ok for _, ok, _ in result["reads"]), result["reads"]
    for name, ok, message in result["writes"]:
        assert not ok, f"/{name} wrote to a read-only database"
        assert message == f"{SAVED_NOT}the database is read-only{NOTHING}", message
    errors = [m for level, _, m in result["log"] if level == "ERROR" and "SQLITE_READONLY" in m]
    assert len(errors) == len(WRITES), result["log"]
    os.chown(shared_dir, os.getuid(), os.getgid())
    with closing(checker(db)) as conn:
        assert rows(conn) == before and problems(conn) == []
    FIGURES["faults: writes refused on a read-only file (each rolled back whole)"] += len(WRITES)


def test_a_read_only_folder_is_refused_at_start_with_a_clear_message(shared_dir: Path) -> None:
    """In WAL mode SQLite must create files beside the database; in a read-only folder it cannot even
    read, so the bot says so and stops instead of failing on the first command."""
    db = shared_dir / "hotline.db"
    asyncio.run(make_database(db))
    for leftover in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    db.chmod(0o444)
    shared_dir.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    try:
        result = run_child(db)
        assert result["open_error"] == f"cannot open the database {db}: its folder is read-only, and SQLite must " + (
            "create the -wal and -shm files beside it"
        )
        assert any(level == "ERROR" and "SQLITE_READONLY_DIRECTORY" in m for level, _, m in result["log"])
    finally:
        shared_dir.chmod(0o755)


# --- cancelled writes ----------------------------------------------------------------------------


async def test_writes_cancelled_at_any_statement_leave_nothing_half_written_and_block_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interaction can be abandoned mid-command (a timeout, a shutdown): its task is cancelled while
    aiosqlite's thread still has its statement queued, which then runs with nobody waiting for it. The
    task is cancelled at its 1st, 2nd, ... statement on the writer (the BEGIN, each INSERT) and at the
    COMMIT: whatever the moment, the write is whole or absent, and the next write goes through."""
    store = await SqliteStore.open(tmp_path / "hotline.db")
    try:
        await seed(store)
        writer = store.db.writer
        execute, commit = writer.execute, writer.commit
        cancel_at = 0  # the writer statement of the current call at which its task is cancelled
        seen = 0

        def counted(*args: Any, **kwargs: Any) -> Any:
            nonlocal seen
            seen += 1
            if seen == cancel_at:
                task = asyncio.current_task()
                assert task is not None
                task.cancel()  # delivered at this statement's await, after it has been queued
            return execute(*args, **kwargs)

        async def counted_commit() -> None:
            nonlocal seen
            seen += 1
            if seen == cancel_at:
                task = asyncio.current_task()
                assert task is not None
                task.cancel()
            await commit()

        monkeypatch.setattr(writer, "execute", counted)
        monkeypatch.setattr(writer, "commit", counted_commit)
        name, args = WRITES[0]  # /event add: new people, an issue, concerns, the search index, the audit
        cancelled = finished = 0
        for n in range(1, 200):
            cancel_at, seen = n, 0
            call = {**args, "us": f"Envoy {unlike('us', str(n))}"}
            try:
                await dispatch(context(store), name, call)
                finished += 1
            except asyncio.CancelledError:
                cancelled += 1
            if seen < n:
                break  # the call has fewer statements than n: every point has been tried
        monkeypatch.undo()
        assert cancelled >= 10, "the cancellations did not land"
        await writes_work(store)
    finally:
        await store.close()
    assert file_integrity(store.path) == []
    with closing(checker(store.path)) as db:
        half = db.execute(
            "SELECT e.id FROM event e WHERE (SELECT count(*) FROM participant p WHERE p.event_id = e.id) < 2"
            " OR NOT EXISTS (SELECT 1 FROM audit a WHERE a.tbl = 'event' AND a.record_id = CAST(e.id AS TEXT))"
        ).fetchall()
    assert half == []
    FIGURES["faults: writes cancelled at a statement or the commit"] += cancelled
