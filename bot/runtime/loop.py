"""The event loop every Hotline process runs on.

uvloop where it is installed (the project installs it on Linux and macOS; it does not build on Windows),
asyncio's own loop elsewhere. The bot spends much of each command in the loop itself: waking tasks,
reading and writing sockets. On PostgreSQL, where each read of a command is a round trip, uvloop took
/lastcall's own CPU time from about 1.0 to 0.75 ms and its median from 2.0 to 1.6 ms
(docs/PERFORMANCE.md). discord.py, slack-bolt's aiohttp, asyncpg and aiosqlite run on either loop; the
test suite runs the commands in-process on asyncio's loop and Hotline's own processes on this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to its end on a new event loop, as asyncio.run does."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def loop_name() -> str:
    """Which event loop runs now ("uvloop" or "asyncio"), for the start-up log line."""
    return "uvloop" if type(asyncio.get_running_loop()).__module__.startswith("uvloop") else "asyncio"
