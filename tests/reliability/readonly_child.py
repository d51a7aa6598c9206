"""Run by test_db_faults.py as a user who may not write the database: opens the store, runs every read
and every write of tests/reliability/command_set.py through dispatch, and prints what happened as JSON.

    python -m tests.reliability.readonly_child DB
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from commands.errors import UserError
from commands.reply import render_text
from commands.surface import dispatch
from storage.errors import StoreError
from storage.sqlite.store import SqliteStore
from tests.reliability.command_set import READS, WRITES, context


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: list[tuple[str, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record.levelname, record.name, record.getMessage()))


async def main(db: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"reads": [], "writes": []}
    try:
        store = await SqliteStore.open(db, busy_timeout_ms=200)
    except StoreError as exc:
        result["open_error"] = str(exc)
        return result
    try:
        for key, calls in (("reads", READS), ("writes", WRITES)):
            for name, args in calls:
                try:
                    render_text(await dispatch(context(store), name, args))
                    result[key].append([name, True, ""])
                except UserError as exc:
                    result[key].append([name, False, str(exc)])
    finally:
        await store.close()
    return result


if __name__ == "__main__":
    records = Records()
    logging.getLogger().addHandler(records)
    logging.getLogger().setLevel(logging.INFO)
    outcome = asyncio.run(main(Path(sys.argv[1])))
    outcome["log"] = records.seen
    print(json.dumps(outcome))
