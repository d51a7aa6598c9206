"""A consistent copy of the store while the bot is using it, through SQLite's online backup API."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage.errors import BackupFailed
from storage.records import Progress

# Pages copied a step when progress is shown (4 MiB at SQLite's default 4 KiB page).
PAGES_A_STEP = 1024


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int  # bytes
    events: int  # contact events in the copy, all workspaces
    schema_version: int


def backup_database(
    source: Path,
    target: Path,
    *,
    overwrite: bool = False,
    busy_timeout_ms: int = 5000,
    progress: Progress | None = None,
) -> BackupResult:
    """Copy the database at `source` to `target`. Blocking: the store runs it in a thread.

    The copy is read through a connection of its own inside one read transaction, so it is that
    transaction's snapshot: in WAL mode that neither waits for nor blocks the bot's writer, and writes
    committed meanwhile are simply not in the copy. With `progress` (told bytes copied and bytes in
    all) it goes in steps of PAGES_A_STEP pages, still inside that one transaction, so the steps read
    one snapshot and a write meanwhile never restarts them. The copy is written beside `target`, checked
    (integrity_check), flushed to disk and only then renamed onto `target`: `target` is never half
    a copy, whatever fails or is killed on the way.
    """
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise BackupFailed(f"there is no database at {source} to back up")
    resolved = target.resolve()
    if resolved in {source.resolve(), *(Path(f"{source.resolve()}{s}") for s in ("-wal", "-shm", "-journal"))}:
        raise BackupFailed(f"{target} is the database itself; give a path for the copy")
    if not target.parent.is_dir():
        raise BackupFailed(f"cannot back up to {target}: the folder {target.parent} does not exist")
    if target.exists() and not overwrite:
        raise BackupFailed(f"{target} already exists; give a new path (or --force to replace it)")
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        _remove(partial)
        with (
            contextlib.closing(sqlite3.connect(source, timeout=busy_timeout_ms / 1000)) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            if progress is None:
                src.backup(dst)  # pages=-1: the whole database in one step, one read transaction
            else:
                _backup_in_steps(src, dst, progress)
            # A self-contained file: rollback-journal mode, no -wal beside it to lose in a copy.
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA integrity_check").fetchone()
            if check is None or check[0] != "ok":
                raise BackupFailed(f"the copy failed its integrity check: {check[0] if check else 'no answer'}")
            version = int(dst.execute("PRAGMA user_version").fetchone()[0])
            has_events = dst.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'event'")
            events = int(dst.execute("SELECT count(*) FROM event").fetchone()[0]) if has_events.fetchone() else 0
        fsync_path(partial)
        os.replace(partial, target)
        fsync_path(target.parent)  # the rename itself survives a crash only once the folder is synced
    except (sqlite3.Error, OSError) as exc:
        _remove(partial)
        raise BackupFailed(f"could not back up {source} to {target}: {exc}") from exc
    except BaseException:  # our own BackupFailed, or a cancellation: no partial copy stays behind
        _remove(partial)
        raise
    return BackupResult(target, target.stat().st_size, events, version)


def _backup_in_steps(src: sqlite3.Connection, dst: sqlite3.Connection, progress: Progress) -> None:
    page = int(src.execute("PRAGMA page_size").fetchone()[0])
    src.execute("BEGIN")
    try:
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
        src.backup(
            dst,
            pages=PAGES_A_STEP,
            progress=lambda status, remaining, total: progress((total - remaining) * page, total * page),
        )
    finally:
        src.execute("COMMIT")


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder: a rename in it) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
