"""The import figure: a JSON Lines file of the 100k workspace's events into a new store, against a bare
executemany of the very rows that import wrote, into the same schema, in the same run.

Runs in a process of its own (`python -m bench.importbench FILE DIR [LINES]`, or `--postgres URL FILE
[LINES]` into an empty PostgreSQL database), so that the bot's memory figure is not the importer's;
prints one JSON line.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from bench.generate import NOW, WS
from bot.runtime.loop import run as run_loop
from bot.transfer_cli import export, import_lines
from commands.context import FixedClock
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore

IMPORT_WS = "console:import"
# Every table an import writes, with its columns (search_index: its rowid too).
TABLES = {
    "person": "id, workspace, name, side, title, created_at",
    "person_key": "workspace, key, person_id, alias",
    "issue": "workspace, slug, title, aliases",
    "event": "id, workspace, day, time, timezone, kind, track, status, minutes, requested_by, location, summary,"
    " sources, dedupe_key, created_at, created_by",
    "participant": "event_id, person_id, workspace, side, title, office, position, day, status",
    "concern": "id, workspace, issue, side, text, by_name, day, event_id, source, created_at",
    "audit": "id, workspace, at, actor_id, actor_name, action, tbl, record_id, before, after",
    "search_index": "rowid, body, ws, kind, ref",
}


async def export_file(db: Path, out: Path) -> int:
    """The benchmark workspace of `db` as a JSON Lines file (cached by the caller)."""
    store = await SqliteStore.open(db)
    try:
        tmp = out.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            count = await export(store, WS, f)
        tmp.rename(out)
    finally:
        await store.close()
    return count


def _rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT {cols} FROM {t}").fetchall() for t, cols in TABLES.items()}
    finally:
        conn.close()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def _fresh(path: Path) -> None:
    _remove(path)
    store = await SqliteStore.open(path)  # the same schema, through the migrations
    await store.close()


async def measure(text: list[str], name: str, folder: Path) -> dict[str, Any]:
    target = folder / "import-target.db"
    await _fresh(target)
    store = await SqliteStore.open(target)
    try:
        started = time.perf_counter()
        summary = await import_lines(store, FixedClock(NOW), IMPORT_WS, text, name)
        import_seconds = time.perf_counter() - started
    finally:
        await store.close()
    rows = _rows(target)
    bare = folder / "import-bare.db"
    await _fresh(bare)
    conn = sqlite3.connect(bare, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = NORMAL")  # as the store's connections
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table, cols in TABLES.items():
            marks = ", ".join("?" * len(cols.split(",")))
            conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows[table])
        conn.execute("COMMIT")
        bare_seconds = time.perf_counter() - started
    finally:
        conn.close()
    _remove(target)
    _remove(bare)
    return {
        "lines": len(text),
        "added": summary.added,
        "errors": len(summary.errors),
        "duplicates": len(summary.duplicates),
        "import_seconds": import_seconds,
        "bare_seconds": bare_seconds,
        "rows": {t: len(r) for t, r in rows.items()},
    }


async def measure_postgres(text: list[str], name: str, url: str) -> dict[str, Any]:
    """The same import into the empty PostgreSQL database at `url` (migrated when opened)."""
    store = await PostgresStore.open(url)
    try:
        started = time.perf_counter()
        summary = await import_lines(store, FixedClock(NOW), IMPORT_WS, text, name)
        import_seconds = time.perf_counter() - started
        rows = {t: await store.pool.fetchval(f"SELECT count(*) FROM {t}") for t in PG_TABLES}
    finally:
        await store.close()
    return {
        "lines": len(text),
        "added": summary.added,
        "errors": len(summary.errors),
        "duplicates": len(summary.duplicates),
        "import_seconds": import_seconds,
        "rows": rows,
    }


# What an import writes on PostgreSQL.
PG_TABLES = ("person", "person_key", "issue", "event", "participant", "concern", "audit", "search_doc")


def main(argv: list[str]) -> int:
    """`FILE DIR [LINES]`: into a new SQLite store in DIR, against the bare floor; `--postgres URL FILE
    [LINES]`: into the empty PostgreSQL database at URL."""
    url = None
    if argv[0] == "--postgres":
        url, argv = argv[1], argv[2:]
        argv = [argv[0], "", *argv[1:]]
    jsonl, folder = Path(argv[0]), Path(argv[1])
    text = jsonl.read_text(encoding="utf-8").splitlines()
    if len(argv) > 2:
        text = text[: int(argv[2])]
    found = run_loop(measure_postgres(text, jsonl.name, url) if url else measure(text, jsonl.name, folder))
    print(json.dumps(found), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
