"""What the reliability tests share: their sizes (CI or HOTLINE_STRESS=1), the figures they report,
and checks on a store: every row, integrity, foreign keys."""

from __future__ import annotations

import hashlib
import os
import select
import sqlite3
import subprocess
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from storage.sqlite.store import SqliteStore

# HOTLINE_STRESS=1 runs every loop at its bigger size (see docs/RELIABILITY.md); CI runs the small one.
STRESS = os.environ.get("HOTLINE_STRESS", "") not in ("", "0")


def size(ci: int, stress: int) -> int:
    return stress if STRESS else ci


def unlike(kind: str, t: str) -> str:
    """A name part no other tag's resembles: names and issues that look alike are taken for typos of a
    known one (a person recorded under a near-identical name, an issue refused as a near miss)."""
    return hashlib.sha256(f"{kind} {t}".encode()).hexdigest()[:16]


# Figures the tests report at the end of the run (tests/reliability/conftest.py prints them).
FIGURES: Counter[str] = Counter()


def rows(db: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the WITHOUT ROWID ones too), to show a refused command changed nothing.

    Read through a plain sqlite3 connection of the test's own: it sees what is committed, as the
    store's reader does, without a thread hop per table.
    """
    names = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_index_%'"
        )
    ]
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for name in names:
        # A plain scan runs in rowid or primary key order: the same rows always come in the same order.
        sql = "SELECT rowid, * FROM search_index" if name == "search_index" else f"SELECT * FROM {name}"
        tables[name] = list(db.execute(sql))
    tables["user_version"] = list(db.execute("PRAGMA user_version"))
    return tables


def problems(db: sqlite3.Connection) -> list[str]:
    """What is wrong with the committed database: [] when integrity_check and foreign_key_check pass."""
    found = [r[0] for r in db.execute("PRAGMA integrity_check")]
    found = [] if found == ["ok"] else found
    return found + [f"foreign key: {r}" for r in db.execute("PRAGMA foreign_key_check")]


def checker(path: Path) -> sqlite3.Connection:
    """A connection to look at a store's file with (autocommit: each query sees the latest commit)."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout = 5000")
    return db


async def snapshot(store: SqliteStore) -> dict[str, list[tuple[Any, ...]]]:
    with closing(checker(store.path)) as db:
        return rows(db)


async def integrity(store: SqliteStore) -> list[str]:
    with closing(checker(store.path)) as db:
        return problems(db)


def file_integrity(path: Path) -> list[str]:
    """The checks on a closed database file, plus the full-text index's own check."""
    with closing(checker(path)) as db:
        found = problems(db)
        try:
            # FTS5's own consistency check between the index and its rows.
            db.execute("BEGIN")
            db.execute("INSERT INTO search_index(search_index) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            found.append(f"search index: {exc}")
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")
    return found


def read_line(proc: subprocess.Popen[bytes], timeout: float = 60.0) -> bytes:
    """One line of a child's output (started with bufsize=0), b"" at its end: a child that hangs fails
    the test after `timeout` seconds instead of hanging it."""
    assert proc.stdout is not None
    line = b""
    deadline = time.monotonic() + timeout
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([proc.stdout], [], [], remaining)[0]:
            proc.kill()
            pytest.fail(f"the child printed no line in {timeout} s (so far: {line!r})")
        byte = proc.stdout.read(1)
        if not byte:
            break
        line += byte
    return line
