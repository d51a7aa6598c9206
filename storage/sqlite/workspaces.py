"""Per-workspace settings, digest subscriptions and the audit trail, on SQLite."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from storage.errors import Conflict, RecordMissing
from storage.records import Actor, AuditEntry, Subscription, WorkspaceSettings
from storage.rules import subscription_dict
from storage.sqlite.db import Database, Tx


def subscription_of(r: sqlite3.Row) -> Subscription:
    return Subscription(
        r["id"],
        r["channel_id"],
        r["weekday"],
        r["time"],
        r["timezone"],
        bool(r["paused"]),
        r["pause_reason"],
        r["role_id"],
        dt.datetime.fromisoformat(r["last_period_end"]) if r["last_period_end"] else None,
        r["last_error"],
        r["workspace"],
        dt.datetime.fromisoformat(r["created_at"]),
        bool(r["chart"]),
    )


async def _subscription_of_channel(tx: Tx, workspace: str, channel_id: str) -> Subscription:
    row = await tx.one("SELECT * FROM subscription WHERE workspace = ? AND channel_id = ?", (workspace, channel_id))
    if row is None:
        raise RecordMissing("subscription for channel", channel_id)
    return subscription_of(row)


class Workspaces:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- settings ------------------------------------------------------------------------------

    async def workspace_settings(self, workspace: str) -> WorkspaceSettings:
        row = await self.db.one("SELECT timezone, editor_role FROM workspace WHERE id = ?", (workspace,))
        if row is None:
            return WorkspaceSettings(workspace, None, None)
        return WorkspaceSettings(workspace, row["timezone"], row["editor_role"])

    async def set_workspace(
        self, actor: Actor, at: dt.datetime, *, timezone: str | None = None, editor_role: str | None = None
    ) -> WorkspaceSettings:
        async with self.db.transaction() as tx:
            row = await tx.one("SELECT timezone, editor_role FROM workspace WHERE id = ?", (actor.workspace,))
            before = dict(row) if row else None
            new_tz = timezone if timezone is not None else (row["timezone"] if row else None)
            new_role = editor_role if editor_role is not None else (row["editor_role"] if row else None)
            await tx.run(
                "INSERT INTO workspace (id, timezone, editor_role, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET timezone = excluded.timezone, editor_role = excluded.editor_role",
                (actor.workspace, new_tz, new_role, at.isoformat()),
            )
            await tx.audit(
                actor,
                at,
                "update" if row else "create",
                "workspace",
                actor.workspace,
                before,
                {"timezone": new_tz, "editor_role": new_role},
            )
        return WorkspaceSettings(actor.workspace, new_tz, new_role)

    # -- subscriptions -------------------------------------------------------------------------

    async def subscriptions(self, workspace: str | None = None) -> list[Subscription]:
        """One workspace's subscriptions, or every workspace's (the scheduler, at start)."""
        if workspace is None:
            rows = await self.db.all("SELECT * FROM subscription ORDER BY id")
        else:
            rows = await self.db.all("SELECT * FROM subscription WHERE workspace = ? ORDER BY id", (workspace,))
        return [subscription_of(r) for r in rows]

    async def subscription_by_id(self, subscription_id: int) -> Subscription | None:
        row = await self.db.one("SELECT * FROM subscription WHERE id = ?", (subscription_id,))
        return subscription_of(row) if row else None

    async def subscription_workspace(self, subscription_id: int) -> str | None:
        row = await self.db.one("SELECT workspace FROM subscription WHERE id = ?", (subscription_id,))
        return str(row["workspace"]) if row else None

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
        """Create or reschedule a channel's subscription. Returns (subscription, created).

        `chart`: whether its digests carry a chart; None keeps what it was (on for a new one)."""
        async with self.db.transaction() as tx:
            row = await tx.one(
                "SELECT * FROM subscription WHERE workspace = ? AND channel_id = ?",
                (actor.workspace, channel_id),
            )
            if row is None:
                sid = await tx.run(
                    "INSERT INTO subscription (workspace, channel_id, weekday, time, timezone, role_id, created_at,"
                    " chart) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        actor.workspace,
                        channel_id,
                        weekday,
                        time,
                        timezone,
                        role_id,
                        at.isoformat(),
                        int(chart is not False),
                    ),
                )
                before = None
            else:
                sid = row["id"]
                before = subscription_dict(subscription_of(row))
                await tx.run(
                    "UPDATE subscription SET weekday = ?, time = ?, timezone = ?, role_id = ?,"
                    " chart = coalesce(?, chart) WHERE id = ?",
                    (weekday, time, timezone, role_id, None if chart is None else int(chart), sid),
                )
            new_row = await tx.one("SELECT * FROM subscription WHERE id = ?", (sid,))
            assert new_row is not None
            sub = subscription_of(new_row)
            await tx.audit(
                actor,
                at,
                "create" if row is None else "update",
                "subscription",
                sid,
                before,
                subscription_dict(sub),
            )
        return sub, row is None

    async def unsubscribe(self, actor: Actor, at: dt.datetime, channel_id: str) -> Subscription:
        async with self.db.transaction() as tx:
            sub = await _subscription_of_channel(tx, actor.workspace, channel_id)
            await tx.run("DELETE FROM subscription WHERE id = ?", (sub.id,))
            await tx.audit(actor, at, "delete", "subscription", sub.id, subscription_dict(sub), None)
        return sub

    async def set_paused(
        self, actor: Actor, at: dt.datetime, channel_id: str, paused: bool, reason: str | None
    ) -> Subscription:
        async with self.db.transaction() as tx:
            before = await _subscription_of_channel(tx, actor.workspace, channel_id)
            if before.paused == paused:
                raise Conflict("already paused" if paused else "not paused")
            await tx.run(
                "UPDATE subscription SET paused = ?, pause_reason = ?, last_error = CASE WHEN ? THEN"
                " last_error ELSE NULL END WHERE id = ?",
                (int(paused), reason if paused else None, int(paused), before.id),
            )
            new_row = await tx.one("SELECT * FROM subscription WHERE id = ?", (before.id,))
            assert new_row is not None
            after = subscription_of(new_row)
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
        rows = await self.db.all("SELECT * FROM audit WHERE workspace = ? ORDER BY id DESC LIMIT ?", (workspace, limit))
        return [
            AuditEntry(
                r["id"],
                dt.datetime.fromisoformat(r["at"]),
                r["actor_id"],
                r["actor_name"],
                r["action"],
                r["tbl"],
                r["record_id"],
                json.loads(r["before"]) if r["before"] else None,
                json.loads(r["after"]) if r["after"] else None,
            )
            for r in rows
        ]
