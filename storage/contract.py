"""What commands/ and bot/ may ask of a store, whatever keeps the record (SQLite or PostgreSQL).

Every backend's store satisfies `StoreContract`: the same methods, arguments, records
(storage/records.py) and errors (storage/errors.py). A method's docstring is the contract; how a backend
meets it (indexes, SQL, threads, pools) is its own business.

Rules every implementation keeps:
- `workspace` scopes every read; an id of another workspace is as unknown as an id that never existed
  (a read returns None or leaves it out; a write raises RecordMissing).
- Every write is one transaction together with its audit entry: it happens whole or not at all. `actor`
  is who writes (and names the workspace); `at` is the injected clock's instant, never the backend's.
- A write the database itself cannot take (locked, full, read-only, unreachable) raises WriteFailed and
  changes nothing; a broken rule of the record raises Conflict, DuplicateEvent or RecordMissing.
- Writers in several processes never lose an update nor create a second person, issue or event that
  the uniqueness rules forbid.

Outside the contract, a store may offer `pool_stats() -> PoolStats` (its open, idle and most database
connections, not a coroutine): /metrics shows it where present (bot/runtime/metrics.py, ReportsPool).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from storage.changes import ChangeWatch, OnChange
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
    Progress,
    Question,
    RecordedDraft,
    SearchHit,
    Subscription,
    Timeline,
    WorkspaceSettings,
)


@runtime_checkable
class StoreContract(Protocol):
    """The store as commands/ and bot/ use it. Opened by storage.factory.open_store; closed with close()."""

    # Whether a read waits on a round trip to a server (PostgreSQL), so that reads which do not depend on
    # each other finish sooner sent together (commands.common.together); False where a read is a local
    # call that gains nothing from it and would pay for the tasks (SQLite).
    reads_overlap: bool

    async def close(self) -> None:
        """Release the connections. The store may not be used afterwards."""

    async def watch_changes(self, on_change: OnChange) -> ChangeWatch:
        """Call `on_change` with each change committed from now on by any process on this database, this
        one included (storage/changes.py): its workspace and kind of record, never user text. A change
        is heard within a bound (PostgreSQL: as it commits; SQLite: within a poll interval); after a gap
        in which changes may have been missed, EVERYTHING is delivered. Close the watch before the store."""

    # -- workspaces ----------------------------------------------------------------------------

    async def workspace_settings(self, workspace: str) -> WorkspaceSettings:
        """The workspace's settings; a workspace never configured has None for each."""

    async def set_workspace(
        self, actor: Actor, at: dt.datetime, *, timezone: str | None = None, editor_role: str | None = None
    ) -> WorkspaceSettings:
        """Set the actor's workspace's time zone and/or editor role (None leaves one as it is)."""

    async def audit_entries(self, workspace: str, limit: int = 50) -> list[AuditEntry]:
        """The workspace's newest audit entries first."""

    async def search(self, workspace: str, text: str, limit: int = 25) -> list[SearchHit]:
        """Full-text search over the workspace's events, concerns, questions and people: the most relevant
        matches first, each with a short snippet. The last word of `text` also matches as a prefix."""

    # -- people and offices --------------------------------------------------------------------

    async def person(self, workspace: str, person_id: int) -> Person | None:
        """A person by id, with their aliases."""

    async def find_person(self, workspace: str, name: str) -> Person | None:
        """Exact match on a name or alias, ignoring case, accents and punctuation."""

    async def person_keys(self, workspace: str) -> list[tuple[str, int, str]]:
        """Every (key, person id, name) of the workspace, for fuzzy matching in commands/."""

    async def people_matching(self, workspace: str, prefix: str, limit: int = 25) -> list[Person]:
        """People whose name or alias starts with `prefix` (or any word of it does), for autocomplete."""

    async def add_person(
        self, actor: Actor, at: dt.datetime, name: str, side: str, title: str | None, aliases: list[str]
    ) -> Person:
        """A new person. Conflict if the name or an alias already names someone in the workspace."""

    async def add_aliases(
        self, actor: Actor, at: dt.datetime, person_id: int, aliases: Iterable[str]
    ) -> tuple[list[str], list[str]]:
        """Give a person the aliases they lack, in one transaction with one audit entry. Returns the
        aliases added and, for each left out because it names someone else, why."""

    async def offices(self, workspace: str) -> list[Office]:
        """The built-in offices and the workspace's own."""

    async def office_of(self, workspace: str, side: str, title: str | None) -> Office | None:
        """The office a title maps to, through the workspace's own forms and then the built-in ones."""

    async def office_by_slug(self, workspace: str, slug: str) -> Office | None:
        """An office (built-in or the workspace's own) by slug."""

    async def add_office_forms(
        self, actor: Actor, at: dt.datetime, slug: str, title: str, track: str, forms: list[str]
    ) -> Office:
        """Add (or extend) an office of the workspace with more common forms of its title."""

    # -- events --------------------------------------------------------------------------------

    async def event(self, workspace: str, event_id: int) -> Event | None:
        """An event by id, with its participants in the order they were given."""

    async def events_by_ids(self, workspace: str, ids: Sequence[int]) -> list[Event]:
        """The events of those ids that exist in the workspace (unknown ids are left out)."""

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
        """The newest event of that status (optionally with a person, a side or on a track).

        `before` = (day, id) finds the one before a given event, in the order /lastcall uses: day, then id,
        both descending."""

    async def latest_day(
        self, workspace: str, *, track: str | None = None, before: tuple[dt.date, int] | None = None
    ) -> dt.date | None:
        """The day of the event latest_event would find, without reading the event."""

    async def earlier_contacts(
        self,
        workspace: str,
        before: tuple[dt.date, int],
        scopes: Sequence[ContactScope],
        not_held_on: str | None = None,
        not_held_limit: int = 0,
    ) -> EarlierContacts:
        """For each scope, in order, the latest held event before `before` = (day, id) in that scope, as an
        EventBrief (id, day and participants, without the rest of the event), or None when there is none
        (EarlierContacts.found).

        A scope between two participants finds the latest event both took part in; a scope on a track
        finds what latest_event(track=, before=) finds.

        With `not_held_on`, also the contacts on that track that did not take place (declined, postponed
        or cancelled, and requests still planned) since its latest held contact before `before`: from
        that contact's day to before's, newest first, at most `not_held_limit`, and whether there were
        more (EarlierContacts.not_held, .more_not_held); none when the track has no held contact before.

        /lastcall asks for all of it at once, so a backend whose reads are round trips answers it in one."""

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
        """Events newest first, and whether more match beyond `limit` (no total count)."""

    async def events_after(self, workspace: str, after: tuple[dt.date, int] | None, limit: int) -> list[Event]:
        """Events oldest first, from just after `after` = (day, id): keyset paging for export."""

    async def last_held_by_track(self, workspace: str) -> dict[str, dt.date]:
        """The date of the latest held contact on each track that has one."""

    async def raised_at(self, workspace: str, event_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
        """For each event, the issues each side raised there, in the order they were recorded."""

    async def add_event(self, actor: Actor, at: dt.datetime, new: NewEvent) -> AddedEvent:
        """Record an event, creating the people and issues it names that are new.

        DuplicateEvent if the workspace has an event of the same day, kind and participants; Conflict if a
        participant is known on the other side."""

    async def import_events(
        self,
        actor: Actor,
        at: dt.datetime,
        lines: Sequence[tuple[int, NewEvent]],
        *,
        progress: Progress | None = None,
    ) -> ImportResult:
        """Add many events in one transaction; duplicates (of the store or of earlier lines) are skipped and
        counted. Each line as add_event would add it, a refused line undoing only itself. `progress`, if
        given, is called with (lines done, lines in all) every PROGRESS_EVERY lines or so and at the end,
        from any thread: a progress bar, never per line."""

    async def edit_event(self, actor: Actor, at: dt.datetime, event_id: int, changes: dict[str, Any]) -> Event:
        """Change fields of an event. `us` / `cn` replace that side's participants (NewParticipant lists).

        RecordMissing for an unknown id; DuplicateEvent if the change makes it a duplicate."""

    async def delete_event(self, actor: Actor, at: dt.datetime, event_id: int) -> Event:
        """Delete an event with its participants and concerns; its questions stay, unlinked. Returns what
        was deleted. RecordMissing for an unknown id."""

    # -- issues, concerns, questions -----------------------------------------------------------

    async def issues(self, workspace: str) -> list[Issue]:
        """The built-in issues and the workspace's own."""

    async def find_issue(self, workspace: str, text: str) -> Issue | None:
        """An issue by slug, title or alias (exact, ignoring case and punctuation)."""

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
        """Record a concern a side stated on an issue. RecordMissing for an unknown event id."""

    async def concerns_on(self, workspace: str, issue: str, side: str | None = None, limit: int = 100) -> list[Concern]:
        """Stated concerns on an issue, newest first."""

    async def concerns_between(self, workspace: str, start: dt.date, end: dt.date) -> list[Concern]:
        """Concerns dated start <= day < end, oldest first."""

    async def concerns_by_ids(self, workspace: str, ids: list[int]) -> list[Concern]:
        """The concerns of those ids that exist in the workspace."""

    async def question(self, workspace: str, question_id: int) -> Question | None:
        """A question by id."""

    async def add_question(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        text: str,
        issue: str | None,
        event_id: int | None,
        raised_on: dt.date,
    ) -> Question:
        """Record an open question. RecordMissing for an unknown event id."""

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
        """Answer or drop a question (a drop keeps its reason in `answer`). RecordMissing for an unknown id."""

    async def list_questions(
        self,
        workspace: str,
        *,
        status: str = "open",
        issue: str | None = None,
        event_id: int | None = None,
        limit: int = 100,
    ) -> tuple[list[Question], bool]:
        """Questions of a status; open ones oldest first, closed ones most recently closed first; and
        whether more than `limit` exist."""

    async def event_notes(self, workspace: str, event_id: int) -> EventNotes:
        """The event's concerns and the questions linked to it (EventNotes), read together: an event
        shown in full (/lastcall, /event show) needs both."""

    async def questions_closed_between(self, workspace: str, start: dt.date, end: dt.date) -> list[Question]:
        """Questions closed on start <= day < end, oldest first."""

    async def questions_by_ids(self, workspace: str, ids: list[int]) -> list[Question]:
        """The questions of those ids that exist in the workspace, in the order of `ids`."""

    # -- digests -------------------------------------------------------------------------------

    async def subscriptions(self, workspace: str | None = None) -> list[Subscription]:
        """One workspace's subscriptions, or every workspace's (the scheduler, at start)."""

    async def subscription_by_id(self, subscription_id: int) -> Subscription | None:
        """A subscription by id, in any workspace (the scheduler's jobs know only the id)."""

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
        """Create or reschedule a channel's subscription. Returns (subscription, created)."""

    async def unsubscribe(self, actor: Actor, at: dt.datetime, channel_id: str) -> Subscription:
        """Remove a channel's subscription; returns it. RecordMissing if the channel has none."""

    async def set_paused(
        self, actor: Actor, at: dt.datetime, channel_id: str, paused: bool, reason: str | None
    ) -> Subscription:
        """Pause or resume a channel's subscription. Conflict if it already is so; RecordMissing if none."""

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
        """Claim one period for posting. False if it was claimed before (by anyone, in any process), or the
        subscription is gone or paused: then the caller must not post. With a `lease`, a period still
        'claimed' (never finished) whose claimed_at is `lease` or more before `at` is taken over (period_start,
        late, claimed_at and claimed_by rewritten) and True returned: atomically, so one of several takers
        wins."""

    async def finish_digest(
        self, subscription_id: int, period_end: dt.datetime, *, at: dt.datetime, sent: bool, detail: str | None
    ) -> None:
        """Mark a claimed period sent (and the subscription's last period) or failed (with the error)."""

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
        """Record a period that will not be posted (missed too long ago); False if already recorded."""

    async def pause_for_failure(self, subscription_id: int, *, at: dt.datetime, reason: str) -> None:
        """Pause a subscription whose channel cannot be posted to, and say why."""

    async def note_digest_error(self, subscription_id: int, reason: str) -> None:
        """Say why a subscription's digest could not go out, without claiming or skipping any period."""

    async def digest_runs(self, subscription_id: int, limit: int = 5) -> list[DigestRun]:
        """A subscription's newest deliveries first."""

    async def digest_run(self, subscription_id: int, period_end: dt.datetime) -> DigestRun | None:
        """The delivery of one period, if it was claimed or skipped."""

    # -- pictures ------------------------------------------------------------------------------

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
        """Contact counts per lane, bucket, kind and status for the contacts matching every filter, with
        each lane's longest gaps and the latest contact: what a timeline picture is drawn from."""

    # -- readouts: drafts awaiting an editor, and watched feeds ---------------------------------

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
        """Keep what a readout was read as, pending an editor's Record or Discard."""

    async def draft(self, workspace: str, draft_id: int) -> Draft | None:
        """One draft of the workspace, or None."""

    async def update_draft(self, actor: Actor, at: dt.datetime, draft_id: int, extracted: dict[str, object]) -> Draft:
        """Replace a pending draft's extracted fields (an editor's corrections)."""

    async def discard_draft(self, actor: Actor, at: dt.datetime, draft_id: int) -> Draft:
        """Mark a pending draft discarded; DraftDecided if it was already recorded or discarded."""

    async def event_drafts(self, workspace: str, event_id: int) -> list[Draft]:
        """The readouts recorded into an event, in the order recorded."""

    async def people_of(self, workspace: str) -> list[Person]:
        """Every person of the workspace with their aliases, for reading a readout's names."""

    async def matching_event(self, workspace: str, day: dt.date, us: str, cn: str) -> int | None:
        """The id of a recorded contact within a day of `day` in which the people named `us` and `cn`
        (names or aliases) both took part, on their sides; None if there is none."""

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

        `new.raised` holds the issues each side raised; those that have a position are recorded by it."""

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

    async def feeds(self, workspace: str | None = None) -> list[Feed]:
        """The workspace's watched feeds."""

    async def feed(self, workspace: str, feed_id: int) -> Feed | None:
        """One watched feed, or None."""

    async def feed_by_url(self, workspace: str, url: str) -> Feed | None:
        """The workspace's feed with this URL, or None."""

    async def remove_feed(self, actor: Actor, at: dt.datetime, feed_id: int) -> Feed:
        """Stop watching a feed; its item history goes with it, its drafts stay."""

    async def set_feed_paused(
        self, actor: Actor, at: dt.datetime, feed_id: int, paused: bool, next_poll_at: dt.datetime
    ) -> Feed:
        """Pause, or resume (polled again at `next_poll_at`, the backoff forgotten)."""

    async def due_feeds(self, now: dt.datetime) -> list[Feed]:
        """Feeds whose next poll is due at `now`, across workspaces."""

    async def lease_feed(self, feed_id: int, now: dt.datetime, until: dt.datetime) -> bool:
        """Take the feed's poll that is due at `now`, moving its next poll to `until`; False if it is not
        due (another process took it, or it was paused or removed meanwhile): then do not poll it."""

    async def feed_polled(
        self,
        feed_id: int,
        at: dt.datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        next_poll_at: dt.datetime,
    ) -> None:
        """Record a successful poll: validators, counts, next poll."""

    async def feed_failed(
        self, feed_id: int, at: dt.datetime, error: str, next_poll_at: dt.datetime, *, count: bool = True
    ) -> None:
        """A poll that failed: its error, the next try; `count` (a failure of the feed, not of ours)
        makes the backoff grow."""

    async def note_feed_error(self, feed_id: int, at: dt.datetime, error: str) -> None:
        """Say what went wrong after a poll that itself succeeded (a draft that could not be posted)."""

    async def claim_item(self, feed_id: int, key: str, at: dt.datetime, claimer: str) -> bool:
        """Claim one item for handling; False if it was claimed before, by anyone: then leave it."""

    async def item_draft(self, actor: Actor, at: dt.datetime, feed_id: int, key: str, **draft: Any) -> Draft:
        """The draft made of a claimed item, tied to it in the same transaction."""

    async def finish_item(self, feed_id: int, key: str, outcome: str, detail: str | None = None) -> None:
        """What became of a claimed item: posted, skipped (not a US–China contact) or failed."""

    async def feed_items(self, feed_id: int) -> list[tuple[str, str, int | None, str | None]]:
        """Every handled item of a feed: (key, outcome, draft id, detail), in the order claimed."""

    # -- installations of a chat app into teams (Slack's OAuth); the data holds a token ----------

    async def save_installation(
        self, client_id: str, enterprise_id: str | None, team_id: str | None, data: str, *, at: dt.datetime
    ) -> None:
        """Keep the latest installation of the app in a team (a reinstall replaces the previous one)."""

    async def installation(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> str | None:
        """The installation's JSON text, or None."""

    async def delete_installation(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget an installation (the app was removed from the team)."""

    # -- short-lived state of a chat adapter that any process must answer for: replies whose buttons are
    # live, and the states of an OAuth install flow. Not part of the record: never audited, exported or
    # copied by `migrate`; each row has its expiry (the injected clock's), and every write purges a bounded
    # number of expired rows. A token or state is a random text the adapter made; one that is unknown,
    # expired, of another workspace or not storable at all reads as None (or False), and writes nothing.

    async def hold_reply(
        self, token: str, workspace: str, asker: str, data: str, *, at: dt.datetime, expires: dt.datetime, most: int
    ) -> None:
        """Keep `data` (the adapter's JSON text) under the new `token` for `asker` of `workspace` until
        `expires`. The workspace keeps at most `most` replies: beyond it the oldest go first."""

    async def held_reply(self, token: str, workspace: str, *, at: dt.datetime) -> HeldReply | None:
        """The reply under `token` if it is of `workspace` and still live at `at`, else None. Reads only."""

    async def take_held_reply(self, token: str, workspace: str, *, at: dt.datetime) -> HeldReply | None:
        """Like held_reply, and the reply is gone afterwards: of any number of takers of one token, in any
        number of processes at once, exactly one gets it (a confirmation is acted on once)."""

    async def issue_oauth_state(self, state: str, *, at: dt.datetime, expires: dt.datetime, most: int) -> None:
        """Keep a new install flow's `state` until `expires`; at most `most` states are kept, the oldest go first."""

    async def consume_oauth_state(self, state: str, *, at: dt.datetime) -> bool:
        """True once for a state issued and still live at `at`, and it is gone: of any number of consumers at
        once exactly one gets True; False for any other state."""


def contract_methods() -> list[str]:
    """The names of the contract's methods, sorted."""
    return sorted(name for name, value in vars(StoreContract).items() if not name.startswith("_") and callable(value))


def missing_methods(cls: type) -> list[str]:
    """The contract's methods that `cls` does not define (inherited ones count), sorted."""
    return [name for name in contract_methods() if not callable(getattr(cls, name, None))]
