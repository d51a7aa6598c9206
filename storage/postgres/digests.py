"""Digest deliveries on PostgreSQL: the claim-then-mark record that makes each period's digest go out
once, however many processes run. A claim is an INSERT … ON CONFLICT DO NOTHING on the primary key
(subscription, period end): of two processes claiming one period, exactly one gets the row."""

from __future__ import annotations

import datetime as dt

import asyncpg

from storage.postgres.db import Database
from storage.postgres.workspaces import subscription_of
from storage.records import Actor, DigestRun
from storage.rules import subscription_dict


def run_of(r: asyncpg.Record) -> DigestRun:
    return DigestRun(
        r["subscription_id"],
        r["period_start"],
        r["period_end"],
        r["status"],
        r["late"],
        r["claimed_at"],
        r["claimed_by"],
        r["finished_at"],
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
        async with self.db.transaction() as tx:
            # FOR SHARE: the subscription cannot be paused or removed until the claim is committed.
            paused = await tx.value("SELECT paused FROM subscription WHERE id = $1 FOR SHARE", subscription_id)
            if paused is None or paused:
                return False
            if lease is None:
                conflict = "ON CONFLICT DO NOTHING"
                args: tuple[object, ...] = (subscription_id, period_end, period_start, late, at, claimer)
            else:
                # A claim its process never finished within the lease is taken over. The WHERE is
                # checked against the locked latest row, so of two takers only one gets the row.
                conflict = (
                    "ON CONFLICT (subscription_id, period_end) DO UPDATE SET period_start = EXCLUDED.period_start,"
                    " late = EXCLUDED.late, claimed_at = EXCLUDED.claimed_at, claimed_by = EXCLUDED.claimed_by"
                    " WHERE digest_run.status = 'claimed' AND digest_run.claimed_at <= $7"
                )
                args = (subscription_id, period_end, period_start, late, at, claimer, at - lease)
            claimed = await tx.value(
                "INSERT INTO digest_run (subscription_id, period_end, period_start, status, late, claimed_at,"
                f" claimed_by) VALUES ($1, $2, $3, 'claimed', $4, $5, $6) {conflict} RETURNING 1",
                *args,
            )
            return claimed is not None

    async def finish_digest(
        self, subscription_id: int, period_end: dt.datetime, *, at: dt.datetime, sent: bool, detail: str | None
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.run(
                "UPDATE digest_run SET status = $1, finished_at = $2, detail = $3"
                " WHERE subscription_id = $4 AND period_end = $5",
                "sent" if sent else "failed",
                at,
                detail,
                subscription_id,
                period_end,
            )
            if sent:
                await tx.run(
                    "UPDATE subscription SET last_period_end = $1, last_error = NULL WHERE id = $2",
                    period_end,
                    subscription_id,
                )
            else:
                await tx.run("UPDATE subscription SET last_error = $1 WHERE id = $2", detail, subscription_id)

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
        async with self.db.transaction() as tx:
            inserted = await tx.value(
                "INSERT INTO digest_run (subscription_id, period_end, period_start, status, late, claimed_at,"
                " claimed_by, finished_at, detail) VALUES ($1, $2, $3, 'skipped', TRUE, $4, $5, $4, $6)"
                " ON CONFLICT DO NOTHING RETURNING 1",
                subscription_id,
                period_end,
                period_start,
                at,
                claimer,
                reason,
            )
            if inserted is not None:
                await tx.run("UPDATE subscription SET last_error = $1 WHERE id = $2", reason, subscription_id)
            return inserted is not None

    async def note_digest_error(self, subscription_id: int, reason: str) -> None:
        async with self.db.transaction() as tx:
            await tx.run("UPDATE subscription SET last_error = $1 WHERE id = $2", reason, subscription_id)

    async def pause_for_failure(self, subscription_id: int, *, at: dt.datetime, reason: str) -> None:
        async with self.db.transaction() as tx:
            row = await tx.one("SELECT * FROM subscription WHERE id = $1 FOR UPDATE", subscription_id)
            if row is None:
                return
            before = subscription_of(row)
            after_row = await tx.one(
                "UPDATE subscription SET paused = TRUE, pause_reason = $1, last_error = $1 WHERE id = $2 RETURNING *",
                reason,
                subscription_id,
            )
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
            "SELECT * FROM digest_run WHERE subscription_id = $1 ORDER BY period_end DESC LIMIT $2",
            subscription_id,
            limit,
        )
        return [run_of(r) for r in rows]

    async def digest_run(self, subscription_id: int, period_end: dt.datetime) -> DigestRun | None:
        row = await self.db.one(
            "SELECT * FROM digest_run WHERE subscription_id = $1 AND period_end = $2", subscription_id, period_end
        )
        return run_of(row) if row else None
