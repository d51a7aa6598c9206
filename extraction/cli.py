"""`python -m extraction FILE`: readouts in (JSON Lines), one draft a line out.

Each input line has `id`, `url`, `publisher`, `published`, `title` and `text` (a `gold` object, if any,
is ignored). Each output line has `id`, the annotation fields (`is_us_china_contact`, `date`, `kind`,
`us`, `cn`, `requested_by`, `minutes`, `location`, `raised_us`, `raised_cn`) and `positions`. A line
that cannot be read gets one line on stderr with its number and why; the others go on.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from extraction.dates import parse_published
from extraction.draft import Readout
from extraction.extract import extract
from extraction.people import People, sample_people

MAX_TEXT = 200_000  # characters: a readout is a few thousand; a larger "text" is not one


class BadLine(ValueError):
    """A line of the input that is not a readout; the message says why."""


def parse_readout(raw: str) -> Readout:
    """One input line as a Readout; BadLine says what is wrong with it."""
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as err:
        raise BadLine(f"not JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(data, dict):
        raise BadLine(f"expected a JSON object, got {type(data).__name__}")
    for key in ("id", "text"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise BadLine(f"{key!r} must be a non-empty string")
    if len(data["text"]) > MAX_TEXT:
        raise BadLine(f"'text' is {len(data['text']):,} characters; at most {MAX_TEXT:,}")
    for key in ("url", "publisher", "title"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise BadLine(f"{key!r} must be a string or null")
    try:
        published = parse_published(data.get("published"))
    except ValueError as err:
        raise BadLine(str(err)) from None
    return Readout(
        id=data["id"],
        text=data["text"],
        title=data.get("title") or "",
        url=data.get("url"),
        publisher=data.get("publisher"),
        published=published,
    )


def read_readouts(lines: Iterator[str], report: Callable[[str], None]) -> Iterator[Readout]:
    """The readouts of a JSON Lines stream; each bad line is reported (one line: its number, why) and skipped."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            yield parse_readout(raw)
        except BadLine as err:
            report(f"line {number}: {err}")


def run(path: Path, out: TextIO, people: People | None = None, errors: TextIO | None = None) -> int:
    """Extract every readout of `path` to `out`; 0 if every line was read, 1 if some were not, 2 if no file."""
    errors = errors if errors is not None else sys.stderr
    known = people if people is not None else sample_people()
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        print(f"cannot read {path}: {err.strerror or err}", file=errors)
        return 2
    bad: list[str] = []

    def report(message: str) -> None:
        bad.append(message)
        print(message, file=errors)

    with handle:
        try:
            for readout in read_readouts(iter(handle), report):
                draft = extract(readout, known)
                out.write(json.dumps(draft.as_output(readout.id), ensure_ascii=False) + "\n")
        except UnicodeDecodeError as err:
            print(f"{path} is not UTF-8 text ({err.reason})", file=errors)
            return 1
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(
            "usage: python -m extraction FILE   (JSON Lines of readouts; one draft a line on stdout)", file=sys.stderr
        )
        return 2
    return run(Path(argv[0]), sys.stdout)
