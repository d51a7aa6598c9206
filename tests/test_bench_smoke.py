"""The benchmark code runs (issue 5), on a tiny generated store: no timing is asserted here."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

import asyncpg
import pytest

from bench import e2e, generate, importbench, queries
from bench.measure import Stat, memory_mb
from bench.pg import load
from bench.pgstore import BenchServer
from bench.table import Report, Row, render, render_notes, write_doc
from storage.postgres.store import PostgresStore
from storage.sqlite.db import ws_token
from tests.pg_server import PgServer

SIZE = 300


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.ensure(SIZE, folder=tmp_path_factory.mktemp("bench-data"))


def test_the_generator_writes_two_workspaces_of_the_size_with_their_records(tiny: Path) -> None:
    assert tiny == generate.data_path(SIZE, folder=tiny.parent)  # cached by size, seed and schema
    db = sqlite3.connect(tiny)
    try:
        for table in ("event", "person", "concern", "question", "subscription", "audit"):
            counts = dict(db.execute(f"SELECT workspace, count(*) FROM {table} GROUP BY workspace").fetchall())
            assert set(counts) == {generate.WS, generate.OTHER_WS}, table
            assert counts[generate.WS] == counts[generate.OTHER_WS] > 0, table
        assert db.execute("SELECT count(*) FROM event WHERE workspace = ?", (generate.WS,)).fetchone() == (SIZE,)
        # The duplicate rule's key matches the participants, in both workspaces (the copy is SQL-made).
        for event_id, key in db.execute("SELECT id, dedupe_key FROM event"):
            ids = sorted(r[0] for r in db.execute("SELECT person_id FROM participant WHERE event_id = ?", (event_id,)))
            assert key.split("|")[2] == ",".join(map(str, ids))
        # No row points into the other workspace.
        assert db.execute(
            "SELECT count(*) FROM participant pa JOIN event e ON e.id = pa.event_id"
            " JOIN person p ON p.id = pa.person_id WHERE pa.workspace != e.workspace OR p.workspace != e.workspace"
        ).fetchone() == (0,)
        assert db.execute(
            "SELECT count(*) FROM concern c JOIN event e ON e.id = c.event_id WHERE c.workspace != e.workspace"
        ).fetchone() == (0,)
        # Every word of every name and alias is in the word index that suggestions read, and no other.
        keys = db.execute("SELECT workspace, key, person_id FROM person_key").fetchall()
        words = {(ws, word, pid) for ws, key, pid in keys for word in key.split()}
        assert set(db.execute("SELECT workspace, word, person_id FROM person_word")) == words
        tokens = {ws for (ws,) in db.execute("SELECT DISTINCT ws FROM search_index")}
        assert tokens == {ws_token(generate.WS), ws_token(generate.OTHER_WS)}
        db.execute("INSERT INTO search_index(search_index) VALUES ('integrity-check')")
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # The audit's JSON (put together from pieces for speed) is what the store's json.dumps writes.
        for (after,) in db.execute("SELECT after FROM audit"):
            assert after == json.dumps(json.loads(after), ensure_ascii=False, sort_keys=True)
        # None of the build's own settings stay: the store opens as the bot keeps it.
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT k FROM search_index_config").fetchall() == [("version",)]
    finally:
        db.close()


def test_the_generator_is_reproducible(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Built again, this time by the writer processes that the large sizes use: the same rows.
    monkeypatch.setattr(generate, "PARALLEL_FROM", 0)
    # A scratch file of a build killed earlier (its process is gone) is cleared away.
    (tmp_path / f"{generate.data_path(SIZE, folder=tmp_path).stem}.tmp99999999.notes").write_bytes(b"")
    again = generate.ensure(SIZE, folder=tmp_path)
    tables = ("event", "participant", "concern", "question", "audit", "person", "person_key", "subscription")
    contents = []
    for path in (tiny, again):
        db = sqlite3.connect(path)
        try:
            contents.append([db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables])
            contents[-1].append(db.execute("SELECT rowid, * FROM search_index ORDER BY rowid").fetchall())
        finally:
            db.close()
    assert contents[0] == contents[1]
    assert not list(tmp_path.glob("*.tmp*")), "no scratch files left"


async def test_the_query_figures_run(tiny: Path) -> None:
    lastcall = await queries.lastcall(tiny, 3, 1)
    assert set(lastcall.command) == set(queries.LASTCALL_FLOORS)
    assert all(lastcall.same_event.values())
    # Two stores measured in turns: each gets every run asked for, of every variant.
    both = await queries.lastcall_sizes([tiny, tiny], queries.TURNS + 1, 1)
    assert [{v: s.n for v, s in f.command.items()} for f in both] == [dict.fromkeys(queries.LASTCALL_FLOORS, 7)] * 2
    reads = await queries.reads(tiny, 3, 1)
    assert reads.search_by_query and reads.people_by_prefix and reads.events_by_prefix
    assert memory_mb()[0] > 0


async def test_the_timeline_figures_draw_in_a_drawing_process_and_read_its_memory(tiny: Path) -> None:
    from bench import run

    report = Report()
    await run.measure_timeline({run.LARGE: tiny}, report, quick=True)
    figures = {r.figure: r for r in report.rows}
    drawer = figures["memory of the drawing process @1M after drawing timelines"]
    bot = figures["memory of the bot process @1M after its timelines (drawn in its drawing process)"]
    assert drawer.target == "≤ 200 MB" and bot.target == "≤ 150 MB"
    # The drawing process holds matplotlib (tens of MB); this process's own figure is read apart.
    assert float(drawer.value.split()[0]) > 40
    assert "in its drawing process" in figures["/timeline @1M (counts and PNG), median / p99"].note


async def test_the_end_to_end_figures_run_through_the_fake_discord(tiny: Path) -> None:
    figures = await e2e.measure(tiny, 2, 1, burst=False)
    assert figures.lastcall.n == 2 and figures.constant.n == 2
    assert figures.rejections == []


async def test_the_import_figure_runs(tiny: Path, tmp_path: Path) -> None:
    jsonl = tmp_path / "events.jsonl"
    assert await importbench.export_file(tiny, jsonl) == SIZE
    lines = jsonl.read_text(encoding="utf-8").splitlines()[:20]
    result = await importbench.measure(lines, jsonl.name, tmp_path)
    assert result["added"] == 20 and result["errors"] == 0
    assert result["rows"]["event"] == 20


def test_the_migrate_row_runs(tiny: Path) -> None:
    """bench/run.py's migrate row: bench/pg.py --migrate in a process of its own, on a server of its own."""
    from bench.run import MIDDLE, measure_migrate

    report = Report()
    measure_migrate({MIDDLE: tiny}, report)
    (row,) = report.rows
    assert row.ok is True and "rows/s" in row.value and f"({2 * SIZE:,} events)" in row.note


