"""The change feed (storage/changes.py) on both backends: two stores on one database, as two processes
would hold them; what one commits, the other's watch hears, and nothing else.

PostgreSQL's side also loses its listening connection (killed by the server) and starts while its
database cannot be reached: it listens again and says EVERYTHING, since PostgreSQL keeps nothing for a
session that was not listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
import pytest

from storage.changes import CHANNEL, EVERYTHING, Change, parse_payload
from storage.postgres.listen import ChangeListener
from storage.postgres.store import PostgresStore
from storage.records import Actor, NewEvent, NewParticipant
from storage.sqlite.audit_poll import AuditPoller
from storage.sqlite.store import SqliteStore
from tests.conftest import NOW, OTHER_WS, WS, OpenStore
from tests.pg_server import PgServer

ACTOR = Actor(WS, "u1", "Ann Analyst")
# Generous for a loaded machine; the figures measured are in docs/SCALING.md.
HEARD_WITHIN = 5.0


class Heard:
    """What a watch delivered, in order, and a way to wait for one."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self._arrived = asyncio.Event()

    def __call__(self, change: Change) -> None:
        self.changes.append(change)
        self._arrived.set()

    async def until(self, wanted: Callable[[list[Change]], bool], within: float = HEARD_WITHIN) -> list[Change]:
        deadline = time.monotonic() + within
        while not wanted(self.changes):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"not heard within {within} s; heard {self.changes}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)
        return self.changes


def has(*wanted: Change) -> Callable[[list[Change]], bool]:
    return lambda changes: all(w in changes for w in wanted)


def event(day: str, us: str = "Lloyd J. Austin III", cn: str = "Wei Fenghe") -> NewEvent:
    return NewEvent(
        day=dt.date.fromisoformat(day),
        kind="call",
        track=None,
        us=[NewParticipant(us, "us", None)],
        cn=[NewParticipant(cn, "china", None)],
        summary="Words a member typed, which no notification may carry",
    )


async def test_a_write_in_one_store_is_heard_by_another_on_the_same_database(backend_opener: OpenStore) -> None:
    here, there = await backend_opener(), await backend_opener()
    heard = Heard()
    watch = await here.watch_changes(heard)
    try:
        assert watch.connected
        await there.subscribe(
            ACTOR, NOW, channel_id="c1", weekday=0, time="09:00", timezone="UTC", role_id=None, chart=None
        )
        await there.set_workspace(Actor(OTHER_WS, "u2", "Bob"), NOW, editor_role="r1")
        await heard.until(has(Change(WS, "subscription"), Change(OTHER_WS, "workspace")))
        await there.add_event(ACTOR, NOW, event("2022-04-20"))
        changes = await heard.until(has(Change(WS, "event")))
    finally:
        await watch.close()
    # The event's people came with it; nothing carries an id or a word of the record.
    assert set(changes) == {
        Change(WS, "subscription"),
        Change(OTHER_WS, "workspace"),
        Change(WS, "event"),
        Change(WS, "person"),
    }
    assert not any(c.everything for c in changes)


async def test_an_import_of_many_events_is_a_handful_of_changes(backend_opener: OpenStore) -> None:
    here, there = await backend_opener(), await backend_opener()
    heard = Heard()
    watch = await here.watch_changes(heard)
    try:
        lines = [(i, event(f"2021-{1 + i // 28:02d}-{1 + i % 28:02d}", cn=f"Official {i}")) for i in range(200)]
        result = await there.import_events(ACTOR, NOW, lines)
        assert result.added == 200
        await heard.until(has(Change(WS, "event"), Change(WS, "person")))
        await asyncio.sleep(0.5)  # anything more would have come by now
    finally:
        await watch.close()
    # One transaction: each kind of record once (SQLite reads them in one poll; PostgreSQL folds the
    # transaction's identical notifications into one).
    assert sorted(heard.changes, key=str) == [Change(WS, "event"), Change(WS, "person")]


