"""Progress bars for long commands (`import` of a big file, `backup`, `migrate`): on standard error
when it is a terminal, and nothing at all otherwise, so piped output and logs stay as they were.

A bar is handed to the work as a `Progress` callback, (done, total), which the work calls every so
many units; when there is no terminal the callback is None and the work runs its plain path.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm

from storage.records import Progress

# Redrawn at most this often (seconds): a bar must not cost the work it measures.
REDRAW = 0.25
FALLBACK_WIDTH = 80
FALLBACK_ROWS = 24


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or the stream is closed
        return False


def has_size(stream: TextIO) -> bool:
    """Whether the terminal says how big it is (a pseudo-terminal nobody sized says 0 by 0)."""
    try:
        size = os.get_terminal_size(stream.fileno())
        return size.columns > 0 and size.lines > 0
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return False


@contextmanager
def progress_bar(
    description: str,
    *,
    unit: str = "line",
    in_bytes: bool = False,
    stream: TextIO | None = None,
    terminal: bool | None = None,
) -> Iterator[Progress | None]:
    """A bar on `stream` (standard error) with counts and rate, or None when it is not a terminal.

    `in_bytes`: counts are bytes, shown as KiB, MiB… `terminal` overrides the stream's own answer.
    """
    out = stream if stream is not None else sys.stderr
    if not (is_terminal(out) if terminal is None else terminal):
        yield None
        return
    sized = has_size(out)
    bar = tqdm(
        desc=description,
        unit="B" if in_bytes else unit,
        unit_scale=in_bytes,
        unit_divisor=1024 if in_bytes else 1000,
        file=out,
        mininterval=REDRAW,
        # Follow the terminal's size; one that reports none (0 by 0) would get a bar of no columns,
        # or none at all, tqdm hiding a bar below the screen's last row.
        dynamic_ncols=sized,
        ncols=None if sized else FALLBACK_WIDTH,
        nrows=None if sized else FALLBACK_ROWS,
        leave=True,
    )

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()
