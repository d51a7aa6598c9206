"""Short-lived state of the chat adapters on SQLite: replies whose buttons are live (held_reply) and the
states of Slack's OAuth install flow (slack_oauth_state), each row with its expiry.

They live in the file rather than in a process so that any process on it can answer a button or an
install redirect. Instants are kept as UTC ISO text, which sorts as time does. A take or a consume is one
DELETE … RETURNING in one write transaction: SQLite's write lock makes it one at a time across
processes, so exactly one taker gets the row. Not audited: these are not the record.
"""

from __future__ import annotations

import datetime as dt

from storage.records import HeldReply
from storage.rules import EXPIRED_PURGE
from storage.sqlite.db import Database, Tx


def _utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat()


class Expiring:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- held replies -----------------------------------------------------------------------------------

    async def hold_reply(
        self, token: str, workspace: str, asker: str, data: str, *, at: dt.datetime, expires: dt.datetime, most: int
    ) -> None:
        async with self.db.transaction() as tx:
            await _purge(tx, "held_reply", at)
            # The newest most - 1 stay; with the new one the workspace holds `most`.
            await tx.run(
                "DELETE FROM held_reply WHERE id IN (SELECT id FROM held_reply WHERE workspace = ?"
                " ORDER BY id DESC LIMIT -1 OFFSET ?)",
                (workspace, max(most - 1, 0)),
            )
            await tx.run(
                "INSERT INTO held_reply (token, workspace, asker, held_at, expires_at, data) VALUES (?, ?, ?, ?, ?, ?)",
                (token, workspace, asker, _utc(at), _utc(expires), data),
            )

    async def held_reply(self, token: str, workspace: str, *, at: dt.datetime) -> HeldReply | None:
        row = await self.db.one(
            "SELECT asker, expires_at, data FROM held_reply WHERE token = ? AND workspace = ? AND expires_at > ?",
            (token, workspace, _utc(at)),
        )
        if row is None:
            return None
        return HeldReply(workspace, row["asker"], dt.datetime.fromisoformat(row["expires_at"]), row["data"])

    async def take_held_reply(self, token: str, workspace: str, *, at: dt.datetime) -> HeldReply | None:
        if await self.held_reply(token, workspace, at=at) is None:
            return None  # nothing to take: no write, no wait for the write lock
        async with self.db.transaction() as tx:
            row = await tx.one(
                "DELETE FROM held_reply WHERE token = ? AND workspace = ? AND expires_at > ?"
                " RETURNING asker, expires_at, data",
                (token, workspace, _utc(at)),
            )
        if row is None:
            return None  # taken meanwhile, by another press or process
        return HeldReply(workspace, row["asker"], dt.datetime.fromisoformat(row["expires_at"]), row["data"])

    # -- OAuth states ------------------------------------------------------------------------------------

    async def issue_oauth_state(self, state: str, *, at: dt.datetime, expires: dt.datetime, most: int) -> None:
        async with self.db.transaction() as tx:
            await _purge(tx, "slack_oauth_state", at)
            await tx.run(
                "DELETE FROM slack_oauth_state WHERE id IN (SELECT id FROM slack_oauth_state"
                " ORDER BY id DESC LIMIT -1 OFFSET ?)",
                (max(most - 1, 0),),
            )
            await tx.run(
                "INSERT INTO slack_oauth_state (state, issued_at, expires_at) VALUES (?, ?, ?)",
                (state, _utc(at), _utc(expires)),
            )

    async def consume_oauth_state(self, state: str, *, at: dt.datetime) -> bool:
        if await self.db.one("SELECT 1 FROM slack_oauth_state WHERE state = ?", (state,)) is None:
            return False  # never issued here: nothing to write
        async with self.db.transaction() as tx:
            # An expired state goes too, and is refused.
            row = await tx.one("DELETE FROM slack_oauth_state WHERE state = ? RETURNING expires_at", (state,))
        return row is not None and dt.datetime.fromisoformat(row["expires_at"]) > at


async def _purge(tx: Tx, table: str, at: dt.datetime) -> None:
    """Delete up to EXPIRED_PURGE expired rows of `table`, the longest expired first."""
    await tx.run(
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)",
        (_utc(at), EXPIRED_PURGE),
    )
