"""`python -m bot migrate --to postgresql://…`: a SQLite store with every table filled, copied into the
session's real PostgreSQL server, compared count by count and record by record, answering the same commands,
taking writes afterwards; and every refusal, each leaving the database as it was."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import sqlite3
import sys
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from commands.context import FixedClock
from config.settings import load_settings
from storage.errors import OpenFailed, SchemaTooNew
from storage.postgres.from_sqlite import (
    COPIED,
    DERIVED,
    NOT_COPIED,
    POSTGRES_ONLY,
    SQLITE_ONLY,
    CountsDiffer,
    MoveRefused,
    copy_sqlite_store,
    sqlite_tables,
    unplanned_postgres_tables,
    unplanned_sqlite_tables,
)
from storage.postgres.migrate import database_version, migrate, schema_version
from storage.postgres.store import PostgresStore
from storage.records import NewEvent, NewParticipant, Progress
from storage.sqlite.schema import MIGRATIONS, SCHEMA_VERSION, split_statements
from storage.sqlite.store import SqliteStore
from tests.conftest import NOW, OTHER_WS, WS, Runner
from tests.pg_server import PgServer
from tests.postgres.moving import ACTOR, CLIENT_ID, INSTALLATION, fill
from tests.test_progress import ROOT, env_for, run_on_pty

# One filled store for the whole module: building it takes a second; each test copies the file.
_FILLED: dict[str, bytes] = {}


@pytest.fixture
async def source(tmp_path: Path) -> Path:
    """A copy of the filled SQLite store, for one test to use (and spoil) as it likes."""
    path = tmp_path / "hotline.db"
    if "bytes" not in _FILLED:
        built = tmp_path / "built.db"
        await fill(built)
        with contextlib.closing(sqlite3.connect(built)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _FILLED["bytes"] = built.read_bytes()
    path.write_bytes(_FILLED["bytes"])
    return path


@pytest.fixture
async def target(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the empty database the copy goes to (pg_url), to look at it."""
    conn = await asyncpg.connect(pg_url)
    try:
        yield conn
    finally:
        await conn.close()


async def is_untouched(conn: asyncpg.Connection) -> bool:
    """The database holds no table at all: not even the schema was left behind."""
    return bool(await conn.fetchval("SELECT count(*) = 0 FROM pg_tables WHERE schemaname = 'public'"))


def sqlite_raw(path: Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(path, isolation_level=None))


# -- the plan covers both schemas -----------------------------------------------------------------


async def test_every_table_of_either_schema_is_copied_derived_or_left_out_with_a_reason(
    tmp_path: Path, target: asyncpg.Connection
) -> None:
    await (await SqliteStore.open(tmp_path / "new.db")).close()
    with sqlite_raw(tmp_path / "new.db") as src:
        on_sqlite = sqlite_tables(src)
        sqlite_columns = {t: {r[1] for r in src.execute(f"PRAGMA table_info({t})")} for t in COPIED}
    await migrate(target)
    # A partition (search_doc's, one a kind) is filled through its parent table, so only parents count.
    on_postgres = {
        r[0]
        for r in await target.fetch(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            " AND relkind IN ('r', 'p') AND NOT relispartition"
        )
    }
    # A table a migration adds to either side fails here until it is copied, derived or left out with a reason.
    assert unplanned_sqlite_tables(on_sqlite) == set()
    assert unplanned_postgres_tables(on_postgres) == set()
    # And the plan names no table that is not there.
    assert {*COPIED, *(d.source for d in DERIVED), *SQLITE_ONLY, *NOT_COPIED} == on_sqlite
    assert {*COPIED, *(d.table for d in DERIVED), *POSTGRES_ONLY, *NOT_COPIED} == on_postgres
    reasons = (*SQLITE_ONLY.values(), *POSTGRES_ONLY.values(), *NOT_COPIED.values(), *(d.how for d in DERIVED))
    assert all(reasons)
    for table in COPIED:  # COPY names the SQLite columns: PostgreSQL must have each of them
        rows = await target.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
            table,
        )
        assert sqlite_columns[table] <= {r[0] for r in rows}, table


# -- the copy --------------------------------------------------------------------------------------


