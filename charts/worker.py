"""`python -m charts.worker`: the drawing process a bot keeps (charts/process.py starts it).

It loads matplotlib once, says READY, then draws one request at a time from its standard input and
answers on its standard output (charts/wire.py), until its input ends: the bot closed it, or the bot
is gone. A chart that fails to draw is answered FAILED with its reason and the worker goes on; the
traceback goes to standard error, which is the bot's. Ctrl-C at a terminal reaches the whole process
group; the worker leaves stopping to the bot, which closes its input.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import traceback
from typing import BinaryIO

from charts import wire
from charts.timeline import SMALL, Mark, TimelineData, render_png


def read_exactly(stream: BinaryIO, n: int) -> bytes | None:
    """n bytes, or None if the stream ends before the first; WireError if it ends within them."""
    chunks: list[bytes] = []
    got = 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            if got:
                raise wire.WireError(f"the input ended {n - got} bytes short of a frame")
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def warm_up() -> None:
    """Draw a small chart before READY: the first drawing of a process loads matplotlib's modules, the
    font and its glyphs, and would count them against a request's timeout."""
    render_png(TimelineData("", "", ("a",), (Mark(0, dt.date(2000, 1, 1), "call", "held", 1),)), SMALL)


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer each request on `requests` until it ends."""
    answers.write(wire.READY)
    answers.flush()
    while True:
        header = read_exactly(requests, wire.LENGTH.size)
        if header is None:
            return
        body = read_exactly(requests, wire.length(header))
        if body is None:
            raise wire.WireError("the input ended after a frame's length")
        try:
            png = render_png(*wire.parse_request(body))
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            answers.write(wire.answer(wire.FAILED, f"{type(exc).__name__}: {exc}".encode()[:2000]))
        else:
            answers.write(wire.answer(wire.PNG, png))
        answers.flush()


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The answers keep the real standard output; anything printed (a library's warning) goes to
    # standard error instead of into a frame.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    warm_up()
    try:
        serve(sys.stdin.buffer, answers)
    except (BrokenPipeError, wire.WireError) as exc:
        print(f"charts.worker: stopping: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
