"""Import on PostgreSQL: many events in one transaction, duplicates (of the store or of earlier lines)
skipped and counted, a refused line undoing only itself.

Each line runs as add_event runs it, inside a savepoint of the one transaction: a line that names a
person on the wrong side, or repeats an event, rolls back to its savepoint and the import goes on.
Statements are pipelined over one connection; the duplicate rule is the event_dedupe constraint, so an
import racing another writer still never adds the same event twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from storage.errors import Conflict, DuplicateEvent
from storage.postgres.db import Database
from storage.postgres.events import add_event_tx
from storage.records import PROGRESS_EVERY, Actor, ImportResult, NewEvent, Progress


class Importer:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def import_events(
        self,
        actor: Actor,
        at: dt.datetime,
        lines: Sequence[tuple[int, NewEvent]],
        *,
        progress: Progress | None = None,
    ) -> ImportResult:
        added = 0
        new_people = 0
        duplicates: list[tuple[int, int]] = []
        refused: list[tuple[int, str]] = []
        async with self.db.transaction() as tx:
            for done, (number, new) in enumerate(lines, 1):
                if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(lines)):
                    progress(done, len(lines))
                try:
                    async with tx.conn.transaction():  # a savepoint per line
                        result = await add_event_tx(tx, actor, at, new)
                except DuplicateEvent as exc:
                    duplicates.append((number, exc.event_id))
                    continue
                except Conflict as exc:
                    refused.append((number, str(exc)))
                    continue
                added += 1
                new_people += len(result.new_people)
        return ImportResult(added, duplicates, new_people, refused)
