"""The import figure: a JSON Lines file of the 100k workspace's events into a new store, against a bare
executemany of the very rows that import wrote, into the same schema, in the same run.

Runs in a process of its own (`python -m bench.importbench FILE DIR [LINES]`, or `--postgres URL FLOOR_URL
FILE [LINES]` into an empty PostgreSQL database), so that the bot's memory figure is not the importer's;
prints one JSON line.

PostgreSQL's floor is the server's own part: the rows the import wrote, read back in COPY's binary
form and copied into a second empty database of the same schema (its keys, indexes and triggers) in
one transaction. No Python touches a row on the way, so no import of the same file into this schema
can be faster on this machine.
"""

from __future__ import annotations

import io
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

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


async def measure_postgres(text: list[str], name: str, url: str, floor_url: str) -> dict[str, Any]:
    """The same import into the empty PostgreSQL database at `url` (migrated when opened), then its rows
    copied as they are into the empty database at `floor_url` (bare_copy)."""
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
        "bare_seconds": await bare_copy(url, floor_url),
        "rows": rows,
    }


# What an import writes on PostgreSQL, in the order a copy must write it (keys before what refers to them).
# person_word and event_tally are written by the triggers on person_key and event, as in the import.
PG_TABLES = ("person", "person_key", "issue", "event", "participant", "concern", "audit", "search_doc")


async def bare_copy(source_url: str, target_url: str) -> float:
    """Seconds to COPY every row of PG_TABLES from `source_url` into the empty database at `target_url`
    (migrated first), in one transaction, the rows read beforehand in COPY's binary form."""
    await (await PostgresStore.open(target_url)).close()  # the schema, through the migrations
    source, target = await asyncpg.connect(source_url), await asyncpg.connect(target_url)
    try:
        data: dict[str, tuple[list[str], bytes]] = {}
        for table in PG_TABLES:
            # Generated columns (search_doc's tsv) are the server's to make, as in the import.
            columns = [
                r["column_name"]
                for r in await source.fetch(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER'"
                    " ORDER BY ordinal_position",
                    table,
                )
            ]
            out = io.BytesIO()
            # A query, not the table: search_doc is partitioned, and COPY reads only plain tables.
            await source.copy_from_query(f"SELECT {', '.join(columns)} FROM {table}", output=out, format="binary")
            data[table] = columns, out.getvalue()
        started = time.perf_counter()
        async with target.transaction():
            for table, (columns, raw) in data.items():
                await target.copy_to_table(table, source=io.BytesIO(raw), columns=columns, format="binary")
        return time.perf_counter() - started
    finally:
        await source.close()
        await target.close()


def main(argv: list[str]) -> int:
    """`FILE DIR [LINES]`: into a new SQLite store in DIR, against the bare floor; `--postgres URL FLOOR_URL
    FILE [LINES]`: into the empty PostgreSQL database at URL, against the bare copy into FLOOR_URL's."""
    url = floor_url = ""
    if argv[0] == "--postgres":
        url, floor_url, argv = argv[1], argv[2], argv[3:]
        argv = [argv[0], "", *argv[1:]]
    jsonl, folder = Path(argv[0]), Path(argv[1])
    text = jsonl.read_text(encoding="utf-8").splitlines()
    if len(argv) > 2:
        text = text[: int(argv[2])]
    found = run_loop(measure_postgres(text, jsonl.name, url, floor_url) if url else measure(text, jsonl.name, folder))
    print(json.dumps(found), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
