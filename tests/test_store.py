"""The SQLite store against a real file: schema, connection settings, atomic writes, the audit trail,
workspace isolation, search, query plans, import and export paging."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from contextlib import closing
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from storage.errors import Conflict, DuplicateEvent, RecordMissing, SchemaTooNew
from storage.records import (
    Actor,
    AuditEntry,
    ContactScope,
    Event,
    EventBrief,
    EventNotes,
    NewEvent,
    NewParticipant,
    Source,
)
from storage.sqlite.db import BUSY_TIMEOUT_MS
from storage.sqlite.schema import MIGRATIONS, SCHEMA_VERSION, migrate
from storage.sqlite.store import SqliteStore
from tests.conftest import NOW, OTHER_WS, WS, snapshot

ACTOR = Actor(WS, "u1", "Ann Analyst")
OTHER_ACTOR = Actor(OTHER_WS, "u2", "Bob Other")
AUSTIN = "Lloyd J. Austin III"
WEI = "Wei Fenghe"
SECDEF = "Secretary of Defense"
MND = "Minister of National Defense"


@pytest.fixture
def store(sqlite_store: SqliteStore) -> SqliteStore:
    """SQLite only: this module tests the SQLite store's own SQL, file, pragmas and query plans. What every
    backend promises is tested on both in tests/test_store_contract.py."""
    return sqlite_store


def new_event(
    day: str = "2022-04-20",
    us: str = AUSTIN,
    cn: str = WEI,
    *,
    kind: str = "call",
    us_title: str | None = SECDEF,
    cn_title: str | None = MND,
    **more: Any,
) -> NewEvent:
    return NewEvent(
        day=dt.date.fromisoformat(day),
        kind=kind,
        track=more.pop("track", None),
        us=[NewParticipant(us, "us", us_title)],
        cn=[NewParticipant(cn, "china", cn_title)],
        **more,
    )


async def add(store: SqliteStore, new: NewEvent, actor: Actor = ACTOR) -> Event:
    return (await store.add_event(actor, NOW, new)).event


async def pragma(conn: aiosqlite.Connection, name: str) -> Any:
    async with conn.execute(f"PRAGMA {name}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def latest_audit(store: SqliteStore, workspace: str = WS) -> AuditEntry:
    entries = await store.audit_entries(workspace, limit=1)
    assert entries, "no audit entry written"
    return entries[0]


def assert_audit(
    entry: AuditEntry,
    action: str,
    table: str,
    record_id: object,
    *,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
    actor: Actor = ACTOR,
) -> None:
    """The entry names who, when, what and which record; `before`/`after` list the keys that must match
    (None: that side must be empty, as for a creation or a deletion)."""
    assert (entry.actor_id, entry.actor_name) == (actor.user_id, actor.display_name)
    assert entry.at == NOW
    assert (entry.action, entry.table, entry.record_id) == (action, table, str(record_id))
    for expected, got in ((before, entry.before), (after, entry.after)):
        if expected is None:
            assert got is None
        else:
            assert got is not None
            assert {k: got.get(k) for k in expected} == expected


# --- schema and connection ------------------------------------------------------------------------


async def test_a_new_database_is_migrated_to_the_schema_version(store: SqliteStore) -> None:
    assert SCHEMA_VERSION >= 1
    assert await pragma(store.db.writer, "user_version") == SCHEMA_VERSION
    assert await pragma(store.db.reader, "user_version") == SCHEMA_VERSION
    tables = {r["name"] for r in await store.db.all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"event", "participant", "person", "concern", "question", "audit", "search_index"} <= tables


async def test_a_version_2_store_gains_confidence_and_the_word_index(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    with sqlite3.connect(path) as conn:
        for version, script in enumerate(MIGRATIONS[:2], start=1):
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("INSERT INTO person VALUES (1, ?, 'Lloyd J. Austin III', 'us', NULL, '2022-01-01')", (WS,))
        conn.execute("INSERT INTO person_key VALUES (?, 'lloyd j austin iii', 1, NULL)", (WS,))
        conn.execute("INSERT INTO person_key VALUES (?, 'austin', 1, 'Austin')", (WS,))
        conn.execute(
            "INSERT INTO event (workspace, day, kind, track, status, sources, dedupe_key, created_at, created_by)"
            " VALUES (?, '2022-04-20', 'call', 'defense', 'held', '[\"https://example.org/a\"]', 'k', 'x', 'u')",
            (WS,),
        )
    store = await SqliteStore.open(path)
    try:
        assert await pragma(store.db.writer, "user_version") == SCHEMA_VERSION
        words = await store.db.all("SELECT word FROM person_word WHERE workspace = ? ORDER BY word", (WS,))
        assert [r["word"] for r in words] == ["austin", "iii", "j", "lloyd"]
        assert [p.name for p in await store.people_matching(WS, "aus")] == ["Lloyd J. Austin III"]
        event = await store.event(WS, 1)
        assert event is not None and event.sources == (Source("https://example.org/a"),)
        assert event.confidence is None and event.confidence_note is None
    finally:
        await store.close()


async def test_reopening_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "hotline.db"
    first = await SqliteStore.open(path)
    try:
        added = await add(first, new_event())
        schema = [tuple(r) for r in await first.db.all("SELECT type, name, sql FROM sqlite_master ORDER BY name")]
    finally:
        await first.close()
    second = await SqliteStore.open(path)
    try:
        assert await pragma(second.db.writer, "user_version") == SCHEMA_VERSION
        assert await migrate(second.db.writer) == SCHEMA_VERSION  # a second pass is a no-op
        assert [
            tuple(r) for r in await second.db.all("SELECT type, name, sql FROM sqlite_master ORDER BY name")
        ] == schema
        assert await second.event(WS, added.id) == added
    finally:
        await second.close()


async def test_an_older_database_is_migrated_forward_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.executescript(MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
        db.execute(
            "INSERT INTO workspace (id, timezone, editor_role, created_at) VALUES (?, 'UTC', NULL, ?)",
            (WS, NOW.isoformat()),
        )
    store = await SqliteStore.open(path)
    try:
        assert await pragma(store.db.writer, "user_version") == SCHEMA_VERSION
        assert (await store.workspace_settings(WS)).timezone == "UTC"
    finally:
        await store.close()


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNew) as info:
        await SqliteStore.open(path)
    assert (info.value.found, info.value.known) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    message = str(info.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert f"({SCHEMA_VERSION})" in message
    assert "upgrade Hotline" in message and "HOTLINE_DB" in message
    with closing(sqlite3.connect(path)) as db:  # left exactly as it was
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


@pytest.mark.parametrize("connection", ["writer", "reader"])
async def test_connection_uses_wal_foreign_keys_and_a_busy_timeout(store: SqliteStore, connection: str) -> None:
    conn: aiosqlite.Connection = getattr(store.db, connection)
    assert str(await pragma(conn, "journal_mode")).lower() == "wal"
    assert await pragma(conn, "foreign_keys") == 1
    assert await pragma(conn, "busy_timeout") == BUSY_TIMEOUT_MS > 0


# --- nothing is half-written ----------------------------------------------------------------------


async def test_a_duplicate_event_leaves_no_rows(store: SqliteStore) -> None:
    await add(store, new_event(us_title=None, cn_title=None))
    before = await snapshot(store)
    # Same date, kind and people; the titles would fill in the people's empty titles, the issues would
    # be new: all of it must go when the duplicate is found.
    dup = new_event(raised={"us": ["brand-new-issue"]}, summary="again")
    with pytest.raises(DuplicateEvent):
        await store.add_event(ACTOR, NOW, dup)
    assert await snapshot(store) == before


async def test_a_participant_on_the_wrong_side_leaves_no_rows(store: SqliteStore) -> None:
    await add(store, new_event())
    before = await snapshot(store)
    # A new US person is created first, then Austin (US) is offered as a Chinese participant.
    with pytest.raises(Conflict):
        await store.add_event(ACTOR, NOW, new_event("2022-05-01", us="Brand New Person", cn=AUSTIN))
    assert await snapshot(store) == before


async def test_an_edit_that_makes_a_duplicate_leaves_no_change(store: SqliteStore) -> None:
    first = await add(store, new_event())
    second = await add(store, new_event("2022-05-01"))
    before = await snapshot(store)
    with pytest.raises(DuplicateEvent) as info:
        await store.edit_event(ACTOR, NOW, second.id, {"day": first.day, "summary": "moved"})
    assert info.value.event_id == first.id
    assert await snapshot(store) == before


# --- the audit trail ------------------------------------------------------------------------------


async def test_audit_records_adding_an_event(store: SqliteStore) -> None:
    event = await add(store, new_event(raised={"us": ["taiwan"]}))
    assert_audit(
        await latest_audit(store),
        "create",
        "event",
        event.id,
        before=None,
        after={"day": "2022-04-20", "kind": "call", "track": "defense", "raised": {"us": ["taiwan"]}},
    )


async def test_audit_records_editing_an_event(store: SqliteStore) -> None:
    event = await add(store, new_event(minutes=30))
    await store.edit_event(ACTOR, NOW, event.id, {"minutes": 45})
    assert_audit(await latest_audit(store), "update", "event", event.id, before={"minutes": 30}, after={"minutes": 45})


async def test_audit_records_deleting_an_event(store: SqliteStore) -> None:
    event = await add(store, new_event(summary="gone soon"))
    await store.delete_event(ACTOR, NOW, event.id)
    assert_audit(await latest_audit(store), "delete", "event", event.id, before={"summary": "gone soon"}, after=None)


async def test_audit_records_new_people_created_by_an_event(store: SqliteStore) -> None:
    await add(store, new_event())
    entries = await store.audit_entries(WS)
    people = {e.after["name"] for e in entries if e.table == "person" and e.action == "create" and e.after}
    assert people == {AUSTIN, WEI}


async def test_audit_records_adding_a_person(store: SqliteStore) -> None:
    person = await store.add_person(ACTOR, NOW, WEI, "china", MND, ["Wei Fenge"])
    assert_audit(
        await latest_audit(store),
        "create",
        "person",
        person.id,
        before=None,
        after={"name": WEI, "side": "china", "title": MND, "aliases": ["Wei Fenge"]},
    )


async def test_audit_records_a_title_filled_in_by_an_event(store: SqliteStore) -> None:
    person = await store.add_person(ACTOR, NOW, WEI, "china", None, [])
    await add(store, new_event(cn_title=MND))
    changed = await store.person(WS, person.id)
    assert changed is not None and changed.title == MND  # the change happened...
    entries = await store.audit_entries(WS)
    assert any(e.table == "person" and e.action == "update" and e.record_id == str(person.id) for e in entries)


async def test_audit_records_a_concern(store: SqliteStore) -> None:
    concern = await store.add_concern(
        ACTOR,
        NOW,
        issue="taiwan",
        side="china",
        text="Red line",
        by=WEI,
        day=dt.date(2022, 4, 20),
        event_id=None,
        source=None,
    )
    assert_audit(
        await latest_audit(store),
        "create",
        "concern",
        concern.id,
        before=None,
        after={"issue": "taiwan", "side": "china", "text": "Red line", "by": WEI, "day": "2022-04-20"},
    )


async def test_audit_records_adding_a_question(store: SqliteStore) -> None:
    q = await store.add_question(
        ACTOR, NOW, text="How did Wei respond?", issue=None, event_id=None, raised_on=NOW.date()
    )
    assert_audit(
        await latest_audit(store),
        "create",
        "question",
        q.id,
        before=None,
        after={"text": "How did Wei respond?", "status": "open"},
    )


@pytest.mark.parametrize(("status", "action"), [("answered", "answer"), ("dropped", "drop")])
async def test_audit_records_closing_a_question(store: SqliteStore, status: str, action: str) -> None:
    q = await store.add_question(ACTOR, NOW, text="Will they talk?", issue=None, event_id=None, raised_on=NOW.date())
    await store.close_question(ACTOR, NOW, q.id, status=status, answer="Yes", source=None, closed_on=NOW.date())
    assert_audit(
        await latest_audit(store),
        action,
        "question",
        q.id,
        before={"status": "open", "answer": None},
        after={"status": status, "answer": "Yes", "closed_on": "2022-04-21"},
    )


async def subscribe(store: SqliteStore, weekday: int = 0) -> int:
    sub, _ = await store.subscribe(
        ACTOR, NOW, channel_id="c1", weekday=weekday, time="09:00", timezone="UTC", role_id=None
    )
    return sub.id


async def test_audit_records_subscribing_and_rescheduling(store: SqliteStore) -> None:
    sid = await subscribe(store)
    assert_audit(await latest_audit(store), "create", "subscription", sid, before=None, after={"weekday": 0})
    assert await subscribe(store, weekday=4) == sid
    assert_audit(await latest_audit(store), "update", "subscription", sid, before={"weekday": 0}, after={"weekday": 4})


async def test_audit_records_pausing_and_resuming(store: SqliteStore) -> None:
    sid = await subscribe(store)
    await store.set_paused(ACTOR, NOW, "c1", True, "holiday")
    assert_audit(
        await latest_audit(store),
        "pause",
        "subscription",
        sid,
        before={"paused": False},
        after={"paused": True, "pause_reason": "holiday"},
    )
    await store.set_paused(ACTOR, NOW, "c1", False, None)
    assert_audit(
        await latest_audit(store), "resume", "subscription", sid, before={"paused": True}, after={"paused": False}
    )


async def test_audit_records_unsubscribing(store: SqliteStore) -> None:
    sid = await subscribe(store)
    await store.unsubscribe(ACTOR, NOW, "c1")
    assert_audit(await latest_audit(store), "delete", "subscription", sid, before={"channel_id": "c1"}, after=None)


async def test_audit_records_workspace_settings(store: SqliteStore) -> None:
    await store.set_workspace(ACTOR, NOW, timezone="America/New_York")
    assert_audit(
        await latest_audit(store),
        "create",
        "workspace",
        WS,
        before=None,
        after={"timezone": "America/New_York", "editor_role": None},
    )
    await store.set_workspace(ACTOR, NOW, editor_role="42")
    assert_audit(
        await latest_audit(store),
        "update",
        "workspace",
        WS,
        before={"timezone": "America/New_York", "editor_role": None},
        after={"timezone": "America/New_York", "editor_role": "42"},
    )


async def test_audit_entries_stay_in_their_workspace(store: SqliteStore) -> None:
    await add(store, new_event())
    assert await store.audit_entries(OTHER_WS) == []


# --- workspace isolation --------------------------------------------------------------------------


@pytest.fixture
async def ours(store: SqliteStore) -> dict[str, int]:
    """One event, its people and a question in console:test, and an unrelated event in console:other."""
    event = await add(store, new_event(summary="Taiwan and the South China Sea", track="defense"))
    question = await store.add_question(
        ACTOR, NOW, text="How did Wei respond?", issue="taiwan", event_id=event.id, raised_on=NOW.date()
    )
    await add(
        store, new_event("2021-01-01", "Someone Else", "Another Person", us_title=None, cn_title=None), OTHER_ACTOR
    )
    person = await store.find_person(WS, WEI)
    assert person is not None
    return {"event": event.id, "question": question.id, "person": person.id}


async def test_an_event_is_invisible_from_another_workspace(store: SqliteStore, ours: dict[str, int]) -> None:
    assert await store.event(WS, ours["event"]) is not None
    assert await store.event(OTHER_WS, ours["event"]) is None
    assert await store.events_by_ids(OTHER_WS, [ours["event"]]) == []


async def test_latest_event_is_per_workspace(store: SqliteStore, ours: dict[str, int]) -> None:
    theirs = await store.latest_event(OTHER_WS)
    assert theirs is not None and theirs.id != ours["event"]
    assert await store.latest_event(OTHER_WS, person_id=ours["person"]) is None
    assert await store.latest_event(OTHER_WS, track="defense") is None


async def test_list_events_is_per_workspace(store: SqliteStore, ours: dict[str, int]) -> None:
    theirs, more = await store.list_events(OTHER_WS)
    assert [e.id for e in theirs] != [] and ours["event"] not in [e.id for e in theirs] and not more
    assert await store.list_events(OTHER_WS, person_id=ours["person"]) == ([], False)


async def test_search_is_per_workspace(store: SqliteStore, ours: dict[str, int]) -> None:
    assert {h.kind for h in await store.search(WS, "taiwan")} >= {"event"}
    assert await store.search(OTHER_WS, "taiwan") == []
    assert await store.search(OTHER_WS, "wei") == []


async def test_a_person_is_invisible_from_another_workspace(store: SqliteStore, ours: dict[str, int]) -> None:
    assert await store.find_person(OTHER_WS, WEI) is None
    assert await store.person(OTHER_WS, ours["person"]) is None
    assert await store.people_matching(OTHER_WS, "wei") == []


async def test_a_question_is_invisible_from_another_workspace(store: SqliteStore, ours: dict[str, int]) -> None:
    assert await store.question(OTHER_WS, ours["question"]) is None
    assert await store.list_questions(OTHER_WS) == ([], False)
    assert await store.event_notes(OTHER_WS, ours["event"]) == EventNotes()


async def test_writes_through_another_workspace_are_refused(store: SqliteStore, ours: dict[str, int]) -> None:
    before = await snapshot(store)
    attempts: list[Callable[[], Awaitable[object]]] = [
        lambda: store.edit_event(OTHER_ACTOR, NOW, ours["event"], {"summary": "hijacked"}),
        lambda: store.delete_event(OTHER_ACTOR, NOW, ours["event"]),
        lambda: store.close_question(
            OTHER_ACTOR, NOW, ours["question"], status="dropped", answer=None, source=None, closed_on=NOW.date()
        ),
        lambda: store.add_concern(
            OTHER_ACTOR,
            NOW,
            issue="taiwan",
            side="us",
            text="x",
            by=None,
            day=NOW.date(),
            event_id=ours["event"],
            source=None,
        ),
        lambda: store.add_question(
            OTHER_ACTOR, NOW, text="x", issue=None, event_id=ours["event"], raised_on=NOW.date()
        ),
    ]
    for attempt in attempts:
        with pytest.raises(RecordMissing):
            await attempt()
    assert await snapshot(store) == before


# --- search ---------------------------------------------------------------------------------------


async def test_search_ranks_the_most_relevant_first(store: SqliteStore) -> None:
    passing = await add(
        store,
        new_event(
            "2022-01-01",
            summary="A long review of trade, climate, fentanyl, Ukraine, export controls, visas, journalists, "
            "students, consulates, and, near the end, Taiwan.",
        ),
    )
    focused = await add(store, new_event("2022-02-01", summary="Taiwan: arms sales to Taiwan, Taiwan Strait transits."))
    await add(store, new_event("2022-03-01", summary="Climate only."))
    hits = [(h.kind, h.ref) for h in await store.search(WS, "taiwan")]
    assert hits == [("event", focused.id), ("event", passing.id)]


async def test_search_covers_concerns_questions_and_people(store: SqliteStore) -> None:
    concern = await store.add_concern(
        ACTOR,
        NOW,
        issue="taiwan",
        side="china",
        text="Zhongnanhai warning",
        by=None,
        day=NOW.date(),
        event_id=None,
        source=None,
    )
    question = await store.add_question(
        ACTOR, NOW, text="Did Zhongnanhai approve?", issue=None, event_id=None, raised_on=NOW.date()
    )
    person = await store.add_person(ACTOR, NOW, "Zhongnanhai Spokesman", "china", None, [])
    found = {(h.kind, h.ref) for h in await store.search(WS, "zhongnanhai")}
    assert found == {("concern", concern.id), ("question", question.id), ("person", person.id)}


async def test_search_matches_the_last_word_as_a_prefix(store: SqliteStore) -> None:
    event = await add(store, new_event(summary="Crisis communications were discussed."))
    assert [h.ref for h in await store.search(WS, "crisis commun")] == [event.id]


async def test_search_reads_operators_and_quotes_as_plain_words(store: SqliteStore) -> None:
    await add(store, new_event(summary="Taiwan"))
    for query in ['taiwan" OR ws:', "NEAR(taiwan", "taiwan AND NOT -", "*", '"']:
        await store.search(WS, query)  # no FTS5 syntax error, whatever the user typed


async def test_a_deleted_event_leaves_the_search(store: SqliteStore) -> None:
    event = await add(store, new_event(summary="Taiwan"))
    await store.delete_event(ACTOR, NOW, event.id)
    assert await store.search(WS, "taiwan") == []


# --- query plans ----------------------------------------------------------------------------------

Query = tuple[str, tuple[Any, ...]]


@pytest.fixture
async def planned(store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> tuple[SqliteStore, list[Query]]:
    """A store with some events in two workspaces, whose reads are recorded as (sql, params).

    The plans below are taken of the very statements the store runs, with their parameters, rather
    than of copies that could drift from the code.
    """
    for i, (us, cn) in enumerate([(AUSTIN, WEI), ("Mark Esper", WEI), ("Antony Blinken", "Wang Yi")] * 3):
        await add(store, new_event(f"2021-0{i % 9 + 1}-1{i % 3}", us, cn, kind=("call", "video", "meeting")[i % 3]))
        await add(store, new_event(f"2020-0{i % 9 + 1}-1{i % 3}", us, cn), OTHER_ACTOR)
    await store.add_concern(
        ACTOR, NOW, issue="taiwan", side="us", text="x", by=None, day=NOW.date(), event_id=None, source=None
    )
    calls: list[Query] = []
    real_one, real_all = store.db.one, store.db.all

    async def one(sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        calls.append((sql, tuple(params)))
        return await real_one(sql, params)

    async def all_(sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        calls.append((sql, tuple(params)))
        return await real_all(sql, params)

    monkeypatch.setattr(store.db, "one", one)
    monkeypatch.setattr(store.db, "all", all_)
    return store, calls


async def plan(store: SqliteStore, query: Query) -> list[str]:
    async with store.db.reader.execute("EXPLAIN QUERY PLAN " + query[0], query[1]) as cursor:
        return [str(r["detail"]) for r in await cursor.fetchall()]


def full_scans(details: list[str]) -> list[str]:
    """Steps that read a whole table rather than a range of an index."""
    # Scanning a co-routine or a materialized subquery ("SCAN r", "SCAN (subquery-1)") reads the rows
    # that subquery produced, whose own plan is in the list too, not a table.
    produced = {d.split(" ", 1)[1] for d in details if d.startswith(("CO-ROUTINE ", "MATERIALIZE "))}
    return [d for d in details if d.startswith("SCAN ") and " USING " not in d and d[5:] not in produced]


async def _person_id(store: SqliteStore, name: str) -> int:
    person = await store.find_person(WS, name)
    assert person is not None
    return person.id


# Each shape, and the constraint its index search must carry: every equality of the query is part of
# one index range, so the scan stops at the first row it needs, however many events there are.
SHAPES: dict[str, tuple[Callable[[SqliteStore], Awaitable[object]], str]] = {
    "latest_event": (lambda s: s.latest_event(WS), "(workspace=? AND status=?)"),
    "latest_event person": (
        lambda s: _then(_person_id(s, WEI), lambda pid: s.latest_event(WS, person_id=pid)),
        "(workspace=? AND person_id=? AND status=?)",
    ),
    "latest_event side": (lambda s: s.latest_event(WS, side="china"), "(workspace=? AND side=? AND status=?)"),
    "latest_event track": (
        lambda s: s.latest_event(WS, track="defense"),
        "(workspace=? AND status=? AND track=?)",
    ),
    "latest_event person+track": (
        lambda s: _then(_person_id(s, WEI), lambda pid: s.latest_event(WS, person_id=pid, track="defense")),
        "(workspace=? AND person_id=? AND status=?)",
    ),
    "latest_event track before": (
        lambda s: s.latest_event(WS, track="defense", before=(dt.date(2021, 6, 1), 99)),
        "(workspace=? AND status=? AND track=?)",
    ),
    "list_events": (lambda s: s.list_events(WS), "(workspace=?)"),
    "earlier_contacts people": (
        lambda s: _then(
            _person_id(s, AUSTIN),
            lambda a: _then(
                _person_id(s, WEI),
                lambda b: s.earlier_contacts(
                    WS, (dt.date(2022, 1, 1), 10**6), [ContactScope(between=(("person", a), ("person", b)))]
                ),
            ),
        ),
        "(workspace=? AND person_id=? AND status=?)",
    ),
    "earlier_contacts offices": (
        lambda s: s.earlier_contacts(
            WS,
            (dt.date(2022, 1, 1), 10**6),
            [
                ContactScope(
                    between=(("office", "us:secretary-of-defense"), ("office", "china:minister-of-national-defense"))
                )
            ],
        ),
        "(workspace=? AND office=? AND status=?)",
    ),
    "earlier_contacts track": (
        lambda s: s.earlier_contacts(WS, (dt.date(2021, 6, 1), 99), [ContactScope(track="defense")]),
        "(workspace=? AND status=? AND track=?)",
    ),
    "latest_day track before": (
        lambda s: s.latest_day(WS, track="defense", before=(dt.date(2021, 6, 1), 99)),
        "(workspace=? AND status=? AND track=?)",
    ),
    # The held contact's day (the statement checked), then one range a status from it (no full scans).
    "earlier_contacts not held": (
        lambda s: s.earlier_contacts(WS, (dt.date(2022, 4, 20), 10**6), [], "defense", 10),
        "(workspace=? AND status=? AND track=?)",
    ),
    "concerns_between": (
        lambda s: s.concerns_between(WS, dt.date(2022, 4, 14), dt.date(2022, 4, 22)),
        "(workspace=? AND day>? AND day<?)",
    ),
}


async def _then(first: Awaitable[Any], then: Callable[[Any], Awaitable[object]]) -> object:
    return await then(await first)


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_query_uses_an_index_whatever_the_number_of_events(
    planned: tuple[SqliteStore, list[Query]], shape: str
) -> None:
    store, calls = planned
    call, constraint = SHAPES[shape]
    await call(store)
    # The helper look-ups (find_person) come first; the query under test is the first one after them.
    main = next(c for c in calls if "FROM person_key" not in c[0])
    details = await plan(store, main)
    assert any(d.startswith("SEARCH ") and "INDEX" in d and d.endswith(constraint) for d in details), details
    assert full_scans(details) == [], details
    assert not any("TEMP B-TREE" in d for d in details), details
    for other in calls:  # loading the found event and its participants is by key too
        assert full_scans(await plan(store, other)) == [], other


# --- import and export paging ---------------------------------------------------------------------


async def test_import_skips_duplicates_within_the_file_and_against_the_store(store: SqliteStore) -> None:
    existing = await add(store, new_event())
    lines = [
        (1, new_event()),  # already in the store
        (2, new_event("2022-05-01", us="Antony Blinken", cn="Wang Yi", us_title=None, cn_title=None)),
        (3, new_event("2022-05-01", us="Antony Blinken", cn="Wang Yi", us_title=None, cn_title=None)),  # = line 2
        (5, new_event("2022-05-02")),
    ]
    result = await store.import_events(ACTOR, NOW, lines)
    assert result.added == 2
    assert result.new_people == 2  # Blinken and Wang Yi, once each
    line_2 = (await store.list_events(WS, since=dt.date(2022, 5, 1), until=dt.date(2022, 5, 1)))[0][0]
    assert result.duplicates == [(1, existing.id), (3, line_2.id)]
    assert await store.event_count(WS) == 3


async def test_importing_the_same_lines_twice_adds_nothing(store: SqliteStore) -> None:
    lines = [(1, new_event()), (2, new_event("2022-05-02", raised={"us": ["taiwan", "new-thing"]}))]
    await store.import_events(ACTOR, NOW, lines)
    before = await snapshot(store)
    again = await store.import_events(ACTOR, NOW, lines)
    assert (again.added, len(again.duplicates), again.new_people) == (0, 2, 0)
    assert await snapshot(store) == before


async def test_import_keeps_the_other_lines_when_one_has_a_participant_on_the_wrong_side(store: SqliteStore) -> None:
    lines = [
        (1, new_event()),
        (2, new_event("2022-05-01", us=WEI, cn="Wang Yi")),  # Wei Fenghe is Chinese (line 1)
        (3, new_event("2022-05-02")),
    ]
    result = await store.import_events(ACTOR, NOW, lines)
    assert result.added == 2
    assert result.refused == [(2, "'Wei Fenghe' is on the china side, not us")]
    assert result.refused == [(2, "'Wei Fenghe' is on the china side, not us")]


async def test_events_after_pages_in_day_then_id_order(store: SqliteStore) -> None:
    days = ["2022-01-03", "2022-01-01", "2022-01-02", "2022-01-01", "2022-01-03"]
    for i, day in enumerate(days):
        await add(store, new_event(day, us=f"US Person {i}", cn=f"CN Person {i}", us_title=None, cn_title=None))
    await add(store, new_event("2022-01-02", us="Elsewhere", cn="Nobody", us_title=None), OTHER_ACTOR)
    pages: list[list[tuple[dt.date, int]]] = []
    after: tuple[dt.date, int] | None = None
    while batch := await store.events_after(WS, after, 2):
        pages.append([(e.day, e.id) for e in batch])
        after = (batch[-1].day, batch[-1].id)
    assert [len(p) for p in pages] == [2, 2, 1]
    flat = [key for page in pages for key in page]
    assert flat == sorted(flat)
    assert [d.isoformat() for d, _ in flat] == sorted(days)


@pytest.mark.parametrize("recent", [3, 100], ids=["beyond the recent walk", "within the recent walk"])
async def test_an_earlier_contact_between_two_people_is_the_newest_whichever_walk_finds_it(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch, recent: int
) -> None:
    # Small limits so that a few events exercise every branch: the recent walk, then the busy side
    # (A, with many contacts) walked against the quiet one (B), then both busy (C and A).
    monkeypatch.setattr("storage.sqlite.events.RECENT_COUNT", recent)
    monkeypatch.setattr("storage.sqlite.events.WALK_COUNT", 5)
    met = [await add(store, new_event(f"2021-01-0{d}", "Alice A", "Bob B", kind="call")) for d in (1, 2)]
    for d in range(10, 22):  # A meets others after meeting B: B's events are beyond A's newest three
        await add(store, new_event(f"2021-02-{d}", "Alice A", f"Other {d}"))
        await add(store, new_event(f"2021-02-{d}", "Carol C", f"Other {d}", kind="video"))
    last = await add(store, new_event("2021-03-01", "Alice A", "Bob B"))
    people = {n: await _person_id(store, n) for n in ("Alice A", "Bob B", "Carol C", "Other 21")}
    before = (last.day, last.id)

    async def earlier_between(a: str, b: str, before: tuple[dt.date, int]) -> EventBrief | None:
        scope = ContactScope(between=(("person", people[a]), ("person", people[b])))
        return (await store.earlier_contacts(WS, before, [scope])).found[0]

    found = await earlier_between("Alice A", "Bob B", before)
    assert found is not None and found.id == met[1].id  # the newer of the two, not the older
    # B is quiet: walked from B's side, and from A's when asked the other way round.
    found = await earlier_between("Bob B", "Alice A", before)
    assert found is not None and found.id == met[1].id
    # A and C are both busy and never met; A and Other 21 met on the last day of February.
    assert await earlier_between("Alice A", "Carol C", before) is None
    found = await earlier_between("Alice A", "Other 21", before)
    assert found is not None and found.day == dt.date(2021, 2, 21)
    # Nothing before the first meeting.
    first = (met[0].day, met[0].id)
    assert await earlier_between("Alice A", "Bob B", first) is None
