"""The PostgreSQL store: one pool, migrated at open, and one small object per area of the record
(people.py, events.py, notes.py, workspaces.py, digests.py, search.py, timeline.py, installs.py,
importer.py, drafts.py, feeds.py, expiring.py), each over the same Database. PostgresStore composes them:
every method of storage.contract.StoreContract is here and hands the call to its area, so the contract can be
read off this class and no area inherits from another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from storage.changes import ChangeWatch, OnChange
from storage.errors import OpenFailed
from storage.postgres.db import Database
from storage.postgres.digests import Digests
from storage.postgres.drafts import Drafts
from storage.postgres.events import Events
from storage.postgres.expiring import Expiring
from storage.postgres.feeds import Feeds
from storage.postgres.importer import Importer
from storage.postgres.installs import Installs
from storage.postgres.kept import KeptReads
from storage.postgres.listen import SharedListener
from storage.postgres.migrate import migrate
from storage.postgres.notes import Notes
from storage.postgres.people import People
from storage.postgres.pool import PointConnections, open_pool
from storage.postgres.search import Search
from storage.postgres.timeline import Timelines
from storage.postgres.workspaces import Workspaces
from storage.records import (
    Actor,
    AddedEvent,
    AuditEntry,
    Concern,
    ContactScope,
    DigestRun,
    Draft,
    EarlierContacts,
    Event,
    EventNotes,
    Feed,
    Grain,
    HeldReply,
    ImportResult,
    Issue,
    NewEvent,
    NewPosition,
    Office,
    Person,
    PoolStats,
    Progress,
    Question,
    RecordedDraft,
    SearchHit,
    Subscription,
    Timeline,
    WorkspaceSettings,
)


class PostgresStore:
    reads_overlap = True  # each read is a round trip to the server (StoreContract.reads_overlap)

    def __init__(
        self,
        pool: asyncpg.Pool,
        url: str | None = None,
        points: PointConnections | None = None,
        listen_url: str | None = None,
    ) -> None:
        self.pool = pool
        self.url = url
        self.points = points
        # The change feed: one listening connection (to `listen_url`, else `url`), started when first
        # needed, for the reads kept below and every watch_changes. A store not opened from a URL keeps
        # nothing.
        where = listen_url or url
        self.listener = SharedListener(where) if where is not None else None
        listener = self.listener
        self.kept = KeptReads(lambda: listener is not None and listener.connected)
        if listener is not None:
            listener.subscribe(self.kept.heard)
        db = Database(pool, points, written=self.kept.forget)
        self._people = People(db)
        self._events = Events(db)
        self._importer = Importer(db)
        self._notes = Notes(db)
        self._workspaces = Workspaces(db)
        self._digests = Digests(db)
        self._search = Search(db)
        self._timelines = Timelines(db, self._events)
        self._installs = Installs(db)
        self._expiring = Expiring(db)
        self._drafts = Drafts(db)
        self._feeds = Feeds(db)

    @classmethod
    async def open(
        cls, url: str, *, min_size: int = 1, max_size: int = 10, listen_url: str | None = None
    ) -> PostgresStore:
        """Connect and bring the schema up to date (storage/postgres/migrate.py); OpenFailed if the database
        cannot be reached, SchemaTooNew if it is newer than this code. `listen_url`: where the change feed
        listens, if not at `url` (a direct URL past a transaction-mode pooler)."""
        pool = await open_pool(url, min_size=min_size, max_size=max_size)
        points = PointConnections(url)
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
            await points.start()
        except BaseException:
            await points.close()
            await pool.close()
            raise
        return cls(pool, url, points, listen_url)

    async def close(self) -> None:
        if self.listener is not None:
            await self.listener.close()
        if self.points is not None:
            await self.points.close()
        await self.pool.close()

    async def watch_changes(self, on_change: OnChange) -> ChangeWatch:
        if self.listener is None:
            raise OpenFailed("this PostgreSQL store was not opened from a URL: it cannot listen for changes")
        return await self.listener.watch(on_change)

    def pool_stats(self) -> PoolStats:
        """The pool's connections and the point-read ones (PointConnections), open, at most and idle."""
        points = self.points
        extra_open, extra_max, extra_idle = (
            (points.open_count, points.size, points.idle_count) if points is not None else (0, 0, 0)
        )
        return PoolStats(
            size=self.pool.get_size() + extra_open,
            max_size=self.pool.get_max_size() + extra_max,
            idle=self.pool.get_idle_size() + extra_idle,
        )

    async def workspace_settings(self, workspace: str) -> WorkspaceSettings:
        self._follow_changes()
        return await self.kept.settings(workspace, lambda: self._workspaces.workspace_settings(workspace))

    def _follow_changes(self) -> None:
        """Listen for changes, so that reads can be kept, from the first read that would keep one."""
        if self.listener is not None:
            self.listener.begin()

    async def set_workspace(
        self, actor: Actor, at: dt.datetime, *, timezone: str | None = None, editor_role: str | None = None
    ) -> WorkspaceSettings:
        return await self._workspaces.set_workspace(actor, at, timezone=timezone, editor_role=editor_role)

    async def audit_entries(self, workspace: str, limit: int = 50) -> list[AuditEntry]:
        return await self._workspaces.audit_entries(workspace, limit)

    async def search(self, workspace: str, text: str, limit: int = 25) -> list[SearchHit]:
        return await self._search.search(workspace, text, limit)

    async def person(self, workspace: str, person_id: int) -> Person | None:
        return await self._people.person(workspace, person_id)

    async def find_person(self, workspace: str, name: str) -> Person | None:
        self._follow_changes()
        return await self.kept.person(workspace, name, lambda: self._people.find_person(workspace, name))

    async def person_keys(self, workspace: str) -> list[tuple[str, int, str]]:
        return await self._people.person_keys(workspace)

    async def people_matching(self, workspace: str, prefix: str, limit: int = 25) -> list[Person]:
        return await self._people.people_matching(workspace, prefix, limit)

    async def add_person(
        self, actor: Actor, at: dt.datetime, name: str, side: str, title: str | None, aliases: list[str]
    ) -> Person:
        return await self._people.add_person(actor, at, name, side, title, aliases)

    async def add_aliases(
        self, actor: Actor, at: dt.datetime, person_id: int, aliases: Iterable[str]
    ) -> tuple[list[str], list[str]]:
        return await self._people.add_aliases(actor, at, person_id, aliases)

    async def offices(self, workspace: str) -> list[Office]:
        return await self._people.offices(workspace)

    async def office_of(self, workspace: str, side: str, title: str | None) -> Office | None:
        return await self._people.office_of(workspace, side, title)

    async def office_by_slug(self, workspace: str, slug: str) -> Office | None:
        return await self._people.office_by_slug(workspace, slug)

    async def add_office_forms(
        self, actor: Actor, at: dt.datetime, slug: str, title: str, track: str, forms: list[str]
    ) -> Office:
        return await self._people.add_office_forms(actor, at, slug, title, track, forms)

    async def event(self, workspace: str, event_id: int) -> Event | None:
        return await self._events.event(workspace, event_id)

    async def events_by_ids(self, workspace: str, ids: Sequence[int]) -> list[Event]:
        return await self._events.events_by_ids(workspace, ids)

    async def latest_event(
        self,
        workspace: str,
        *,
        person_id: int | None = None,
        side: str | None = None,
        track: str | None = None,
        status: str = "held",
        before: tuple[dt.date, int] | None = None,
    ) -> Event | None:
        return await self._events.latest_event(
            workspace, person_id=person_id, side=side, track=track, status=status, before=before
        )

    async def latest_day(
        self, workspace: str, *, track: str | None = None, before: tuple[dt.date, int] | None = None
    ) -> dt.date | None:
        return await self._events.latest_day(workspace, track=track, before=before)

    async def earlier_contacts(
        self,
        workspace: str,
        before: tuple[dt.date, int],
        scopes: Sequence[ContactScope],
        not_held_on: str | None = None,
        not_held_limit: int = 0,
    ) -> EarlierContacts:
        return await self._events.earlier_contacts(workspace, before, scopes, not_held_on, not_held_limit)

    async def list_events(
        self,
        workspace: str,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        person_id: int | None = None,
        side: str | None = None,
        track: str | None = None,
        issue: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Event], bool]:
        return await self._events.list_events(
            workspace,
            since=since,
            until=until,
            person_id=person_id,
            side=side,
            track=track,
            issue=issue,
            status=status,
            kind=kind,
            limit=limit,
            offset=offset,
        )

    async def events_after(self, workspace: str, after: tuple[dt.date, int] | None, limit: int) -> list[Event]:
        return await self._events.events_after(workspace, after, limit)

    async def last_held_by_track(self, workspace: str) -> dict[str, dt.date]:
        return await self._events.last_held_by_track(workspace)

    async def raised_at(self, workspace: str, event_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
        return await self._events.raised_at(workspace, event_ids)

    async def add_event(self, actor: Actor, at: dt.datetime, new: NewEvent) -> AddedEvent:
        return await self._events.add_event(actor, at, new)

    async def import_events(
        self,
        actor: Actor,
        at: dt.datetime,
        lines: Sequence[tuple[int, NewEvent]],
        *,
        progress: Progress | None = None,
    ) -> ImportResult:
        return await self._importer.import_events(actor, at, lines, progress=progress)

    async def edit_event(self, actor: Actor, at: dt.datetime, event_id: int, changes: dict[str, Any]) -> Event:
        return await self._events.edit_event(actor, at, event_id, changes)

    async def delete_event(self, actor: Actor, at: dt.datetime, event_id: int) -> Event:
        return await self._events.delete_event(actor, at, event_id)

    async def issues(self, workspace: str) -> list[Issue]:
        self._follow_changes()
        return await self.kept.issues(workspace, lambda: self._notes.issues(workspace))

    async def find_issue(self, workspace: str, text: str) -> Issue | None:
        return await self._notes.find_issue(workspace, text)

    async def add_concern(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        issue: str,
        side: str,
        text: str,
        by: str | None,
        day: dt.date,
        event_id: int | None,
        source: str | None,
    ) -> Concern:
        return await self._notes.add_concern(
            actor, at, issue=issue, side=side, text=text, by=by, day=day, event_id=event_id, source=source
        )

    async def concerns_on(self, workspace: str, issue: str, side: str | None = None, limit: int = 100) -> list[Concern]:
        return await self._notes.concerns_on(workspace, issue, side, limit)

    async def concerns_between(self, workspace: str, start: dt.date, end: dt.date) -> list[Concern]:
        return await self._notes.concerns_between(workspace, start, end)

    async def concerns_by_ids(self, workspace: str, ids: list[int]) -> list[Concern]:
        return await self._notes.concerns_by_ids(workspace, ids)

    async def question(self, workspace: str, question_id: int) -> Question | None:
        return await self._notes.question(workspace, question_id)

    async def add_question(
        self, actor: Actor, at: dt.datetime, *, text: str, issue: str | None, event_id: int | None, raised_on: dt.date
    ) -> Question:
        return await self._notes.add_question(actor, at, text=text, issue=issue, event_id=event_id, raised_on=raised_on)

    async def close_question(
        self,
        actor: Actor,
        at: dt.datetime,
        question_id: int,
        *,
        status: str,
        answer: str | None,
        source: str | None,
        closed_on: dt.date,
    ) -> Question:
        return await self._notes.close_question(
            actor, at, question_id, status=status, answer=answer, source=source, closed_on=closed_on
        )

    async def list_questions(
        self,
        workspace: str,
        *,
        status: str = "open",
        issue: str | None = None,
        event_id: int | None = None,
        limit: int = 100,
    ) -> tuple[list[Question], bool]:
        return await self._notes.list_questions(workspace, status=status, issue=issue, event_id=event_id, limit=limit)

    async def event_notes(self, workspace: str, event_id: int) -> EventNotes:
        return await self._notes.event_notes(workspace, event_id)

    async def questions_closed_between(self, workspace: str, start: dt.date, end: dt.date) -> list[Question]:
        return await self._notes.questions_closed_between(workspace, start, end)

    async def questions_by_ids(self, workspace: str, ids: list[int]) -> list[Question]:
        return await self._notes.questions_by_ids(workspace, ids)

    async def subscriptions(self, workspace: str | None = None) -> list[Subscription]:
        return await self._workspaces.subscriptions(workspace)

    async def subscription_by_id(self, subscription_id: int) -> Subscription | None:
        return await self._workspaces.subscription_by_id(subscription_id)

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
        return await self._workspaces.subscribe(
            actor,
            at,
            channel_id=channel_id,
            weekday=weekday,
            time=time,
            timezone=timezone,
            role_id=role_id,
            chart=chart,
        )

    async def unsubscribe(self, actor: Actor, at: dt.datetime, channel_id: str) -> Subscription:
        return await self._workspaces.unsubscribe(actor, at, channel_id)

    async def set_paused(
        self, actor: Actor, at: dt.datetime, channel_id: str, paused: bool, reason: str | None
    ) -> Subscription:
        return await self._workspaces.set_paused(actor, at, channel_id, paused, reason)

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
        return await self._digests.claim_digest(
            subscription_id, period_start, period_end, late=late, claimer=claimer, at=at, lease=lease
        )

    async def finish_digest(
        self, subscription_id: int, period_end: dt.datetime, *, at: dt.datetime, sent: bool, detail: str | None
    ) -> None:
        return await self._digests.finish_digest(subscription_id, period_end, at=at, sent=sent, detail=detail)

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
        return await self._digests.skip_digest(
            subscription_id, period_start, period_end, at=at, claimer=claimer, reason=reason
        )

    async def pause_for_failure(self, subscription_id: int, *, at: dt.datetime, reason: str) -> None:
        return await self._digests.pause_for_failure(subscription_id, at=at, reason=reason)

    async def note_digest_error(self, subscription_id: int, reason: str) -> None:
        return await self._digests.note_digest_error(subscription_id, reason)

    async def digest_runs(self, subscription_id: int, limit: int = 5) -> list[DigestRun]:
        return await self._digests.digest_runs(subscription_id, limit)

    async def digest_run(self, subscription_id: int, period_end: dt.datetime) -> DigestRun | None:
        return await self._digests.digest_run(subscription_id, period_end)

    async def timeline(
        self,
        workspace: str,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        person_id: int | None = None,
        side: str | None = None,
        track: str | None = None,
        issue: str | None = None,
        grain: Grain | None = None,
    ) -> Timeline:
        return await self._timelines.timeline(
            workspace, since=since, until=until, person_id=person_id, side=side, track=track, issue=issue, grain=grain
        )

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
        return await self._drafts.add_draft(
            actor,
            at,
            url=url,
            title=title,
            publisher=publisher,
            published=published,
            extracted=extracted,
            feed_id=feed_id,
        )

    async def draft(self, workspace: str, draft_id: int) -> Draft | None:
        return await self._drafts.draft(workspace, draft_id)

    async def update_draft(self, actor: Actor, at: dt.datetime, draft_id: int, extracted: dict[str, object]) -> Draft:
        return await self._drafts.update_draft(actor, at, draft_id, extracted)

    async def discard_draft(self, actor: Actor, at: dt.datetime, draft_id: int) -> Draft:
        return await self._drafts.discard_draft(actor, at, draft_id)

    async def event_drafts(self, workspace: str, event_id: int) -> list[Draft]:
        return await self._drafts.event_drafts(workspace, event_id)

    async def people_of(self, workspace: str) -> list[Person]:
        return await self._drafts.people_of(workspace)

    async def matching_event(self, workspace: str, day: dt.date, us: str, cn: str) -> int | None:
        return await self._drafts.matching_event(workspace, day, us, cn)

    async def record_draft(
        self,
        actor: Actor,
        at: dt.datetime,
        draft_id: int,
        new: NewEvent,
        positions: Sequence[NewPosition],
    ) -> RecordedDraft:
        return await self._drafts.record_draft(actor, at, draft_id, new, positions)

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
        return await self._feeds.add_feed(
            actor,
            at,
            url=url,
            channel_id=channel_id,
            next_poll_at=next_poll_at,
            etag=etag,
            last_modified=last_modified,
            baseline=baseline,
        )

    async def feeds(self, workspace: str | None = None) -> list[Feed]:
        return await self._feeds.feeds(workspace)

    async def feed(self, workspace: str, feed_id: int) -> Feed | None:
        return await self._feeds.feed(workspace, feed_id)

    async def feed_by_url(self, workspace: str, url: str) -> Feed | None:
        return await self._feeds.feed_by_url(workspace, url)

    async def remove_feed(self, actor: Actor, at: dt.datetime, feed_id: int) -> Feed:
        return await self._feeds.remove_feed(actor, at, feed_id)

    async def set_feed_paused(
        self, actor: Actor, at: dt.datetime, feed_id: int, paused: bool, next_poll_at: dt.datetime
    ) -> Feed:
        return await self._feeds.set_feed_paused(actor, at, feed_id, paused, next_poll_at)

    async def due_feeds(self, now: dt.datetime) -> list[Feed]:
        return await self._feeds.due_feeds(now)

    async def lease_feed(self, feed_id: int, now: dt.datetime, until: dt.datetime) -> bool:
        return await self._feeds.lease_feed(feed_id, now, until)

    async def feed_polled(
        self,
        feed_id: int,
        at: dt.datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        next_poll_at: dt.datetime,
    ) -> None:
        return await self._feeds.feed_polled(
            feed_id, at, etag=etag, last_modified=last_modified, next_poll_at=next_poll_at
        )

    async def feed_failed(
        self, feed_id: int, at: dt.datetime, error: str, next_poll_at: dt.datetime, *, count: bool = True
    ) -> None:
        return await self._feeds.feed_failed(feed_id, at, error, next_poll_at, count=count)

    async def note_feed_error(self, feed_id: int, at: dt.datetime, error: str) -> None:
        return await self._feeds.note_feed_error(feed_id, at, error)

    async def claim_item(self, feed_id: int, key: str, at: dt.datetime, claimer: str) -> bool:
        return await self._feeds.claim_item(feed_id, key, at, claimer)

    async def item_draft(self, actor: Actor, at: dt.datetime, feed_id: int, key: str, **draft: Any) -> Draft:
        return await self._feeds.item_draft(actor, at, feed_id, key, **draft)

    async def finish_item(self, feed_id: int, key: str, outcome: str, detail: str | None = None) -> None:
        return await self._feeds.finish_item(feed_id, key, outcome, detail)

    async def feed_items(self, feed_id: int) -> list[tuple[str, str, int | None, str | None]]:
        return await self._feeds.feed_items(feed_id)

    async def save_installation(
        self, client_id: str, enterprise_id: str | None, team_id: str | None, data: str, *, at: dt.datetime
    ) -> None:
        return await self._installs.save_installation(client_id, enterprise_id, team_id, data, at=at)

    async def installation(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> str | None:
        return await self._installs.installation(client_id, enterprise_id, team_id)

    async def delete_installation(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> None:
        return await self._installs.delete_installation(client_id, enterprise_id, team_id)

    async def hold_reply(
        self, token: str, workspace: str, asker: str, data: str, *, at: dt.datetime, expires: dt.datetime, most: int
    ) -> None:
        return await self._expiring.hold_reply(token, workspace, asker, data, at=at, expires=expires, most=most)

    async def held_reply(self, token: str, workspace: str, *, at: dt.datetime) -> HeldReply | None:
        return await self._expiring.held_reply(token, workspace, at=at)

    async def take_held_reply(self, token: str, workspace: str, *, at: dt.datetime) -> HeldReply | None:
        return await self._expiring.take_held_reply(token, workspace, at=at)

    async def issue_oauth_state(self, state: str, *, at: dt.datetime, expires: dt.datetime, most: int) -> None:
        return await self._expiring.issue_oauth_state(state, at=at, expires=expires, most=most)

    async def consume_oauth_state(self, state: str, *, at: dt.datetime) -> bool:
        return await self._expiring.consume_oauth_state(state, at=at)