async def test_the_whole_store_is_copied_and_every_count_matches(source: Path, pg_url: str) -> None:
    report = await copy_sqlite_store(source, pg_url)
    assert report.matches
    counts = {c.what: c for c in report.counts}
    assert set(COPIED) <= counts.keys() and {"person_word", "event_tally", "search_doc (from search_index)"} <= set(
        counts
    )
    empty = [c.what for c in report.counts if c.sqlite == 0]
    assert empty == [], f"the test store should fill every table: {empty}"
    assert counts["event"].sqlite == 6  # four events and two, one deleted
    assert [(c.what, c.sqlite, c.postgres) for c in report.events_by_workspace] == [(OTHER_WS, 2, 2), (WS, 4, 4)]
    assert (
        report.copied_rows
        == sum(c.postgres for c in report.counts if c.what in COPIED)
        + counts["search_doc (from search_index)"].postgres
    )
    assert report.schema_version == schema_version()
    assert not counts.keys() & NOT_COPIED.keys()
    lines = report.lines()
    assert lines[0].split() == ["SQLite", "PostgreSQL"] and not any("differs" in line for line in lines)


async def test_the_short_lived_tables_are_left_behind(source: Path, pg_url: str, target: asyncpg.Connection) -> None:
    with sqlite_raw(source) as src:
        assert all(src.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 1 for table in NOT_COPIED)
    assert (await copy_sqlite_store(source, pg_url)).matches
    for table in NOT_COPIED:
        assert await target.fetchval(f"SELECT count(*) FROM {table}") == 0, table


async def test_the_copy_reads_back_record_for_record(source: Path, pg_url: str) -> None:
    await copy_sqlite_store(source, pg_url)
    sqlite = await SqliteStore.open(source)
    pg = await PostgresStore.open(pg_url)
    try:
        for ws in (WS, OTHER_WS):
            assert await pg.events_after(ws, None, 100) == await sqlite.events_after(ws, None, 100)
            assert await pg.workspace_settings(ws) == await sqlite.workspace_settings(ws)
            assert await pg.audit_entries(ws, 500) == await sqlite.audit_entries(ws, 500)
            assert await pg.people_of(ws) == await sqlite.people_of(ws)
            assert await pg.offices(ws) == await sqlite.offices(ws)
            assert await pg.issues(ws) == await sqlite.issues(ws)
            # The counts in either order: neither backend promises one.
            on_pg, on_sqlite = await pg.timeline(ws), await sqlite.timeline(ws)
            assert sorted(map(repr, on_pg.tallies)) == sorted(map(repr, on_sqlite.tallies))
            assert dataclasses.replace(on_pg, tallies=()) == dataclasses.replace(on_sqlite, tallies=())
            assert await pg.people_matching(ws, "aus") == await sqlite.people_matching(ws, "aus")
            for words in ("working group", "talks", "burns", "fentanyl", "zurich"):
                # The hits, not their snippets: ts_headline cuts a text's last punctuation mark where
                # SQLite's snippet keeps it (docs/STORAGE.md).
                hits = [(h.kind, h.ref) for h in await pg.search(ws, words)]
                assert hits == [(h.kind, h.ref) for h in await sqlite.search(ws, words)], words
            for status in ("open", "answered"):
                assert await pg.list_questions(ws, status=status) == await sqlite.list_questions(ws, status=status)
        assert await pg.concerns_on(WS, "fentanyl-precursors") == await sqlite.concerns_on(WS, "fentanyl-precursors")
        assert await pg.subscriptions() == await sqlite.subscriptions()
        subscription = (await sqlite.subscriptions())[0]
        assert await pg.digest_runs(subscription.id) == await sqlite.digest_runs(subscription.id)
        assert await pg.installation(CLIENT_ID, None, "T1") == INSTALLATION
        assert await pg.feeds(WS) == await sqlite.feeds(WS)
        feed = (await sqlite.feeds(WS))[0]
        assert feed.etag == 'W/"abc"' and feed.last_modified == ""  # an empty string stays one, not NULL
        assert await pg.feed_items(feed.id) == await sqlite.feed_items(feed.id)
        for draft_id in (1, 2):
            assert await pg.draft(WS, draft_id) == await sqlite.draft(WS, draft_id)
        assert (await pg.draft(WS, 2)) is not None and (await pg.draft(WS, 2)).status == "discarded"  # type: ignore[union-attr]
        assert await pg.event(WS, 5) is None  # the deleted event stays deleted
    finally:
        await pg.close()
        await sqlite.close()


