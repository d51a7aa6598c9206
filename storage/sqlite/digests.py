"""Digest deliveries on SQLite: the claim-then-mark record that makes each period's digest go out once."""

from __future__ import annotations

import datetime as dt
import sqlite3

from storage.records import Actor, DigestRun
from storage.rules import subscription_dict
from storage.sqlite.db import Database
from storage.sqlite.workspaces import subscription_of


def _run(r: sqlite3.Row) -> DigestRun:
    return DigestRun(
        r["subscription_id"],
        dt.datetime.fromisoformat(r["period_start"]),
        dt.datetime.fromisoformat(r["period_end"]),
        r["status"],
        bool(r["late"]),
        dt.datetime.fromisoformat(r["claimed_at"]),
        r["claimed_by"],
        dt.datetime.fromisoformat(r["finished_at"]) if r["finished_at"] else None,
        r["detail"],
    )


class Digests:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim_digest(
        self,
        subscription_id: int,
        period_start: dt.datetime,
        period_end: dt.datetime,
        *,
        late: bool,
        claimer: str,
        at: dt.datetime,
        lease: dt.timedelta | None = None,
    ) -> bool:
        """Claim one period for posting. False if it was claimed before (by anyone), or the
        subscription is gone or paused: then the caller must not post.

        With a `lease`, a claim still 'claimed' (never finished) whose claimed_at is more than `lease`
        before `at` is taken over: its process died holding it. The takeover is a compare-and-set in
        the same write transaction, so of two processes taking over the same claim one wins."""
        async with self.db.transaction() as tx:
            sub = await tx.one("SELECT paused FROM subscription WHERE id = ?", (subscription_id,))
            if sub is None or sub["paused"]:
                return False
            await tx.run(
                "INSERT OR IGNORE INTO digest_run (subscription_id, period_end, period_start, status, late,"
                " claimed_at, claimed_by) VALUES (?, ?, ?, 'claimed', ?, ?, ?)",
                (subscription_id, period_end.isoformat(), period_start.isoformat(), int(late), at.isoformat(), claimer),
            )
            row = await tx.one("SELECT changes() AS n")
            if row and row["n"]:
                return True
            if lease is None:
                return False
            held = await tx.one(
                "SELECT claimed_at, claimed_by FROM digest_run"
                " WHERE subscription_id = ? AND period_end = ? AND status = 'claimed'",
                (subscription_id, period_end.isoformat()),
            )
            # Compared as instants, not as text: the stored offsets need not be written alike.
            if held is None or at - dt.datetime.fromisoformat(held["claimed_at"]) < lease:
                return False
            await tx.run(
                "UPDATE digest_run SET period_start = ?, late = ?, claimed_at = ?, claimed_by = ?"
                " WHERE subscription_id = ? AND period_end = ? AND status = 'claimed'"
                " AND claimed_at = ? AND claimed_by = ?",
                (
                    period_start.isoformat(),
                    int(late),
                    at.isoformat(),
                    claimer,
                    subscription_id,
                    period_end.isoformat(),
                    held["claimed_at"],
                    held["claimed_by"],
                ),
            )
            row = await tx.one("SELECT changes() AS n")
            return bool(row and row["n"])

    async def finish_digest(
        self, subscription_id: int, period_end: dt.datetime, *, at: dt.datetime, sent: bool, detail: str | None
    ) -> None:
        """Mark a claimed period sent (and the subscription's last period) or failed (with the error)."""
        async with self.db.transaction() as tx:
            await tx.run(
                "UPDATE digest_run SET status = ?, finished_at = ?, detail = ?"
                " WHERE subscription_id = ? AND period_end = ?",
                ("sent" if sent else "failed", at.isoformat(), detail, subscription_id, period_end.isoformat()),
            )
            if sent:
                await tx.run(
                    "UPDATE subscription SET last_period_end = ?, last_error = NULL WHERE id = ?",
                    (period_end.isoformat(), subscription_id),
                )
            else:
                await tx.run("UPDATE subscription SET last_error = ? WHERE id = ?", (detail, subscription_id))

    async def skip_digest(
        self,
        subscription_id: int,
        period_start: dt.datetime,
        period_end: dt.datetime,
        *,
        at: dt.datetime,
        claimer: str,
        reason: str,
    ) -> bool:
        """Record a period that will not be posted (missed too long ago); False if already recorded."""
        async with self.db.transaction() as tx:
            await tx.run(
                "INSERT OR IGNORE INTO digest_run (subscription_id, period_end, period_start, status, late,"
                " claimed_at, claimed_by, finished_at, detail) VALUES (?, ?, ?, 'skipped', 1, ?, ?, ?, ?)",
                (
                    subscription_id,
                    period_end.isoformat(),
                    period_start.isoformat(),
                    at.isoformat(),
                    claimer,
                    at.isoformat(),
                    reason,
                ),
            )
            row = await tx.one("SELECT changes() AS n")
            inserted = bool(row and row["n"])
            if inserted:
                await tx.run("UPDATE subscription SET last_error = ? WHERE id = ?", (reason, subscription_id))
            return inserted

    async def note_digest_error(self, subscription_id: int, reason: str) -> None:
        """Say why a subscription's digest could not go out, without claiming or skipping any period."""
        async with self.db.transaction() as tx:
            await tx.run("UPDATE subscription SET last_error = ? WHERE id = ?", (reason, subscription_id))

    async def pause_for_failure(self, subscription_id: int, *, at: dt.datetime, reason: str) -> None:
        """Pause a subscription whose channel cannot be posted to, and say why."""
        async with self.db.transaction() as tx:
            row = await tx.one("SELECT * FROM subscription WHERE id = ?", (subscription_id,))
            if row is None:
                return
            before = subscription_of(row)
            await tx.run(
                "UPDATE subscription SET paused = 1, pause_reason = ?, last_error = ? WHERE id = ?",
                (reason, reason, subscription_id),
            )
            after_row = await tx.one("SELECT * FROM subscription WHERE id = ?", (subscription_id,))
            assert after_row is not None
            actor = Actor(before.workspace, "scheduler", "digest scheduler")
            await tx.audit(
                actor,
                at,
                "pause",
                "subscription",
                subscription_id,
                subscription_dict(before),
                subscription_dict(subscription_of(after_row)),
            )

    async def digest_runs(self, subscription_id: int, limit: int = 5) -> list[DigestRun]:
        rows = await self.db.all(
            "SELECT * FROM digest_run WHERE subscription_id = ? ORDER BY period_end DESC LIMIT ?",
            (subscription_id, limit),
        )
        return [_run(r) for r in rows]

    async def digest_run(self, subscription_id: int, period_end: dt.datetime) -> DigestRun | None:
        row = await self.db.one(
            "SELECT * FROM digest_run WHERE subscription_id = ? AND period_end = ?",
            (subscription_id, period_end.isoformat()),
        )
        return _run(row) if row else None
