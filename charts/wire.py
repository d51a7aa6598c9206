"""The frames between the bot and its drawing process (charts/process.py, charts/worker.py).

Over the worker's standard input and output, in order, one request at a time:

- the worker, once started: READY (one byte), after it has loaded matplotlib;
- the bot: a request, its length (4 bytes, big-endian) then the chart as JSON (below);
- the worker: PNG or FAILED (one byte), the length, then the PNG's bytes or the failure's text (UTF-8).

The chart travels as JSON of plain lists, a mark as [lane, day's ordinal, kind, status, count]: a
whole-record timeline is some 2,400 marks, which pickle took 9 ms to write and 9 more to read as
dataclasses with dates (on the bot's event loop, for the writing); this takes about a tenth of that,
and the worker reads nothing but data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import struct
from typing import Any

from charts.timeline import FULL, SMALL, Gap, Latest, Mark, Size, TimelineData

READY = b"R"
PNG = b"P"
FAILED = b"F"
LENGTH = struct.Struct(">I")
# A request or answer longer than this is not one of ours: the stream is out of step.
MAX_FRAME = 256 * 1024 * 1024


class WireError(Exception):
    """A frame that is not what the other side may send."""


def request(data: TimelineData, size: Size) -> bytes:
    body = json.dumps(
        {
            "size": dataclasses.astuple(size),
            "title": data.title,
            "subtitle": data.subtitle,
            "lanes": data.lanes,
            "marks": [(m.lane, m.day.toordinal(), m.kind, m.status, m.count) for m in data.marks],
            "gaps": [(g.lane, g.start.toordinal(), g.end.toordinal()) for g in data.gaps],
            "latest": (
                (data.latest.lane, data.latest.day.toordinal(), data.latest.text) if data.latest is not None else None
            ),
            "grain": data.grain,
            "first": _ordinal(data.first),
            "last": _ordinal(data.last),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return LENGTH.pack(len(body)) + body


def parse_request(body: bytes) -> tuple[TimelineData, Size]:
    try:
        got: dict[str, Any] = json.loads(body)
        day = dt.date.fromordinal
        latest = got["latest"]
        data = TimelineData(
            title=str(got["title"]),
            subtitle=str(got["subtitle"]),
            lanes=tuple(got["lanes"]),
            marks=tuple(Mark(lane, day(d), kind, status, n) for lane, d, kind, status, n in got["marks"]),
            gaps=tuple(Gap(lane, day(a), day(b)) for lane, a, b in got["gaps"]),
            latest=Latest(latest[0], day(latest[1]), latest[2]) if latest is not None else None,
            grain=got["grain"],
            first=day(got["first"]) if got["first"] is not None else None,
            last=day(got["last"]) if got["last"] is not None else None,
        )
        size = Size(*got["size"])
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise WireError(f"a request that is not a chart ({type(exc).__name__}: {exc})") from None
    # charts/timeline.py tells its layouts apart by identity (`size is FULL`): the copy that travelled
    # becomes the layout it equals.
    return data, next((known for known in (FULL, SMALL) if size == known), size)


def _ordinal(day: dt.date | None) -> int | None:
    return day.toordinal() if day is not None else None


def answer(kind: bytes, body: bytes) -> bytes:
    return kind + LENGTH.pack(len(body)) + body


def length(header: bytes) -> int:
    (n,) = LENGTH.unpack(header)
    if n > MAX_FRAME:
        raise WireError(f"a frame of {n:,} bytes")
    return int(n)
