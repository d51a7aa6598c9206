"""The one table `make bench` prints, and docs/PERFORMANCE.md that records it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
HEADERS = ("figure", "SQLite", "PostgreSQL", "floor", "target", "result")


def _result(value: str, ok: bool | None) -> str:
    if ok is None:
        return "pending" if value in ("", "pending") else "—"
    return "pass" if ok else "MISS"


@dataclass
class Row:
    figure: str
    value: str  # on SQLite
    floor: str
    target: str
    ok: bool | None  # None: not measured (pending) or no target
    note: str = ""  # why a row is pending or missed, shown under the table
    key: str = ""  # names the row for its PostgreSQL figure (Report.postgres)
    pg_value: str = ""  # the same figure on PostgreSQL; "" where it is not measured there
    pg_target: str = ""  # PostgreSQL's own target, where it differs
    pg_ok: bool | None = None
    pg_note: str = ""

    @property
    def result(self) -> str:
        return _result(self.value, self.ok)

    @property
    def pg_result(self) -> str:
        return _result(self.pg_value, self.pg_ok)

    def cells(self) -> tuple[str, str, str, str, str, str]:
        target, result = self.target, self.result
        if self.pg_value:
            if self.pg_target and self.pg_target != self.target:
                target = f"{target or '—'}; PostgreSQL {self.pg_target}"
            result = f"{result} / {self.pg_result}"
        return (self.figure, self.value or "pending", self.pg_value or "—", self.floor, target, result)


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def postgres(
        self, key: str, figure: str, value: str, target: str, ok: bool | None, note: str = "", floor: str = ""
    ) -> Row:
        """Put a PostgreSQL figure in the row `key` names (made, without a SQLite figure, if there is none)."""
        row = next((r for r in self.rows if r.key == key), None)
        if row is None:
            row = self.add(Row(figure, "not measured", "", "", None, key=key))
        row.pg_value, row.pg_target, row.pg_ok, row.pg_note = value, target, ok, note
        if floor:
            row.floor = f"{row.floor}; PostgreSQL {floor}" if row.floor and row.floor != "—" else floor
        return row


def render(rows: Sequence[Row]) -> str:
    """A Markdown table, readable as plain text too: each figure on SQLite and on PostgreSQL; the result
    column says SQLite's, then PostgreSQL's where it was measured there."""
    cells = [HEADERS, *[r.cells() for r in rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]

    def fmt(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    lines = [fmt(cells[0]), "| " + " | ".join("-" * w for w in widths) + " |"]
    lines += [fmt(c) for c in cells[1:]]
    return "\n".join(lines)


def render_notes(report: Report) -> list[str]:
    out = [f"- {r.figure}: {r.note}" for r in report.rows if r.note]
    out += [f"- {r.figure}, PostgreSQL: {r.pg_note}" for r in report.rows if r.pg_note]
    return out + [f"- {n}" for n in report.notes]


def write_doc(
    report: Report,
    machine: dict[str, str],
    command: str,
    timings: dict[str, str],
    workload: Sequence[str],
    path: Path = DOC,
    when: dt.datetime | None = None,
) -> None:
    """Rewrite the measured part of docs/PERFORMANCE.md; the prose after the marker is kept."""
    marker = "<!-- measured above, written by `make bench`; the text below is kept -->"
    kept = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if marker in old:
            kept = old.split(marker, 1)[1]
    stamp = (when or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# Performance",
        "",
        "Hotline must answer well within Discord's 3-second interaction deadline for a team with a million",
        "recorded contacts, on a 2-core machine. `make bench` measures it against floors taken in the",
        "same run on the same machine; this page holds the latest table. The PostgreSQL column is the same",
        "figure on the PostgreSQL store (storage/postgres/), on a copy of the same data in a local server (see",
        '"The workload"); its targets follow "PostgreSQL" in the target column where they differ, and its',
        "result follows the slash in the result column.",
        "",
        f"Measured {stamp} with `{command}`.",
        "",
        "## The table",
        "",
        render(report.rows),
        "",
    ]
    notes = render_notes(report)
    if notes:
        parts += ["Notes on the rows:", "", *notes, ""]
    parts += ["## The machine", ""]
    parts += [f"- {k}: {v}" for k, v in machine.items()]
    parts += ["", "## The run", ""]
    parts += [f"- {k}: {v}" for k, v in timings.items()]
    parts += ["", "## The workload", ""]
    parts += [f"- {w}" for w in workload]
    parts += ["", marker]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + (kept if kept else "\n"), encoding="utf-8")
