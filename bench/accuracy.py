"""How well the extraction reads official readouts: `python -m bench.accuracy [FILE]` (or `make accuracy`).

FILE is JSON Lines of readouts with a `gold` annotation (default: the dev set in ../shared/data/readouts,
beside the repository). Prints a row per field with its score and its target, the misses under the table,
and the median extraction time per readout over the file repeated. Exit code 1 if a target is missed.

How fields are compared:
- contact, date, kind, requested_by, location, minutes: equal values (location case- and punctuation-blind).
- participants: per readout, the set of names on each side must equal gold's on both sides. Names are
  compared by extraction.people.name_key (case, accents, punctuation, middle initials and suffixes
  ignored: "Lloyd J. Austin III" = "Lloyd Austin"). A participant without a name (a group, such as "the
  US delegation") counts as the single entry "(unnamed)" of its side, whatever its title.
- raised issues: micro F1 over (readout, side, issue) triples.
- titles (for information): the title given for each gold participant whose name was found, exactly.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extraction.cli import parse_readout
from extraction.draft import Readout
from extraction.extract import extract
from extraction.people import People, name_key, sample_people
from storage.vocab import norm

REPO = Path(__file__).resolve().parent.parent
DEV_SET_IN_SHARED = Path("shared") / "data" / "readouts" / "readouts-dev.jsonl"
SPEED_TARGET_MS = 20.0
SPEED_ROUNDS = 20


@dataclass
class Case:
    readout: Readout
    gold: dict[str, Any]


@dataclass
class FieldScore:
    name: str
    target: float | None  # None: for information
    kind: str = "accuracy"  # or "F1"
    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)
    f1: float | None = None

    @property
    def value(self) -> float:
        if self.f1 is not None:
            return self.f1
        return self.right / self.total if self.total else 0.0

    @property
    def ok(self) -> bool | None:
        return None if self.target is None else self.value >= self.target


def dev_set() -> Path:
    """The dev set: ../shared/data/readouts/readouts-dev.jsonl beside the repository, or beside a folder above
    it (a worktree sits one level deeper than its main repository). The first path if none exists."""
    candidates = [parent / DEV_SET_IN_SHARED for parent in REPO.parents]
    return next((c for c in candidates if c.is_file()), candidates[0])


def load(path: Path) -> list[Case]:
    cases: list[Case] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            data = json.loads(line)
            if "gold" not in data:
                raise SystemExit(f"{path}:{number}: no 'gold' annotation to compare with")
            cases.append(Case(parse_readout(line), data["gold"]))
    return cases


def people_key(people: Sequence[dict[str, Any]]) -> frozenset[str]:
    return frozenset(name_key(p["name"]) if p.get("name") else "(unnamed)" for p in people)


def _place(value: object) -> str | None:
    return norm(value) if isinstance(value, str) else None


def score(cases: Sequence[Case], people: People) -> list[FieldScore]:
    simple: list[tuple[FieldScore, Callable[[dict[str, Any]], object]]] = [
        (FieldScore("contact detection", 0.95), lambda d: d["is_us_china_contact"]),
        (FieldScore("date", 0.90), lambda d: d["date"]),
        (FieldScore("kind", 0.85), lambda d: d["kind"]),
        (FieldScore("participants (names per side)", 0.85), lambda d: (people_key(d["us"]), people_key(d["cn"]))),
        (FieldScore("requested_by", 0.90), lambda d: d["requested_by"]),
        (FieldScore("location", None), lambda d: _place(d["location"])),
        (FieldScore("minutes", None), lambda d: d["minutes"]),
    ]
    titles = FieldScore("titles as written (of names found)", None)
    raised = FieldScore("raised issues per side (micro F1)", 0.75, kind="F1")
    tp = fp = fn = 0
    for case in cases:
        got = extract(case.readout, people).as_output(case.readout.id)
        for row, key in simple:
            row.total += 1
            mine, theirs = key(got), key(case.gold)
            if mine == theirs:
                row.right += 1
            else:
                row.misses.append(f"{case.readout.id}: got {_show(mine)}, gold {_show(theirs)}")
        for side in ("us", "cn"):
            mine_titles = {name_key(p["name"]): p["title"] for p in got[side] if p.get("name")}
            for person in case.gold[side]:
                found = mine_titles.get(name_key(person["name"])) if person.get("name") else None
                if found is not None or (person.get("name") and name_key(person["name"]) in mine_titles):
                    titles.total += 1
                    if found == person["title"]:
                        titles.right += 1
                    else:
                        titles.misses.append(f"{case.readout.id}: got {found!r}, gold {person['title']!r}")
            mine_set = set(got[f"raised_{side}"])
            gold_set = set(case.gold[f"raised_{side}"])
            tp += len(mine_set & gold_set)
            fp += len(mine_set - gold_set)
            fn += len(gold_set - mine_set)
            extra, missing = sorted(mine_set - gold_set), sorted(gold_set - mine_set)
            if extra or missing:
                raised.misses.append(f"{case.readout.id} {side}: extra {extra}, missing {missing}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    raised.f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    raised.right, raised.total = tp, tp + fn
    rows = [row for row, _ in simple]
    rows.insert(5, raised)
    rows.append(titles)
    return rows


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return " / ".join(", ".join(sorted(v)) or "—" for v in value)
    return json.dumps(value, default=str)


def speed(cases: Sequence[Case], people: People, rounds: int = SPEED_ROUNDS) -> float:
    """Median milliseconds per readout, each readout extracted `rounds` times."""
    timings: list[float] = []
    for _ in range(rounds):
        for case in cases:
            start = time.perf_counter()
            extract(case.readout, people)
            timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def render(rows: Sequence[FieldScore], median_ms: float, count: int) -> str:
    lines = [f"{'field':<36} {'score':>8} {'target':>8}  result", "-" * 64]
    for row in rows:
        value = f"{row.value:.2f}" if row.kind == "F1" else f"{row.value:.0%}"
        target = "—" if row.target is None else (f"≥ {row.target:.2f}" if row.kind == "F1" else f"≥ {row.target:.0%}")
        result = "info" if row.ok is None else ("pass" if row.ok else "MISS")
        detail = f" ({row.right}/{row.total})" if row.kind != "F1" else ""
        lines.append(f"{row.name:<36} {value:>8} {target:>8}  {result}{detail}")
    ok = median_ms <= SPEED_TARGET_MS
    lines.append(
        f"{'median ms per readout':<36} {median_ms:>8.2f} {'≤ 20':>8}  {'pass' if ok else 'MISS'}"
        f" ({count} readouts × {SPEED_ROUNDS})"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else dev_set()
    if not path.is_file():
        print(
            f"no readouts file at {path}: pass one (python -m bench.accuracy FILE) or put the dev set"
            " at ../shared/data/readouts/readouts-dev.jsonl beside the repository",
            file=sys.stderr,
        )
        return 2
    people = sample_people()
    cases = load(path)
    rows = score(cases, people)
    median_ms = speed(cases, people)
    print(f"extraction accuracy on {path.name} ({len(cases)} readouts)\n")
    print(render(rows, median_ms, len(cases)))
    misses = [(row.name, miss) for row in rows for miss in row.misses]
    if misses:
        print("\nmisses:")
        for name, miss in misses:
            print(f"  {name}: {miss}")
    failed = any(row.ok is False for row in rows) or median_ms > SPEED_TARGET_MS
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
