"""Backups while the store is in use: SqliteStore.backup (SQLite's online backup API, in a thread) and
`python -m bot backup PATH`. A copy is the record at one moment: it holds every event committed before
the backup began, nothing half-written, and it opens as a store (restoring is using the copy).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from commands.reply import plain
from commands.surface import dispatch
from storage.errors import BackupFailed
from storage.sqlite.store import SqliteStore
from tests.reliability import writer_child as child
from tests.reliability.command_set import context, seed
from tests.reliability.support import FIGURES, checker, file_integrity, read_line, size, unlike

ROOT = Path(__file__).resolve().parents[2]
BACKUPS = size(5, 40)


def whole_events(path: Path, workspace: str) -> list[int]:
    """The ids of the events in a database file, checking each came with its people and audit entry."""
    with closing(checker(path)) as db:
        ids = [r[0] for r in db.execute("SELECT id FROM event WHERE workspace = ? ORDER BY id", (workspace,))]
        broken = db.execute(
            "SELECT e.id FROM event e WHERE e.workspace = ? AND ("
            " (SELECT count(*) FROM participant p WHERE p.event_id = e.id) < 2"
            " OR NOT EXISTS (SELECT 1 FROM audit a WHERE a.tbl = 'event' AND a.record_id = CAST(e.id AS TEXT)))",
            (workspace,),
        ).fetchall()
    assert not broken, f"half-written events in the copy: {broken}"
    return ids


def check_copy(copy: Path) -> None:
    """A copy is one self-contained file (rollback-journal mode, nothing in a -wal beside it) and sound."""
    assert not os.path.exists(f"{copy}-wal")
    assert copy.read_bytes()[18:20] == b"\x01\x01", "the copy is in WAL mode: it needs a -wal file beside it"
    assert file_integrity(copy) == []


async def test_a_backup_taken_while_another_task_writes_holds_every_event_committed_before_it(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "hotline.db")
    ctx = context(store)
    committed: list[int] = []
    stop = asyncio.Event()

    async def write() -> None:
        n = 0
        while not stop.is_set():
            args = {
                "date": "2021-06-01",
                "us": f"Envoy {unlike('us', str(n))}",
                "cn": f"Counterpart {unlike('cn', str(n))}",
                "kind": "call",
                "summary": f"Backup test event {n}. " * 40,
            }
            reply = await dispatch(ctx, "event add", args)
            match = re.search(r"#(\d+)", plain(reply.title))
            assert match
            committed.append(int(match.group(1)))
            n += 1

    try:
        await seed(store)
        writer = asyncio.create_task(write())
        copies: list[tuple[Path, list[int]]] = []
        written_during = 0
        for i in range(BACKUPS):
            await asyncio.sleep(0.15)
            before = list(committed)
            copy = tmp_path / f"copy-{i}.db"
            result = await store.backup(copy)
            written_during += len(committed) - len(before)
            copies.append((copy, before))
            assert result.path == copy and result.size == copy.stat().st_size
        stop.set()
        await writer
    finally:
        await store.close()
    assert committed, "the writer wrote nothing"
    for copy, before in copies:
        check_copy(copy)
        restored = await SqliteStore.open(copy)  # restoring: the copy opens as a store and answers
        try:
            in_copy = [e.id for e in (await restored.list_events(context(restored).caller.workspace, limit=100_000))[0]]
        finally:
            await restored.close()
        ids = whole_events(copy, context(store).caller.workspace)
        assert sorted(in_copy) == ids
        ours = [i for i in ids if i in set(committed)]
        missing = set(before) - set(ours)
        assert not missing, f"{len(missing)} events committed before the backup are missing"
        # One moment of the record: the writer's events in the copy are exactly its first k.
        assert ours == committed[: len(ours)], "the copy is not a consistent snapshot"
    FIGURES["backup: copies taken while writing"] += len(copies)
    FIGURES["backup: events committed during the copies"] += written_during
    FIGURES["backup: events missing from a copy"] += 0


async def test_a_backup_never_leaves_half_a_copy(tmp_path: Path, small_disk: Path) -> None:
    """A disk that fills up during the copy: a clear error, and nothing at (or beside) the target."""
    store = await SqliteStore.open(tmp_path / "hotline.db")
    try:
        await seed(store)
        ctx = context(store)
        for n in range(120):  # a database bigger than the 1 MiB disk
            args = {
                "date": "2021-06-01",
                "us": f"Envoy {unlike('us', str(n))}",
                "cn": "Wang Yi",
                "kind": "call",
                "summary": "Padding for a database bigger than the disk. " * 40,
            }
            await dispatch(ctx, "event add", args)
        target = small_disk / "copy.db"
        with pytest.raises(BackupFailed, match="could not back up"):
            await store.backup(target)
    finally:
        await store.close()
    assert os.listdir(small_disk) == []


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("hotline.db", "is the database itself"),
        ("hotline.db-wal", "is the database itself"),
        ("no/such/folder/copy.db", "does not exist"),
        ("existing.db", "already exists"),
    ],
)
async def test_a_backup_refuses_targets_that_would_lose_data(tmp_path: Path, target: str, says: str) -> None:
    store = await SqliteStore.open(tmp_path / "hotline.db")
    (tmp_path / "existing.db").write_text("keep me")
    try:
        with pytest.raises(BackupFailed, match=says):
            await store.backup(tmp_path / target)
    finally:
        await store.close()
    assert (tmp_path / "existing.db").read_text() == "keep me"


# --- the command line, against a database another process is writing --------------------------------


def cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"HOTLINE_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_backup_command_copies_a_store_another_process_is_writing(tmp_path: Path) -> None:
    db = tmp_path / "hotline.db"
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.writer_child", str(db), "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        bufsize=0,
    )
    try:
        assert read_line(writer) == b"ready\n"
        printed: list[int] = []
        copies: list[tuple[Path, list[int]]] = []
        for i in range(3):
            while len(printed) < 5 * (i + 1):  # let it write a few more
                printed.append(int(read_line(writer).split()[0]))
            copy = tmp_path / f"copy-{i}.db"
            done = cli("backup", str(copy), db=db)
            assert done.returncode == 0, done.stderr
            assert re.fullmatch(
                rf"backed up {re.escape(str(db))} to {re.escape(str(copy))}: \d+ events, \d+ KiB, "
                r"schema version \d+, integrity ok\n",
                done.stdout,
            ), done.stdout
            copies.append((copy, list(printed)))
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.communicate(timeout=30)
    for copy, before in copies:
        assert file_integrity(copy) == []
        assert set(before) <= set(whole_events(copy, child.WS))
    again = cli("backup", str(copies[0][0]), db=db)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    forced = cli("backup", str(copies[0][0]), "--force", db=db)
    assert forced.returncode == 0, forced.stderr
    missing = cli("backup", str(tmp_path / "c.db"), db=tmp_path / "nothing-here.db")
    assert missing.returncode == 2 and "there is no database at" in missing.stderr
    assert not (tmp_path / "nothing-here.db").exists(), "a backup must not create the database it copies"
    FIGURES["backup: CLI copies of a store another process was writing"] += len(copies)
