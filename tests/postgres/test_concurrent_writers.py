"""Writers at once on one PostgreSQL database, from several pool connections and from several OS
processes: people and events with overlapping names end with no duplicate and no lost write."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing

import asyncpg
import pytest

from storage.errors import Conflict, DuplicateEvent, WriteFailed
from storage.postgres.store import PostgresStore
from storage.records import Actor, NewEvent, NewParticipant
from tests.conftest import NOW, WS

WRITERS = 20
US = ["Lloyd J. Austin III", "Antony Blinken", "Janet Yellen"]
CN = ["Wei Fenghe", "Wang Yi", "Liu He"]
DAYS = 6


def event_of(writer: int, step: int) -> NewEvent:
    """Writers share names and, every other step, whole events: many writers add the same contact."""
    us, cn = US[(writer + step) % len(US)], CN[step % len(CN)]
    day = dt.date(2022, 1, 1) + dt.timedelta(days=(step if step % 2 else writer + step) % DAYS)
    return NewEvent(day, "call", None, [NewParticipant(us, "us")], [NewParticipant(cn, "china")])


async def write(url: str, writers: range, steps: int) -> tuple[int, int]:
    """Each writer adds `steps` events and a person; returns (events added, people added)."""
    store = await PostgresStore.open(url, min_size=4, max_size=8)
    try:

        async def one(writer: int) -> tuple[int, int]:
            actor = Actor(WS, f"u{writer}", f"Writer {writer}")
            events = people = 0
            for step in range(steps):
                try:
                    await store.add_event(actor, NOW, event_of(writer, step))
                    events += 1
                except DuplicateEvent:
                    pass
            try:
                await store.add_person(actor, NOW, f"Shared Name {writer % 3}", "us", None, [])
                people += 1
            except Conflict:
                pass
            return events, people

        results = await asyncio.gather(*(one(w) for w in writers))
    finally:
        await store.close()
    return sum(r[0] for r in results), sum(r[1] for r in results)


def write_in_process(url: str, start: int, stop: int, steps: int) -> tuple[int, int]:
    return asyncio.run(write(url, range(start, stop), steps))


async def check(url: str, events_added: int, people_added: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        expected = {
            (event_of(w, s).day, event_of(w, s).us[0].name, event_of(w, s).cn[0].name)
            for w in range(WRITERS)
            for s in range(6)
        }
        rows = await conn.fetch(
            "SELECT e.day, (SELECT p.name FROM participant x JOIN person p ON p.id = x.person_id"
            " WHERE x.event_id = e.id AND x.side = 'us') AS us, (SELECT p.name FROM participant x JOIN person p"
            " ON p.id = x.person_id WHERE x.event_id = e.id AND x.side = 'china') AS cn FROM event e"
        )
        assert sorted((r["day"], r["us"], r["cn"]) for r in rows) == sorted(expected)  # each once, none lost
        assert events_added == len(expected)  # every add that succeeded is there, and only those
        names = [r["name"] for r in await conn.fetch("SELECT name FROM person")]
        assert sorted(names) == sorted({*US, *CN, "Shared Name 0", "Shared Name 1", "Shared Name 2"})
        assert people_added == 3
        audited = await conn.fetchval("SELECT count(*) FROM audit WHERE tbl = 'event' AND action = 'create'")
        assert audited == len(expected)
        tally = await conn.fetchval("SELECT sum(n) FROM event_tally WHERE grain = 'day'")
        assert tally == len(expected)  # the counts kept by the triggers lost nothing either
    finally:
        await conn.close()


async def test_twenty_writers_on_several_connections(pg_store_url: str) -> None:
    events, people = await write(pg_store_url, range(WRITERS), 6)
    await check(pg_store_url, events, people)


async def test_twenty_writers_in_four_processes(pg_store_url: str) -> None:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no event loop or pool inherited
    per = WRITERS // 4
    with context.Pool(4) as pool:
        results = await asyncio.to_thread(
            pool.starmap, write_in_process, [(pg_store_url, i * per, (i + 1) * per, 6) for i in range(4)]
        )
    await check(pg_store_url, sum(r[0] for r in results), sum(r[1] for r in results))


async def test_a_write_the_database_refuses_is_write_failed_and_leaves_nothing(pg_store_url: str) -> None:
    store = await PostgresStore.open(pg_store_url)
    try:
        async with store.pool.acquire() as conn:
            name = await conn.fetchval("SELECT current_database()")
            await conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        await store.pool.expire_connections()  # the setting holds for new sessions
        with pytest.raises(WriteFailed, match="read-only"):
            await store.add_event(Actor(WS, "u1", "Ann"), NOW, event_of(0, 0))
        assert await store.list_events(WS) == ([], False)
    finally:
        await store.close()


async def test_a_connection_lost_mid_write_is_write_failed_and_leaves_nothing(pg_store_url: str) -> None:
    store = await PostgresStore.open(pg_store_url, min_size=1, max_size=1)
    admin = await asyncpg.connect(pg_store_url)
    try:
        async with store.pool.acquire() as conn:
            pid = await conn.fetchval("SELECT pg_backend_pid()")
        # The event table locked elsewhere: the write makes its people, then waits at the event's INSERT.
        async with admin.transaction():
            await admin.execute("LOCK TABLE event IN ACCESS EXCLUSIVE MODE")
            task = asyncio.create_task(store.add_event(Actor(WS, "u1", "Ann"), NOW, event_of(0, 0)))
            for _ in range(200):
                waiting = await admin.fetchval(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
                )
                if waiting:
                    break
                await asyncio.sleep(0.01)
            assert waiting, "the write never reached the locked table"
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
            with pytest.raises(WriteFailed):
                await task
        assert await store.list_events(WS) == ([], False)
        assert await store.find_person(WS, US[0]) is None  # the people it had made went with it
    finally:
        await admin.close()
        await store.close()
