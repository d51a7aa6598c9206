"""Short-lived state of the chat adapters on PostgreSQL: replies whose buttons are live (held_reply) and the
states of Slack's OAuth install flow (slack_oauth_state), each row with its expiry (migration 0006).

Shared by every process on the database, so that a button or an install redirect is answered by whichever
process receives it. A take or a consume is one DELETE … RETURNING: of two at once, the second waits for
the first's row lock and, once it commits, finds no row. The purges and the cap's trims lock the rows they
delete with SKIP LOCKED, so two processes purging at once neither wait for each other nor deadlock; two
holds at once may each leave the workspace one over its cap, which the next hold trims. Not audited: these
are not the record.
"""

from __future__ import annotations

import datetime as dt

from storage.postgres.db import Database, Tx, storable
from storage.records import HeldReply
from storage.rules import EXPIRED_PURGE


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
                "DELETE FROM held_reply WHERE id IN (SELECT id FROM held_reply WHERE workspace = $1"
                " ORDER BY id DESC OFFSET $2 FOR UPDATE SKIP LOCKED)",
                workspace,
                max(most - 1, 0),
            )
            await tx.run(
                "INSERT INTO held_reply (token, workspace, asker, held_at, expires_at, data)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                token,
                workspace,
                asker,
                at,
                expires,
                data,
            )

    async def held_reply(self, token: str, workspace: str, *, at: dt.datetime) -> HeldReply | None:
        if not storable(token, workspace):
            return None
        row = await self.db.point_one(
            "SELECT asker, expires_at, data FROM held_reply WHERE token = $1 AND workspace = $2 AND expires_at > $3",
            token,
            workspace,
            at,
        )
        return None if row is None else HeldReply(workspace, row["asker"], row["expires_at"], row["data"])

    async def take_held_reply(self, token: str, workspace: str, *, at: dt.datetime) -> HeldReply | None:
        if await self.held_reply(token, workspace, at=at) is None:
            return None  # nothing to take: no write
        async with self.db.transaction() as tx:
            row = await tx.one(
                "DELETE FROM held_reply WHERE token = $1 AND workspace = $2 AND expires_at > $3"
                " RETURNING asker, expires_at, data",
                token,
                workspace,
                at,
            )
        return None if row is None else HeldReply(workspace, row["asker"], row["expires_at"], row["data"])

    # -- OAuth states ------------------------------------------------------------------------------------

    async def issue_oauth_state(self, state: str, *, at: dt.datetime, expires: dt.datetime, most: int) -> None:
        async with self.db.transaction() as tx:
            await _purge(tx, "slack_oauth_state", at)
            await tx.run(
                "DELETE FROM slack_oauth_state WHERE id IN (SELECT id FROM slack_oauth_state"
                " ORDER BY id DESC OFFSET $1 FOR UPDATE SKIP LOCKED)",
                max(most - 1, 0),
            )
            await tx.run(
                "INSERT INTO slack_oauth_state (state, issued_at, expires_at) VALUES ($1, $2, $3)", state, at, expires
            )

    async def consume_oauth_state(self, state: str, *, at: dt.datetime) -> bool:
        if not storable(state):
            return False
        if await self.db.value("SELECT 1 FROM slack_oauth_state WHERE state = $1", state) is None:
            return False  # never issued: nothing to write
        async with self.db.transaction() as tx:
            # An expired state goes too, and is refused.
            expires = await tx.value("DELETE FROM slack_oauth_state WHERE state = $1 RETURNING expires_at", state)
        return expires is not None and expires > at


async def _purge(tx: Tx, table: str, at: dt.datetime) -> None:
    """Delete up to EXPIRED_PURGE expired rows of `table`, the longest expired first, skipping rows another
    transaction holds (it is deleting them, or taking one)."""
    await tx.run(
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE expires_at <= $1"
        " ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
        at,
        EXPIRED_PURGE,
    )
