"""Point reads on PostgreSQL (storage/postgres/pool.py PointConnections, db.py Database.point_*): their
own connections with one plan a statement, the pool when they are all busy, and a connection that breaks
or is interrupted replaced without the read failing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import asyncpg
import pytest

from storage.postgres.db import Database
from storage.postgres.pool import POINT_CONNECTIONS, PointConnections, open_pool
from storage.postgres.store import PostgresStore

BACKEND = "SELECT pg_backend_pid()"


@pytest.fixture
async def db(pg_store_url: str) -> AsyncIterator[Database]:
    pool = await open_pool(pg_store_url, max_size=4)
    points = PointConnections(pg_store_url)
    await points.start()
    try:
        yield Database(pool, points)
    finally:
        await points.close()
        await pool.close()


async def test_point_reads_run_on_their_own_connections_planned_once(db: Database) -> None:
    assert db.points is not None and db.points.open_count == POINT_CONNECTIONS == db.points.idle_count
    pid = await db.point_value(BACKEND)
    assert pid != await db.value(BACKEND)  # not the pool's
    assert await db.point_value("SHOW plan_cache_mode") == "force_generic_plan"
    assert await db.value("SHOW plan_cache_mode") == "force_custom_plan"
    assert [r[0] for r in await db.point_all("SELECT generate_series(1, 3)")] == [1, 2, 3]
    assert (await db.point_one("SELECT 1 AS x"))["x"] == 1  # type: ignore[index]
    assert db.points.idle_count == POINT_CONNECTIONS  # every one given back


async def test_when_every_point_connection_is_busy_a_read_waits_for_one_and_past_a_few_goes_to_the_pool(
    pg_store_url: str,
) -> None:
    pool = await open_pool(pg_store_url, max_size=2)
    points = PointConnections(pg_store_url, waiting=1)
    await points.start()
    db = Database(pool, points)
    try:
        slow = [asyncio.create_task(db.point_value("SELECT pg_backend_pid() FROM pg_sleep(0.4)")) for _ in "ab"]
        await asyncio.sleep(0.1)
        assert points.idle_count == 0
        waiting = asyncio.create_task(db.point_value(BACKEND))
        await asyncio.sleep(0.05)
        assert points.waiting_count == 1 and not waiting.done()
        # One waits already: the next does not queue behind it, and is answered at once by the pool.
        assert await asyncio.wait_for(db.point_value("SELECT 7"), 0.2) == 7
        busy = set(await asyncio.gather(*slow))
        assert len(busy) == 2
        assert await waiting in busy  # answered on a point connection, once one was given back
        assert points.idle_count == 2 and points.waiting_count == 0
    finally:
        await points.close()
        await pool.close()


async def test_a_read_sent_with_others_waits_rather_than_being_planned_in_the_pool(db: Database) -> None:
    assert db.points is not None
    point_pids = {await db.point_value(BACKEND) for _ in "ab"} | set(
        await asyncio.gather(*(db.point_value("SELECT pg_backend_pid() FROM pg_sleep(0.05)") for _ in "ab"))
    )
    assert len(point_pids) == POINT_CONNECTIONS
    # What /lastcall does: six reads at once. All run on the point connections, none in the pool.
    pids = await asyncio.gather(*(db.point_value(BACKEND) for _ in range(6)))
    assert set(pids) <= point_pids
    assert db.points.idle_count == POINT_CONNECTIONS and db.points.waiting_count == 0


async def test_a_connection_handed_to_a_read_cancelled_meanwhile_goes_to_the_next(pg_store_url: str) -> None:
    points = PointConnections(pg_store_url, waiting=2)
    await points.start()
    try:
        first, second = await points.borrow(), await points.borrow()
        assert first is not None and second is not None
        cancelled = asyncio.create_task(points.borrow())
        served = asyncio.create_task(points.borrow())
        await asyncio.sleep(0.01)
        assert points.waiting_count == 2
        points.give_back(first)  # handed to the first in line...
        cancelled.cancel()  # ...which is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert await asyncio.wait_for(served, 1) is first
        points.give_back(first)
        points.give_back(second)
        assert points.idle_count == POINT_CONNECTIONS and points.open_count == POINT_CONNECTIONS
    finally:
        await points.close()


async def test_a_cancelled_wait_takes_no_connection(pg_store_url: str) -> None:
    points = PointConnections(pg_store_url)
    await points.start()
    try:
        held = [await points.borrow(), await points.borrow()]
        waiter = asyncio.create_task(points.borrow())
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert points.waiting_count == 0
        for conn in held:
            assert conn is not None
            points.give_back(conn)
        assert points.idle_count == POINT_CONNECTIONS  # none went to the cancelled wait
    finally:
        await points.close()


async def test_a_read_waiting_when_a_connection_breaks_opens_another(pg_store_url: str) -> None:
    points = PointConnections(pg_store_url)
    await points.start()
    try:
        first, second = await points.borrow(), await points.borrow()
        assert first is not None and second is not None
        waiter = asyncio.create_task(points.borrow())
        await asyncio.sleep(0.01)
        points.discard(first)
        fresh = await asyncio.wait_for(waiter, 5)
        assert fresh is not None and fresh is not first and not fresh.is_closed()
        assert points.open_count == POINT_CONNECTIONS
        points.give_back(fresh)
        points.give_back(second)
    finally:
        await points.close()


async def test_closing_sends_the_waiting_reads_to_the_pool(pg_store_url: str) -> None:
    points = PointConnections(pg_store_url)
    await points.start()
    held = [await points.borrow(), await points.borrow()]
    waiter = asyncio.create_task(points.borrow())
    await asyncio.sleep(0.01)
    await points.close()
    assert await asyncio.wait_for(waiter, 1) is None
    for conn in held:
        assert conn is not None
        points.give_back(conn)  # closed with the set, not kept
        assert conn.is_closed()
    assert points.open_count == 0


async def test_a_point_connection_the_server_ended_is_replaced_and_the_read_still_answers(db: Database) -> None:
    assert db.points is not None
    # Both at once, so that each runs on one of the two.
    first, second = await asyncio.gather(*(db.point_value("SELECT pg_backend_pid() FROM pg_sleep(0.2)") for _ in "ab"))
    assert first != second
    for pid in (first, second):
        assert await db.value("SELECT pg_terminate_backend($1)", pid)
    # Both idle connections are dead: each read finds one, fails over to the pool and still answers.
    assert await db.point_value("SELECT 41 + 1") == 42
    assert await db.point_value("SELECT 41 + 1") == 42
    assert db.points.open_count == 0
    # The next reads open new ones.
    fresh = await db.point_value(BACKEND)
    assert fresh not in (first, second) and db.points.open_count == 1


async def test_a_statement_error_keeps_the_connection_and_says_why(db: Database) -> None:
    assert db.points is not None
    with pytest.raises(asyncpg.UndefinedTableError):
        await db.point_all("SELECT * FROM no_such_table")
    assert db.points.open_count == POINT_CONNECTIONS == db.points.idle_count


async def test_a_cancelled_read_does_not_leave_its_connection_to_the_next_one(db: Database) -> None:
    assert db.points is not None
    task = asyncio.create_task(db.point_value("SELECT pg_sleep(5)"))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert db.points.open_count == POINT_CONNECTIONS - 1  # that one was closed, not given back
    assert await db.point_value("SELECT 'fine'") == "fine"


async def test_a_server_that_cannot_be_reached_leaves_reads_to_the_pool_for_a_while(
    pg_store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    pool = await open_pool(pg_store_url, max_size=2)
    points = PointConnections("postgresql://nobody@/absent?host=/nonexistent-folder", retry_s=0.5)
    try:
        await points.start()
        assert points.open_count == 0
        db = Database(pool, points)

        def attempts() -> int:
            return sum("no point-read connection" in r.getMessage() for r in caplog.records)

        # Its own level: a test before may have left this logger's level above WARNING.
        caplog.set_level(logging.WARNING, logger="storage.postgres.pool")
        caplog.clear()
        for _ in range(3):
            assert await db.point_value("SELECT 3") == 3  # through the pool, not trying to connect each time
        assert attempts() == 0
        await asyncio.sleep(0.6)
        assert await db.point_value("SELECT 4") == 4
        assert attempts() == 1  # tried once more when the wait was over, and said so
    finally:
        await points.close()
        await pool.close()


async def test_the_store_reports_its_connections(pg_store_url: str) -> None:
    store = await PostgresStore.open(pg_store_url, min_size=1, max_size=5)
    try:
        stats = store.pool_stats()
        assert stats.max_size == 5 + POINT_CONNECTIONS
        assert stats.size == store.pool.get_size() + POINT_CONNECTIONS
        assert stats.idle == stats.size  # nothing in use between commands
    finally:
        await store.close()
    assert store.points is not None and store.points.open_count == 0
