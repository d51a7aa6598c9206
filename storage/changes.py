"""The change feed: every process on one database hears of the writes the others commit.

A process keeps a little of the record in memory (the digest scheduler's jobs, the Slack editor cache):
each must follow writes made by any process, not only its own. The audit trail already names every
write (storage/contract.py: each write is one transaction with its audit entry), so it is also the
change log: each audit row announces a `Change` of its workspace and its kind of record (the audit's
table: "subscription", "workspace", "event", ...). A change names no record and carries no user text.

How each backend delivers it (`StoreContract.watch_changes`):
- PostgreSQL (storage/postgres/listen.py): a trigger on the audit table NOTIFYs in the writing
  transaction, so a change is heard only once it is committed; a connection of its own LISTENs and
  reconnects when dropped.
- SQLite (storage/audit_poll.py): SQLite has no notifications between processes; a connection of its
  own reads the audit rows added since the last look, every POLL_SECONDS.

When a watch may have missed changes (its connection was lost, its first connection failed), it delivers
`EVERYTHING`: whatever a process keeps must then be rebuilt from the store as a whole.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

# The PostgreSQL channel (storage/postgres/migrations/0005_change_feed.sql sends on it).
CHANNEL = "hotline_changes"
# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more, which would fail the write itself; the
# trigger leaves out a workspace id longer than this (the change then reads as any workspace's).
WORKSPACE_IN_PAYLOAD_MAX = 400


@dataclass(frozen=True)
class Change:
    """A committed write: its workspace and what kind of record it changed.

    `workspace` None: any workspace's; `area` None: any kind of record. EVERYTHING has both None.
    """

    workspace: str | None
    area: str | None

    @property
    def everything(self) -> bool:
        return self.workspace is None and self.area is None

    def touches(self, area: str) -> bool:
        """Whether what is kept of `area` must be looked at again."""
        return self.area is None or self.area == area


EVERYTHING = Change(None, None)

# Called on the event loop for each change (several writes of one kind in one workspace may arrive
# as one). It must not block; it may start a task. An exception is logged and the watch goes on.
OnChange = Callable[[Change], None]


class ChangeWatch(Protocol):
    """A running watch; `close()` stops it (no call of on_change follows)."""

    @property
    def connected(self) -> bool:
        """Whether changes are being heard now (False while a lost connection is being made again)."""

    async def close(self) -> None: ...


def parse_payload(payload: str) -> Change:
    """The change a notification's payload names; one that cannot be read stands for EVERYTHING."""
    try:
        data = json.loads(payload)
    except ValueError:
        return EVERYTHING
    if not isinstance(data, dict):
        return EVERYTHING
    workspace, area = data.get("workspace"), data.get("area")
    return Change(
        workspace if isinstance(workspace, str) else None,
        area if isinstance(area, str) else None,
    )


def deliver(on_change: OnChange, change: Change) -> None:
    """Call on_change; its failure is logged and never stops the watch."""
    try:
        on_change(change)
    except Exception:
        log.exception("a change handler failed on %s", "every change" if change.everything else change)
