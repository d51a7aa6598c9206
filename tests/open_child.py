"""A process that opens stores when told to, for tests/test_start_together.py.

    python -m tests.open_child

Prints `ready` once imported. Then, for each line read from standard input (a SQLite path or a
PostgreSQL URL), it opens that store (migrating it), closes it, and prints one line:
`ok <migrations this process applied>` or `error <type>: <message>`. Keeping the processes alive across
rounds puts Python's start-up and imports before the starting line, so that the opens really coincide.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback

from storage.postgres.pool import is_postgres_url
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore


class Applied(logging.Handler):
    """Counts the migrations this process applied, from the migration runners' own log lines."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)  # the runners log each step at DEBUG
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "schema migrated to version" in record.getMessage():
            self.count += 1


async def open_once(target: str) -> None:
    if is_postgres_url(target):
        pg = await PostgresStore.open(target, min_size=1, max_size=1)
        await pg.close()
    else:
        lite = await SqliteStore.open(target)
        await lite.close()


def where(exc: BaseException) -> str:
    """The line of storage/ where the error (or the database error behind it) was raised."""
    cause = exc.__cause__ or exc
    frames = [f for f in traceback.extract_tb(cause.__traceback__) if "/storage/" in f.filename]
    name = getattr(cause, "sqlite_errorname", type(cause).__name__)
    return f"[{name} at {frames[-1].name}: {frames[-1].line}]" if frames else f"[{name}]"


def main() -> None:
    applied = Applied()
    for name in ("storage.sqlite.schema", "storage.postgres.migrate"):
        logging.getLogger(name).addHandler(applied)
        logging.getLogger(name).setLevel(logging.DEBUG)
    print("ready", flush=True)
    for line in sys.stdin:
        applied.count = 0
        try:
            asyncio.run(open_once(line.strip()))
        except Exception as exc:
            print(f"error {type(exc).__name__}: {exc} {where(exc)}".replace("\n", " "), flush=True)
        else:
            print(f"ok {applied.count}", flush=True)


if __name__ == "__main__":
    main()
