"""The frames between the bot and its drawing process (charts/process.py, charts/worker.py).

Over the worker's standard input and output, in order, one request at a time:

- the worker, once started: READY (one byte), after it has loaded matplotlib;
- the bot: a request, its length (4 bytes, big-endian) then the pickled (TimelineData, Size);
- the worker: PNG or FAILED (one byte), the length, then the PNG's bytes or the failure's text (UTF-8).

pickle is safe here: the bytes go only between the bot and the child it started, over a pipe no one
else holds, and it carries the chart's frozen dataclasses and dates as they are.
"""

from __future__ import annotations

import pickle
import struct

from charts.timeline import FULL, SMALL, Size, TimelineData

READY = b"R"
PNG = b"P"
FAILED = b"F"
LENGTH = struct.Struct(">I")
# A request or answer longer than this is not one of ours: the stream is out of step.
MAX_FRAME = 256 * 1024 * 1024


class WireError(Exception):
    """A frame that is not what the other side may send."""


def request(data: TimelineData, size: Size) -> bytes:
    body = pickle.dumps((data, size), protocol=pickle.HIGHEST_PROTOCOL)
    return LENGTH.pack(len(body)) + body


def parse_request(body: bytes) -> tuple[TimelineData, Size]:
    data, size = pickle.loads(body)
    if not isinstance(data, TimelineData) or not isinstance(size, Size):
        raise WireError(f"a request of {type(data).__name__} and {type(size).__name__}")
    # charts/timeline.py tells its layouts apart by identity (`size is FULL`): an unpickled copy is
    # another object, so it becomes the layout it equals.
    return data, next((known for known in (FULL, SMALL) if size == known), size)


def answer(kind: bytes, body: bytes) -> bytes:
    return kind + LENGTH.pack(len(body)) + body


def length(header: bytes) -> int:
    (n,) = LENGTH.unpack(header)
    if n > MAX_FRAME:
        raise WireError(f"a frame of {n:,} bytes")
    return int(n)
