"""Per-workspace settings, digest subscriptions and the audit trail on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import asyncpg

from storage.errors import Conflict, RecordMissing
from storage.postgres.db import Database, Tx
from storage.records import Actor, AuditEntry, Subscription, WorkspaceSettings
from storage.rules import subscription_dict


def subscription_of(r: asyncpg.Record) -> Subscription:
    return Subscription(
        r["id"],
        r["channel_id"],
        r["weekday"],
        r["time"],
        r["timezone"],
        r["paused"],
        r["pause_reason"],
        r["role_id"],
        r["last_period_end"],
        r["last_error"],
        r["workspace"],
        r["created_at"],
        r["chart"],
    )


async def subscription_of_channel(tx: Tx, workspace: str, channel_id: str) -> Subscription:
    row = await tx.one(
        "SELECT * FROM subscription WHERE workspace = $1 AND channel_id = $2 FOR UPDATE", workspace, channel_id
    )
    if row is None:
        raise RecordMissing("subscription for channel", channel_id)
    return subscription_of(row)


class Workspaces:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- settings ------------------------------------------------------------------------------

    async def workspace_settings(self, workspace: str) -> WorkspaceSettings:
        row = await self.db.point_one("SELECT timezone, editor_role FROM workspace WHERE id = $1", workspace)
        if row is None:
            return WorkspaceSettings(workspace, None, None)
        return WorkspaceSettings(workspace, row["timezone"], row["editor_role"])

    async def set_workspace(
        self, actor: Actor, at: dt.datetime, *, timezone: str | None = None, editor_role: str | None = None
    ) -> WorkspaceSettings:
        async with self.db.transaction() as tx:
            # The row is locked while it is read for the audit entry; what is not given is kept from the row as
            # it is when the write lands (coalesce in the statement), so two editors setting the time zone and
            # the role at once both keep theirs, even when neither found a row to lock.
            old = await tx.one("SELECT timezone, editor_role FROM workspace WHERE id = $1 FOR UPDATE", actor.workspace)
            row = await tx.one(
                "INSERT INTO workspace AS w (id, timezone, editor_role, created_at) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (id) DO UPDATE SET timezone = coalesce($2, w.timezone),"
                " editor_role = coalesce($3, w.editor_role) RETURNING w.timezone, w.editor_role",
                actor.workspace,
                timezone,
                editor_role,
                at,
            )
            assert row is not None
            before = None if old is None else {"timezone": old["timezone"], "editor_role": old["editor_role"]}
            after = {"timezone": row["timezone"], "editor_role": row["editor_role"]}
            action = "create" if old is None else "update"
            await tx.audit(actor, at, action, "workspace", actor.workspace, before, after)
        return WorkspaceSettings(actor.workspace, row["timezone"], row["editor_role"])

    # -- subscriptions -------------------------------------------------------------------------

    async def subscriptions(self, workspace: str | None = None) -> list[Subscription]:
        if workspace is None:
            rows = await self.db.all("SELECT * FROM subscription ORDER BY id")
        else:
            rows = await self.db.all("SELECT * FROM subscription WHERE workspace = $1 ORDER BY id", workspace)
        return [subscription_of(r) for r in rows]

    async def subscription_by_id(self, subscription_id: int) -> Subscription | None:
        row = await self.db.point_one("SELECT * FROM subscription WHERE id = $1", subscription_id)
        return subscription_of(row) if row else None

    async def subscribe(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        channel_id: str,
        weekday: int,
        time: str,
        timezone: str,
        role_id: str | None,
        chart: bool | None = None,
    ) -> tuple[Subscription, bool]:
        async with self.db.transaction() as tx:
            old = await tx.one(
                "SELECT * FROM subscription WHERE workspace = $1 AND channel_id = $2 FOR UPDATE",
                actor.workspace,
                channel_id,
            )
            # ON CONFLICT: two editors subscribing one channel at once make one subscription.
            row = await tx.one(
                "INSERT INTO subscription AS s (workspace, channel_id, weekday, time, timezone, role_id, created_at,"
                " chart) VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, TRUE))"
                " ON CONFLICT (workspace, channel_id) DO UPDATE SET weekday = excluded.weekday, time = excluded.time,"
                " timezone = excluded.timezone, role_id = excluded.role_id, chart = coalesce($8, s.chart)"
                " RETURNING *, (xmax = 0) AS created",
                actor.workspace,
                channel_id,
                weekday,
                time,
                timezone,
                role_id,
                at,
                chart,
            )
            assert row is not None
            sub = subscription_of(row)
            created = bool(row["created"])
            before = None if created or old is None else subscription_dict(subscription_of(old))
            await tx.audit(
                actor, at, "create" if created else "update", "subscription", sub.id, before, subscription_dict(sub)
            )
        return sub, created

    async def unsubscribe(self, actor: Actor, at: dt.datetime, channel_id: str) -> Subscription:
        async with self.db.transaction() as tx:
            sub = await subscription_of_channel(tx, actor.workspace, channel_id)
            await tx.run("DELETE FROM subscription WHERE id = $1", sub.id)
            await tx.audit(actor, at, "delete", "subscription", sub.id, subscription_dict(sub), None)
        return sub

    async def set_paused(
        self, actor: Actor, at: dt.datetime, channel_id: str, paused: bool, reason: str | None
    ) -> Subscription:
        async with self.db.transaction() as tx:
            before = await subscription_of_channel(tx, actor.workspace, channel_id)
            if before.paused == paused:
                raise Conflict("already paused" if paused else "not paused")
            row = await tx.one(
                "UPDATE subscription SET paused = $1, pause_reason = $2,"
                " last_error = CASE WHEN $1 THEN last_error ELSE NULL END WHERE id = $3 RETURNING *",
                paused,
                reason if paused else None,
                before.id,
            )
            assert row is not None
            after = subscription_of(row)
            await tx.audit(
                actor,
                at,
                "pause" if paused else "resume",
                "subscription",
                before.id,
                subscription_dict(before),
                subscription_dict(after),
            )
        return after

    # -- audit ---------------------------------------------------------------------------------

    async def audit_entries(self, workspace: str, limit: int = 50) -> list[AuditEntry]:
        rows = await self.db.all("SELECT * FROM audit WHERE workspace = $1 ORDER BY id DESC LIMIT $2", workspace, limit)
        return [
            AuditEntry(
                r["id"],
                r["at"],
                r["actor_id"],
                r["actor_name"],
                r["action"],
                r["tbl"],
                r["record_id"],
                r["before"],
                r["after"],
            )
            for r in rows
        ]
