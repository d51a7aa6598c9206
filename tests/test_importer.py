"""Each backend's importer against the per-line path of SQLite's bulk importer (storage/sqlite/importer.py) replaced.

The per-line importer added each line with `add_event_in` (what /event add still does) inside a savepoint,
rolled back when the line was refused or a duplicate. It is kept here as the reference: the same
lines into two stores set up alike, one each way, must give the same result and the same rows in every
table, ids, audit entries and full-text rows included. The second store is of each backend in turn; a
PostgreSQL store must hold the same record, read through the contract, with ids of the same ranks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from storage.contract import StoreContract
from storage.errors import Conflict, DuplicateEvent, WriteFailed
from storage.postgres.store import PostgresStore
from storage.records import Actor, ImportResult, NewEvent, NewParticipant, Source
from storage.sqlite.events import add_event_in
from storage.sqlite.importer import in_own_transaction
from storage.sqlite.store import SqliteStore
from tests.backends import record_of, renumbering
from tests.conftest import NOW, OTHER_WS, WS, snapshot

ACTOR = Actor(WS, "import", "import of test.jsonl")
OTHER_ACTOR = Actor(OTHER_WS, "u2", "Bob Other")
AT = NOW + dt.timedelta(hours=1)
WORKSPACES = (WS, OTHER_WS)  # later than the set-up, so its audit times differ from the import's


async def per_line_import(
    store: SqliteStore, actor: Actor, at: dt.datetime, lines: list[tuple[int, NewEvent]]
) -> ImportResult:
    """The importer before storage/sqlite/importer.py, line for line."""
    added = 0
    new_people = 0
    duplicates: list[tuple[int, int]] = []
    refused: list[tuple[int, str]] = []
    async with store.db.transaction() as tx:
        for number, new in lines:
            await tx.run("SAVEPOINT line")
            try:
                result = await add_event_in(tx, actor, at, new)
            except DuplicateEvent as dup:
                await tx.run("ROLLBACK TO line")
                duplicates.append((number, dup.event_id))
            except Conflict as exc:
                await tx.run("ROLLBACK TO line")
                refused.append((number, str(exc)))
            else:
                added += 1
                new_people += len(result.new_people)
            await tx.run("RELEASE line")
    return ImportResult(added, duplicates, new_people, refused)


def ev(
    day: str,
    us: list[tuple[str, str | None]],
    cn: list[tuple[str, str | None]],
    *,
    kind: str = "call",
    track: str | None = None,
    **more: Any,
) -> NewEvent:
    return NewEvent(
        day=dt.date.fromisoformat(day),
        kind=kind,
        track=track,
        us=[NewParticipant(name, "us", title) for name, title in us],
        cn=[NewParticipant(name, "china", title) for name, title in cn],
        **more,
    )


def aliased(event: NewEvent, side: str, index: int, *aliases: str) -> NewEvent:
    """The event with aliases given to one of its participants, as an import file gives them."""
    (event.us if side == "us" else event.cn)[index].aliases = aliases
    return event


async def set_up(store: StoreContract) -> None:
    """What the store holds before the import: people with and without titles and aliases, offices of
    the workspace's own, an issue of its own, events to be duplicated, and another workspace that uses
    the same names."""
    await store.add_person(OTHER_ACTOR, NOW, "Zhang Youxia", "china", "CMC Vice Chairman", ["General Zhang"])
    await store.add_event(
        OTHER_ACTOR, NOW, ev("2022-03-01", [("Antony Blinken", None)], [("Zhang Youxia", None)], raised={"us": ["x"]})
    )
    actor = Actor(WS, "u1", "Ann Analyst")
    await store.add_person(actor, NOW, "Lloyd J. Austin III", "us", "Secretary of Defense", ["Lloyd Austin", "Austin"])
    await store.add_person(actor, NOW, "Jake Sullivan", "us", None, ["Sullivan", "J. Sullivan"])
    await store.add_person(actor, NOW, "Wang Yi", "china", None, ["FM Wang"])
    await store.add_person(actor, NOW, "Old Hand", "other", None, [])
    await store.add_person(actor, NOW, "Kurt Campbell", "us", None, ["Campbell"])
    # A form of the workspace's own for a new office, one that takes a built-in form from the built-in
    # office, and a built-in office given another track.
    await store.add_office_forms(
        actor, NOW, "us:hostage-envoy", "Special Envoy for Hostage Affairs", "diplomatic", ["Hostage Envoy"]
    )
    await store.add_office_forms(
        actor, NOW, "china:ambassador", "Ambassador to the United States", "diplomatic", ["Premier"]
    )
    await store.add_office_forms(actor, NOW, "china:vice-premier", "Vice Premier", "leaders", ["Lead Negotiator"])
    await store.add_event(
        actor,
        NOW,
        ev(
            "2022-04-20",
            [("Austin", None)],
            [("Wei Fenghe", "Minister of National Defense")],
            raised={"us": ["balloon"]},
        ),
    )
    await store.add_event(actor, NOW, ev("2022-03-01", [("Jake Sullivan", None)], [("Wang Yi", None)]))


VARIED: list[NewEvent] = [
    # 1: the store's Sullivan–Wang call under aliases: a duplicate, and the title it gives is undone.
    ev("2022-03-01", [("Sullivan", "National Security Advisor")], [("FM Wang", None)]),
    # 2: Sullivan's first title (he has aliases: the re-index lists them); Yang is new; track derived.
    ev(
        "2022-03-14",
        [("Jake Sullivan", "NSA")],
        [("Yang Jiechi", "Director, Office of the Central Foreign Affairs Commission")],
    ),
    # 3: line 2 again, by other names: a duplicate of an earlier line.
    ev("2022-03-14", [("J. Sullivan", None)], [("yang  JIECHI", None)]),
    # 4: a new person, then Wang Yi on the US side: refused, and Blinken is not created.
    ev("2022-03-20", [("Antony Blinken", None), ("Wang Yi", "Foreign Minister")], [("Yang Jiechi", None)]),
    # 5: Blinken for good, untitled; Wang Yi's first title; issues new, built-in and the workspace's own.
    ev(
        "2022-03-21",
        [("Antony Blinken", None)],
        [("Wang Yi", "Foreign Minister")],
        raised={"us": ["taiwan", "fishing-rights"], "china": ["fishing-rights", "balloon"]},
    ),
    # 6: Blinken, created by this import, gets his first title; the same new issue on both sides.
    ev(
        "2022-03-22",
        [("antony blinken", "Secretary of State")],
        [("Qin Gang", None)],
        raised={"china": ["other-thing"], "us": ["other-thing"]},
    ),
    # 7: one person twice on a side (name and alias): one participant, with the person's own title.
    ev("2022-03-23", [("Lloyd Austin", None), ("Austin", "SecDef")], [("Wei Fenghe", None)], kind="video"),
    # 8: a new person, an untitled one of the store titled, then someone of the other side: all undone.
    ev(
        "2022-03-24",
        [("Nobody Yet", "Coordinator"), ("Campbell", "Deputy Secretary of State"), ("Qin Gang", None)],
        [("Xie Feng", None)],
    ),
    # 9: someone of the store's other side (side "other") on the US side: refused.
    ev("2022-03-24", [("Old Hand", "Adviser")], [("Xie Feng", None)]),
    # 10: another workspace's person is a new person here.
    ev("2022-03-25", [("Antony Blinken", None)], [("Zhang Youxia", "CMC Vice Chairman"), ("General Zhang", None)]),
    # 11: the workspace's own forms: a new office, and "Premier" taken from the built-in office.
    ev("2022-03-26", [("Roger Carstens", "Hostage Envoy")], [("Xie Feng", "Premier")]),
    # 12: a compound title whose segment is an office given another track by the workspace; the US lead's
    # economic track wins over leaders.
    ev(
        "2022-03-27",
        [("Janet Yellen", "Treasury Secretary")],
        [("He Lifeng", "Vice Premier; Chinese lead of the talks")],
    ),
    # 13: leaders on both sides.
    ev("2022-03-28", [("Joseph R. Biden Jr.", "President")], [("Xi Jinping", "Chinese President")], kind="summit"),
    # 14: titles no table knows: track "other"; an untitled participant keeps no title.
    ev("2022-03-29", [("A. Nobody", "Deputy Assistant Secretary for Widgets")], [("C. Nobody", None)]),
    # 15: every optional field, and a track given.
    ev(
        "2022-03-30",
        [("Lloyd J. Austin III", None)],
        [("Wei Fenghe", None)],
        kind="meeting",
        track="defense",
        status="planned",
        minutes=90,
        requested_by="china",
        location="Singapore",
        summary="Shangri-La Dialogue sidelines.",
        sources=[Source("https://example.org/a"), Source("https://example.org/b")],
        time="09:30",
        timezone="Asia/Singapore",
    ),
    # 16: line 15 again, other kind: not a duplicate; then line 15 under aliases: a duplicate.
    ev("2022-03-30", [("Austin", None)], [("Wei Fenghe", None)], kind="call"),
    ev("2022-03-30", [("Lloyd Austin", None)], [("Wei Fenghe", None)], kind="meeting"),
    # 18: the store's Austin–Wei call (it raised the workspace's own issue): a duplicate.
    ev(
        "2022-04-20",
        [("Lloyd J. Austin III", "Secretary of Defense")],
        [("Wei Fenghe", None)],
        raised={"us": ["new-one"]},
    ),
    # 19: a new person on both sides of one line: refused at the China side.
    ev("2022-04-01", [("Li Qiang", None)], [("Li Qiang", None)]),
    # 20: a person created by a line, then refused on the other side by a later one.
    ev("2022-04-02", [("Xie Feng", None)], [("Roger Carstens", None)]),
    # 21: text that JSON escapes or keeps as it is, in every field of the audit entry; a name found
    # without its accents; no participant titled, no summary.
    ev(
        "2022-04-03",
        [('Émile "Mac" O\'Brien', "Envoy for \\ and \u00e9")],
        [("Wáng Yì", None), ("习近平", "主席\tof\nthings")],
        kind="visit",
        location='The "Blue" Room, 北京',
        sources=[Source('https://example.org/?q="x"&y=é')],
        raised={"china": ["taiwan", "new-é"], "us": ["taiwan"]},
        time="23:59",
        timezone="Asia/Shanghai",
    ),
    ev("2022-04-04", [("Nobody Titled", None)], [("Also Untitled", None)], summary=None, location=None, minutes=1440),
]


@pytest.fixture
async def pair(tmp_path: Path, store: StoreContract) -> AsyncIterator[tuple[SqliteStore, StoreContract]]:
    """Two stores set up alike: the first, a SQLite store, imports per line (the reference); the second is
    the test's store of either backend, and imports with its own import_events (SQLite's in bulk)."""
    old = await SqliteStore.open(tmp_path / "per-line.db")
    try:
        for each in (old, store):
            await set_up(each)
        yield old, store
    finally:
        await old.close()


async def assert_same_rows(new: StoreContract, old: SqliteStore) -> None:
    """Every row alike, ids, audit entries and full-text rows included. Across backends, whose rows are
    typed by each database, the same record through the contract in each workspace, ids by their rank
    (tests/backends.py, Renumbering)."""
    if isinstance(new, PostgresStore):
        renumber_new, renumber_old = await renumbering(new, WORKSPACES), await renumbering(old, WORKSPACES)
        for workspace in WORKSPACES:
            assert renumber_new.record(await record_of(new, workspace)) == renumber_old.record(
                await record_of(old, workspace)
            )
    else:
        assert await snapshot(new) == await snapshot(old)


async def import_both(
    pair: tuple[SqliteStore, StoreContract], lines: list[NewEvent]
) -> tuple[ImportResult, ImportResult]:
    numbered = list(enumerate(lines, start=1))
    old, new = pair
    expected, got = await per_line_import(old, ACTOR, AT, numbered), await new.import_events(ACTOR, AT, numbered)
    if isinstance(new, PostgresStore):
        # The events that lines duplicate, by the rank of their ids (see assert_same_rows).
        expected, got = await renumbered(old, expected), await renumbered(new, got)
    return expected, got


async def renumbered(store: StoreContract, result: ImportResult) -> ImportResult:
    rank = await renumbering(store, WORKSPACES)
    return replace(result, duplicates=[(line, rank("event", event_id)) for line, event_id in result.duplicates])


async def test_a_varied_file_gives_the_same_result_and_the_same_rows(pair: tuple[SqliteStore, StoreContract]) -> None:
    old, new = pair
    expected, got = await import_both(pair, VARIED)
    assert got == expected
    # The cases above happened: lines 4, 8, 9, 19 and 20 refused; 1, 3, 17 and 18 duplicates; 13 added.
    assert [n for n, _ in got.refused] == [4, 8, 9, 19, 20]
    assert got.refused[0] == (4, "'Wang Yi' is on the china side, not us")
    assert [n for n, _ in got.duplicates] == [1, 3, 17, 18]
    assert got.added == 13
    await assert_same_rows(new, old)
    # And again: every line a duplicate or refused, nothing written.
    again_expected, again = await import_both(pair, VARIED)
    assert again == again_expected and again.added == 0
    await assert_same_rows(new, old)


async def test_what_the_varied_file_wrote(pair: tuple[SqliteStore, StoreContract]) -> None:
    """A few rows spelled out, so that a change of both paths alike does not pass unseen."""
    _, store = pair
    await store.import_events(ACTOR, AT, list(enumerate(VARIED, start=1)))
    sullivan = await store.find_person(WS, "J. Sullivan")
    assert sullivan is not None and sullivan.title == "NSA"  # line 2, not line 1 (a duplicate)
    campbell = await store.find_person(WS, "Kurt Campbell")
    assert campbell is not None and campbell.title is None  # line 8 was refused
    assert await store.find_person(WS, "Nobody Yet") is None
    blinken = await store.find_person(WS, "Antony Blinken")
    assert blinken is not None and blinken.title == "Secretary of State"
    events = {e.day.isoformat() + e.kind: e for e in (await store.list_events(WS, limit=100))[0]}
    assert events["2022-03-14call"].track == "diplomatic"
    assert events["2022-03-26call"].participants[1].office == "china:ambassador"
    assert events["2022-03-27call"].participants[1].office == "china:vice-premier"
    assert events["2022-03-27call"].track == "economic"
    assert events["2022-03-28summit"].track == "leaders"
    assert events["2022-03-29call"].track == "other"
    assert [p.name for p in events["2022-03-23video"].participants] == ["Lloyd J. Austin III", "Wei Fenghe"]
    assert events["2022-03-23video"].participants[0].title == "Secretary of Defense"  # the person's own
    audit = [a for a in reversed(await store.audit_entries(WS, limit=1000)) if a.actor_id == "import"]
    yang, wang = await store.find_person(WS, "Yang Jiechi"), await store.find_person(WS, "Wang Yi")
    assert yang is not None and wang is not None
    # Set up made people 1 to 8 (Sullivan is 4, Wang Yi 5) and events 1 to 3.
    assert [(a.action, a.table, a.record_id) for a in audit][:6] == [
        ("update", "person", "4"),  # line 2: Sullivan's first title (line 1's was undone)
        ("create", "person", str(yang.id)),
        ("create", "event", str(events["2022-03-14call"].id)),
        ("create", "person", str(blinken.id)),  # line 5's Blinken: line 4 made him, and was refused
        ("update", "person", "5"),  # Wang Yi's first title
        ("create", "issue", "fishing-rights"),
    ]
    # Both bulk importers take ids only for what they write: a duplicate or refused line takes none, so
    # no id is left unused (a PostgreSQL sequence never gives one back, but the bulk path never asks).
    assert (yang.id, events["2022-03-14call"].id, blinken.id) == (9, 4, 10)
    issues = [i.slug for i in await store.issues(WS) if not i.builtin]
    assert sorted(issues) == ["balloon", "fishing-rights", "new-é", "other-thing"]


# Aliases, confidence and sources with titles (what the 2020–2026 sample carries), both paths alike.
ALIASED = [
    # 1: a new person with aliases, one of them twice and one their own name.
    aliased(
        ev("2023-01-01", [("Pete Hegseth", "Secretary of War")], [("Dong Jun", None)]),
        "us",
        0,
        "Hegseth",
        "Pete",
        "hegseth",
        "Pete Hegseth",
    ),
    # 2: a person of the store (Blinken, set up with none) given aliases, found by one of them next line.
    aliased(ev("2023-01-02", [("Antony Blinken", None)], [("Wang Yi", None)]), "us", 0, "Tony Blinken", "Blinken"),
    ev("2023-01-03", [("Tony Blinken", None)], [("Dong Jun", None)], kind="meeting"),
    # 4: an alias that already means someone else: the line is refused, its new person undone.
    aliased(ev("2023-01-04", [("New Person", None)], [("Wang Yi", None)]), "us", 0, "Hegseth"),
    # 5: an alias on a duplicate line: undone with it.
    aliased(ev("2023-01-02", [("Antony Blinken", None)], [("Wang Yi", None)]), "china", 0, "Wang"),
    # 6: confidence, and sources with title, publisher or a note.
    ev(
        "2023-01-06",
        [("Pete", None)],
        [("Dong Jun", None)],
        confidence="partial",
        confidence_note="China's topics are unconfirmed.",
        sources=[
            Source("https://example.org/r", "Readout", "Department of Defense"),
            Source(None, note="a wire report without a link"),
            Source("https://example.org/plain"),
        ],
    ),
]


async def test_aliases_and_confidence_give_the_same_rows(pair: tuple[SqliteStore, StoreContract]) -> None:
    expected, got = await import_both(pair, ALIASED)
    assert got == expected
    assert [n for n, _ in got.refused] == [4]
    assert got.refused[0] == (4, "the alias 'Hegseth' already means 'Pete Hegseth'")
    assert [n for n, _ in got.duplicates] == [5]
    old, new = pair
    await assert_same_rows(new, old)
    hegseth = await new.find_person(WS, "hegseth")
    assert hegseth is not None and hegseth.aliases == ("Hegseth", "Pete")
    assert await new.find_person(WS, "Wang") is None
    assert [p.name for p in await new.people_matching(WS, "heg")] == ["Pete Hegseth"]
    event = (await new.list_events(WS, since=dt.date(2023, 1, 6), limit=1))[0][0]
    assert (event.confidence, event.confidence_note) == ("partial", "China's topics are unconfirmed.")
    assert event.sources[0] == Source("https://example.org/r", "Readout", "Department of Defense")
    assert event.sources[1].url is None


NAMES = {
    "us": ["Lloyd J. Austin III", "Austin", "Jake Sullivan", "Sullivan", "Antony Blinken", "blinken", "Old Hand"],
    "china": ["Wang Yi", "FM Wang", "Wei Fenghe", "wei  fenghe", "Qin Gang", "Zhang Youxia", "Xie Feng"],
}
TITLES: dict[str, list[str | None]] = {
    "us": [None, None, "Secretary of State", "President", "Hostage Envoy", "Deputy Assistant Secretary"],
    "china": [None, None, "Foreign Minister", "Premier", "Vice Premier; lead", "Chinese President", "Lead Negotiator"],
}


def random_lines(seed: int, count: int) -> list[NewEvent]:
    """Lines drawn from small pools, so that names, days and kinds collide often: duplicates, names on
    the other side (a pool's name now and then on the wrong side), first titles, new issues."""
    rng = random.Random(seed)
    days = [f"2022-05-0{d}" for d in range(1, 5)]

    def people(side: str) -> list[tuple[str, str | None]]:
        pool = NAMES[side] if rng.random() > 0.1 else NAMES["china" if side == "us" else "us"]
        picked = rng.sample(pool, rng.choice([1, 1, 1, 2]))
        return [(name, rng.choice(TITLES[side])) for name in picked]

    lines = []
    for _ in range(count):
        raised = {
            side: rng.sample(["taiwan", "balloon", "new-a", "new-b", "new-c"], rng.randint(0, 2))
            for side in ("us", "china")
        }
        lines.append(
            ev(
                rng.choice(days),
                people("us"),
                people("china"),
                kind=rng.choice(["call", "meeting"]),
                track=rng.choice([None, None, "defense"]),
                raised={side: slugs for side, slugs in raised.items() if slugs},
            )
        )
    return lines


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_files_give_the_same_result_and_the_same_rows(
    pair: tuple[SqliteStore, StoreContract], seed: int
) -> None:
    lines = random_lines(seed, 120)
    expected, got = await import_both(pair, lines)
    assert got == expected
    assert got.added and got.duplicates and got.refused  # the pools made every case happen
    old, new = pair
    await assert_same_rows(new, old)


async def test_an_unexpected_error_leaves_nothing_written(pair: tuple[SqliteStore, StoreContract]) -> None:
    _, store = pair
    before = await snapshot(store)
    # Minutes out of range pass no validation here, and the table's CHECK refuses them once the people
    # of the file have been written: the whole import must be undone, not only that line.
    lines = [*VARIED[:6], ev("2022-06-01", [("Someone New", None)], [("Another New", None)], minutes=5000)]
    # A bug, not a fault of the database: it escapes as the database said it.
    with pytest.raises(asyncpg.CheckViolationError if isinstance(store, PostgresStore) else sqlite3.IntegrityError):
        await store.import_events(ACTOR, AT, list(enumerate(lines, start=1)))
    assert await snapshot(store) == before
    # The store still takes writes: the transaction was ended.
    result = await store.import_events(ACTOR, AT, list(enumerate(VARIED[:6], start=1)))
    assert result.added == 3


async def test_many_names_are_looked_up_in_chunks(
    pair: tuple[SqliteStore, StoreContract], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.sqlite.importer.KEY_CHUNK", 3)
    lines = [ev(f"2022-07-{d:02d}", [(n, None)], [("Wang Yi", None)]) for d, n in enumerate(NAMES["us"], start=1)]
    expected, got = await import_both(pair, lines)
    assert got == expected and got.refused == [(7, "'Old Hand' is on the other side, not us")]
    old, new = pair
    await assert_same_rows(new, old)


# -- the import's own connection, beside the store's ---------------------------------------------------


async def test_an_import_locked_out_by_another_process_is_refused_whole(tmp_path: Path) -> None:
    """The import writes on a connection of its own: another process's write lock held past the busy
    timeout refuses it as it refuses any write (WriteFailed), and nothing of it is left."""
    store = await SqliteStore.open(tmp_path / "hotline.db", busy_timeout_ms=50)
    try:
        await set_up(store)
        before = await snapshot(store)
        holder = sqlite3.connect(store.path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            with pytest.raises(WriteFailed, match="locked by another process"):
                await store.import_events(ACTOR, AT, list(enumerate(VARIED, start=1)))
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        assert await snapshot(store) == before
        result = await store.import_events(ACTOR, AT, list(enumerate(VARIED, start=1)))
        assert result.added > 0
    finally:
        await store.close()


async def test_writes_of_this_process_wait_for_the_import_and_others_see_it_only_once_committed(
    tmp_path: Path,
) -> None:
    """While the import runs (its progress is called on its own thread): another connection reads the
    store as it was and cannot take the write lock; a write of this process started meanwhile waits for
    the import and goes through after it."""
    store = await SqliteStore.open(tmp_path / "hotline.db")
    try:
        await set_up(store)
        events_before = await store.event_count(WS)
        running, go_on = threading.Event(), threading.Event()
        seen: list[object] = []

        def progress(done: int, total: int) -> None:
            other = sqlite3.connect(store.path, isolation_level=None, timeout=0)
            try:
                seen.append(other.execute("SELECT count(*) FROM event WHERE workspace = ?", (WS,)).fetchone()[0])
                try:
                    other.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    seen.append(str(exc))
            finally:
                other.close()
            running.set()
            go_on.wait(10)

        importing = asyncio.create_task(
            store.import_events(ACTOR, AT, list(enumerate(VARIED, start=1)), progress=progress)
        )
        assert await asyncio.to_thread(running.wait, 10)
        adding = asyncio.create_task(
            store.add_event(ACTOR, AT, ev("2023-05-05", [("Kurt Campbell", None)], [("Wang Yi", None)]))
        )
        await asyncio.sleep(0.05)
        assert not adding.done()  # waiting for the import's turn
        go_on.set()
        result, added = await importing, await adding
        assert seen == [events_before, "database is locked"]
        assert await store.event_count(WS) == events_before + result.added + 1
        imported, _ = await store.list_events(WS, limit=100)
        assert added.event.id == max(e.id for e in imported)  # written after the import's events
    finally:
        await store.close()


def test_the_import_transaction_is_rolled_back_whole_and_invisible_until_then(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    with closing(sqlite3.connect(path)) as setup:
        setup.execute("PRAGMA journal_mode = WAL")
        setup.execute("CREATE TABLE t (x INTEGER)")
    looked: list[int] = []

    def work(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (1)")
        with closing(sqlite3.connect(path)) as reader:
            looked.append(reader.execute("SELECT count(*) FROM t").fetchone()[0])
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        in_own_transaction(path, 100, work)
    assert looked == [0]
    with closing(sqlite3.connect(path)) as after:
        assert after.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert in_own_transaction(path, 100, lambda conn: conn.execute("INSERT INTO t VALUES (2)").rowcount) == 1
    with closing(sqlite3.connect(path)) as after:
        assert after.execute("SELECT x FROM t").fetchall() == [(2,)]


async def test_a_cancelled_import_holds_the_write_lock_until_its_thread_has_finished(tmp_path: Path) -> None:
    """A thread cannot be stopped: the task cancelled mid-import waits for it, so no write of this process
    starts while the import's transaction is open; what the thread did is whole (here, committed)."""
    store = await SqliteStore.open(tmp_path / "hotline.db")
    try:
        await set_up(store)
        events_before = await store.event_count(WS)
        running, go_on = threading.Event(), threading.Event()

        def progress(done: int, total: int) -> None:
            running.set()
            go_on.wait(10)

        importing = asyncio.create_task(
            store.import_events(ACTOR, AT, list(enumerate(VARIED, start=1)), progress=progress)
        )
        assert await asyncio.to_thread(running.wait, 10)
        importing.cancel()
        adding = asyncio.create_task(
            store.add_event(ACTOR, AT, ev("2023-05-05", [("Kurt Campbell", None)], [("Wang Yi", None)]))
        )
        await asyncio.sleep(0.05)
        assert not importing.done() and not adding.done()
        go_on.set()
        with pytest.raises(asyncio.CancelledError):
            await importing
        added = await adding
        imported = await store.event_count(WS) - events_before - 1
        assert imported > 0
        assert added.event.id == max(e.id for e in (await store.list_events(WS, limit=100))[0])
    finally:
        await store.close()