async def test_a_write_rolled_back_is_never_heard(backend_opener: OpenStore) -> None:
    here, there = await backend_opener(), await backend_opener()
    heard = Heard()
    watch = await here.watch_changes(heard)
    try:
        # An audit row written and rolled back, as a write that fails after its audit entry would be.
        row = ("console:rolled-back", NOW.isoformat(), "u", "U", "create", "event", "1", None, None)
        sql = "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id, before, after)"
        if isinstance(there, PostgresStore):
            with pytest.raises(RuntimeError):
                async with there.pool.acquire() as conn, conn.transaction():
                    await conn.execute(sql + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", row[0], NOW, *row[2:])
                    raise RuntimeError("the write fails after its audit entry")
        else:
            assert isinstance(there, SqliteStore)
            raw = sqlite3.connect(there.path, isolation_level=None)
            try:
                raw.execute("BEGIN IMMEDIATE")
                raw.execute(sql + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                await asyncio.sleep(0.6)  # polls pass while it is uncommitted
                raw.execute("ROLLBACK")
            finally:
                raw.close()
        await there.set_workspace(ACTOR, NOW, timezone="Asia/Shanghai")  # committed: heard
        changes = await heard.until(has(Change(WS, "workspace")))
        await asyncio.sleep(0.3)
    finally:
        await watch.close()
    assert changes == [Change(WS, "workspace")]


async def test_nothing_is_delivered_after_the_watch_is_closed(backend_opener: OpenStore) -> None:
    here, there = await backend_opener(), await backend_opener()
    heard = Heard()
    watch = await here.watch_changes(heard)
    await watch.close()
    assert not watch.connected
    await there.set_workspace(ACTOR, NOW, timezone="Asia/Shanghai")
    await asyncio.sleep(0.6)
    assert heard.changes == []


async def test_a_failing_handler_is_logged_and_the_watch_goes_on(
    backend_opener: OpenStore, caplog: pytest.LogCaptureFixture
) -> None:
    here, there = await backend_opener(), await backend_opener()
    heard = Heard()

    def handler(change: Change) -> None:
        heard(change)
        if change.workspace == WS:
            raise ValueError("a handler's bug")

    watch = await here.watch_changes(handler)
    try:
        await there.set_workspace(ACTOR, NOW, timezone="Asia/Shanghai")
        await heard.until(has(Change(WS, "workspace")))
        await there.set_workspace(Actor(OTHER_WS, "u2", "Bob"), NOW, timezone="Asia/Tokyo")
        await heard.until(has(Change(OTHER_WS, "workspace")))
    finally:
        await watch.close()
    assert "a change handler failed on Change(workspace='console:test', area='workspace')" in caplog.text


def test_a_payload_that_cannot_be_read_means_everything() -> None:
    assert parse_payload('{"workspace": "discord:1", "area": "subscription"}') == Change("discord:1", "subscription")
    assert parse_payload('{"workspace": null, "area": "workspace"}') == Change(None, "workspace")
    for garbage in ("", "not json", "[1, 2]", '{"workspace": 5}', '"text"', "{}"):
        assert parse_payload(garbage) == EVERYTHING, garbage
    assert Change(None, "subscription").touches("subscription") and EVERYTHING.touches("workspace")
    assert not Change("w", "event").touches("subscription")


# --- SQLite ---------------------------------------------------------------------------------------


async def test_sqlite_a_failed_poll_is_said_once_and_the_changes_still_come(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="storage.sqlite.audit_poll")
    here, there = await SqliteStore.open(tmp_path / "h.db"), await SqliteStore.open(tmp_path / "h.db")
    heard = Heard()
    poller = await AuditPoller.start(here.path, heard, interval=0.02)
    real_poll = poller.poll
    failures = 0

    async def flaky() -> list[Change]:
        nonlocal failures
        if failures < 3:
            failures += 1
            raise sqlite3.OperationalError("disk I/O error")
        return await real_poll()

    try:
        poller.poll = flaky  # type: ignore[method-assign]
        await there.set_workspace(ACTOR, NOW, timezone="Asia/Shanghai")
        await heard.until(has(Change(WS, "workspace")))
        assert poller.connected and failures == 3
    finally:
        await poller.close()
        await there.close()
        await here.close()
    warnings = [r.getMessage() for r in caplog.records if "reading the change feed" in r.getMessage()]
    assert len(warnings) == 1 and "disk I/O error" in warnings[0]
    assert "the change feed is read again" in caplog.text


# --- PostgreSQL -----------------------------------------------------------------------------------


async def test_postgres_the_notification_names_the_workspace_and_the_kind_only(pg_store_url: str) -> None:
    store = await PostgresStore.open(pg_store_url)
    conn = await asyncpg.connect(pg_store_url)
    payloads: list[str] = []
    await conn.add_listener(CHANNEL, lambda *args: payloads.append(str(args[3])))
    try:
        await store.add_event(ACTOR, NOW, event("2022-04-20"))
        long_workspace = "console:" + "x" * 9000  # past what a notification may carry
        await store.set_workspace(Actor(long_workspace, "u", "U"), NOW, timezone="UTC")
        for _ in range(100):
            if len(payloads) >= 3:
                break
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
        await store.close()
    assert sorted(json.loads(p)["area"] for p in payloads) == ["event", "person", "workspace"]
    for payload in payloads:
        data = json.loads(payload)
        assert set(data) == {"workspace", "area"}
        assert "Words" not in payload and "Austin" not in payload and "Wei" not in payload
    # The write with the overlong workspace went through; its change names no workspace.
    assert {"workspace": None, "area": "workspace"} in [json.loads(p) for p in payloads]


async def test_postgres_a_lost_listening_connection_is_made_again_and_says_everything(
    pg_store_url: str, pg_server: PgServer
) -> None:
    store = await PostgresStore.open(pg_store_url)
    heard = Heard()
    listener = await ChangeListener.start(pg_store_url, heard, retry_first=0.05)
    admin = await asyncpg.connect(pg_server.admin_url)
    try:
        assert listener.connected
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'hotline-listen'"
        )
        assert killed == 1
        await heard.until(lambda changes: EVERYTHING in changes)
        assert listener.connected and listener.retries == 1
        await store.set_workspace(ACTOR, NOW, timezone="Asia/Shanghai")
        changes = await heard.until(has(Change(WS, "workspace")))
    finally:
        await admin.close()
        await listener.close()
        await store.close()
    assert changes == [EVERYTHING, Change(WS, "workspace")]


async def test_postgres_a_listener_that_cannot_connect_at_first_keeps_trying_and_says_everything(
    pg_store_url: str, pg_server: PgServer, caplog: pytest.LogCaptureFixture
) -> None:
    name = unquote(urlsplit(pg_store_url).path.lstrip("/"))
    admin = await asyncpg.connect(pg_server.admin_url)
    heard = Heard()
    try:
        await admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{name}_away"')
        listener = await ChangeListener.start(pg_store_url, heard, retry_first=0.05, retry_max=0.2)
        try:
            assert not listener.connected and heard.changes == []  # start() returned without it
            await admin.execute(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"')
            await heard.until(lambda changes: EVERYTHING in changes)
            assert listener.connected
        finally:
            await listener.close()
    finally:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", f"{name}_away"):
            await admin.execute(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"')
        await admin.close()
    assert "listening for changes on" in caplog.text and "InvalidCatalogNameError" in caplog.text
    assert "secret" not in caplog.text


async def test_postgres_a_store_not_opened_from_a_url_cannot_watch(pg_store_url: str) -> None:
    pool = await asyncpg.create_pool(pg_store_url, min_size=1, max_size=1)
    try:
        store = PostgresStore(pool)
        with pytest.raises(Exception, match="not opened from a URL"):
            await store.watch_changes(Heard())
    finally:
        await pool.close()


async def test_postgres_a_bulk_statement_announces_each_workspace_and_kind_once(pg_store_url: str) -> None:
    conn = await asyncpg.connect(pg_store_url)
    payloads: list[str] = []
    await conn.add_listener(CHANNEL, lambda *args: payloads.append(str(args[3])))
    writer = await asyncpg.connect(pg_store_url)
    try:
        # As a bulk copy of the audit trail would write it: thousands of rows in one statement.
        await writer.execute(
            "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id)"
            " SELECT 'console:' || (g % 2), now(), 'u', 'U', 'create', CASE WHEN g % 3 = 0 THEN 'event' ELSE 'person'"
            " END, g::text FROM generate_series(1, 3000) g"
        )
        for _ in range(100):
            if len(payloads) >= 4:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
    finally:
        await writer.close()
        await conn.close()
    assert sorted(map(parse_payload, payloads), key=str) == sorted(
        (Change(f"console:{w}", area) for w in (0, 1) for area in ("event", "person")), key=str
    )
