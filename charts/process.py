"""ProcessDrawer: the bots draw their charts in a process of their own, kept for the purpose.

matplotlib, numpy, PIL and matplotlib's fonts take 40-65 MB of a process that draws once
(docs/PERFORMANCE.md); drawn here, they live in `python -m charts.worker` (charts/worker.py), and the
bot's own process never imports them.

Why a plain child process over asyncio's subprocess pipes, and not multiprocessing: the event loop
awaits the answer like any other read (no thread per request), the child is exactly `python -m
charts.worker` (multiprocessing's spawn would import the bot's __main__ module in it again, and fork
would copy a threaded process), and each failure is a fact the loop sees: the answer's stream ends
(the worker crashed, or was killed, the OOM killer included) or no answer came within `timeout`.
Either way that request gets a ChartError, the worker is killed if it still runs, and the next
chart starts a new one. A child never outlives the bot: `close` ends each worker's input and waits
for it, and a bot killed outright closes the pipes with it, which ends the worker after its drawing.

Workers start on the first chart that finds none idle, up to `workers` of them, and are kept; a chart
that finds them all busy waits its turn (its timeout starts when a worker takes it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from charts import wire
from charts.drawer import ChartError
from charts.timeline import Size, TimelineData

log = logging.getLogger("hotline.charts")

DEFAULT_TIMEOUT = 10.0  # seconds for one drawing; a 1M-event timeline takes some 0.2 s
# Seconds for a new worker to load matplotlib and say READY (about half a second on an idle machine).
DEFAULT_START_TIMEOUT = 10.0
# Seconds a worker gets to leave after its input ends, before it is killed.
STOP_GRACE = 2.0
# The folder that holds the `charts` package: the worker imports it from there, wherever the bot's
# working directory is.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def worker_command() -> tuple[str, ...]:
    return (sys.executable, "-m", "charts.worker")


def exit_words(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


class _Worker:
    """One drawing process and its pipes; used by one request at a time."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def ready(self) -> None:
        assert self.proc.stdout is not None
        said = await self.proc.stdout.read(1)
        if said != wire.READY:
            raise ChartError(f"its drawing process did not start ({await self._ended()})")

    async def draw(self, frame: bytes) -> bytes:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(frame)
            await self.proc.stdin.drain()
            head = await self.proc.stdout.readexactly(1 + wire.LENGTH.size)
            body = await self.proc.stdout.readexactly(wire.length(head[1:]))
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise _Gone(await self._ended()) from exc
        except wire.WireError as exc:
            raise _Gone(f"it answered out of step: {exc}") from exc
        kind = head[:1]
        if kind == wire.PNG:
            return body
        if kind == wire.FAILED:
            raise _Failed(body.decode(errors="replace"))
        raise _Gone(f"it answered out of step: a frame of kind {kind!r}")

    async def _ended(self) -> str:
        """How the process ended, once it has (its output just ended, so it is ending)."""
        try:
            code = await asyncio.wait_for(self.proc.wait(), STOP_GRACE)
        except TimeoutError:
            return "its output ended"
        return exit_words(code)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()

    async def stop(self) -> None:
        """End its input, then wait for it to leave; kill it if it does not."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), STOP_GRACE)
        except TimeoutError:
            self.kill()
            await self.proc.wait()


class _Gone(Exception):
    """The worker can answer no more: it ended, or its stream is out of step."""


class _Failed(Exception):
    """The worker could not draw this chart (its reason), and goes on."""


class ProcessDrawer:
    """Draws charts in up to `workers` kept `python -m charts.worker` processes (see the module's doc)."""

    def __init__(
        self,
        *,
        workers: int = 1,
        timeout: float = DEFAULT_TIMEOUT,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        command: Sequence[str] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("a ProcessDrawer needs at least one worker")
        self.workers = workers
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.command = tuple(command) if command is not None else worker_command()
        self._idle: list[_Worker] = []
        self._live: set[_Worker] = set()
        self._slots: asyncio.Semaphore | None = None
        self._reaping: set[asyncio.Task[int]] = set()  # killed workers, until they are gone
        self._closed = False

    def pids(self) -> list[int]:
        """The process ids of the workers running now (for the benchmarks' memory figures and tests)."""
        return sorted(w.pid for w in self._live)

    async def draw(self, data: TimelineData, size: Size) -> bytes:
        if self._closed:
            raise ChartError("the drawing process is stopped")
        try:
            frame = wire.request(data, size)
        except (AttributeError, TypeError, ValueError) as exc:
            log.exception("a chart's data could not be sent to the drawing process")
            raise ChartError("drawing it failed") from exc
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        async with self._slots:
            worker = self._take_idle() or await self._start()
            try:
                async with asyncio.timeout(self.timeout):
                    png = await worker.draw(frame)
            except TimeoutError:
                self._discard(worker)
                log.warning("a chart took over %g s to draw: its process %d was killed", self.timeout, worker.pid)
                raise ChartError(f"it took longer than {self.timeout:g} s to draw") from None
            except _Gone as exc:
                self._discard(worker)
                log.warning("the drawing process %d ended while drawing a chart: %s", worker.pid, exc)
                raise ChartError(f"its drawing process stopped ({exc})") from None
            except _Failed as exc:
                self._keep(worker)
                log.warning("a chart could not be drawn: %s", exc)
                raise ChartError("drawing it failed") from None
            except BaseException:
                # Cancelled while the worker draws: its answer would be read as the next request's.
                self._discard(worker)
                raise
            self._keep(worker)
            return png

    def _take_idle(self) -> _Worker | None:
        """A kept worker that still runs; one that ended while idle (the OOM killer picks the largest
        process, busy or not) is dropped, and the chart goes to a new one."""
        while self._idle:
            worker = self._idle.pop()
            code = worker.proc.returncode
            if code is None:
                return worker
            self._live.discard(worker)
            log.warning("the drawing process %d ended while idle (%s): starting another", worker.pid, exit_words(code))
        return None

    async def _start(self) -> _Worker:
        paths = [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env=env,
            )
        except OSError as exc:
            log.error("the drawing process could not be started: %s", exc)
            raise ChartError(f"its drawing process could not be started ({exc.strerror or exc})") from exc
        worker = _Worker(proc)
        self._live.add(worker)
        try:
            async with asyncio.timeout(self.start_timeout):
                await worker.ready()
        except TimeoutError:
            self._discard(worker)
            log.warning("the drawing process %d was not ready within %g s: killed", worker.pid, self.start_timeout)
            raise ChartError(f"its drawing process did not start within {self.start_timeout:g} s") from None
        except BaseException:
            self._discard(worker)
            raise
        log.info("drawing process %d started", worker.pid)
        return worker

    def _keep(self, worker: _Worker) -> None:
        """Back among the idle workers after a request; killed if the drawer was closed meanwhile."""
        if self._closed:
            self._discard(worker)
        else:
            self._idle.append(worker)

    def _discard(self, worker: _Worker) -> None:
        """Kill the worker; `close` waits for the ones still ending."""
        self._live.discard(worker)
        worker.kill()
        reaped = asyncio.ensure_future(worker.proc.wait())
        self._reaping.add(reaped)
        reaped.add_done_callback(self._reaping.discard)

    async def close(self) -> None:
        """Stop every worker and wait for each to be gone; a chart asked for after this is refused."""
        self._closed = True
        workers, self._idle = list(self._live), []
        self._live.clear()
        await asyncio.gather(*(w.stop() for w in workers), *self._reaping)