def test_the_table_and_the_page(tmp_path: Path) -> None:
    report = Report()
    report.add(Row("a figure", "1 ms", "floor", "≤ 2 ms", True))
    report.add(Row("a pending one", "pending", "", "", None, "why it is pending"))
    text = render(report.rows)
    assert "| a figure" in text and "pass" in text and "pending" in text
    page = tmp_path / "PERFORMANCE.md"
    marker = "<!-- measured above, written by `make bench`; the text below is kept -->"
    page.write_text(f"stale table\n{marker}\nkept prose\n")
    write_doc(report, {"CPU": "x"}, "make bench", {"whole run": "1 s"}, ["tiny"], path=page)
    written = page.read_text()
    assert "a figure" in written and "kept prose" in written and "stale table" not in written
    assert Stat.of([3.0, 1.0, 2.0]).median == 2.0


async def test_the_readout_figures_run() -> None:
    """A poll of two unchanged feeds sends conditional requests only, and gets a 304 for each."""
    from bench.readouts import feed_poll_cpu

    seconds, answered = await feed_poll_cpu(feeds=2, rounds=2)
    assert seconds >= 0 and answered == 4


def test_the_slack_rows_and_their_memory_come_from_a_process_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make bench` reads the Slack rows from `python -m bench.run --slack-only --rows-json`, so that its
    own process stays a Discord-only bot; a failed Slack process leaves its rows pending, with why."""
    from bench import run

    rows = [Row("a Slack figure", "3 ms", "help 2 ms", "≤ 1.5x", True), Row("its memory", "90 MB", "—", "≤ 150", True)]
    child = tmp_path / "python"
    child.write_text(
        "#!/bin/sh\necho 'a log line' >&2\necho 'an earlier line'\n"
        f"echo '{json.dumps([dataclasses.asdict(r) for r in rows])}'\n"
    )
    child.chmod(0o755)
    monkeypatch.setattr(run, "PY", str(child))
    args = argparse.Namespace(seed=5, data=tmp_path, quick=True)
    report = Report()
    run.measure_slack_process(args, report)
    assert report.rows == rows
    child.write_text("#!/bin/sh\nexit 3\n")
    failed = Report()
    run.measure_slack_process(args, failed)
    assert [(r.result, r.note) for r in failed.rows] == [("pending", "their process ended with 3")]


def test_slack_only_prints_its_rows_and_this_processs_memory_as_json(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import run

    async def one_row(paths: dict[int, Path], report: Report, quick: bool) -> None:
        assert paths == {run.LARGE: tiny} and quick
        report.add(Row("a Slack figure", "3 ms", "", "", True))

    monkeypatch.setattr(run, "ensure_data", lambda sizes, seed, folder: {run.LARGE: tiny})
    monkeypatch.setattr(run, "measure_slack", one_row)
    assert run.main(["--slack-only", "--rows-json", "--quick"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["figure"] for r in printed] == [
        "a Slack figure",
        "memory of the Slack bot process @1M after its runs above",
    ]
    assert printed[1]["value"].endswith(" MB resident") and printed[1]["target"] == "≤ 150 MB"


# -- the PostgreSQL column -----------------------------------------------------------------------------


async def test_the_postgres_figures_run(tiny: Path, pg_server: PgServer) -> None:
    """The same figures on a PostgreSQL copy of the tiny store, loaded as the benchmark loads it."""
    url = await pg_server.create_database()
    target = await pg_server.create_database()
    floor = await pg_server.create_database()
    try:
        await (await PostgresStore.open(url)).close()  # migrated
        await load(tiny, url)
        lastcall = await queries.lastcall(tiny, 3, 1, url=url)
        assert set(lastcall.command) == set(queries.LASTCALL_FLOORS) == set(lastcall.floor)
        assert all(lastcall.same_event.values())
        reads = await queries.reads(tiny, 3, 1, url=url)
        assert reads.search_by_query and reads.people_by_prefix and reads.events_by_prefix
        figures = await e2e.measure(tiny, 2, 1, burst=False, url=url)
        assert figures.lastcall.n == 2 and figures.rejections == []
        jsonl = tiny.parent / "events-pg.jsonl"
        await importbench.export_file(tiny, jsonl)
        lines = jsonl.read_text(encoding="utf-8").splitlines()[:20]
        result = await importbench.measure_postgres(lines, jsonl.name, target, floor)
        assert result["added"] == 20 and result["errors"] == 0 and result["rows"]["event"] == 20
        assert result["bare_seconds"] > 0
        conn = await asyncpg.connect(floor)  # the floor's copy holds every row the import wrote
        try:
            copied = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in importbench.PG_TABLES}
            words, tallies = (
                await conn.fetchval("SELECT count(*) FROM person_word"),
                await conn.fetchval("SELECT sum(n) FROM event_tally WHERE grain = 'day'"),
            )
        finally:
            await conn.close()
        assert copied == result["rows"] and words > 0 and tallies == 20  # the triggers ran as in the import
    finally:
        await pg_server.drop_database(url)
        await pg_server.drop_database(target)
        await pg_server.drop_database(floor)


async def test_the_benchmark_server_keeps_its_copy_and_loads_it_again_only_when_it_must(tiny: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="hotline-bench-pg-"))  # where the server's own user can reach it
    try:
        server = BenchServer.start(folder)
        try:
            url = await server.database(tiny, log=lambda _: None)
            assert server.load_seconds(tiny) is not None
            conn = await asyncpg.connect(url)
            try:
                events = await conn.fetchval("SELECT count(*) FROM event")
                await conn.execute("CREATE TABLE kept_mark (x int)")  # the copy is reused, not loaded anew
            finally:
                await conn.close()
            assert events == 2 * SIZE
            assert "PostgreSQL" in await server.describe()
        finally:
            server.stop()
        assert (folder / "data" / "PG_VERSION").exists()  # the folder outlives the server
        server = BenchServer.start(folder)
        try:
            url = await server.database(tiny, log=lambda _: None)
            conn = await asyncpg.connect(url)
            try:
                assert await conn.fetchval("SELECT to_regclass('kept_mark')") is not None
            finally:
                await conn.close()
            # A copy migrated by other migrations than this code's (one edited since) is loaded again.
            note = folder / f"{tiny.stem}.json"
            written = json.loads(note.read_text())
            written["migrations"][0] = written["migrations"][0].split()[0] + " 0000000000000000"
            note.write_text(json.dumps(written))
            url = await server.database(tiny, log=lambda _: None)
            conn = await asyncpg.connect(url)
            try:
                assert await conn.fetchval("SELECT to_regclass('kept_mark')") is None
                assert await conn.fetchval("SELECT count(*) FROM event") == 2 * SIZE
            finally:
                await conn.close()
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_table_has_a_postgresql_column() -> None:
    report = Report()
    report.add(Row("/lastcall", "0.5 ms", "bare SQL 7 µs", "≤ 1 ms", True, key="lastcall"))
    report.postgres("lastcall", "/lastcall", "1.2 ms", "≤ 2 ms", True, floor="bare SQL 60 µs")
    report.postgres("import", "import", "9,000 events/s", "≥ 10,000 events/s", False, "why it misses")
    text = render(report.rows)
    assert "| SQLite" in text and "| PostgreSQL" in text
    assert "1.2 ms" in text and "pass / pass" in text and "bare SQL 7 µs; PostgreSQL bare SQL 60 µs" in text
    assert "≤ 1 ms; PostgreSQL ≤ 2 ms" in text
    assert "not measured" in text and "— / MISS" in text
    assert render_notes(report) == ["- import, PostgreSQL: why it misses"]
