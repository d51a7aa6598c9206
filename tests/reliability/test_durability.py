"""Durability: a process recording events is killed with SIGKILL at random moments, again and again, on
the same database. Every event whose id it printed (its command had returned) must be there and whole
after each kill, every event that is there must be whole, and the database must pass its checks.

KILLS below (HOTLINE_STRESS=1 for the bigger size). The moments are drawn from a fixed seed; one kill
in five lands anywhere from the process start, so some land while it opens or migrates the store.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from tests.reliability import writer_child as child
from tests.reliability.support import FIGURES, checker, file_integrity, read_line, size

ROOT = Path(__file__).resolve().parents[2]
KILLS = size(24, 200)
SEED = 20220420


def spawn(store: Path | str, round_: int) -> subprocess.Popen[bytes]:
    """A writer on the store at `store`: a SQLite file or a PostgreSQL URL."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.writer_child", str(store), str(round_)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        bufsize=0,
    )


def wait_for_ready(proc: subprocess.Popen[bytes], limit: float = 30.0) -> bytes:
    line = read_line(proc, limit)
    if line != b"ready\n":
        proc.kill()
        _, err = proc.communicate(timeout=limit)
        pytest.fail(f"the writer did not start: {line!r} {err.decode(errors='replace')[-2000:]}")
    return line


def printed(output: bytes) -> dict[int, str]:
    """The ids the child printed: whole lines only (a kill may cut the last one)."""
    ids: dict[int, str] = {}
    for raw in output.split(b"\n")[:-1]:  # the last piece never ended with a newline
        text = raw.decode()
        if text == "ready":
            continue
        number, tag = text.split(" ")
        ids[int(number)] = tag
    return ids


def check_store(db: Path, expected: dict[int, str]) -> int:
    """Everything printed is there and whole; everything there is whole. Returns the number of events."""
    with closing(checker(db)) as conn:
        events = {
            r[0]: r[1]
            for r in conn.execute("SELECT id, summary FROM event WHERE workspace = ?", (child.WS,)).fetchall()
        }
        missing = sorted(set(expected) - set(events))
        assert not missing, f"{len(missing)} printed events lost after SIGKILL, e.g. {missing[:5]}"
        for event_id, tag in expected.items():
            round_, n = (int(x) for x in tag[1:].split("-"))
            assert events[event_id] == child.summary(round_, n), f"event #{event_id} is not the one printed"

        # Every event in the database, printed or not, was written whole: its people, its concerns,
        # its search entry and its audit entry came with it. (Counted per table in one pass each: a
        # correlated count per event scans the audit table once per event.)
        def counts(sql: str) -> Counter[int]:
            return Counter({int(key): n for key, n in conn.execute(sql)})

        people = counts("SELECT event_id, count(*) FROM participant GROUP BY event_id")
        concerns = counts("SELECT event_id, count(*) FROM concern WHERE event_id IS NOT NULL GROUP BY event_id")
        audits = counts("SELECT record_id, count(*) FROM audit WHERE tbl = 'event' GROUP BY record_id")
        indexed = counts("SELECT ref, count(*) FROM search_index WHERE kind = 'event' GROUP BY ref")
        broken = [i for i in events if (people[i], concerns[i], audits[i], indexed[i]) != (2, 3, 1, 1)]
        assert not broken, f"half-written events: {broken[:5]}"
    return len(events)


def test_killed_writers_lose_nothing_they_reported(tmp_path: Path) -> None:
    db = tmp_path / "durable.db"
    rng = random.Random(SEED)
    expected: dict[int, str] = {}
    kills = 0
    for round_ in range(KILLS):
        proc = spawn(db, round_)
        try:
            if round_ % 5 == 4:
                time.sleep(rng.uniform(0.0, 0.6))  # anywhere: importing, opening, migrating, writing
            else:
                wait_for_ready(proc)
                time.sleep(rng.uniform(0.0, 0.4))  # while it writes
        finally:
            proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL and not err, f"the writer failed: {err.decode(errors='replace')}"
        kills += 1
        new = printed(out)
        assert not set(new) & set(expected), "an id was handed out twice"
        expected |= new
        if not db.exists():
            continue  # killed before it created the file
        events = check_store(db, expected)
        assert file_integrity(db) == []
    # The store opens through the code, recovers its WAL and keeps working after all that.
    proc = spawn(db, KILLS)
    wait_for_ready(proc)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    kills += 1
    expected |= printed(out)
    events = check_store(db, expected)
    assert file_integrity(db) == []
    assert len(expected) > KILLS, "the writer hardly wrote anything: the test proves little"
    FIGURES["durability: SIGKILLs survived"] += kills
    FIGURES["durability: printed events checked after the last kill"] += len(expected)
    FIGURES["durability: events in the store (printed or not)"] += events
    FIGURES["durability: printed events lost"] += 0
