"""Watched feeds on PostgreSQL: their validators, health and schedule, and the claim that handles each
item once, as the SQLite store keeps them (storage/sqlite/feeds.py).

Processes on several machines share the work through two statements whose effect the database decides:
a poll is leased by an UPDATE that moves next_poll_at forward only while it is still due (a second
process's UPDATE waits on the row, then finds it no longer due and matches nothing), and an item is
claimed by INSERT … ON CONFLICT DO NOTHING on the primary key (feed_id, item_key) before anything is
done with it, so whoever inserted the row handles it, and a restart finds it handled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import asyncpg

from storage.errors import Conflict, RecordMissing
from storage.postgres.db import Database, Tx, storable
from storage.postgres.drafts import add_draft_tx
from storage.records import Actor, Draft, Feed
from storage.rules import ITEM_OUTCOMES, feed_dict


def feed_of(r: asyncpg.Record) -> Feed:
    return Feed(
        id=r["id"],
        workspace=r["workspace"],
        url=r["url"],
        channel_id=r["channel_id"],
        paused=r["paused"],
        etag=r["etag"],
        last_modified=r["last_modified"],
        next_poll_at=r["next_poll_at"],
        last_success_at=r["last_success_at"],
        last_error=r["last_error"],
        last_error_at=r["last_error_at"],
        failures=r["failures"],
        items_seen=r["items_seen"],
        items_posted=r["items_posted"],
        items_skipped=r["items_skipped"],
        items_failed=r["items_failed"],
        created_at=r["created_at"],
    )


def _changed(tag: str) -> bool:
    """True if a command tag ("UPDATE 1", "INSERT 0 1") reports a row written."""
    return tag.rsplit(" ", 1)[-1] != "0"


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
        async with self.db.transaction() as tx:
            # The unique (workspace, url) decides between two processes adding the same feed at once.
            feed_id = await tx.value(
                "INSERT INTO feed (workspace, url, channel_id, etag, last_modified, next_poll_at, last_success_at,"
                " created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                " ON CONFLICT ON CONSTRAINT feed_workspace_url DO NOTHING RETURNING id",
                actor.workspace,
                url,
                channel_id,
                etag,
                last_modified,
                next_poll_at,
                at,
                at,
                actor.user_id,
            )
            if feed_id is None:
                taken = await tx.value("SELECT id FROM feed WHERE workspace = $1 AND url = $2", actor.workspace, url)
                raise Conflict(f"this feed is already watched as feed #{taken}; /feed list shows it")
            await tx.conn.executemany(
                "INSERT INTO feed_item (feed_id, item_key, claimed_at, claimed_by, outcome, detail)"
                " VALUES ($1, $2, $3, $4, 'baseline', 'in the feed when it was added') ON CONFLICT DO NOTHING",
                [(feed_id, key, at, actor.user_id) for key in dict.fromkeys(baseline)],
            )
            feed = await _feed_tx(tx, actor.workspace, feed_id)
            await tx.audit(actor, at, "create", "feed", feed_id, None, feed_dict(feed))
        return feed

    async def feeds(self, workspace: str | None = None) -> list[Feed]:
        if workspace is None:
            rows = await self.db.all("SELECT * FROM feed ORDER BY id")
        else:
            rows = await self.db.all("SELECT * FROM feed WHERE workspace = $1 ORDER BY id", workspace)
        return [feed_of(r) for r in rows]

    async def feed(self, workspace: str, feed_id: int) -> Feed | None:
        row = await self.db.point_one("SELECT * FROM feed WHERE workspace = $1 AND id = $2", workspace, feed_id)
        return feed_of(row) if row else None

    async def feed_by_url(self, workspace: str, url: str) -> Feed | None:
        if not storable(url):
            return None
        row = await self.db.point_one("SELECT * FROM feed WHERE workspace = $1 AND url = $2", workspace, url)
        return feed_of(row) if row else None

    async def remove_feed(self, actor: Actor, at: dt.datetime, feed_id: int) -> Feed:
        async with self.db.transaction() as tx:
            before = await _feed_tx(tx, actor.workspace, feed_id, lock=True)
            await tx.run("DELETE FROM feed WHERE id = $1", feed_id)  # its items cascade; drafts keep a NULL feed
            await tx.audit(actor, at, "delete", "feed", feed_id, feed_dict(before), None)
        return before

    async def set_feed_paused(
        self, actor: Actor, at: dt.datetime, feed_id: int, paused: bool, next_poll_at: dt.datetime
    ) -> Feed:
        async with self.db.transaction() as tx:
            before = await _feed_tx(tx, actor.workspace, feed_id, lock=True)
            if paused:
                await tx.run("UPDATE feed SET paused = TRUE WHERE id = $1", feed_id)
            else:
                await tx.run(
                    "UPDATE feed SET paused = FALSE, failures = 0, next_poll_at = $1 WHERE id = $2",
                    next_poll_at,
                    feed_id,
                )
            after = await _feed_tx(tx, actor.workspace, feed_id)
            await tx.audit(actor, at, "pause" if paused else "resume", "feed", feed_id, feed_dict(before), None)
        return after

    # -- polling -------------------------------------------------------------------------------

    async def due_feeds(self, now: dt.datetime) -> list[Feed]:
        rows = await self.db.all(
            "SELECT * FROM feed WHERE NOT paused AND next_poll_at <= $1 ORDER BY next_poll_at, id", now
        )
        return [feed_of(r) for r in rows]

    async def lease_feed(self, feed_id: int, now: dt.datetime, until: dt.datetime) -> bool:
        async with self.db.transaction() as tx:
            tag = await tx.run(
                "UPDATE feed SET next_poll_at = $1 WHERE id = $2 AND NOT paused AND next_poll_at <= $3",
                until,
                feed_id,
                now,
            )
        return _changed(tag)

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
                "UPDATE feed SET etag = $1, last_modified = $2, last_success_at = $3, failures = 0, next_poll_at = $4"
                " WHERE id = $5",
                etag,
                last_modified,
                at,
                next_poll_at,
                feed_id,
            )

    async def feed_failed(
        self, feed_id: int, at: dt.datetime, error: str, next_poll_at: dt.datetime, *, count: bool = True
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.run(
                "UPDATE feed SET last_error = $1, last_error_at = $2, failures = failures + $3, next_poll_at = $4"
                " WHERE id = $5",
                error,
                at,
                1 if count else 0,
                next_poll_at,
                feed_id,
            )

    async def note_feed_error(self, feed_id: int, at: dt.datetime, error: str) -> None:
        async with self.db.transaction() as tx:
            await tx.run("UPDATE feed SET last_error = $1, last_error_at = $2 WHERE id = $3", error, at, feed_id)

    async def claim_item(self, feed_id: int, key: str, at: dt.datetime, claimer: str) -> bool:
        async with self.db.transaction() as tx:
            # FOR KEY SHARE: the feed cannot be removed between this check and the claim's commit.
            tag = await tx.run(
                "INSERT INTO feed_item (feed_id, item_key, claimed_at, claimed_by, outcome)"
                " SELECT $1, $2, $3, $4, 'claimed' WHERE EXISTS (SELECT 1 FROM feed WHERE id = $1 FOR KEY SHARE)"
                " ON CONFLICT ON CONSTRAINT feed_item_pkey DO NOTHING",
                feed_id,
                key,
                at,
                claimer,
            )
            claimed = _changed(tag)
            if claimed:
                await tx.run("UPDATE feed SET items_seen = items_seen + 1 WHERE id = $1", feed_id)
        return claimed

    async def item_draft(self, actor: Actor, at: dt.datetime, feed_id: int, key: str, **draft: Any) -> Draft:
        async with self.db.transaction() as tx:
            made = await add_draft_tx(tx, actor, at, feed_id=feed_id, **draft)
            await tx.run(
                "UPDATE feed_item SET draft_id = $1 WHERE feed_id = $2 AND item_key = $3", made.id, feed_id, key
            )
        return made

    async def finish_item(self, feed_id: int, key: str, outcome: str, detail: str | None = None) -> None:
        if outcome not in ITEM_OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        async with self.db.transaction() as tx:
            await tx.run(
                "UPDATE feed_item SET outcome = $1, detail = $2 WHERE feed_id = $3 AND item_key = $4",
                outcome,
                detail,
                feed_id,
                key,
            )
            # The column is one of three known names (checked above), never the caller's text.
            await tx.run(f"UPDATE feed SET items_{outcome} = items_{outcome} + 1 WHERE id = $1", feed_id)

    async def feed_items(self, feed_id: int) -> list[tuple[str, str, int | None, str | None]]:
        rows = await self.db.all(
            "SELECT item_key, outcome, draft_id, detail FROM feed_item WHERE feed_id = $1"
            ' ORDER BY claimed_at, item_key COLLATE "C"',
            feed_id,
        )
        return [(r["item_key"], r["outcome"], r["draft_id"], r["detail"]) for r in rows]


async def _feed_tx(tx: Tx, workspace: str, feed_id: int, *, lock: bool = False) -> Feed:
    row = await tx.one(
        f"SELECT * FROM feed WHERE workspace = $1 AND id = $2{' FOR UPDATE' if lock else ''}", workspace, feed_id
    )
    if row is None:
        raise RecordMissing("feed", feed_id)
    return feed_of(row)
