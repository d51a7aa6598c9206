"""The command line: readouts in, one draft a line out; bad lines reported and skipped."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from commands.transfer import parse_line
from extraction.cli import run
from extraction.people import People

GOOD = {
    "id": "state-call",
    "url": "https://www.state.gov/example",
    "publisher": "US State",
    "published": "2022-10-31",
    "title": "Secretary Blinken's Call",
    "text": (
        "Secretary of State Antony J. Blinken spoke today with PRC State Councilor and Foreign Minister Wang Yi."
        " The Secretary raised Russia’s war against Ukraine."
    ),
    "gold": {"ignored": True},
}
FIELDS = [
    "id",
    "is_us_china_contact",
    "date",
    "kind",
    "us",
    "cn",
    "requested_by",
    "minutes",
    "location",
    "raised_us",
    "raised_cn",
    "positions",
]


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "readouts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_one_line_out_per_readout_with_the_gold_fields(tmp_path: Path, people: People) -> None:
    path = _write(tmp_path, [json.dumps(GOOD)])
    out, err = io.StringIO(), io.StringIO()
    assert run(path, out, people, errors=err) == 0
    (line,) = out.getvalue().splitlines()
    got: dict[str, Any] = json.loads(line)
    assert list(got) == FIELDS
    assert got["date"] == "2022-10-31" and got["kind"] == "call" and got["is_us_china_contact"]
    assert got["us"] == [{"name": "Antony J. Blinken", "title": "Secretary of State"}]
    assert got["cn"] == [{"name": "Wang Yi", "title": "State Councilor and Foreign Minister"}]
    assert got["raised_us"] == ["russia-ukraine"] and got["raised_cn"] == []
    assert got["positions"] == [
        {"side": "us", "issue": "russia-ukraine", "sentence": "The Secretary raised Russia’s war against Ukraine."}
    ]
    assert err.getvalue() == ""


def test_bad_lines_are_reported_with_their_number_and_the_others_go_on(tmp_path: Path, people: People) -> None:
    lines = [
        json.dumps(GOOD),
        '{"id": "broken", "text": ',
        json.dumps(["a", "list"]),
        json.dumps({**GOOD, "id": "no-text", "text": ""}),
        json.dumps({**GOOD, "id": "bad-date", "published": "31/10/2022"}),
        json.dumps({**GOOD, "id": "huge", "text": "x" * 200_001}),
        "",
        json.dumps({**GOOD, "id": "second"}),
    ]
    out, err = io.StringIO(), io.StringIO()
    assert run(_write(tmp_path, lines), out, people, errors=err) == 1
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == ["state-call", "second"]
    messages = err.getvalue().splitlines()
    assert [m.split(":", 1)[0] for m in messages] == ["line 2", "line 3", "line 4", "line 5", "line 6"]
    assert "not JSON" in messages[0] and "JSON object" in messages[1] and "'text'" in messages[2]
    assert "published" in messages[3] and "at most" in messages[4]


def test_a_missing_file_is_one_clear_error(tmp_path: Path, people: People) -> None:
    err = io.StringIO()
    assert run(tmp_path / "absent.jsonl", io.StringIO(), people, errors=err) == 2
    assert err.getvalue().startswith(f"cannot read {tmp_path / 'absent.jsonl'}")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path, people: People) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"id": "x", "text": "caf\xe9"}\n')
    err = io.StringIO()
    assert run(path, io.StringIO(), people, errors=err) == 1
    assert "not UTF-8" in err.getvalue()


def test_python_dash_m_extraction(tmp_path: Path) -> None:
    path = _write(tmp_path, [json.dumps(GOOD)])
    done = subprocess.run(
        [sys.executable, "-m", "extraction", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"] == "state-call"
    usage = subprocess.run(
        [sys.executable, "-m", "extraction"], capture_output=True, text=True, timeout=60, check=False
    )
    assert usage.returncode == 2 and "usage" in usage.stderr


def test_a_draft_becomes_a_line_the_importer_accepts(tmp_path: Path, people: People) -> None:
    from extraction.cli import parse_readout
    from extraction.extract import extract

    draft = extract(parse_readout(json.dumps(GOOD)), people)
    event = parse_line(json.dumps(draft.import_line()))
    assert event.kind == "call" and str(event.day) == "2022-10-31"
    assert [p.name for p in event.us] == ["Antony Blinken"]  # the known person's own name
    assert event.raised == {"us": ["russia-ukraine"]}
    assert [s.url for s in event.sources] == ["https://www.state.gov/example"]


def test_a_draft_that_is_no_contact_cannot_become_a_line(people: People) -> None:
    from extraction.cli import parse_readout
    from extraction.draft import DraftIncomplete
    from extraction.extract import extract

    manila = {
        **GOOD,
        "text": "Secretary of Defense Lloyd J. Austin III spoke with Philippine Officer in Charge Carlito Galvez.",
    }
    draft = extract(parse_readout(json.dumps(manila)), people)
    with pytest.raises(DraftIncomplete, match="not a US–China contact; no Chinese participant"):
        draft.import_line()
