"""The dev set of readouts and the sample people, shared by the extraction tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.accuracy import dev_set
from extraction.people import People, sample_people


@pytest.fixture(scope="session")
def people() -> People:
    return sample_people()


@pytest.fixture(scope="session")
def dev_path() -> Path:
    path = dev_set()
    # The dev set is part of the project (shared/ beside the repository), not a service: absent is a failure.
    assert path.is_file(), f"the dev set of readouts is missing at {path}"
    return path


@pytest.fixture(scope="session")
def dev_rows(dev_path: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in dev_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["id"]: row for row in rows}
