"""Per-workspace settings, digest subscriptions, the audit trail and full-text search."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from storage.base import SEARCH_KINDS, ws_token
from storage.errors import Conflict, RecordMissing
from storage.notes import NoteStore
from storage.records import Actor, AuditEntry, Subscription, WorkspaceSettings


@dataclass(frozen=True)
class SearchHit:
    kind: str  # event, concern, question, person
    ref: int
    snippet: str


def _subscription(r: sqlite3.Row) -> Subscription:
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
    )


def _subscription_dict(s: Subscription) -> dict[str, Any]:
    return {
        "channel_id": s.channel_id,
        "weekday": s.weekday,
        "time": s.time,
        "timezone": s.timezone,
        "paused": s.paused,
        "pause_reason": s.pause_reason,
        "role_id": s.role_id,
    }


def fts_query(text: str) -> str:
    """User words as an FTS5 query: every word must appear, the last one as a prefix.

    Each word is quoted, so FTS5 operators and punctuation a user types are only ever words.
    """
    words = re.findall(r"\w+", text)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


class WorkspaceStore(NoteStore):
    # -- settings ------------------------------------------------------------------------------

    async def workspace_settings(self, workspace: str) -> WorkspaceSettings:
        row = await self._one("SELECT timezone, editor_role FROM workspace WHERE id = ?", (workspace,))
        if row is None:
            return WorkspaceSettings(workspace, None, None)
        return WorkspaceSettings(workspace, row["timezone"], row["editor_role"])

    async def set_workspace(
        self, actor: Actor, at: dt.datetime, *, timezone: str | None = None, editor_role: str | None = None
    ) -> WorkspaceSettings:
        async with self._transaction() as tx:
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
            rows = await self._all("SELECT * FROM subscription ORDER BY id")
        else:
            rows = await self._all("SELECT * FROM subscription WHERE workspace = ? ORDER BY id", (workspace,))
        return [_subscription(r) for r in rows]

    async def subscription_workspace(self, subscription_id: int) -> str | None:
        row = await self._one("SELECT workspace FROM subscription WHERE id = ?", (subscription_id,))
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
    ) -> tuple[Subscription, bool]:
        """Create or reschedule a channel's subscription. Returns (subscription, created)."""
        async with self._transaction() as tx:
            row = await tx.one(
                "SELECT * FROM subscription WHERE workspace = ? AND channel_id = ?",
                (actor.workspace, channel_id),
            )
            if row is None:
                sid = await tx.run(
                    "INSERT INTO subscription (workspace, channel_id, weekday, time, timezone, role_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (actor.workspace, channel_id, weekday, time, timezone, role_id, at.isoformat()),
                )
                before = None
            else:
                sid = row["id"]
                before = _subscription_dict(_subscription(row))
                await tx.run(
                    "UPDATE subscription SET weekday = ?, time = ?, timezone = ?, role_id = ? WHERE id = ?",
                    (weekday, time, timezone, role_id, sid),
                )
            new_row = await tx.one("SELECT * FROM subscription WHERE id = ?", (sid,))
            assert new_row is not None
            sub = _subscription(new_row)
            await tx.audit(
                actor,
                at,
                "create" if row is None else "update",
                "subscription",
                sid,
                before,
                _subscription_dict(sub),
            )
        return sub, row is None

    async def unsubscribe(self, actor: Actor, at: dt.datetime, channel_id: str) -> Subscription:
        async with self._transaction() as tx:
            row = await tx.one(
                "SELECT * FROM subscription WHERE workspace = ? AND channel_id = ?",
                (actor.workspace, channel_id),
            )
            if row is None:
                raise RecordMissing("subscription for channel", channel_id)
            sub = _subscription(row)
            await tx.run("DELETE FROM subscription WHERE id = ?", (sub.id,))
            await tx.audit(actor, at, "delete", "subscription", sub.id, _subscription_dict(sub), None)
        return sub

    async def set_paused(
        self, actor: Actor, at: dt.datetime, channel_id: str, paused: bool, reason: str | None
    ) -> Subscription:
        async with self._transaction() as tx:
            row = await tx.one(
                "SELECT * FROM subscription WHERE workspace = ? AND channel_id = ?",
                (actor.workspace, channel_id),
            )
            if row is None:
                raise RecordMissing("subscription for channel", channel_id)
            before = _subscription(row)
            if before.paused == paused:
                raise Conflict("already paused" if paused else "not paused")
            await tx.run(
                "UPDATE subscription SET paused = ?, pause_reason = ?, last_error = CASE WHEN ? THEN"
                " last_error ELSE NULL END WHERE id = ?",
                (int(paused), reason if paused else None, int(paused), before.id),
            )
            new_row = await tx.one("SELECT * FROM subscription WHERE id = ?", (before.id,))
            assert new_row is not None
            after = _subscription(new_row)
            await tx.audit(
                actor,
                at,
                "pause" if paused else "resume",
                "subscription",
                before.id,
                _subscription_dict(before),
                _subscription_dict(after),
            )
        return after

    # -- audit ---------------------------------------------------------------------------------

    async def audit_entries(self, workspace: str, limit: int = 50) -> list[AuditEntry]:
        import json

        rows = await self._all("SELECT * FROM audit WHERE workspace = ? ORDER BY id DESC LIMIT ?", (workspace, limit))
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

    # -- search --------------------------------------------------------------------------------

    async def search(self, workspace: str, text: str, limit: int = 25) -> list[SearchHit]:
        """The most relevant records first (bm25), within the workspace only."""
        query = fts_query(text)
        if not query:
            return []
        rows = await self._all(
            "SELECT kind, ref, snippet(search_index, 0, '', '', '…', 16) AS snip FROM search_index"
            " WHERE search_index MATCH ? ORDER BY bm25(search_index) LIMIT ?",
            (f"ws:{ws_token(workspace)} AND body:({query})", limit),
        )
        return [SearchHit(r["kind"], int(r["ref"]), r["snip"]) for r in rows if r["kind"] in SEARCH_KINDS]