async def commands_on(store: Any, workspace: str) -> dict[str, str]:
    run = Runner(store, FixedClock(NOW), workspace)
    return {
        "lastcall": await run.text("lastcall"),
        "lastcall with": await run.text("lastcall", **{"with": "Wei Fenghe"}),
        "search": await run.text("search", query="shangri"),
        "search a person": await run.text("search", query="burns"),
        "event show": await run.text("event show", id=4),
        "positions": await run.text("positions", issue="fentanyl precursors"),
        "digest status": await run.text("digest status"),
        "other lastcall": await Runner(store, FixedClock(NOW), OTHER_WS).text("lastcall"),
    }


async def test_the_copy_answers_the_commands_as_the_sqlite_store_did(source: Path, pg_url: str) -> None:
    await copy_sqlite_store(source, pg_url)
    sqlite = await SqliteStore.open(source)
    try:
        before = await commands_on(sqlite, WS)
    finally:
        await sqlite.close()
    pg = await PostgresStore.open(pg_url)
    try:
        after = await commands_on(pg, WS)
    finally:
        await pg.close()
    assert "Shangri-La talks" in after["search"] and "Nicholas Burns" in after["search a person"]
    assert "Singapore" in after["event show"] and "Latest contact" in after["lastcall"]
    assert after == before


async def test_the_copy_takes_writes_with_new_ids(source: Path, pg_url: str) -> None:
    await copy_sqlite_store(source, pg_url)
    with sqlite_raw(source) as db:
        last_audit = db.execute("SELECT max(id) FROM audit").fetchone()[0]
        last_event = db.execute("SELECT max(id) FROM event").fetchone()[0]
        last_person = db.execute("SELECT max(id) FROM person").fetchone()[0]
    pg = await PostgresStore.open(pg_url)
    try:
        added = await pg.add_event(
            ACTOR,
            NOW,
            NewEvent(
                dt.date(2022, 7, 1),
                "call",
                None,
                [NewParticipant("Kurt Campbell", "us")],
                [NewParticipant("Wang Yi", "china")],
            ),
        )
        assert added.event.id == last_event + 1 > 1
        person = await pg.add_person(ACTOR, NOW, "Rahm Emanuel", "us", "Ambassador", ["Rahm"])
        assert person.id > last_person
        question = await pg.add_question(
            ACTOR, NOW, text="Next round?", issue=None, event_id=added.event.id, raised_on=NOW.date()
        )
        assert question.id == 3
        hits = await pg.search(WS, "round")
        assert [h.ref for h in hits] == [question.id]
        entries = await pg.audit_entries(WS, 1)
        assert entries[0].id > last_audit
    finally:
        await pg.close()


async def test_the_copy_is_made_from_one_snapshot_while_the_bot_writes(source: Path, pg_url: str) -> None:
    """A write to the SQLite store in the middle of the copy neither waits nor gets into the copy half-way."""
    written: list[str] = []

    @contextlib.contextmanager
    def writing_bar(description: str, unit: str) -> Iterator[Progress]:
        def progress(done: int, total: int) -> None:
            if description == "copying participant" and not written:
                with sqlite_raw(source) as db:  # the bot, writing meanwhile (busy_timeout 0: it must not wait)
                    db.execute("PRAGMA busy_timeout = 0")
                    db.execute(
                        "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id)"
                        " VALUES (?, ?, 'u9', 'Bot', 'create', 'event', '99')",
                        (WS, NOW.isoformat()),
                    )
                    db.execute("INSERT INTO workspace (id, created_at) VALUES ('console:late', ?)", (NOW.isoformat(),))
                written.append(description)

        yield progress

    report = await copy_sqlite_store(source, pg_url, bars=writing_bar)
    assert written and report.matches
    with sqlite_raw(source) as db:
        audits = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    assert next(c for c in report.counts if c.what == "audit").postgres == audits - 1
    assert next(c for c in report.counts if c.what == "workspace").postgres == 2  # not console:late


