"""Long commands show a progress bar at a terminal and stay quiet otherwise: `import` of a big file and
`backup`, run as real processes with standard error on a pseudo-terminal, then on a pipe."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

import bot.transfer_cli
import storage.postgres.importer
import storage.sqlite.importer
from bot.progress import progress_bar
from bot.transfer_cli import import_lines
from commands.context import FixedClock
from storage.contract import StoreContract
from storage.sqlite.backup import backup_database
from storage.sqlite.store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
LINES = 5000


def jsonl(path: Path, lines: int = LINES) -> Path:
    """`lines` distinct contacts between two people (one a day from 2000 on)."""
    import datetime as dt

    first = dt.date(2000, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        for i in range(lines):
            day = first + dt.timedelta(days=i)
            row = {
                "date": day.isoformat(),
                "kind": "call",
                "us": [{"name": "Pat Envoy"}],
                "cn": [{"name": "Lin Envoy"}],
            }
            out.write(json.dumps(row) + "\n")
    return path


def run_on_pty(args: list[str], env: dict[str, str], *, size: tuple[int, int] | None = None) -> tuple[int, str, str]:
    """Run `python -m bot ARGS` with standard error on a pseudo-terminal (of `size` rows and columns, else
    one nobody sized: 0 by 0); (exit code, stdout, what the terminal got)."""
    leader, follower = pty.openpty()
    if size is not None:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=follower
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            proc.kill()
            raise AssertionError(f"no output for 60 s; so far: {seen!r}")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end: EIO on Linux
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    return proc.wait(timeout=60), stdout, seen.decode("utf-8", "replace")


def env_for(db: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOTLINE_DB": str(db), "PYTHONPATH": str(ROOT)}


def test_import_and_backup_show_a_bar_at_a_terminal(tmp_path: Path) -> None:
    env = env_for(tmp_path / "hotline.db")
    code, out, terminal = run_on_pty(["import", str(jsonl(tmp_path / "big.jsonl"))], env, size=(30, 100))
    assert code == 0, terminal
    assert f"imported {LINES} events" in out
    assert "reading big.jsonl" in terminal and "recording" in terminal
    assert f"{LINES}/{LINES}" in terminal and "line/s" in terminal and "event/s" in terminal
    code, out, terminal = run_on_pty(["backup", str(tmp_path / "copy.db")], env)
    assert code == 0, terminal
    assert "backing up hotline.db" in terminal and "B/s" in terminal and "100%" in terminal
    assert f"{LINES} events" in out


def test_piped_they_print_nothing_extra(tmp_path: Path) -> None:
    env = env_for(tmp_path / "hotline.db")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(jsonl(tmp_path / "big.jsonl"))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.splitlines() == [
        f"big.jsonl: imported {LINES} events (2 new people); skipped 0 duplicates; 0 lines with errors"
    ]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "backup", str(tmp_path / "copy.db")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert len(done.stdout.splitlines()) == 1 and done.stdout.startswith("backed up ")


async def test_the_import_reports_every_so_many_lines_not_each(
    store: StoreContract, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every 100 lines rather than every PROGRESS_EVERY (2,000): the same reporting, on a file that the
    # PostgreSQL importer, which adds a line at a time, takes a second over rather than a minute.
    every, lines = 100, 250
    for module in (bot.transfer_cli, storage.sqlite.importer, storage.postgres.importer):
        monkeypatch.setattr(module, "PROGRESS_EVERY", every)
    text = jsonl(tmp_path / "big.jsonl", lines).read_text(encoding="utf-8").splitlines()
    reading: list[tuple[int, int]] = []
    recording: list[tuple[int, int]] = []
    summary = await import_lines(
        store,
        clock,
        "console:test",
        text,
        "big.jsonl",
        reading=lambda d, t: reading.append((d, t)),
        recording=lambda d, t: recording.append((d, t)),
    )
    assert summary.added == lines
    steps = [(100, lines), (200, lines), (250, lines)]
    assert reading == steps and recording == steps


async def test_a_backup_of_the_sqlite_file_in_steps_reports_bytes_and_is_the_same_copy(
    sqlite_store: SqliteStore, clock: FixedClock, tmp_path: Path
) -> None:
    text = jsonl(tmp_path / "big.jsonl").read_text(encoding="utf-8").splitlines()
    await import_lines(sqlite_store, clock, "console:test", text, "big.jsonl")
    seen: list[tuple[int, int]] = []
    result = backup_database(sqlite_store.path, tmp_path / "copy.db", progress=lambda d, t: seen.append((d, t)))
    assert result.events == LINES
    assert len(seen) > 1 and seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_the_bar_has_counts_and_rate_at_a_terminal_and_is_absent_otherwise() -> None:
    shown = io.StringIO()
    with progress_bar("reading x.jsonl", stream=shown, terminal=True) as bar:
        assert bar is not None
        bar(2000, 4000)
        bar(4000, 4000)
    assert "reading x.jsonl" in shown.getvalue() and "4000/4000" in shown.getvalue() and "line/s" in shown.getvalue()
    quiet = io.StringIO()
    with progress_bar("reading x.jsonl", stream=quiet) as bar:  # a StringIO is no terminal
        assert bar is None
    assert quiet.getvalue() == ""
