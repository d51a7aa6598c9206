"""Drafts of readouts on PostgreSQL, and Record: the event, its positions, its source and the draft's
state in one transaction, as the SQLite store does it (storage/sqlite/drafts.py).

A draft leaves 'pending' once. Updating, discarding and recording each read the draft FOR UPDATE: of two
presses of Record at once (two members, two processes), the second waits for the first to commit, then
finds the draft recorded and is refused with DraftDecided, having written nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

import asyncpg

from storage.errors import DraftDecided, RecordMissing
from storage.postgres.db import Database, Tx
from storage.postgres.events import add_event_tx, event_tx
from storage.postgres.notes import insert_concern
from storage.records import Actor, Draft, Event, NewEvent, NewPosition, Person, RecordedDraft, Source
from storage.rules import ATTACH_DAYS, draft_dict
from storage.vocab import norm


def draft_of(r: asyncpg.Record) -> Draft:
    return Draft(
        id=r["id"],
        workspace=r["workspace"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        url=r["url"],
        title=r["title"],
        publisher=r["publisher"],
        published=r["published"],
        extracted=r["extracted"],
        status=r["status"],
        event_id=r["event_id"],
        decided_by=r["decided_by"],
        decided_at=r["decided_at"],
        feed_id=r["feed_id"],
    )


# Both leads in one held event within ATTACH_DAYS of the day, the nearest day first.
_MATCH_SQL = (
    "SELECT a.event_id FROM participant a JOIN participant b ON b.event_id = a.event_id"
    " WHERE a.workspace = $1 AND a.person_id = $2 AND a.side = 'us' AND b.person_id = $3 AND b.side = 'china'"
    " AND a.status = 'held' AND a.day BETWEEN $4 AND $5"
    " ORDER BY abs(a.day - $6::date), a.event_id LIMIT 1"
)


def _match_args(workspace: str, day: dt.date, us_id: int, cn_id: int) -> tuple[object, ...]:
    span = dt.timedelta(days=ATTACH_DAYS)
    return (workspace, us_id, cn_id, day - span, day + span, day)


class Drafts:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_draft(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        url: str | None,
        title: str | None,
        publisher: str | None,
        published: dt.date | None,
        extracted: dict[str, object],
        feed_id: int | None = None,
    ) -> Draft:
        async with self.db.transaction() as tx:
            return await add_draft_tx(tx, actor, at, url, title, publisher, published, extracted, feed_id)

    async def draft(self, workspace: str, draft_id: int) -> Draft | None:
        row = await self.db.point_one("SELECT * FROM draft WHERE workspace = $1 AND id = $2", workspace, draft_id)
        return draft_of(row) if row else None

    async def update_draft(self, actor: Actor, at: dt.datetime, draft_id: int, extracted: dict[str, object]) -> Draft:
        async with self.db.transaction() as tx:
            before = await _pending(tx, actor.workspace, draft_id)
            await tx.run("UPDATE draft SET extracted = $1 WHERE id = $2", extracted, draft_id)
            after = await _draft_tx(tx, actor.workspace, draft_id)
            await tx.audit(actor, at, "update", "draft", draft_id, draft_dict(before), draft_dict(after))
        return after

    async def discard_draft(self, actor: Actor, at: dt.datetime, draft_id: int) -> Draft:
        async with self.db.transaction() as tx:
            before = await _pending(tx, actor.workspace, draft_id)
            await _decide(tx, actor, at, draft_id, "discarded", None)
            after = await _draft_tx(tx, actor.workspace, draft_id)
            await tx.audit(actor, at, "discard", "draft", draft_id, draft_dict(before), draft_dict(after))
        return after

    async def event_drafts(self, workspace: str, event_id: int) -> list[Draft]:
        rows = await self.db.point_all(
            "SELECT * FROM draft WHERE event_id = $1 AND workspace = $2 AND status = 'recorded'"
            " ORDER BY decided_at, id",
            event_id,
            workspace,
        )
        return [draft_of(r) for r in rows]

    async def people_of(self, workspace: str) -> list[Person]:
        rows = await self.db.all("SELECT id, name, side, title FROM person WHERE workspace = $1 ORDER BY id", workspace)
        aliases: dict[int, list[str]] = {}
        for r in await self.db.all(
            "SELECT person_id, alias FROM person_key WHERE workspace = $1 AND alias IS NOT NULL"
            ' ORDER BY alias COLLATE "C"',
            workspace,
        ):
            aliases.setdefault(r["person_id"], []).append(r["alias"])
        return [Person(r["id"], r["name"], r["side"], r["title"], tuple(aliases.get(r["id"], ()))) for r in rows]

    async def matching_event(self, workspace: str, day: dt.date, us: str, cn: str) -> int | None:
        ids = await self.db.all(
            "SELECT k.key, k.person_id FROM person_key k WHERE k.workspace = $1 AND k.key = ANY($2::text[])",
            workspace,
            [norm(us), norm(cn)],
        )
        by_key = {r["key"]: int(r["person_id"]) for r in ids}
        us_id, cn_id = by_key.get(norm(us)), by_key.get(norm(cn))
        if us_id is None or cn_id is None:
            return None
        found = await self.db.value(_MATCH_SQL, *_match_args(workspace, day, us_id, cn_id))
        return int(found) if found is not None else None

    async def record_draft(
        self,
        actor: Actor,
        at: dt.datetime,
        draft_id: int,
        new: NewEvent,
        positions: Sequence[NewPosition],
    ) -> RecordedDraft:
        async with self.db.transaction() as tx:
            before = await _pending(tx, actor.workspace, draft_id)
            source = new.sources[0] if new.sources else None
            url = source.url if source else None
            existing = await _match_tx(tx, actor.workspace, new)
            worded = {(p.side, p.issue) for p in positions}
            new_people: tuple[str, ...] = ()
            new_issues: tuple[str, ...] = ()
            if existing is None:
                # The event is written as add_event writes it, with the issues raised that no position words.
                unworded = {side: [i for i in issues if (side, i) not in worded] for side, issues in new.raised.items()}
                plain = replace(new, raised={k: v for k, v in unworded.items() if v})
                added = await add_event_tx(tx, actor, at, plain)
                event, attached, source_added = added.event, False, source is not None
                new_people, new_issues = added.new_people, added.new_issues
                issues_added = sum(len(v) for v in plain.raised.values())
            else:
                # Locked: two readouts joining one event at once must not lose each other's source.
                event = await event_tx(tx, actor.workspace, existing, lock=True)
                attached = True
                source_added = await _add_source(tx, actor, at, event, source)
                issues_added = await _add_unworded(tx, actor, at, event, new.raised, worded)
            count = 0
            for p in positions:
                dup = await tx.one(
                    "SELECT 1 FROM concern WHERE event_id = $1 AND side = $2 AND issue = $3 AND text = $4"
                    " AND source IS NOT DISTINCT FROM $5",
                    event.id,
                    p.side,
                    p.issue,
                    p.text,
                    url,
                )
                if dup is None:
                    await insert_concern(
                        tx,
                        actor,
                        at,
                        issue=p.issue,
                        side=p.side,
                        text=p.text,
                        by=None,
                        day=event.day,
                        event_id=event.id,
                        source=url,
                    )
                    count += 1
            await _decide(tx, actor, at, draft_id, "recorded", event.id)
            after = await _draft_tx(tx, actor.workspace, draft_id)
            await tx.audit(actor, at, "record", "draft", draft_id, draft_dict(before), draft_dict(after))
            event = await event_tx(tx, actor.workspace, event.id)
        return RecordedDraft(event, attached, count, issues_added, source_added, new_people, new_issues)


async def add_draft_tx(
    tx: Tx,
    actor: Actor,
    at: dt.datetime,
    url: str | None,
    title: str | None,
    publisher: str | None,
    published: dt.date | None,
    extracted: dict[str, object],
    feed_id: int | None = None,
) -> Draft:
    """A new pending draft inside an open transaction (the feed follower adds it with the item's outcome)."""
    row = await tx.one(
        "INSERT INTO draft (workspace, created_by, created_at, url, title, publisher, published, extracted, feed_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
        actor.workspace,
        actor.user_id,
        at,
        url,
        title,
        publisher,
        published,
        extracted,
        feed_id,
    )
    assert row is not None  # INSERT … RETURNING returns the row it inserted
    draft = draft_of(row)
    await tx.audit(actor, at, "create", "draft", draft.id, None, draft_dict(draft))
    return draft


async def _draft_tx(tx: Tx, workspace: str, draft_id: int, *, lock: bool = False) -> Draft:
    row = await tx.one(
        f"SELECT * FROM draft WHERE workspace = $1 AND id = $2{' FOR UPDATE' if lock else ''}", workspace, draft_id
    )
    if row is None:
        raise RecordMissing("draft", draft_id)
    return draft_of(row)


async def _pending(tx: Tx, workspace: str, draft_id: int) -> Draft:
    """The draft, locked until the transaction ends; DraftDecided if it is no longer pending."""
    draft = await _draft_tx(tx, workspace, draft_id, lock=True)
    if draft.status != "pending":
        raise DraftDecided(draft)
    return draft


async def _decide(tx: Tx, actor: Actor, at: dt.datetime, draft_id: int, status: str, event_id: int | None) -> None:
    await tx.run(
        "UPDATE draft SET status = $1, event_id = $2, decided_by = $3, decided_at = $4"
        " WHERE id = $5 AND status = 'pending'",
        status,
        event_id,
        actor.display_name,
        at,
        draft_id,
    )


async def _match_tx(tx: Tx, workspace: str, new: NewEvent) -> int | None:
    """The recorded contact this one is (see matching_event): the first named person of each side."""
    if not new.us or not new.cn:
        return None
    ids: list[int] = []
    for person in (new.us[0], new.cn[0]):
        found = await tx.value(
            "SELECT person_id FROM person_key WHERE workspace = $1 AND key = $2", workspace, norm(person.name)
        )
        if found is None:
            return None
        ids.append(int(found))
    event_id = await tx.value(_MATCH_SQL, *_match_args(workspace, new.day, ids[0], ids[1]))
    return int(event_id) if event_id is not None else None


async def _add_source(tx: Tx, actor: Actor, at: dt.datetime, event: Event, source: Source | None) -> bool:
    if source is None or any(s.url == source.url for s in event.sources if s.url):
        return False
    sources = [*event.sources, source]
    await tx.run("UPDATE event SET sources = $1 WHERE id = $2", [s.as_json() for s in sources], event.id)
    await tx.audit(
        actor,
        at,
        "update",
        "event",
        event.id,
        {"sources": [s.as_json() for s in event.sources]},
        {"sources": [s.as_json() for s in sources]},
    )
    return True


async def _add_unworded(
    tx: Tx,
    actor: Actor,
    at: dt.datetime,
    event: Event,
    raised: dict[str, list[str]],
    worded: set[tuple[str, str]],
) -> int:
    """The issues this readout says a side raised that the event does not have yet, without words."""
    added = 0
    for side, issues in raised.items():
        for issue in issues:
            if (side, issue) in worded:
                continue
            known = await tx.one(
                "SELECT 1 FROM concern WHERE event_id = $1 AND side = $2 AND issue = $3", event.id, side, issue
            )
            if known is None:
                await insert_concern(
                    tx,
                    actor,
                    at,
                    issue=issue,
                    side=side,
                    text=None,
                    by=None,
                    day=event.day,
                    event_id=event.id,
                    source=None,
                )
                added += 1
    return added
