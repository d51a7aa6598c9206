"""Numbered SQL migrations for PostgreSQL, applied at start under a lock; the version lives in the
database, in the schema_version table.

Each file in migrations/ moves the schema one version up: `0001_initial.sql`, `0002_….sql`, and so on,
numbered from 1 without gaps. Never edit a file that has shipped: add the next one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from storage.errors import SchemaTooNew, StoreError
from storage.postgres.pool import Connection

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# The advisory lock every Hotline process takes to migrate. Advisory locks belong to one database, so
# this only ever makes processes on the same database wait for each other. ("hotline" in ASCII.)
MIGRATION_LOCK = 0x686F746C696E65

_CREATE_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY CHECK (version >= 1),
    name TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


class MigrationFilesInvalid(StoreError):
    """The migrations folder does not hold a clean sequence 0001, 0002, … (a packaging mistake)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(folder: Path = MIGRATIONS_DIR) -> tuple[Migration, ...]:
    """The migrations in `folder`, in order; refuses stray .sql files, gaps and repeated numbers."""
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationFilesInvalid(f"{path.name}: a migration is named NNNN_name.sql (lower case)")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationFilesInvalid(
                f"migration {migration.version:04d}_{migration.name}.sql where {expected:04d} was expected: "
                "migrations are numbered from 0001 without gaps or repeats"
            )
    return tuple(found)


@cache
def migrations() -> tuple[Migration, ...]:
    """This code's migrations (read once per process)."""
    return load_migrations()


def schema_version() -> int:
    """The schema version this code brings a database to."""
    return len(migrations())


async def database_version(conn: Connection) -> int:
    """The database's schema version: 0 for a database Hotline never migrated."""
    if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


async def migrate(conn: Connection, steps: tuple[Migration, ...] | None = None) -> int:
    """Bring the database up to the last of `steps` (this code's migrations by default); refuse a database
    newer than that. Returns how many migrations this call applied (0 when another process had).

    Several processes may start at once on a new database. Each takes the same advisory lock, so one
    migrates while the others wait; each reads the version only once it holds the lock, so the ones that
    waited find the work done. Each migration runs in its own transaction with its schema_version row:
    a failing migration leaves the database at the version before it.
    """
    steps = migrations() if steps is None else steps
    known = len(steps)
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await conn.execute(_CREATE_VERSION_TABLE)
        current = await database_version(conn)
        if current > known:
            raise SchemaTooNew(current, known, "another database")
        for step in steps[current:]:
            async with conn.transaction():
                await conn.execute(step.sql)
                await conn.execute(
                    "INSERT INTO schema_version (version, name) VALUES ($1, $2)", step.version, step.name
                )
            log.debug("PostgreSQL schema migrated to version %d (%s)", step.version, step.name)
        return known - current
    finally:
        if not conn.is_closed():
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
