"""Per-workspace settings, digest subscriptions, the audit trail and full-text search."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any

from storage.base import SEARCH_KINDS, Tx, ws_token
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
        bool(r["chart"]),
    )


async def _subscription_of_channel(tx: Tx, workspace: str, channel_id: str) -> Subscription:
    row = await tx.one("SELECT * FROM subscription WHERE workspace = ? AND channel_id = ?", (workspace, channel_id))
    if row is None:
        raise RecordMissing("subscription for channel", channel_id)
    return _subscription(row)


def _subscription_dict(s: Subscription) -> dict[str, Any]:
    return {
        "channel_id": s.channel_id,
        "weekday": s.weekday,
        "time": s.time,
        "timezone": s.timezone,
        "paused": s.paused,
        "pause_reason": s.pause_reason,
        "role_id": s.role_id,
        "chart": s.chart,
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
        chart: bool | None = None,
    ) -> tuple[Subscription, bool]:
        """Create or reschedule a channel's subscription. Returns (subscription, created).

        `chart`: whether its digests carry a chart; None keeps what it was (on for a new one)."""
        async with self._transaction() as tx:
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
                before = _subscription_dict(_subscription(row))
                await tx.run(
                    "UPDATE subscription SET weekday = ?, time = ?, timezone = ?, role_id = ?,"
                    " chart = coalesce(?, chart) WHERE id = ?",
                    (weekday, time, timezone, role_id, None if chart is None else int(chart), sid),
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
            sub = await _subscription_of_channel(tx, actor.workspace, channel_id)
            await tx.run("DELETE FROM subscription WHERE id = ?", (sub.id,))
            await tx.audit(actor, at, "delete", "subscription", sub.id, _subscription_dict(sub), None)
        return sub

    async def set_paused(
        self, actor: Actor, at: dt.datetime, channel_id: str, paused: bool, reason: str | None
    ) -> Subscription:
        async with self._transaction() as tx:
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
        """The most relevant of the workspace's newest matches first.

        FTS5's bm25() weighs each phrase of a query by reading every posting it has, and the
        workspace token is one of the phrases: at a million events that is over a million postings
        and some 50 ms on every search, whatever was looked for, and a common word ("taiwan") adds as
        many again; snippet() re-reads each hit. So the index is asked only for the newest
        SEARCH_WINDOW matches, in rowid order, which it gives straight from the end of its posting
        lists; those are ranked here with the same BM25 formula over their text, and cut to a
        snippet here too. A search whose words all have fewer matches than the window is ranked over
        all its matches, as before; a common word is ranked over its newest matches.

        The last word is a prefix ("crisis commun"). FTS5 answers a prefix by merging the postings
        of every word that starts with it before it can return the first row, which for the prefix
        of a common word ("taiwan*": every record that mentions Taiwan) costs tens of ms; a whole
        word typed in full is answered from its own postings. So the words as typed are tried first,
        and the prefix only when they have fewer matches than the window.
        """
        words = _tokens(text)
        if not fts_query(text) or not words:
            return []
        token = ws_token(workspace)
        sql = "SELECT rowid, kind, ref, body FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?"
        exact = " ".join(f'"{w}"' for w in re.findall(r"\w+", text))
        rows = await self._all(sql, (f"ws:{token} AND body:({exact})", SEARCH_WINDOW))
        if len(rows) < SEARCH_WINDOW:
            rows = await self._all(sql, (f"ws:{token} AND body:({fts_query(text)})", SEARCH_WINDOW))
        candidates = [(r["rowid"], r["kind"], int(r["ref"]), r["body"]) for r in rows if r["kind"] in SEARCH_KINDS]
        return [SearchHit(kind, ref, snip) for kind, ref, snip in _rank(candidates, words, limit)]


# How many of the newest matches a search ranks (see WorkspaceStore.search).
SEARCH_WINDOW = 200
SNIPPET_TOKENS = 16  # as snippet(search_index, 0, '', '', '…', 16) did
_BM25_K1 = 1.2  # FTS5's bm25() constants
_BM25_B = 0.75
# Tokens as FTS5's unicode61 tokenizer (remove_diacritics 2) makes them: runs of letters and digits,
# case-folded, without diacritics.
_TOKEN = re.compile(r"[^\W_]+")


def _fold(text: str) -> str:
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_fold(text))


def _rank(rows: list[tuple[int, str, int, str]], words: list[str], limit: int) -> list[tuple[str, int, str]]:
    """The best `limit` by BM25 over the candidates' text (every word weighs alike: each candidate
    holds them all; a text's length is counted in characters), the newest first among equals; each
    with a snippet around its hits."""
    *whole, last = words
    edge = r"(?<![^\W_])"  # not after a letter or digit: the start of a token
    patterns = [re.compile(edge + re.escape(w) + r"(?![^\W_])") for w in whole]
    patterns.append(re.compile(edge + re.escape(last)))  # the last word is a prefix
    folded = [(rowid, kind, ref, body, _fold(body)) for rowid, kind, ref, body in rows]
    avgdl = sum(len(f) for *_, f in folded) / len(folded) if folded else 1.0
    scored = []
    for rowid, kind, ref, body, text in folded:
        length_norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * len(text) / (avgdl or 1.0))
        tfs = [len(p.findall(text)) for p in patterns]
        score = sum(tf * (_BM25_K1 + 1) / (tf + length_norm) for tf in tfs if tf)
        scored.append((-score, -rowid, kind, ref, body))
    scored.sort()
    return [(kind, ref, _snippet(body, whole, last)) for _, _, kind, ref, body in scored[:limit]]


def _snippet(body: str, whole: list[str], last: str) -> str:
    """Up to SNIPPET_TOKENS tokens of `body` around the most hits, '…' where the text goes on."""
    spans = list(_TOKEN.finditer(body))
    if len(spans) <= SNIPPET_TOKENS:
        return body.strip()
    hits = [i for i, m in enumerate(spans) if (t := _fold(m.group())) in whole or t.startswith(last)]
    best, best_count = 0, -1
    for start in sorted({max(0, min(h, len(spans) - SNIPPET_TOKENS)) for h in hits} or {0}):
        count = sum(1 for h in hits if start <= h < start + SNIPPET_TOKENS)
        if count > best_count:
            best, best_count = start, count
    end = best + SNIPPET_TOKENS - 1
    text = body[spans[best].start() : spans[end].end()]
    return ("…" if best > 0 else "") + text + ("…" if end < len(spans) - 1 else "")
