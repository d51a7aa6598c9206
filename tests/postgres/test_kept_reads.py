"""The settings, issue lists and people found by name that a PostgreSQL store keeps
(storage/postgres/kept.py): kept only while the change feed is heard, forgotten at once after this
process's own writes and as soon as another process's write is heard, and never kept from a read that a
write overtook."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
import pytest

from storage.changes import EVERYTHING, Change
from storage.postgres import kept as kept_module
from storage.postgres.kept import KeptReads
from storage.postgres.store import PostgresStore
from storage.records import Actor, Issue, NewEvent, NewParticipant, Person, WorkspaceSettings
from tests.conftest import NOW, WS
from tests.pg_server import PgServer

ACTOR = Actor(WS, "u1", "Alice")
OTHER = "console:other"


class Reads:
    """A read of settings that counts how often it ran, and can be held midway."""

    def __init__(self) -> None:
        self.count = 0
        self.timezone = "UTC"
        self.hold: asyncio.Event | None = None

    async def __call__(self) -> WorkspaceSettings:
        self.count += 1
        timezone = self.timezone  # what the database held when the read began
        if self.hold is not None:
            await self.hold.wait()
        return WorkspaceSettings(WS, timezone, None)


def kept(listening: bool = True, limit: int = 10) -> tuple[KeptReads, list[bool]]:
    state = [listening]
    return KeptReads(lambda: state[0], limit), state


async def test_a_read_is_kept_while_the_feed_is_heard_and_each_workspace_apart() -> None:
    reads, (store_reads, _) = Reads(), kept()
    for _ in range(3):
        assert (await store_reads.settings(WS, reads)).timezone == "UTC"
    assert reads.count == 1 and store_reads.hits == 2
    other = Reads()
    await store_reads.settings(OTHER, other)
    store_reads.heard(Change(OTHER, "event"))  # another workspace's write
    await store_reads.settings(WS, reads)
    await store_reads.settings(OTHER, other)
    assert (reads.count, other.count) == (1, 2)


async def test_nothing_is_kept_or_answered_from_memory_while_the_feed_is_not_heard() -> None:
    reads = Reads()
    store_reads, listening = kept(listening=False)
    for _ in range(3):
        await store_reads.settings(WS, reads)
    assert reads.count == 3
    listening[0] = True
    await store_reads.settings(WS, reads)
    listening[0] = False  # the connection is lost: what was kept may miss a write from now on
    reads.timezone = "Asia/Tokyo"
    assert (await store_reads.settings(WS, reads)).timezone == "Asia/Tokyo"
    listening[0] = True
    assert (await store_reads.settings(WS, reads)).timezone == "Asia/Tokyo"


async def test_a_write_anywhere_or_unknown_forgets_what_it_may_have_changed() -> None:
    reads, (store_reads, _) = Reads(), kept()
    for change in (Change(WS, "workspace"), Change(WS, "event"), Change(None, "issue"), EVERYTHING):
        await store_reads.settings(WS, reads)
        before = reads.count
        store_reads.heard(change)
        await store_reads.settings(WS, reads)
        assert reads.count == before + 1, change
    await store_reads.settings(WS, reads)
    store_reads.forget(set())  # a transaction without an audit entry wrote nothing of the record
    count = reads.count
    await store_reads.settings(WS, reads)
    assert reads.count == count


async def test_a_read_overtaken_by_a_write_is_answered_but_not_kept() -> None:
    reads, (store_reads, _) = Reads(), kept()
    reads.hold = asyncio.Event()
    under_way = asyncio.create_task(store_reads.settings(WS, reads))
    await asyncio.sleep(0)
    reads.timezone = "Asia/Tokyo"  # a write commits while the read is under way...
    store_reads.forget([WS])  # ...and is heard before the read ends
    reads.hold.set()
    assert (await under_way).timezone == "UTC"  # what it read
    reads.hold = None
    assert (await store_reads.settings(WS, reads)).timezone == "Asia/Tokyo"  # not the stale copy


async def test_issue_lists_are_kept_as_copies_and_the_oldest_workspace_goes_past_the_limit() -> None:
    store_reads, _ = kept(limit=2)
    count = 0

    def issues_of(workspace: str) -> Callable[[], Awaitable[list[Issue]]]:
        async def read() -> list[Issue]:
            nonlocal count
            count += 1
            return [Issue("taiwan", "Taiwan"), Issue(workspace, workspace.title())]

        return read

    first = await store_reads.issues("a", issues_of("a"))
    first.clear()  # the caller's own list
    assert len(await store_reads.issues("a", issues_of("a"))) == 2 and count == 1
    await store_reads.issues("b", issues_of("b"))
    await store_reads.issues("c", issues_of("c"))  # "a" goes
    await store_reads.issues("c", issues_of("c"))
    assert count == 3
    await store_reads.issues("a", issues_of("a"))
    assert count == 4


async def test_people_are_kept_by_name_nobody_too_and_forgotten_with_their_workspace() -> None:
    store_reads, _ = kept()
    asked: list[str] = []
    austin = Person(1, "Lloyd J. Austin III", "us", "Secretary of Defense", ("Austin",))

    def finds(name: str, person: Person | None) -> Callable[[], Awaitable[Person | None]]:
        async def read() -> Person | None:
            asked.append(name)
            return person

        return read

    for _ in range(2):
        assert await store_reads.person(WS, "Austin", finds("Austin", austin)) == austin
        assert await store_reads.person(WS, "Nobody Known", finds("Nobody Known", None)) is None
    assert asked == ["Austin", "Nobody Known"]
    assert await store_reads.person(OTHER, "Austin", finds("Austin", None)) is None  # each workspace apart
    store_reads.heard(Change(OTHER, "person"))
    await store_reads.person(WS, "Austin", finds("Austin", austin))
    assert asked == ["Austin", "Nobody Known", "Austin"]  # still kept: the write was in another workspace
    store_reads.forget([WS])  # e.g. "Nobody Known" recorded by an event just added here
    known = Person(2, "Nobody Known", "china", None)
    assert await store_reads.person(WS, "Nobody Known", finds("Nobody Known", known)) == known


async def test_a_person_read_overtaken_by_a_write_or_made_unheard_is_not_kept() -> None:
    store_reads, listening = kept()
    hold = asyncio.Event()
    count = 0

    async def read() -> Person | None:
        nonlocal count
        count += 1
        await hold.wait()
        return None

    under_way = asyncio.create_task(store_reads.person(WS, "Wei Fenghe", read))
    await asyncio.sleep(0)
    store_reads.forget([WS])
    hold.set()
    assert await under_way is None
    await store_reads.person(WS, "Wei Fenghe", read)
    await store_reads.person(WS, "Wei Fenghe", read)
    assert count == 2  # the second read was kept, the first was not
    listening[0] = False
    await store_reads.person(WS, "Wei Fenghe", read)
    assert count == 3  # not answered from memory while the feed is not heard


async def test_only_so_many_names_are_kept_per_workspace() -> None:
    store_reads = KeptReads(lambda: True, limit=10, names=2)
    count = 0

    async def read() -> Person | None:
        nonlocal count
        count += 1
        return None

    for name in ("a", "b", "c"):  # "a" goes
        await store_reads.person(WS, name, read)
    await store_reads.person(WS, "c", read)
    await store_reads.person(WS, "b", read)
    assert count == 3
    await store_reads.person(WS, "a", read)
    assert count == 4


# --- on PostgreSQL, two stores as two processes ---------------------------------------------------------


@pytest.fixture
async def two(pg_store_url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    here, there = await PostgresStore.open(pg_store_url), await PostgresStore.open(pg_store_url)
    try:
        yield here, there
    finally:
        await here.close()
        await there.close()


async def heard_within(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "not seen in time"
        await asyncio.sleep(0.01)


async def listening(store: PostgresStore) -> None:
    await store.workspace_settings(WS)  # the first read starts the feed
    assert store.listener is not None

    async def connected() -> bool:
        return store.listener is not None and store.listener.connected

    await heard_within(connected)


def new_event(issue: str) -> NewEvent:
    return NewEvent(
        day=dt.date(2022, 4, 20),
        kind="call",
        track=None,
        us=[NewParticipant("Lloyd J. Austin III", "us", None)],
        cn=[NewParticipant("Wei Fenghe", "china", None)],
        raised={"us": [issue]},
    )


async def test_this_process_sees_its_own_write_at_once(two: tuple[PostgresStore, PostgresStore]) -> None:
    here, _ = two
    await listening(here)
    assert (await here.workspace_settings(WS)).timezone is None
    hits = here.kept.hits
    assert (await here.workspace_settings(WS)).timezone is None
    assert here.kept.hits == hits + 1  # kept
    await here.set_workspace(ACTOR, NOW, timezone="Asia/Shanghai")
    assert (await here.workspace_settings(WS)).timezone == "Asia/Shanghai"  # no wait for the feed
    await here.issues(WS)
    await here.add_event(ACTOR, NOW, new_event("rare-earths"))
    assert "rare-earths" in {i.slug for i in await here.issues(WS)}


async def test_an_import_in_this_process_is_seen_at_once(two: tuple[PostgresStore, PostgresStore]) -> None:
    here, _ = two
    await listening(here)
    await here.issues(WS)
    result = await here.import_events(ACTOR, NOW, [(1, new_event("semiconductors"))])
    assert result.added == 1
    assert "semiconductors" in {i.slug for i in await here.issues(WS)}


def test_only_the_modules_that_audit_their_writes_write_what_is_kept() -> None:
    """The kept copies are forgotten by the workspaces a transaction's audit entries name (the importer
    names its own). A new statement that writes the workspace, issue or people tables elsewhere must be
    looked at: does its transaction audit, or name its workspace?"""
    folder = Path(kept_module.__file__).parent

    def writers(tables: str) -> set[str]:
        writes = re.compile(rf"(INSERT INTO|UPDATE|DELETE FROM)\s+({tables})\b", re.IGNORECASE)
        return {path.name for path in folder.glob("*.py") if writes.search(path.read_text())}

    # (from_sqlite.py writes every table, into an empty database that no store keeps anything of yet.)
    assert writers("workspace|issue") == {"workspaces.py", "events.py", "importer.py"}
    assert writers("person|person_key") == {"people.py", "importer.py"}


async def test_a_person_recorded_titled_or_aliased_here_is_found_at_once(
    two: tuple[PostgresStore, PostgresStore],
) -> None:
    here, _ = two
    await listening(here)
    assert await here.find_person(WS, "Wei Fenghe") is None
    assert await here.find_person(WS, "Wei Fenghe") is None  # kept: nobody
    await here.add_event(ACTOR, NOW, new_event("taiwan"))  # records him, without a title
    wei = await here.find_person(WS, "Wei Fenghe")
    assert wei is not None and wei.title is None
    titled = NewEvent(
        day=dt.date(2022, 6, 10),
        kind="meeting",
        track=None,
        us=[NewParticipant("Lloyd J. Austin III", "us", None)],
        cn=[NewParticipant("Wei Fenghe", "china", "Minister of National Defense")],
    )
    await here.add_event(ACTOR, NOW, titled)  # his first title
    assert (await here.find_person(WS, "Wei Fenghe")) == Person(
        wei.id, "Wei Fenghe", "china", "Minister of National Defense"
    )
    assert await here.find_person(WS, "General Wei") is None
    await here.add_aliases(ACTOR, NOW, wei.id, ["General Wei"])
    found = await here.find_person(WS, "General Wei")
    assert found is not None and found.id == wei.id and found.aliases == ("General Wei",)


async def test_another_process_s_person_is_found_once_heard(two: tuple[PostgresStore, PostgresStore]) -> None:
    here, there = two
    await listening(here)
    for _ in range(2):
        assert await here.find_person(WS, "Dong Jun") is None  # kept: nobody
    await there.add_person(ACTOR, NOW, "Dong Jun", "china", "Minister of National Defense", ["Admiral Dong"])

    async def found() -> bool:
        person = await here.find_person(WS, "Dong Jun")
        return person is not None and person.aliases == ("Admiral Dong",)

    await heard_within(found, 2.0)


async def test_another_process_s_write_is_seen_once_heard(two: tuple[PostgresStore, PostgresStore]) -> None:
    here, there = two
    await listening(here)
    await here.workspace_settings(WS)
    await here.issues(WS)
    await there.set_workspace(ACTOR, NOW, timezone="Asia/Tokyo")
    await there.add_event(ACTOR, NOW, new_event("export-controls"))

    async def seen() -> bool:
        settings, issues = await here.workspace_settings(WS), await here.issues(WS)
        return settings.timezone == "Asia/Tokyo" and "export-controls" in {i.slug for i in issues}

    await heard_within(seen, 2.0)

    async def kept_again() -> bool:  # once the last of the writes' notifications has come
        hits = here.kept.hits
        return await seen() and here.kept.hits == hits + 2

    await heard_within(kept_again, 2.0)


async def test_while_the_feed_is_lost_reads_go_to_the_database(
    two: tuple[PostgresStore, PostgresStore], pg_store_url: str, pg_server: PgServer
) -> None:
    here, there = two
    await listening(here)
    await here.workspace_settings(WS)
    assert here.listener is not None
    name = unquote(urlsplit(pg_store_url).path.lstrip("/"))
    admin = await asyncpg.connect(pg_server.admin_url)
    try:
        # The listening connection is cut and cannot be made again (the stores' open connections stay).
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'hotline-listen' AND datname = $1",
            name,
        )

        async def lost() -> bool:
            return here.listener is not None and not here.listener.connected

        await heard_within(lost)
        await there.set_workspace(ACTOR, NOW, timezone="Europe/Paris")  # unheard by `here`
        hits = here.kept.hits
        assert (await here.workspace_settings(WS)).timezone == "Europe/Paris"
        assert (await here.workspace_settings(WS)).timezone == "Europe/Paris"
        assert here.kept.hits == hits  # nothing answered from memory
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        await admin.close()
    await listening(here)  # made again: reads are kept again
    hits = here.kept.hits
    await here.workspace_settings(WS)
    assert (await here.workspace_settings(WS)).timezone == "Europe/Paris"
    assert here.kept.hits == hits + 1