async def test_progress_is_told_per_table_with_counts(source: Path, pg_url: str) -> None:
    seen: dict[str, list[tuple[int, int]]] = {}

    def bars(description: str, unit: str) -> AbstractContextManager[Progress | None]:
        calls = seen.setdefault(f"{description} ({unit})", [])

        def progress(done: int, total: int) -> None:
            calls.append((done, total))

        return contextlib.nullcontext(progress)

    report = await copy_sqlite_store(source, pg_url, bars=bars)
    events = next(c for c in report.counts if c.what == "event").sqlite
    assert seen["copying event (row)"][-1] == (events, events)
    assert seen["copying workspace (row)"][-1] == (2, 2)
    assert seen["analyzing (table)"][-1][0] == seen["analyzing (table)"][-1][1] == len(COPIED) + len(DERIVED)
    assert seen["rebuilding indexes and keys (step)"][-1][0] > 0


async def test_the_schema_is_put_back_as_the_migrations_made_it(source: Path, pg_url: str, pg_server: PgServer) -> None:
    """The copy sets indexes and foreign keys aside while rows arrive, and puts back every one as it was."""
    await copy_sqlite_store(source, pg_url)
    fresh = await pg_server.create_database()
    try:
        shapes = []
        for url in (pg_url, fresh):
            conn = await asyncpg.connect(url)
            try:
                await migrate(conn)
                shapes.append(
                    [
                        tuple(r)
                        for r in await conn.fetch(
                            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                            " WHERE connamespace = 'public'::regnamespace"
                            " UNION ALL SELECT tablename, indexname, indexdef FROM pg_indexes"
                            " WHERE schemaname = 'public'"
                            " ORDER BY 1, 2, 3"
                        )
                    ]
                )
            finally:
                await conn.close()
        assert shapes[0] == shapes[1] and len(shapes[0]) > 40
    finally:
        await pg_server.drop_database(fresh)


# -- refusals: nothing changed -----------------------------------------------------------------------


async def test_a_second_copy_into_the_same_database_is_refused(
    source: Path, pg_url: str, target: asyncpg.Connection
) -> None:
    await copy_sqlite_store(source, pg_url)
    before = await target.fetchval("SELECT count(*) FROM event")
    refused = r"already holds a Hotline record \(6 events; .* rows in .* nothing was changed"
    with pytest.raises(MoveRefused, match=refused):
        await copy_sqlite_store(source, pg_url)
    assert await target.fetchval("SELECT count(*) FROM event") == before


async def test_a_count_that_differs_rolls_the_whole_copy_back(
    source: Path, pg_url: str, target: asyncpg.Connection
) -> None:
    # A damaged source: a count of the timeline that its events do not add up to.
    with sqlite_raw(source) as db:
        db.execute("DELETE FROM event_tally WHERE grain = 'month' AND bucket = (SELECT min(bucket) FROM event_tally)")
    with pytest.raises(CountsDiffer, match=r"event_tally.*rolled back") as info:
        await copy_sqlite_store(source, pg_url)
    differ = [c.what for c in info.value.report.counts if not c.matches]
    assert "event_tally" in differ
    assert any(line.endswith("← differs") for line in info.value.report.lines())
    assert await is_untouched(target)


async def test_a_row_postgresql_cannot_read_is_refused_by_name(
    source: Path, pg_url: str, target: asyncpg.Connection
) -> None:
    with sqlite_raw(source) as db:  # written past the store's own checks: a day that does not exist
        db.execute("UPDATE event SET day = '2022-02-30' WHERE id = 1")
    with pytest.raises(MoveRefused, match=r"refused a row of event: .*2022-02-30.*nothing was changed"):
        await copy_sqlite_store(source, pg_url)
    assert await is_untouched(target)


async def test_a_row_whose_foreign_key_points_nowhere_is_refused(
    source: Path, pg_url: str, target: asyncpg.Connection
) -> None:
    with sqlite_raw(source) as db:  # foreign keys are not enforced on this connection: an orphan gets in
        db.execute(
            "INSERT INTO participant (event_id, person_id, workspace, side, position, day, status)"
            " VALUES (1, 9999, ?, 'us', 9, '2020-08-06', 'held')",
            (WS,),
        )
    with pytest.raises(MoveRefused, match=r"as the indexes and foreign keys were put back: .*foreign key.*participant"):
        await copy_sqlite_store(source, pg_url)
    assert await is_untouched(target)


