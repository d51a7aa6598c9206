"""Import and export in the JSON Lines format, and the command-line entry points."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.transfer_cli import export, import_lines, sample_path
from commands.context import FixedClock
from storage.contract import StoreContract
from tests.conftest import WS

ROOT = Path(__file__).resolve().parent.parent

GOOD = json.dumps(
    {
        "date": "2022-04-20",
        "kind": "call",
        "us": [{"name": "Lloyd J. Austin III", "title": "Secretary of Defense"}],
        "cn": [{"name": "Wei Fenghe"}],
        "minutes": 45,
        "raised": {"us": ["taiwan", "north-korea"], "china": ["taiwan"]},
    }
)


async def test_bad_lines_are_reported_by_number_and_the_rest_import(store: StoreContract, clock: FixedClock) -> None:
    lines = [
        GOOD,
        "{not json",
        "",
        json.dumps({"date": "2022-02-30", "kind": "call", "us": [], "cn": []}),
        json.dumps({"date": "2031-01-01", "kind": "call", "us": [{"name": "A"}], "cn": [{"name": "B"}]}),
        GOOD,
    ]
    summary = await import_lines(store, clock, WS, lines, "test.jsonl")
    assert summary.added == 1
    assert [n for n, _ in summary.errors] == [2, 4, 5]
    assert "more than a year ahead" in summary.errors[2][1]
    assert summary.duplicates == [(6, 1)]
    assert summary.lines("test.jsonl")[-1] == (
        "test.jsonl: imported 1 events (2 new people); skipped 1 duplicates; 3 lines with errors"
    )


async def test_sample_data_imports_once(store: StoreContract) -> None:
    clock = FixedClock(dt.datetime(2026, 12, 1, tzinfo=dt.UTC))  # the sample runs to May 2026
    original = sample_path().read_text(encoding="utf-8").splitlines()
    first = await import_lines(store, clock, WS, original, "sample")
    assert first.added == 113 and not first.errors
    again = await import_lines(store, clock, WS, original, "sample")
    assert again.added == 0 and len(again.duplicates) == 113
    out = io.StringIO()
    assert await export(store, WS, out) == 113
    assert out.getvalue().splitlines() == original  # tests/test_sample_record.py: into an empty workspace too


def _cli(args: list[str], db: Path | str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"HOTLINE_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        text=True,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_cli_import_export_and_console(store_location: str, tmp_path: Path) -> None:
    db = store_location
    data = tmp_path / "in.jsonl"
    data.write_text(GOOD + "\n{broken\n", encoding="utf-8")
    imported = _cli(["import", str(data), "--workspace", "team"], db)
    assert imported.returncode == 1  # one line had an error
    assert "line 2:" in imported.stdout and "imported 1 events" in imported.stdout
    exported = _cli(["export", "--workspace", "team"], db)
    assert exported.returncode == 0
    assert json.loads(exported.stdout.splitlines()[0])["minutes"] == 45
    console = _cli(["console", "--workspace", "team"], db, stdin="/lastcall\n/event show id:999\n")
    assert console.returncode == 1  # the unknown id failed
    assert "Latest contact: Lloyd J. Austin III ↔ Wei Fenghe" in console.stdout
    assert "Error: id: no event #999 in this workspace" in console.stdout
    assert "sample" not in console.stdout  # the workspace had data: no samples loaded


def test_console_on_a_new_store_loads_the_samples_and_says_how_to_start_empty(tmp_path: Path) -> None:
    result = _cli([], tmp_path / "new.db", stdin="/lastcall track:leaders\n")
    assert result.returncode == 0, result.stderr
    assert "loaded 113 sample US–China contacts (2020–2026)" in result.stdout
    assert "--empty" in result.stdout
    assert "Donald J. Trump ↔ Xi Jinping" in result.stdout
    empty = _cli(["console", "--empty"], tmp_path / "empty.db", stdin="/lastcall\n")
    assert "No contact recorded" in empty.stdout


def test_a_newer_sqlite_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    # PostgreSQL's own: tests/postgres/test_migrate.py.
    import sqlite3

    db = tmp_path / "future.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 999")
    result = _cli(["console", "--empty"], db, stdin="")
    assert result.returncode == 2
    assert "schema version 999, newer than this Hotline knows" in result.stderr


def test_discord_mode_without_a_token_says_what_is_missing(tmp_path: Path) -> None:
    result = _cli(["run"], tmp_path / "x.db")
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr


def test_export_into_a_closed_pipe_ends_quietly(store_location: str) -> None:
    db = store_location
    assert _cli(["import", str(sample_path())], db).returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"HOTLINE_DB": str(db)}
    # The sample's export is larger than a pipe's buffer: head leaves while it is still being written.
    result = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m bot export | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}"],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "0"
    assert result.stderr == ""


def test_samples_update_adds_what_the_old_sample_lacks(store_location: str) -> None:
    db = store_location
    old = ROOT / "tests" / "data" / "old-sample-2020-2022.jsonl"
    assert _cli(["import", str(old), "--workspace", "team"], db).returncode == 0
    update = _cli(["samples", "update", "--workspace", "team"], db)
    assert update.returncode == 0, update.stderr
    assert "imported 80 events" in update.stdout and "skipped 33 duplicates" in update.stdout
    again = _cli(["samples", "update", "--workspace", "team"], db)
    assert "imported 0 events" in again.stdout and "0 aliases added" in again.stdout


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = _cli(["import", str(folder)], tmp_path / "x.db")
    assert result.returncode == 2
    assert result.stderr.startswith("hotline: cannot read") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    backup = _cli(["backup", str(tmp_path / "no" / "such" / "dir" / "b.db")], tmp_path / "x.db")
    assert backup.returncode == 2 and "Traceback" not in backup.stderr
    assert backup.stderr.startswith("hotline: ") and backup.stderr.count("\n") == 1
