"""Killed writers on PostgreSQL: processes recording events through commands/ are killed with SIGKILL at
random moments, again and again, on one database. A killed client's open transaction is rolled back by
the server, so every event whose id a writer printed (its command had returned) must be there and whole,
every event there must be whole, and the counts the triggers keep must agree with the rows.

The same writer as the SQLite durability test (tests/reliability/writer_child.py); the moments are drawn
from a fixed seed, and one kill in five lands anywhere from the process start.
"""

from __future__ import annotations

import asyncio
import random
import signal
from collections import Counter

import asyncpg

from tests.backends import pg_problems
from tests.reliability import writer_child as child
from tests.reliability.support import size
from tests.reliability.test_durability import printed, spawn, wait_for_ready

KILLS = size(8, 60)
SEED = 20230605


async def check_database(url: str, expected: dict[int, str]) -> int:
    """Everything printed is there and whole; everything there is whole. Returns the number of events."""
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            events = {
                r["id"]: r["summary"]
                for r in await conn.fetch("SELECT id, summary FROM event WHERE workspace = $1", child.WS)
            }
            missing = sorted(set(expected) - set(events))
            assert not missing, f"{len(missing)} printed events lost after SIGKILL, e.g. {missing[:5]}"
            for event_id, tag in expected.items():
                round_, n = (int(x) for x in tag[1:].split("-"))
                assert events[event_id] == child.summary(round_, n), f"event #{event_id} is not the one printed"

            async def counts(sql: str) -> Counter[int]:
                return Counter({int(r[0]): r[1] for r in await conn.fetch(sql)})

            people = await counts("SELECT event_id, count(*) FROM participant GROUP BY event_id")
            concerns = await counts("SELECT event_id, count(*) FROM concern WHERE event_id IS NOT NULL GROUP BY 1")
            audits = await counts("SELECT record_id, count(*) FROM audit WHERE tbl = 'event' GROUP BY record_id")
            indexed = await counts("SELECT ref, count(*) FROM search_doc WHERE kind = 'event' GROUP BY ref")
        broken = [i for i in events if (people[i], concerns[i], audits[i], indexed[i]) != (2, 3, 1, 1)]
        assert not broken, f"half-written events: {broken[:5]}"
        assert await pg_problems(pool) == []
    finally:
        await pool.close()
    return len(events)


async def test_killed_writers_lose_nothing_they_reported_and_leave_nothing_half_written(pg_store_url: str) -> None:
    rng = random.Random(SEED)
    expected: dict[int, str] = {}
    for round_ in range(KILLS):
        proc = spawn(pg_store_url, round_)
        try:
            if round_ % 5 == 4:
                await asyncio.sleep(rng.uniform(0.0, 0.6))  # anywhere: importing, opening, writing
            else:
                wait_for_ready(proc)
                await asyncio.sleep(rng.uniform(0.05, 0.4))  # while it writes
        finally:
            proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL and not err, f"the writer failed: {err.decode(errors='replace')}"
        new = printed(out)
        assert not set(new) & set(expected), "an id was handed out twice"
        expected |= new
        await check_database(pg_store_url, expected)
    # A writer after all that opens the database and goes on where the others stopped.
    proc = spawn(pg_store_url, KILLS)
    wait_for_ready(proc)
    await asyncio.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    expected |= printed(out)
    events = await check_database(pg_store_url, expected)
    assert len(expected) > KILLS, "the writers hardly wrote anything: the test proves little"
    assert events >= len(expected)
    # An event's id is taken from its sequence inside the write and not given back when the write is
    # rolled back, so ids with no event are writes that a kill cut short: there must have been some, or
    # the kills never landed inside a transaction.
    conn = await asyncpg.connect(pg_store_url)
    try:
        last_id = await conn.fetchval("SELECT last_value FROM event_id_seq")
    finally:
        await conn.close()
    print(f"killed writers: {last_id - events} writes cut short, {events} events whole")
    assert last_id - events > 0, "no kill landed inside a write"