async def test_a_sqlite_table_nobody_planned_for_is_refused(
    source: Path, pg_url: str, target: asyncpg.Connection
) -> None:
    with sqlite_raw(source) as db:
        db.execute("CREATE TABLE reminder (id INTEGER PRIMARY KEY, text TEXT)")
    with pytest.raises(MoveRefused, match="does not know how to copy: reminder"):
        await copy_sqlite_store(source, pg_url)
    assert await is_untouched(target)


async def test_search_text_of_no_known_workspace_is_refused(
    source: Path, pg_url: str, target: asyncpg.Connection
) -> None:
    with sqlite_raw(source) as db:
        db.execute(
            "INSERT INTO search_index (rowid, body, ws, kind, ref) VALUES (99999, 'stray text', 'w0000', 'event', 99)"
        )
    with pytest.raises(MoveRefused, match="search text of event 99 names no workspace"):
        await copy_sqlite_store(source, pg_url)
    assert await is_untouched(target)


async def test_a_connection_lost_during_the_copy_leaves_nothing(
    source: Path, pg_url: str, target: asyncpg.Connection
) -> None:
    killed: list[int] = []

    async def kill_the_copy() -> None:
        # Every other session of the database is the copy's (this test's own is `target`).
        killed.extend(
            r[0]
            for r in await target.fetch(
                "SELECT pg_terminate_backend(pid)::int FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )

    tasks: list[asyncio.Task[None]] = []

    def bars(description: str, unit: str) -> AbstractContextManager[Progress | None]:
        def progress(done: int, total: int) -> None:
            if description == "copying event" and not tasks:
                tasks.append(asyncio.get_running_loop().create_task(kill_the_copy()))

        return contextlib.nullcontext(progress)

    with pytest.raises(MoveRefused, match="nothing was changed"):
        await copy_sqlite_store(source, pg_url, bars=bars)
    await asyncio.gather(*tasks)
    assert killed == [1]
    assert await is_untouched(target)


async def test_analyze_failing_after_the_commit_keeps_the_copy(
    source: Path, pg_url: str, target: asyncpg.Connection
) -> None:
    tasks: list[asyncio.Task[None]] = []

    async def kill_the_copy() -> None:
        await target.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

    def bars(description: str, unit: str) -> AbstractContextManager[Progress | None]:
        def progress(done: int, total: int) -> None:
            if description == "analyzing" and not tasks:
                tasks.append(asyncio.get_running_loop().create_task(kill_the_copy()))

        return contextlib.nullcontext(progress)

    report = await copy_sqlite_store(source, pg_url, bars=bars)
    await asyncio.gather(*tasks)
    assert report.analyze_seconds is None and report.matches
    assert await target.fetchval("SELECT count(*) FROM event") == 6


async def test_a_target_newer_than_this_code_is_refused(source: Path, pg_url: str, target: asyncpg.Connection) -> None:
    await migrate(target)
    await target.execute("INSERT INTO schema_version (version, name) VALUES ($1, 'future')", schema_version() + 1)
    with pytest.raises(SchemaTooNew):
        await copy_sqlite_store(source, pg_url)
    assert await target.fetchval("SELECT count(*) FROM event") == 0
    assert await database_version(target) == schema_version() + 1


@pytest.mark.parametrize(
    "url",
    ["postgresql://hotline:s3cret@127.0.0.1:1/hotline", "postgresql://hotline@127.0.0.1:1/hotline?password=s3cret"],
)
async def test_an_unreachable_server_is_one_clear_error_without_the_password(source: Path, url: str) -> None:
    with pytest.raises(OpenFailed, match="cannot be reached") as info:
        await copy_sqlite_store(source, url)
    assert "s3cret" not in str(info.value) and "***" in str(info.value)


async def test_a_source_that_is_not_a_current_hotline_store_is_refused(
    tmp_path: Path, pg_url: str, target: asyncpg.Connection
) -> None:
    with pytest.raises(MoveRefused, match="there is no SQLite store at"):
        await copy_sqlite_store(tmp_path / "missing.db", pg_url)
    (tmp_path / "text.db").write_text("not a database at all" * 100)
    with pytest.raises(MoveRefused, match="not a SQLite database"):
        await copy_sqlite_store(tmp_path / "text.db", pg_url)
    with sqlite_raw(tmp_path / "old.db") as db:
        for statement in split_statements(MIGRATIONS[0]):
            db.execute(statement)
        db.execute("PRAGMA user_version = 1")
    with pytest.raises(MoveRefused, match="schema version 1, and this Hotline copies version"):
        await copy_sqlite_store(tmp_path / "old.db", pg_url)
    assert await is_untouched(target)


# -- the command -----------------------------------------------------------------------------------


async def test_the_command_copies_and_prints_the_counts(
    source: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.migrate_cli import migrate_store

    settings = load_settings({"HOTLINE_DB": str(source)})
    with_password = pg_url.replace("postgres@", "postgres:s3cret@")  # the test server trusts the socket
    assert await migrate_store(settings, with_password) == 0
    out, err = capsys.readouterr()
    assert "s3cret" not in out + err and "postgres:***@" in out
    assert "every count matches" in out and "rows/s" in out and err == ""
    assert any(line.split()[:3] == ["event", "6", "6"] for line in out.splitlines())


async def test_the_command_brings_an_older_sqlite_store_up_first(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.migrate_cli import migrate_store

    path = tmp_path / "old.db"
    with sqlite_raw(path) as db:
        for migration in MIGRATIONS[:5]:
            for statement in split_statements(migration):
                db.execute(statement)
        db.execute("PRAGMA user_version = 5")
        db.execute("INSERT INTO workspace (id, created_at) VALUES (?, ?)", (WS, NOW.isoformat()))
    assert await migrate_store(load_settings({"HOTLINE_DB": str(path)}), pg_url) == 0
    out = capsys.readouterr().out
    assert f"from schema version 5 to {SCHEMA_VERSION} first" in out and "every count matches" in out
    with sqlite_raw(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


async def test_the_command_reports_a_difference_and_exits_1(
    source: Path, pg_url: str, target: asyncpg.Connection, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.migrate_cli import migrate_store

    with sqlite_raw(source) as db:
        db.execute("DELETE FROM person_word WHERE word = (SELECT min(word) FROM person_word)")
    assert await migrate_store(load_settings({"HOTLINE_DB": str(source)}), pg_url) == 1
    out, err = capsys.readouterr()
    assert any("person_word" in line and line.endswith("← differs") for line in out.splitlines())
    assert "rolled back" in err and await is_untouched(target)


@pytest.mark.parametrize(
    ("hotline_db", "to", "says"),
    [
        ("{source}", "mysql://u:s3cret@db/x", "is not a PostgreSQL database"),
        ("{source}", "backup.db", "is not a PostgreSQL database"),
        ("postgresql://u:s3cret@db/x", "postgresql://u@db/y", "migrate copies a SQLite store, and HOTLINE_DB names"),
    ],
)
async def test_the_command_refuses_what_is_not_sqlite_to_postgresql(
    source: Path, hotline_db: str, to: str, says: str
) -> None:
    from bot.migrate_cli import migrate_store
    from config.settings import SettingsError

    settings = load_settings({"HOTLINE_DB": hotline_db.format(source=source)})
    with pytest.raises(SettingsError, match=says) as info:
        await migrate_store(settings, to)
    assert "s3cret" not in str(info.value)


async def test_at_a_terminal_each_table_has_a_bar_and_piped_there_is_none(
    source: Path, pg_url: str, pg_server: PgServer
) -> None:
    env = env_for(source)
    code, out, terminal = await asyncio.to_thread(run_on_pty, ["migrate", "--to", pg_url], env, size=(30, 120))
    assert code == 0, terminal
    assert "every count matches" in out
    assert "copying event" in terminal and "6/6" in terminal and "row/s" in terminal and "analyzing" in terminal
    # Piped: the counts on standard output, nothing on standard error. And a second run is refused in one line.
    second = await pg_server.create_database()
    try:
        unreachable = "postgresql://hotline:s3cret@127.0.0.1:1/hotline"
        for url, expected in ((second, 0), (pg_url, 2), (unreachable, 2)):
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "migrate", "--to", url, cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE
            )
            stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
            assert proc.returncode == expected, stderr
            if expected == 0:
                assert stderr == b"" and b"every count matches" in stdout
            else:
                assert stdout == b"" and stderr.decode().count("\n") == 1 and "s3cret" not in stderr.decode()
                said = "cannot be reached" if url == unreachable else "already holds a Hotline record"
                assert said in stderr.decode()
    finally:
        await pg_server.drop_database(second)
