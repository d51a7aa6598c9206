"""Watched feeds on SQLite: their validators, health and schedule, and the claim that handles each item once.

Two processes on one store share the work safely: a poll is leased (next_poll_at moves forward before
the fetch, only if it was due), and an item is claimed (INSERT … ON CONFLICT DO NOTHING) before anything
is done with it, so whoever inserted the row is the one that handles it, and a restart finds it handled.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from typing import Any

from storage.errors import Conflict, RecordMissing
from storage.records import Actor, Draft, Feed
from storage.rules import ITEM_OUTCOMES, feed_dict
from storage.sqlite.db import Database, Tx
from storage.sqlite.drafts import add_draft_in


def _at(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _feed(r: sqlite3.Row) -> Feed:
    return Feed(
        id=r["id"],
        workspace=r["workspace"],
        url=r["url"],
        channel_id=r["channel_id"],
        paused=bool(r["paused"]),
        etag=r["etag"],
        last_modified=r["last_modified"],
        next_poll_at=dt.datetime.fromisoformat(r["next_poll_at"]),
        last_success_at=_at(r["last_success_at"]),
        last_error=r["last_error"],
        last_error_at=_at(r["last_error_at"]),
        failures=r["failures"],
        items_seen=r["items_seen"],
        items_posted=r["items_posted"],
        items_skipped=r["items_skipped"],
        items_failed=r["items_failed"],
        created_at=dt.datetime.fromisoformat(r["created_at"]),
    )


class Feeds:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_feed(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        url: str,
        channel_id: str,
        next_poll_at: dt.datetime,
        etag: str | None,
        last_modified: str | None,
        baseline: Sequence[str],
    ) -> Feed:
        """Watch a feed. `baseline`: the keys of the items it holds now, marked handled so that only
        items that appear later are read and posted."""
        async with self.db.transaction() as tx:
            taken = await tx.one("SELECT id FROM feed WHERE workspace = ? AND url = ?", (actor.workspace, url))
            if taken is not None:
                raise Conflict(f"this feed is already watched as feed #{taken['id']}; /feed list shows it")
            feed_id = await tx.run(
                "INSERT INTO feed (workspace, url, channel_id, etag, last_modified, next_poll_at, last_success_at,"
                " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    actor.workspace,
                    url,
                    channel_id,
                    etag,
                    last_modified,
                    next_poll_at.isoformat(),
                    at.isoformat(),
                    at.isoformat(),
                    actor.user_id,
                ),
            )
            for key in dict.fromkeys(baseline):
                await tx.run(
                    "INSERT INTO feed_item (feed_id, item_key, claimed_at, claimed_by, outcome, detail)"
                    " VALUES (?, ?, ?, ?, 'baseline', 'in the feed when it was added') ON CONFLICT DO NOTHING",
                    (feed_id, key, at.isoformat(), actor.user_id),
                )
            feed = await _feed_tx(tx, actor.workspace, feed_id)
            await tx.audit(actor, at, "create", "feed", feed_id, None, feed_dict(feed))
        return feed

    async def feeds(self, workspace: str | None = None) -> list[Feed]:
        if workspace is None:
            rows = await self.db.all("SELECT * FROM feed ORDER BY id")
        else:
            rows = await self.db.all("SELECT * FROM feed WHERE workspace = ? ORDER BY id", (workspace,))
        return [_feed(r) for r in rows]

    async def feed(self, workspace: str, feed_id: int) -> Feed | None:
        row = await self.db.one("SELECT * FROM feed WHERE workspace = ? AND id = ?", (workspace, feed_id))
        return _feed(row) if row else None

    async def feed_by_url(self, workspace: str, url: str) -> Feed | None:
        row = await self.db.one("SELECT * FROM feed WHERE workspace = ? AND url = ?", (workspace, url))
        return _feed(row) if row else None

    async def remove_feed(self, actor: Actor, at: dt.datetime, feed_id: int) -> Feed:
        """Stop watching a feed; its item history goes with it, its drafts stay."""
        async with self.db.transaction() as tx:
            before = await _feed_tx(tx, actor.workspace, feed_id)
            await tx.run("DELETE FROM feed WHERE id = ?", (feed_id,))
            await tx.audit(actor, at, "delete", "feed", feed_id, feed_dict(before), None)
        return before

    async def set_feed_paused(
        self, actor: Actor, at: dt.datetime, feed_id: int, paused: bool, next_poll_at: dt.datetime
    ) -> Feed:
        """Pause, or resume (polled again at `next_poll_at`, the backoff forgotten)."""
        async with self.db.transaction() as tx:
            before = await _feed_tx(tx, actor.workspace, feed_id)
            if paused:
                await tx.run("UPDATE feed SET paused = 1 WHERE id = ?", (feed_id,))
            else:
                await tx.run(
                    "UPDATE feed SET paused = 0, failures = 0, next_poll_at = ? WHERE id = ?",
                    (next_poll_at.isoformat(), feed_id),
                )
            after = await _feed_tx(tx, actor.workspace, feed_id)
            await tx.audit(actor, at, "pause" if paused else "resume", "feed", feed_id, feed_dict(before), None)
        return after

    # -- polling -------------------------------------------------------------------------------

    async def due_feeds(self, now: dt.datetime) -> list[Feed]:
        rows = await self.db.all(
            "SELECT * FROM feed WHERE paused = 0 AND next_poll_at <= ? ORDER BY next_poll_at, id", (now.isoformat(),)
        )
        return [_feed(r) for r in rows]

    async def lease_feed(self, feed_id: int, now: dt.datetime, until: dt.datetime) -> bool:
        """Take the feed's poll that is due at `now`, moving its next poll to `until`; False if it is not
        due (another process took it, or it was paused or removed meanwhile): then do not poll it."""
        async with self.db.transaction() as tx:
            await tx.run(
                "UPDATE feed SET next_poll_at = ? WHERE id = ? AND paused = 0 AND next_poll_at <= ?",
                (until.isoformat(), feed_id, now.isoformat()),
            )
            row = await tx.one("SELECT changes() AS n")
            return bool(row and row["n"])

    async def feed_polled(
        self,
        feed_id: int,
        at: dt.datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        next_poll_at: dt.datetime,
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.run(
                "UPDATE feed SET etag = ?, last_modified = ?, last_success_at = ?, failures = 0, next_poll_at = ?"
                " WHERE id = ?",
                (etag, last_modified, at.isoformat(), next_poll_at.isoformat(), feed_id),
            )

    async def feed_failed(
        self, feed_id: int, at: dt.datetime, error: str, next_poll_at: dt.datetime, *, count: bool = True
    ) -> None:
        """A poll that failed: its error, the next try; `count` (a failure of the feed, not of ours)
        makes the backoff grow."""
        async with self.db.transaction() as tx:
            await tx.run(
                "UPDATE feed SET last_error = ?, last_error_at = ?, failures = failures + ?, next_poll_at = ?"
                " WHERE id = ?",
                (error, at.isoformat(), 1 if count else 0, next_poll_at.isoformat(), feed_id),
            )

    async def note_feed_error(self, feed_id: int, at: dt.datetime, error: str) -> None:
        """Say what went wrong after a poll that itself succeeded (a draft that could not be posted)."""
        async with self.db.transaction() as tx:
            await tx.run(
                "UPDATE feed SET last_error = ?, last_error_at = ? WHERE id = ?", (error, at.isoformat(), feed_id)
            )

    async def claim_item(self, feed_id: int, key: str, at: dt.datetime, claimer: str) -> bool:
        """Claim one item for handling; False if it was claimed before, by anyone: then leave it."""
        async with self.db.transaction() as tx:
            await tx.run(
                "INSERT INTO feed_item (feed_id, item_key, claimed_at, claimed_by, outcome)"
                " SELECT ?, ?, ?, ?, 'claimed' WHERE EXISTS (SELECT 1 FROM feed WHERE id = ?)"
                " ON CONFLICT DO NOTHING",
                (feed_id, key, at.isoformat(), claimer, feed_id),
            )
            row = await tx.one("SELECT changes() AS n")
            claimed = bool(row and row["n"])
            if claimed:
                await tx.run("UPDATE feed SET items_seen = items_seen + 1 WHERE id = ?", (feed_id,))
            return claimed

    async def item_draft(self, actor: Actor, at: dt.datetime, feed_id: int, key: str, **draft: Any) -> Draft:
        """The draft made of a claimed item, tied to it in the same transaction."""
        async with self.db.transaction() as tx:
            made = await add_draft_in(tx, actor, at, feed_id=feed_id, **draft)
            await tx.run(
                "UPDATE feed_item SET draft_id = ? WHERE feed_id = ? AND item_key = ?", (made.id, feed_id, key)
            )
        return made

    async def finish_item(self, feed_id: int, key: str, outcome: str, detail: str | None = None) -> None:
        """What became of a claimed item: posted, skipped (not a US–China contact) or failed."""
        if outcome not in ITEM_OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        async with self.db.transaction() as tx:
            await tx.run(
                "UPDATE feed_item SET outcome = ?, detail = ? WHERE feed_id = ? AND item_key = ?",
                (outcome, detail, feed_id, key),
            )
            await tx.run(f"UPDATE feed SET items_{outcome} = items_{outcome} + 1 WHERE id = ?", (feed_id,))

    async def feed_items(self, feed_id: int) -> list[tuple[str, str, int | None, str | None]]:
        """Every handled item of a feed: (key, outcome, draft id, detail), in the order claimed."""
        rows = await self.db.all(
            "SELECT item_key, outcome, draft_id, detail FROM feed_item WHERE feed_id = ? ORDER BY claimed_at, item_key",
            (feed_id,),
        )
        return [(r["item_key"], r["outcome"], r["draft_id"], r["detail"]) for r in rows]


async def _feed_tx(tx: Tx, workspace: str, feed_id: int) -> Feed:
    row = await tx.one("SELECT * FROM feed WHERE workspace = ? AND id = ?", (workspace, feed_id))
    if row is None:
        raise RecordMissing("feed", feed_id)
    return _feed(row)
