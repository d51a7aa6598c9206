"""Drafts of readouts on SQLite, and Record: the event, its positions, its source and the draft's state in
one transaction.

A draft is not part of the record: nothing it says is shown by /lastcall or the digest until an editor
records it. Its state moves once, from pending to recorded or discarded, inside the transaction that does
the work, so two presses of Record (two members, two processes) record it once.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from storage.errors import DraftDecided, RecordMissing
from storage.records import Actor, Draft, Event, NewEvent, NewPosition, Person, RecordedDraft, Source
from storage.rules import ATTACH_DAYS, draft_dict, sources_json
from storage.sqlite.db import Database, Tx
from storage.sqlite.events import add_event_in, event_in
from storage.sqlite.notes import insert_concern
from storage.vocab import norm


def _draft(r: sqlite3.Row) -> Draft:
    return Draft(
        id=r["id"],
        workspace=r["workspace"],
        created_by=r["created_by"],
        created_at=dt.datetime.fromisoformat(r["created_at"]),
        url=r["url"],
        title=r["title"],
        publisher=r["publisher"],
        published=dt.date.fromisoformat(r["published"]) if r["published"] else None,
        extracted=json.loads(r["extracted"]),
        status=r["status"],
        event_id=r["event_id"],
        decided_by=r["decided_by"],
        decided_at=dt.datetime.fromisoformat(r["decided_at"]) if r["decided_at"] else None,
        feed_id=r["feed_id"],
    )


def _json(value: dict[str, object]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


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
            return await add_draft_in(tx, actor, at, url, title, publisher, published, extracted, feed_id)

    async def draft(self, workspace: str, draft_id: int) -> Draft | None:
        row = await self.db.one("SELECT * FROM draft WHERE workspace = ? AND id = ?", (workspace, draft_id))
        return _draft(row) if row else None

    async def update_draft(self, actor: Actor, at: dt.datetime, draft_id: int, extracted: dict[str, object]) -> Draft:
        """Replace a pending draft's extracted fields (an editor's corrections)."""
        async with self.db.transaction() as tx:
            before = await _pending(tx, actor.workspace, draft_id)
            await tx.run("UPDATE draft SET extracted = ? WHERE id = ?", (_json(extracted), draft_id))
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
        """The readouts recorded into an event, in the order recorded."""
        rows = await self.db.all(
            "SELECT * FROM draft WHERE workspace = ? AND event_id = ? AND status = 'recorded' ORDER BY decided_at, id",
            (workspace, event_id),
        )
        return [_draft(r) for r in rows]

    async def people_of(self, workspace: str) -> list[Person]:
        """Every person of the workspace with their aliases, for reading a readout's names."""
        rows = await self.db.all(
            "SELECT id, name, side, title FROM person WHERE workspace = ? ORDER BY id", (workspace,)
        )
        aliases: dict[int, list[str]] = {}
        for r in await self.db.all(
            "SELECT person_id, alias FROM person_key WHERE workspace = ? AND alias IS NOT NULL ORDER BY alias",
            (workspace,),
        ):
            aliases.setdefault(r["person_id"], []).append(r["alias"])
        return [Person(r["id"], r["name"], r["side"], r["title"], tuple(aliases.get(r["id"], ()))) for r in rows]

    async def matching_event(self, workspace: str, day: dt.date, us: str, cn: str) -> int | None:
        """The id of a recorded contact within a day of `day` in which the people named `us` and `cn`
        (names or aliases) both took part, on their sides; None if there is none."""
        us_id = await self._person_id(workspace, us)
        cn_id = await self._person_id(workspace, cn)
        if us_id is None or cn_id is None:
            return None
        row = await self.db.one(_MATCH_SQL, _match_params(workspace, day, us_id, cn_id))
        return int(row["event_id"]) if row else None

    async def _person_id(self, workspace: str, name: str) -> int | None:
        row = await self.db.one(
            "SELECT person_id FROM person_key WHERE workspace = ? AND key = ?", (workspace, norm(name))
        )
        return int(row["person_id"]) if row else None

    async def record_draft(
        self,
        actor: Actor,
        at: dt.datetime,
        draft_id: int,
        new: NewEvent,
        positions: Sequence[NewPosition],
    ) -> RecordedDraft:
        """Record a pending draft: the event (or, when the same contact is recorded already — the other
        side's readout — that event), the positions as concerns with the source's link, the issues raised
        without words, the source in the event's sources, and the draft marked recorded. One transaction.

        `new.raised` holds the issues each side raised; those that have a position are recorded by it.
        """
        async with self.db.transaction() as tx:
            before = await _pending(tx, actor.workspace, draft_id)
            source = new.sources[0] if new.sources else None
            url = source.url if source else None
            existing = await _match_in(tx, actor.workspace, new)
            worded = {(p.side, p.issue) for p in positions}
            new_people: tuple[str, ...] = ()
            new_issues: tuple[str, ...] = ()
            if existing is None:
                unworded = {side: [i for i in issues if (side, i) not in worded] for side, issues in new.raised.items()}
                plain = replace(new, raised={k: v for k, v in unworded.items() if v})
                added = await add_event_in(tx, actor, at, plain)
                event, attached, source_added = added.event, False, source is not None
                new_people, new_issues = added.new_people, added.new_issues
                issues_added = sum(len(v) for v in plain.raised.values())
            else:
                event = await event_in(tx, actor.workspace, existing)
                attached = True
                source_added = await _add_source(tx, actor, at, event, source)
                issues_added = await _add_unworded(tx, actor, at, event, new.raised, worded)
            count = 0
            for p in positions:
                dup = await tx.one(
                    "SELECT 1 FROM concern WHERE event_id = ? AND side = ? AND issue = ? AND text = ? AND source IS ?",
                    (event.id, p.side, p.issue, p.text, url),
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
            event = await event_in(tx, actor.workspace, event.id)
        return RecordedDraft(event, attached, count, issues_added, source_added, new_people, new_issues)


async def add_draft_in(
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
    draft_id = await tx.run(
        "INSERT INTO draft (workspace, created_by, created_at, url, title, publisher, published, extracted,"
        " feed_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            actor.workspace,
            actor.user_id,
            at.isoformat(),
            url,
            title,
            publisher,
            published.isoformat() if published else None,
            _json(extracted),
            feed_id,
        ),
    )
    draft = await _draft_tx(tx, actor.workspace, draft_id)
    await tx.audit(actor, at, "create", "draft", draft_id, None, draft_dict(draft))
    return draft


async def _draft_tx(tx: Tx, workspace: str, draft_id: int) -> Draft:
    row = await tx.one("SELECT * FROM draft WHERE workspace = ? AND id = ?", (workspace, draft_id))
    if row is None:
        raise RecordMissing("draft", draft_id)
    return _draft(row)


async def _pending(tx: Tx, workspace: str, draft_id: int) -> Draft:
    draft = await _draft_tx(tx, workspace, draft_id)
    if draft.status != "pending":
        raise DraftDecided(draft)
    return draft


async def _decide(tx: Tx, actor: Actor, at: dt.datetime, draft_id: int, status: str, event_id: int | None) -> None:
    await tx.run(
        "UPDATE draft SET status = ?, event_id = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
        (status, event_id, actor.display_name, at.isoformat(), draft_id),
    )


# Both leads in one held event within ATTACH_DAYS, the nearest day first.
_MATCH_SQL = (
    "SELECT a.event_id FROM participant a JOIN participant b ON b.event_id = a.event_id"
    " WHERE a.workspace = ? AND a.person_id = ? AND a.side = 'us' AND b.person_id = ? AND b.side = 'china'"
    " AND a.status = 'held' AND a.day BETWEEN ? AND ?"
    " ORDER BY abs(julianday(a.day) - julianday(?)), a.event_id LIMIT 1"
)


def _match_params(workspace: str, day: dt.date, us_id: int, cn_id: int) -> tuple[object, ...]:
    span = dt.timedelta(days=ATTACH_DAYS)
    return (workspace, us_id, cn_id, (day - span).isoformat(), (day + span).isoformat(), day.isoformat())


async def _match_in(tx: Tx, workspace: str, new: NewEvent) -> int | None:
    """The recorded contact this one is (see matching_event): the first named person of each side."""
    if not new.us or not new.cn:
        return None
    ids: list[int] = []
    for person in (new.us[0], new.cn[0]):
        row = await tx.one(
            "SELECT person_id FROM person_key WHERE workspace = ? AND key = ?", (workspace, norm(person.name))
        )
        if row is None:
            return None
        ids.append(int(row["person_id"]))
    row = await tx.one(_MATCH_SQL, _match_params(workspace, new.day, ids[0], ids[1]))
    return int(row["event_id"]) if row else None


async def _add_source(tx: Tx, actor: Actor, at: dt.datetime, event: Event, source: Source | None) -> bool:
    if source is None or any(s.url == source.url for s in event.sources if s.url):
        return False
    sources = [*event.sources, source]
    await tx.run("UPDATE event SET sources = ? WHERE id = ?", (sources_json(sources), event.id))
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
                "SELECT 1 FROM concern WHERE event_id = ? AND side = ? AND issue = ?", (event.id, side, issue)
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
