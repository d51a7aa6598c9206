"""The one table `make bench` prints, and docs/PERFORMANCE.md that records it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
HEADERS = ("figure", "value", "floor", "target", "result")


@dataclass
class Row:
    figure: str
    value: str
    floor: str
    target: str
    ok: bool | None  # None: not measured (pending) or no target
    note: str = ""  # why a row is pending or missed, shown under the table

    @property
    def result(self) -> str:
        if self.ok is None:
            return "pending" if self.value in ("", "pending") else "—"
        return "pass" if self.ok else "MISS"


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row


def render(rows: Sequence[Row]) -> str:
    """A Markdown table, readable as plain text too."""
    cells = [HEADERS, *[(r.figure, r.value or "pending", r.floor, r.target, r.result) for r in rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]

    def fmt(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    lines = [fmt(cells[0]), "| " + " | ".join("-" * w for w in widths) + " |"]
    lines += [fmt(c) for c in cells[1:]]
    return "\n".join(lines)


def render_notes(report: Report) -> list[str]:
    out = [f"- {r.figure}: {r.note}" for r in report.rows if r.note]
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
        "same run on the same machine; this page holds the latest table.",
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
