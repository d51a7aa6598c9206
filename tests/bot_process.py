"""`python -m …` of Hotline in a process of its own, as a person running it would see it: the exit code
and the lines on standard error, read as they come. Shared by the Discord and Slack process tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BotProcess:
    """A running `python -m <module> …`; its standard error read line by line as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._reader: asyncio.Task[None] | None = None
        self._more = asyncio.Event()

    @classmethod
    async def launch(cls, module_and_args: Sequence[str], *, env: dict[str, str], db: Path | str) -> BotProcess:
        """`db`: what HOTLINE_DB holds, a SQLite file or a postgresql:// URL."""
        # Nothing of the caller's own Hotline, Discord or Slack settings, and no proxy: slack_sdk sends
        # even 127.0.0.1 through one.
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "HOTLINE_", "SLACK_"))}
        base = {k: v for k, v in base.items() if k.lower() not in ("https_proxy", "http_proxy", "all_proxy")}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            *module_and_args,
            cwd=ROOT,
            env=base | {"HOTLINE_DB": str(db)} | env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    def read_in_background(self) -> None:
        """Read standard error into `lines` as it comes, whether or not a line is awaited: a process that
        logs every command would otherwise block once the pipe is full."""
        self._reader = asyncio.create_task(self._read_all())

    async def _read_all(self) -> None:
        assert self.proc.stderr is not None
        while raw := await self.proc.stderr.readline():
            self.lines.append(raw.decode())
            self._more.set()
        self._more.set()

    def matches(self, pattern: str) -> list[re.Match[str]]:
        """Every line read so far that matches."""
        return [found for seen in self.lines if (found := re.search(pattern, seen))]

    async def line_matching(self, pattern: str, within: float) -> re.Match[str]:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + within
        for seen in self.lines:
            if found := re.search(pattern, seen):
                return found
        if self._reader is not None:
            return await self._awaited(pattern, deadline, within)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line matching {pattern!r} within {within} s:\n" + "".join(self.lines))
            try:
                raw = await asyncio.wait_for(self.proc.stderr.readline(), left)
            except TimeoutError:
                raise AssertionError(
                    f"no line matching {pattern!r} within {within} s:\n" + "".join(self.lines)
                ) from None
            if not raw:
                raise AssertionError(f"the process ended before {pattern!r}:\n" + "".join(self.lines))
            self.lines.append(raw.decode())
            if found := re.search(pattern, self.lines[-1]):
                return found

    async def _awaited(self, pattern: str, deadline: float, within: float) -> re.Match[str]:
        """line_matching while the background reader reads."""
        assert self._reader is not None
        checked = 0
        while True:
            for seen in self.lines[checked:]:
                if found := re.search(pattern, seen):
                    return found
            checked = len(self.lines)
            if self._reader.done():
                raise AssertionError(f"the process ended before {pattern!r}:\n" + "".join(self.lines))
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line matching {pattern!r} within {within} s:\n" + "".join(self.lines))
            self._more.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._more.wait(), left)

    async def finish(self, within: float) -> tuple[int, str]:
        """Wait for the exit; its code and all of standard error."""
        assert self.proc.stderr is not None
        if self._reader is not None:
            await asyncio.wait_for(self._reader, within)
        else:
            rest = await asyncio.wait_for(self.proc.stderr.read(), within)
            self.lines.append(rest.decode())
        code = await asyncio.wait_for(self.proc.wait(), within)
        return code, "".join(self.lines)

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


# What drawing a chart loads: a bot's process must never hold it (its drawing process does).
DRAWING_STACK = ("matplotlib", "numpy", "PIL")


def drawing_stack(pid: int) -> list[str]:
    """Which packages of DRAWING_STACK the process has loaded: their C extensions show in its memory map
    (each package imports its own at once), read from outside, whatever the process says of itself."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return [package for package in DRAWING_STACK if f"/site-packages/{package}/" in maps]


def children(pid: int) -> list[int]:
    """The process ids of the process's children now."""
    return [int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]


def assert_one_clear_line(stderr: str, *fragments: str) -> None:
    """Standard error holds exactly one `hotline: …` line, with each fragment, and no traceback."""
    assert "Traceback" not in stderr, stderr
    [line] = [x for x in stderr.splitlines() if x.startswith("hotline: ")]
    for fragment in fragments:
        assert fragment in line, line
