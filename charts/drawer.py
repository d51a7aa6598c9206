"""Who draws a chart for a command: the Drawer a command finds in its Ctx, and what it raises.

Two drawers keep one promise: `draw` returns the PNG bytes of charts/timeline.py's `render_png`, or
raises ChartError with a short reason a member may read, and the command's text goes out without the
picture. The running bots draw in a process of their own (charts/process.py, ProcessDrawer), so the
bot's process never loads matplotlib, numpy and PIL; the console, the tools and most tests draw in a
worker thread of their own process (ThreadDrawer), as every process did before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from charts.timeline import Size, TimelineData, render_png

log = logging.getLogger("hotline.charts")


class ChartError(Exception):
    """The chart could not be drawn; the message says why, in words a member may read."""


class Drawer(Protocol):
    async def draw(self, data: TimelineData, size: Size) -> bytes:
        """The chart as PNG bytes, as render_png(data, size) gives them; ChartError if it cannot be drawn."""
        ...


class ThreadDrawer:
    """Draws in a worker thread of this process: the event loop keeps answering meanwhile, and this
    process loads matplotlib the first time it draws."""

    async def draw(self, data: TimelineData, size: Size) -> bytes:
        try:
            return await asyncio.to_thread(render_png, data, size)
        except Exception as exc:
            log.exception("drawing a chart failed")
            raise ChartError(f"drawing it failed ({type(exc).__name__})") from exc


# The drawer of a Ctx that was given none: it holds no state, so one serves every caller.
IN_PROCESS = ThreadDrawer()
