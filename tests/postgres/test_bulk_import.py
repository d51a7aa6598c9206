"""The PostgreSQL bulk importer (storage/postgres/importer.py) against the per-line path it replaced, and
against other writers at the same time.

The per-line path ran each line as add_event does (events.add_event_tx) inside a savepoint, rolled back
when the line was refused or a duplicate. It is kept here as the reference: the same lines into two
databases set up alike, one each way, must give the same result and the same rows in every table. Ids
are compared by rank: the per-line path leaves gaps in the sequences (a savepoint gives back no id) and
the bulk path takes its ids at the end, so the n-th event or person of each is the same record under
another number.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from storage.errors import Conflict, DuplicateEvent, WriteFailed
from storage.postgres import importer
from storage.postgres.db import Tx
from storage.postgres.events import add_event_tx
from storage.postgres.store import PostgresStore
from storage.records import Actor, ImportResult, NewEvent
from storage.rules import dedupe_key
from tests.conftest import NOW, WS
from tests.pg_server import PgServer
from tests.test_importer import ACTOR, ALIASED, AT, VARIED, ev, random_lines, set_up

SETUP = Actor(WS, "u1", "Ann Analyst")
# Tables whose ids a sequence gives, and the columns elsewhere that hold them.
IDS = ("person", "event", "concern", "question", "audit")
REFS = {"event_id": "event", "person_id": "person"}


async def per_line_import(
    store: PostgresStore, actor: Actor, at: dt.datetime, lines: list[tuple[int, NewEvent]]
) -> ImportResult:
    """The importer before the bulk path, line for line."""
    added = new_people = 0
    duplicates: list[tuple[int, int]] = []
    refused: list[tuple[int, str]] = []
    async with store.pool.acquire() as conn, conn.transaction():
        tx = Tx(conn)
        for number, new in lines:
            try:
                async with conn.transaction():
                    result = await add_event_tx(tx, actor, at, new)
            except DuplicateEvent as exc:
                duplicates.append((number, exc.event_id))
            except Conflict as exc:
                refused.append((number, str(exc)))
            else:
                added += 1
                new_people += len(result.new_people)
    return ImportResult(added, duplicates, new_people, refused)


async def rows(store: PostgresStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ids replaced by their rank in their table."""
    async with store.pool.acquire() as conn:
        tables = [
            r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        rank = {
            t: {r["id"]: n for n, r in enumerate(await conn.fetch(f"SELECT id FROM {t} ORDER BY id"), start=1)}
            for t in IDS
        }
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in tables:
            found = []
            for r in await conn.fetch(f"SELECT * FROM {table}"):
                row = dict(r)
                for column, value in row.items():
                    if value is None:
                        continue
                    if column == "id" and table in rank:
                        row[column] = rank[table][value]
                    elif column in REFS:
                        row[column] = rank[REFS[column]][value]
                    elif column == "ref":  # search_doc: an id of its kind's table
                        row[column] = rank[row["kind"]][value]
                    elif column == "record_id" and row["tbl"] in rank:
                        row[column] = rank[row["tbl"]][int(value)]
                    elif column == "dedupe_key":
                        day, kind, ids = value.split("|")
                        people = sorted(rank["person"][int(i)] for i in ids.split(",") if i)
                        row[column] = f"{day}|{kind}|{people}"
                found.append(tuple(sorted(row.items())))
            out[table] = sorted(found, key=repr)
        return out


def ranked(result: ImportResult, events: dict[int, int]) -> ImportResult:
    return ImportResult(result.added, [(n, events[i]) for n, i in result.duplicates], result.new_people, result.refused)


async def event_ranks(store: PostgresStore) -> dict[int, int]:
    found = await store.pool.fetch("SELECT id FROM event ORDER BY id")
    return {r["id"]: n for n, r in enumerate(found, start=1)}


@pytest.fixture
async def pair(pg_server: PgServer, pg_template: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two databases set up alike: the first imports per line, the second in bulk."""
    urls = [await pg_server.create_database(template=pg_template) for _ in range(2)]
    stores = [await PostgresStore.open(url) for url in urls]
    try:
        for store in stores:
            await set_up(store)
        yield stores[0], stores[1]
    finally:
        for store in stores:
            await store.close()
        for url in urls:
            await pg_server.drop_database(url)


async def import_both(
    pair: tuple[PostgresStore, PostgresStore], lines: list[NewEvent]
) -> tuple[ImportResult, ImportResult]:
    numbered = list(enumerate(lines, start=1))
    old, new = pair
    expected = await per_line_import(old, ACTOR, AT, numbered)
    got = await new.import_events(ACTOR, AT, numbered)
    return ranked(expected, await event_ranks(old)), ranked(got, await event_ranks(new))


async def test_a_varied_file_gives_the_same_result_and_the_same_rows(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    old, new = pair
    expected, got = await import_both(pair, VARIED)
    assert got == expected
    assert [n for n, _ in got.refused] == [4, 8, 9, 19, 20]
    assert got.refused[0] == (4, "'Wang Yi' is on the china side, not us")
    assert [n for n, _ in got.duplicates] == [1, 3, 17, 18]
    assert got.added == 13
    assert await rows(new) == await rows(old)
    # And again: every line a duplicate or refused, nothing written.
    again_expected, again = await import_both(pair, VARIED)
    assert again == again_expected and again.added == 0
    assert await rows(new) == await rows(old)


async def test_aliases_and_confidence_give_the_same_rows(pair: tuple[PostgresStore, PostgresStore]) -> None:
    expected, got = await import_both(pair, ALIASED)
    assert got == expected
    assert got.refused == [(4, "the alias 'Hegseth' already means 'Pete Hegseth'")]
    assert [n for n, _ in got.duplicates] == [5]
    old, new = pair
    assert await rows(new) == await rows(old)


async def test_an_alias_given_by_an_earlier_line_finds_an_event_of_the_store(
    pair: tuple[PostgresStore, PostgresStore],
) -> None:
    """Line 2 names Sullivan by an alias only line 1 gives him: its key is not among those read at the
    start, so the store's events are read again for it, and the line is the store's Sullivan–Wang call."""
    lines = [
        ev("2022-05-01", [("Jake Sullivan", None)], [("Wang Yi", None)], kind="meeting"),
        ev("2022-03-01", [("The Advisor", None)], [("Wang Yi", None)]),
    ]
    lines[0].us[0].aliases = ("The Advisor",)
    expected, got = await import_both(pair, lines)
    assert got == expected
    assert got.added == 1 and [n for n, _ in got.duplicates] == [2]
    old, new = pair
    assert await rows(new) == await rows(old)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_files_give_the_same_result_and_the_same_rows(
    pair: tuple[PostgresStore, PostgresStore], seed: int
) -> None:
    expected, got = await import_both(pair, random_lines(seed, 120))
    assert got == expected
    assert got.added and got.duplicates and got.refused  # the pools made every case happen
    old, new = pair
    assert await rows(new) == await rows(old)


async def test_an_unexpected_error_leaves_nothing_written(pair: tuple[PostgresStore, PostgresStore]) -> None:
    _, store = pair
    before = await rows(store)
    # Minutes out of range pass no validation here, and the table's CHECK refuses them once the people
    # of the file have been written: the whole import must be undone, not only that line.
    lines = [*VARIED[:6], ev("2022-06-01", [("Someone New", None)], [("Another New", None)], minutes=5000)]
    with pytest.raises(asyncpg.CheckViolationError):
        await store.import_events(ACTOR, AT, list(enumerate(lines, start=1)))
    assert await rows(store) == before
    result = await store.import_events(ACTOR, AT, list(enumerate(VARIED[:6], start=1)))
    assert result.added == 3


async def test_progress_is_told_as_lines_are_resolved(pg_store_url: str) -> None:
    store = await PostgresStore.open(pg_store_url)
    try:
        seen: list[tuple[int, int]] = []
        lines = [ev(f"2022-01-{d:02d}", [(f"US {d}", None)], [(f"CN {d}", None)]) for d in range(1, 29)]
        result = await store.import_events(
            ACTOR, AT, list(enumerate(lines, start=1)), progress=lambda *a: seen.append(a)
        )
        assert result.added == 28 and result.new_people == 56
        assert seen[-1] == (28, 28) and all(b == 28 for _, b in seen)
        assert await store.import_events(ACTOR, AT, []) == ImportResult(0, [], 0, [])
    finally:
        await store.close()


# -- other writers at the same time ------------------------------------------------------------------


async def _ids(conn: asyncpg.Connection, *names: str) -> list[int]:
    return [
        await conn.fetchval("SELECT person_id FROM person_key WHERE workspace = $1 AND key = lower($2)", WS, name)
        for name in names
    ]


async def test_an_event_another_writer_is_recording_becomes_a_duplicate(pg_store_url: str) -> None:
    """Another connection has recorded line 2's event but not yet committed: the import waits on the
    event_dedupe key, finds it taken once the other commits, and resolves again: line 2 is a duplicate of
    the other writer's event, every other line is added, and the event is there once."""
    store = await PostgresStore.open(pg_store_url)
    other = await asyncpg.connect(pg_store_url)
    try:
        await store.add_person(SETUP, NOW, "Jake Sullivan", "us", None, [])
        await store.add_person(SETUP, NOW, "Wang Yi", "china", None, [])
        us, cn = await _ids(other, "Jake Sullivan", "Wang Yi")
        lines = [
            ev("2022-05-01", [("New Person", None)], [("Wang Yi", None)]),
            ev("2022-05-02", [("Jake Sullivan", None)], [("Wang Yi", None)]),
            ev("2022-05-03", [("Jake Sullivan", None)], [("Another New", None)]),
        ]
        tx = other.transaction()
        await tx.start()
        theirs = await other.fetchval(
            "INSERT INTO event (workspace, day, kind, track, status, dedupe_key, created_at, created_by)"
            " VALUES ($1, $2, 'call', 'other', 'held', $3, $4, 'other') RETURNING id",
            WS,
            dt.date(2022, 5, 2),
            dedupe_key(dt.date(2022, 5, 2), "call", [us, cn]),
            NOW,
        )
        importing = asyncio.create_task(store.import_events(ACTOR, AT, list(enumerate(lines, start=1))))
        await asyncio.sleep(0.5)
        assert not importing.done()  # waiting on the key the other writer holds
        await tx.commit()
        result = await asyncio.wait_for(importing, 30)
        assert result == ImportResult(2, [(2, theirs)], 2, [])
        assert await other.fetchval("SELECT count(*) FROM event WHERE workspace = $1", WS) == 3
        # The first attempt's rows went with it: each new person once, and two audit entries a line added.
        assert await other.fetchval("SELECT count(*) FROM person WHERE workspace = $1", WS) == 4
        assert await other.fetchval("SELECT count(*) FROM audit WHERE actor_id = $1", ACTOR.user_id) == 4
        assert await other.fetchval("SELECT count(*) FROM search_doc WHERE workspace = $1", WS) == 6
    finally:
        await other.close()
        await store.close()


async def test_add_event_of_a_line_while_the_import_waits_makes_the_line_a_duplicate(pg_store_url: str) -> None:
    """While the import waits on another connection's uncommitted issue, add_event records one of the
    file's events: the import, resolved again, reports that line as a duplicate of add_event's event."""
    store = await PostgresStore.open(pg_store_url)
    other = await asyncpg.connect(pg_store_url)
    try:
        await store.add_person(SETUP, NOW, "Jake Sullivan", "us", None, [])
        await store.add_person(SETUP, NOW, "Wang Yi", "china", None, [])
        lines = [
            ev("2022-05-01", [("Jake Sullivan", None)], [("Wang Yi", None)], raised={"us": ["held-issue"]}),
            ev("2022-05-02", [("Jake Sullivan", None)], [("Wang Yi", None)]),
        ]
        tx = other.transaction()
        await tx.start()
        await other.execute("INSERT INTO issue (workspace, slug, title) VALUES ($1, 'held-issue', 'Held')", WS)
        importing = asyncio.create_task(store.import_events(ACTOR, AT, list(enumerate(lines, start=1))))
        await asyncio.sleep(0.5)
        assert not importing.done()
        added = await store.add_event(SETUP, NOW, lines[1])
        await tx.rollback()
        result = await asyncio.wait_for(importing, 30)
        assert result == ImportResult(1, [(2, added.event.id)], 0, [])
        assert await other.fetchval("SELECT count(*) FROM event WHERE workspace = $1", WS) == 2
        assert await other.fetchval("SELECT count(*) FROM issue WHERE workspace = $1", WS) == 1
    finally:
        await other.close()
        await store.close()


async def test_a_name_another_writer_takes_meanwhile_is_theirs(pg_store_url: str) -> None:
    """Another connection creates a person the file would create, and commits while the import waits on
    the name: the import, resolved again, uses that person (and gives them their first title)."""
    store = await PostgresStore.open(pg_store_url)
    other = await asyncpg.connect(pg_store_url)
    try:
        await store.add_person(SETUP, NOW, "Wang Yi", "china", None, [])
        lines = [
            ev("2022-05-01", [("Fresh Name", None)], [("Wang Yi", None)]),
            ev("2022-05-02", [("Fresh Name", "Envoy")], [("Wang Yi", None)]),
        ]
        tx = other.transaction()
        await tx.start()
        theirs = await other.fetchval(
            "INSERT INTO person (workspace, name, side, created_at) VALUES ($1, 'Fresh Name', 'us', $2) RETURNING id",
            WS,
            NOW,
        )
        await other.execute(
            "INSERT INTO person_key (workspace, key, person_id) VALUES ($1, 'fresh name', $2)", WS, theirs
        )
        importing = asyncio.create_task(store.import_events(ACTOR, AT, list(enumerate(lines, start=1))))
        await asyncio.sleep(0.5)
        assert not importing.done()  # waiting on the name the other writer holds
        await tx.commit()
        result = await asyncio.wait_for(importing, 30)
        assert result == ImportResult(2, [], 0, [])
        person = await store.find_person(WS, "Fresh Name")
        assert person is not None and person.id == theirs and person.title == "Envoy"
        assert await other.fetchval("SELECT count(*) FROM person WHERE workspace = $1", WS) == 2
        found = await store.list_events(WS, limit=10)
        assert {p.person_id for e in found[0] for p in e.side("us")} == {theirs}
    finally:
        await other.close()
        await store.close()


async def test_imports_and_add_event_of_the_same_events_at_once_record_each_once(pg_store_url: str) -> None:
    """Two stores (two processes' pools) import overlapping files while a third adds some of the same
    events one by one: however they interleave, each event is recorded once, and every line or call that
    did not record it was told whose event it is."""
    stores = [await PostgresStore.open(pg_store_url) for _ in range(3)]
    try:
        lines = [ev(f"2022-06-{d:02d}", [("Shared US", None)], [("Shared CN", None)]) for d in range(1, 21)]

        async def one_by_one() -> tuple[int, set[int]]:
            added, ids = 0, set()
            for new in lines[::3]:
                for _ in range(5):  # what WriteFailed asks of the caller: try again
                    try:
                        ids.add((await stores[2].add_event(SETUP, NOW, new)).event.id)
                        added += 1
                    except DuplicateEvent as exc:
                        ids.add(exc.event_id)
                    except WriteFailed as exc:
                        assert exc.code == "40P01"  # a deadlock with an import, which took the names in order
                        continue
                    break
            return added, ids

        first, second, (singles, single_ids) = await asyncio.gather(
            stores[0].import_events(ACTOR, AT, list(enumerate(lines, start=1))),
            stores[1].import_events(ACTOR, AT, list(enumerate(reversed(lines), start=1))),
            one_by_one(),
        )
        ids = {r["id"] for r in await stores[0].pool.fetch("SELECT id FROM event WHERE workspace = $1", WS)}
        assert len(ids) == 20 and first.added + second.added + singles == 20
        for result in (first, second):
            assert result.added + len(result.duplicates) == 20 and not result.refused
            assert {i for _, i in result.duplicates} <= ids
        assert single_ids <= ids
        assert await stores[0].pool.fetchval("SELECT count(*) FROM person WHERE workspace = $1", WS) == 2
        assert await stores[0].pool.fetchval("SELECT count(*) FROM search_doc WHERE workspace = $1", WS) == 22
    finally:
        for store in stores:
            await store.close()


async def test_the_last_attempt_waits_for_other_writers_and_cannot_lose(
    pg_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last attempt (here the only one) locks out other writers of names, issues and events before it
    reads: it waits for a writer already under way, then sees its event as a duplicate."""
    monkeypatch.setattr(importer, "ATTEMPTS", 1)
    store = await PostgresStore.open(pg_store_url)
    other = await asyncpg.connect(pg_store_url)
    try:
        await store.add_person(SETUP, NOW, "Jake Sullivan", "us", None, [])
        await store.add_person(SETUP, NOW, "Wang Yi", "china", None, [])
        us, cn = await _ids(other, "Jake Sullivan", "Wang Yi")
        lines = [ev("2022-05-02", [("Jake Sullivan", None)], [("Wang Yi", None)])]
        tx = other.transaction()
        await tx.start()
        theirs = await other.fetchval(
            "INSERT INTO event (workspace, day, kind, track, status, dedupe_key, created_at, created_by)"
            " VALUES ($1, $2, 'call', 'other', 'held', $3, $4, 'other') RETURNING id",
            WS,
            dt.date(2022, 5, 2),
            dedupe_key(dt.date(2022, 5, 2), "call", [us, cn]),
            NOW,
        )
        importing = asyncio.create_task(store.import_events(ACTOR, AT, list(enumerate(lines, start=1))))
        await asyncio.sleep(0.5)
        assert not importing.done()  # waiting for the table lock
        await tx.commit()
        assert await asyncio.wait_for(importing, 30) == ImportResult(0, [(1, theirs)], 0, [])
    finally:
        await other.close()
        await store.close()


async def test_a_deadlock_in_the_last_attempt_is_a_write_failure_that_leaves_nothing(
    pg_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last attempt holds the people tables and waits for `issue`, which another writer holds while it
    waits for `person`: PostgreSQL ends one of the two (here the import: the other waits longer before
    looking for a deadlock), and the import says to try again, with nothing written."""
    monkeypatch.setattr(importer, "ATTEMPTS", 1)
    store = await PostgresStore.open(pg_store_url)
    other = await asyncpg.connect(pg_store_url)
    try:
        await other.execute("SET deadlock_timeout = '20s'")
        tx = other.transaction()
        await tx.start()
        await other.execute("INSERT INTO issue (workspace, slug, title) VALUES ($1, 'held', 'Held')", WS)
        lines = [ev("2022-05-02", [("New US", None)], [("New CN", None)])]
        importing = asyncio.create_task(store.import_events(ACTOR, AT, list(enumerate(lines, start=1))))
        await asyncio.sleep(0.5)
        blocked = asyncio.create_task(
            other.execute(
                "INSERT INTO person (workspace, name, side, created_at) VALUES ($1, 'Other', 'us', $2)", WS, NOW
            )
        )
        with pytest.raises(WriteFailed) as failed:
            await asyncio.wait_for(importing, 30)
        assert failed.value.code == "40P01"
        await asyncio.wait_for(blocked, 30)
        await tx.commit()
        assert await other.fetchval("SELECT count(*) FROM person WHERE workspace = $1", WS) == 1  # theirs
        assert await other.fetchval("SELECT count(*) FROM audit") == 0
    finally:
        await other.close()
        await store.close()


# -- how the write is made -------------------------------------------------------------------------


async def test_text_the_copy_format_escapes_gives_the_same_rows(pair: tuple[PostgresStore, PostgresStore]) -> None:
    """The audit rows go to the server in COPY's text format, made by the importer: values with a tab, a
    newline, a carriage return, backslashes and what reads as COPY's NULL (in the summary, so in the
    event's snapshot; in a name; in the actor's name) arrive as the per-line path writes them."""
    awkward = "tab\there, line\nbreak\r, back\\slash, \\N, \\\\N, 'quote' \"dq\" é 中"
    actor = Actor(WS, "import", f"import of {awkward}")
    lines = [
        ev("2022-05-01", [(f"New\\Person\t{n}", "Envoy\\Special")], [("Wang Yi", None)], summary=awkward)
        for n in range(3)
    ]
    numbered = list(enumerate(lines, start=1))
    old, new = pair
    expected = await per_line_import(old, actor, AT, numbered)
    got = await new.import_events(actor, AT, numbered)
    assert got == expected and got.added == 3
    assert await rows(new) == await rows(old)
    after = await new.pool.fetchval("SELECT after FROM audit WHERE tbl = 'event' AND actor_id = 'import' LIMIT 1")
    assert after["summary"] == awkward
    assert (
        await new.pool.fetchval("SELECT DISTINCT actor_name FROM audit WHERE actor_id = 'import'") == actor.display_name
    )


def test_copy_text_escapes_what_the_format_reads_specially() -> None:
    assert importer.copy_text(None) == "\\N"
    assert importer.copy_text("\\N") == "\\\\N"
    assert importer.copy_text("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e"
    assert importer.copy_text("plain, é") == "plain, é"


async def test_the_import_keeps_one_plan_for_its_key_checks_and_leaves_its_connection_as_it_came(
    pg_store_url: str,
) -> None:
    """The pool plans every statement for its values; inside the import, PostgreSQL's default lets the
    per-row foreign-key look-ups keep one plan (a trigger notes the setting the participants are written
    with). The setting and the events' staging table end with the import's transaction, whether it
    commits or is rolled back: the connection goes back to the pool as it came, and imports again."""
    store = await PostgresStore.open(pg_store_url, max_size=1)  # one connection: the import's
    setting = "SELECT current_setting('plan_cache_mode')"
    try:
        await store.pool.execute(
            "CREATE TABLE seen (setting TEXT);"
            " CREATE FUNCTION note_setting() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN INSERT INTO seen VALUES (current_setting('plan_cache_mode')); RETURN NULL; END $$;"
            " CREATE TRIGGER note_setting AFTER INSERT ON participant"
            " FOR EACH STATEMENT EXECUTE FUNCTION note_setting()"
        )
        assert await store.pool.fetchval(setting) == "force_custom_plan"
        result = await store.import_events(ACTOR, AT, list(enumerate(VARIED[:6], start=1)))
        assert result.added
        assert [r["setting"] for r in await store.pool.fetch("SELECT setting FROM seen")] == ["auto"]
        assert await store.pool.fetchval(setting) == "force_custom_plan"
        bad = [ev("2022-06-01", [("Someone New", None)], [("Another New", None)], minutes=5000)]
        with pytest.raises(asyncpg.CheckViolationError):
            await store.import_events(ACTOR, AT, list(enumerate(bad, start=1)))
        assert await store.pool.fetchval(setting) == "force_custom_plan"
        assert await store.pool.fetchval("SELECT to_regclass('pg_temp.import_event')") is None
        again = await store.import_events(ACTOR, AT, list(enumerate(VARIED[6:12], start=1)))
        assert again.added
        assert await store.pool.fetchval("SELECT to_regclass('pg_temp.import_event')") is None
    finally:
        await store.close()
