"""The whole dev set: every field must meet its target (the same scoring as `make accuracy`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.accuracy import FieldScore, load, render, score
from extraction.people import People


@pytest.fixture(scope="module")
def rows(dev_path: Path, people: People) -> list[FieldScore]:
    return score(load(dev_path), people)


def test_every_field_meets_its_target(rows: list[FieldScore]) -> None:
    missed = [f"{row.name}: {row.value:.2f} < {row.target}" for row in rows if row.ok is False]
    assert not missed, "\n".join(missed) + "\n" + "\n".join(m for row in rows for m in row.misses)
    assert {row.name for row in rows if row.target is not None} == {
        "contact detection",
        "date",
        "kind",
        "participants (names per side)",
        "requested_by",
        "raised issues per side (micro F1)",
    }


def test_the_scoring_notices_a_wrong_answer(dev_path: Path, people: People) -> None:
    cases = load(dev_path)
    for case in cases:
        case.gold = {**case.gold, "date": "1999-01-01", "raised_us": ["tibet"], "cn": [{"name": None, "title": "x"}]}
    broken = {row.name: row for row in score(cases, people)}
    assert broken["date"].value == 0.0 and broken["date"].ok is False
    assert broken["participants (names per side)"].value == 0.0
    assert broken["raised issues per side (micro F1)"].ok is False


def test_the_table_has_a_row_per_field_and_the_speed(rows: list[FieldScore]) -> None:
    table = render(rows, 1.5, 20)
    for row in rows:
        assert row.name in table
    assert "median ms per readout" in table and "≤ 20" in table
