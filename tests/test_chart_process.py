"""charts/process.py and charts/worker.py with real worker processes: the bytes are render_png's, a
worker killed or stuck mid-drawing costs that chart a ChartError and is replaced, charts asked for
together are all drawn, close leaves no process behind; and /timeline and /digest preview keep their
text when their chart cannot be drawn."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.transfer_cli import import_file
from charts import wire
from charts.drawer import ChartError, ThreadDrawer
from charts.process import ProcessDrawer
from charts.timeline import FULL, SMALL, Latest, Mark, TimelineData, render_png
from charts.worker import serve
from commands.context import FixedClock
from commands.reply import render_text
from storage.sqlite.store import SqliteStore
from tests.conftest import WS, Runner
from tests.test_timeline import RECORD_2020_2022
from tests.test_timeline_chart import sample_data

ROOT = Path(__file__).resolve().parents[1]


def gone(pid: int) -> bool:
    """Whether the process has ended and been reaped (no zombie left either)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def broken() -> TimelineData:
    """Data that cannot be drawn, nor sent to the drawing process: a mark with no day."""
    return TimelineData("broken", "", ("a",), (Mark(0, None, "call", "held", 1),))  # type: ignore[arg-type]


def undrawable() -> TimelineData:
    """Data that travels but that render_png cannot draw: a grain it does not know."""
    day = sample_data().marks[0].day
    return dataclasses.replace(sample_data(), grain="fortnight", latest=Latest(0, day, "call"))  # type: ignore[arg-type]


@pytest.fixture
async def drawer() -> AsyncIterator[ProcessDrawer]:
    drawer = ProcessDrawer(timeout=5.0)
    try:
        yield drawer
    finally:
        await drawer.close()


async def test_the_process_draws_the_same_bytes_as_this_process(drawer: ProcessDrawer) -> None:
    data = sample_data()
    assert await drawer.draw(data, FULL) == render_png(data, FULL)
    assert await drawer.draw(data, SMALL) == render_png(data, SMALL)
    [pid] = drawer.pids()
    assert await drawer.draw(data, FULL) == render_png(data, FULL)
    assert drawer.pids() == [pid]  # kept, not started again


async def test_a_worker_killed_mid_drawing_fails_that_chart_and_the_next_starts_anew(drawer: ProcessDrawer) -> None:
    await drawer.draw(sample_data(), FULL)
    [pid] = drawer.pids()
    os.kill(pid, signal.SIGSTOP)  # held mid-request: the request below is in its pipe, unanswered
    pending = asyncio.create_task(drawer.draw(sample_data(), FULL))
    await asyncio.sleep(0.2)
    assert not pending.done()
    os.kill(pid, signal.SIGKILL)  # as the OOM killer does
    with pytest.raises(ChartError, match=r"its drawing process stopped \(killed by signal 9\)"):
        await pending
    assert drawer.pids() == []
    assert await drawer.draw(sample_data(), FULL) == render_png(sample_data(), FULL)
    [new] = drawer.pids()
    assert new != pid and gone(pid)


async def test_a_worker_that_crashes_between_charts_is_replaced_by_the_next_chart(
    drawer: ProcessDrawer, caplog: pytest.LogCaptureFixture
) -> None:
    await drawer.draw(sample_data(), FULL)
    [pid] = drawer.pids()
    os.kill(pid, signal.SIGSEGV)
    for _ in range(50):  # until the loop has seen it end
        await asyncio.sleep(0.05)
        if gone(pid):
            break
    assert await drawer.draw(sample_data(), SMALL) == render_png(sample_data(), SMALL)
    assert drawer.pids() != [pid]
    assert f"the drawing process {pid} ended while idle (killed by signal 11)" in caplog.text


async def test_a_drawing_that_hangs_past_the_timeout_is_killed_and_replaced() -> None:
    drawer = ProcessDrawer(timeout=5.0)
    try:
        await drawer.draw(sample_data(), SMALL)
        [pid] = drawer.pids()
        drawer.timeout = 0.5  # a drawing takes a few hundredths of a second: this one hangs
        os.kill(pid, signal.SIGSTOP)
        started = asyncio.get_running_loop().time()
        with pytest.raises(ChartError, match=r"it took longer than 0.5 s to draw"):
            await drawer.draw(sample_data(), FULL)
        assert asyncio.get_running_loop().time() - started < 3
        assert drawer.pids() == []
        drawer.timeout = 5.0
        assert await drawer.draw(sample_data(), FULL) == render_png(sample_data(), FULL)
        assert drawer.pids() != [pid]
    finally:
        await drawer.close()
    assert gone(pid)


async def test_a_chart_the_worker_cannot_draw_fails_alone_and_the_worker_stays(drawer: ProcessDrawer) -> None:
    await drawer.draw(sample_data(), SMALL)
    [pid] = drawer.pids()
    with pytest.raises(ChartError, match="drawing it failed"):
        await drawer.draw(undrawable(), FULL)
    assert drawer.pids() == [pid]
    with pytest.raises(ChartError, match="drawing it failed"):
        await drawer.draw(broken(), FULL)  # refused before it is sent
    assert drawer.pids() == [pid]
    assert await drawer.draw(sample_data(), FULL) == render_png(sample_data(), FULL)


async def test_charts_asked_for_together_are_all_drawn_in_turn() -> None:
    data = sample_data()
    expected = {FULL: render_png(data, FULL), SMALL: render_png(data, SMALL)}
    sizes = [FULL, SMALL] * 2
    for workers in (1, 2):
        drawer = ProcessDrawer(workers=workers, timeout=10.0)
        try:
            pngs = await asyncio.gather(*(drawer.draw(data, size) for size in sizes))
            assert pngs == [expected[size] for size in sizes]
            assert len(drawer.pids()) == workers
        finally:
            await drawer.close()


async def test_close_leaves_no_process_and_refuses_later_charts() -> None:
    drawer = ProcessDrawer(workers=2)
    await asyncio.gather(drawer.draw(sample_data(), FULL), drawer.draw(sample_data(), SMALL))
    pids = drawer.pids()
    assert len(pids) == 2
    await drawer.close()
    assert all(gone(pid) for pid in pids)
    assert drawer.pids() == []
    with pytest.raises(ChartError, match="the drawing process is stopped"):
        await drawer.draw(sample_data(), FULL)


async def test_close_while_drawing_ends_the_worker_and_fails_that_chart() -> None:
    drawer = ProcessDrawer()
    await drawer.draw(sample_data(), SMALL)
    [pid] = drawer.pids()
    os.kill(pid, signal.SIGSTOP)  # mid-drawing, and deaf to its input ending: killed after the grace
    pending = asyncio.create_task(drawer.draw(sample_data(), FULL))
    await asyncio.sleep(0.1)
    await drawer.close()
    with pytest.raises(ChartError, match="its drawing process stopped"):
        await pending
    assert gone(pid)


async def test_a_cancelled_chart_does_not_leave_its_answer_to_the_next(drawer: ProcessDrawer) -> None:
    await drawer.draw(sample_data(), SMALL)
    [pid] = drawer.pids()
    os.kill(pid, signal.SIGSTOP)
    pending = asyncio.create_task(drawer.draw(sample_data(), FULL))
    await asyncio.sleep(0.1)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    assert drawer.pids() == []
    assert await drawer.draw(sample_data(), SMALL) == render_png(sample_data(), SMALL)
    await asyncio.sleep(0.1)
    assert gone(pid)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["/nonexistent/python"], r"its drawing process could not be started \(No such file or directory\)"),
        ([sys.executable, "-c", "pass"], r"its drawing process did not start \(exit code 0\)"),
        ([sys.executable, "-c", "import time; time.sleep(60)"], r"its drawing process did not start within 0.5 s"),
    ],
)
async def test_a_worker_that_does_not_start_fails_the_chart_clearly(command: list[str], message: str) -> None:
    drawer = ProcessDrawer(command=command, start_timeout=0.5)
    try:
        with pytest.raises(ChartError, match=message):
            await drawer.draw(sample_data(), FULL)
        assert drawer.pids() == []
    finally:
        await drawer.close()


async def test_a_worker_that_answers_out_of_step_is_replaced() -> None:
    # Says READY, then answers a frame of an unknown kind.
    script = "import sys; sys.stdout.buffer.write(b'R'); sys.stdout.flush(); sys.stdin.buffer.read(4);"
    script += "sys.stdout.buffer.write(b'X\\x00\\x00\\x00\\x00'); sys.stdout.flush(); sys.stdin.read()"
    drawer = ProcessDrawer(command=[sys.executable, "-c", script])
    try:
        with pytest.raises(ChartError, match="answered out of step"):
            await drawer.draw(sample_data(), FULL)
        assert drawer.pids() == []
    finally:
        await drawer.close()


def test_the_worker_stops_on_a_cut_request_and_at_the_end_of_its_input() -> None:
    out = io.BytesIO()
    serve(io.BytesIO(b""), out)
    assert out.getvalue() == wire.READY
    with pytest.raises(wire.WireError, match="ended 3 bytes short"):
        serve(io.BytesIO(b"\x00"), io.BytesIO())
    with pytest.raises(wire.WireError, match="a frame of"):
        serve(io.BytesIO(b"\xff\xff\xff\xff"), io.BytesIO())
    frame = wire.request(sample_data(), FULL)
    done = subprocess.run(
        [sys.executable, "-m", "charts.worker"], input=frame[:-10], capture_output=True, cwd=ROOT, check=False
    )
    assert done.returncode == 1 and done.stdout == wire.READY
    assert b"charts.worker: stopping" in done.stderr


@pytest.mark.parametrize("body", [b"not json", b'"a string"', b"{}", b'{"size": [1, 2]}'])
def test_a_request_that_is_not_a_chart_is_refused(body: bytes) -> None:
    with pytest.raises(wire.WireError, match="a request that is not a chart"):
        wire.parse_request(body)


def test_a_chart_travels_whole() -> None:
    data = dataclasses.replace(sample_data(), first=dt.date(2020, 1, 1), last=dt.date(2023, 6, 30), grain="month")
    for size in (FULL, SMALL):
        assert wire.parse_request(wire.request(data, size)[4:]) == (data, size)
        assert wire.parse_request(wire.request(data, size)[4:])[1] is size
    plain = TimelineData("", "", (), ())
    assert wire.parse_request(wire.request(plain, FULL)[4:]) == (plain, FULL)


async def test_the_thread_drawer_turns_a_failure_into_a_chart_error() -> None:
    with pytest.raises(ChartError, match=r"drawing it failed \(AttributeError\)"):
        await ThreadDrawer().draw(broken(), FULL)


# -- the commands' replies when the chart cannot be drawn ----------------------------------------------


@pytest.fixture
async def sample(sqlite_store: SqliteStore, clock: FixedClock) -> SqliteStore:
    summary = await import_file(sqlite_store, clock, WS, RECORD_2020_2022)
    assert summary.added == 33 and not summary.errors
    return sqlite_store


async def test_timeline_and_digest_keep_their_text_when_the_worker_is_killed(
    sample: SqliteStore, clock: FixedClock
) -> None:
    run = Runner(sample, clock)
    drawn = await run("timeline")
    preview = await run("digest preview", days=7)
    drawer = ProcessDrawer(timeout=5.0)
    run.ctx = dataclasses.replace(run.ctx, drawer=drawer)
    try:
        assert (await run("timeline")).image == drawn.image  # the process's bytes, as drawn here
        [pid] = drawer.pids()
        os.kill(pid, signal.SIGSTOP)
        pending = asyncio.create_task(run("timeline"))
        await asyncio.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        reply = await pending
        assert reply.image is None
        lines = render_text(reply).splitlines()
        assert lines[-1] == "The chart could not be drawn: its drawing process stopped (killed by signal 9)."
        assert lines[:-1] == render_text(drawn).splitlines()

        await drawer.draw(sample_data(), SMALL)  # a new worker, held below as the first was
        [pid] = drawer.pids()
        os.kill(pid, signal.SIGSTOP)
        pending = asyncio.create_task(run("digest preview", days=7))
        await asyncio.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        digest = await pending
        assert digest.image is None
        said = "The chart could not be drawn: its drawing process stopped (killed by signal 9)."
        text = render_text(digest).splitlines()
        assert said in text
        assert [t for t in text if t != said] == render_text(preview).splitlines()
        again = await run("digest preview", days=7)
        assert again.image == preview.image and render_text(again) == render_text(preview)
    finally:
        await drawer.close()


async def test_a_chart_past_the_timeout_leaves_the_timeline_its_text(sample: SqliteStore, clock: FixedClock) -> None:
    run = Runner(sample, clock)
    drawer = ProcessDrawer(timeout=5.0)
    run.ctx = dataclasses.replace(run.ctx, drawer=drawer)
    try:
        await drawer.draw(sample_data(), SMALL)
        [pid] = drawer.pids()
        drawer.timeout = 0.5
        os.kill(pid, signal.SIGSTOP)
        reply = await run("timeline", since="2021-01-01")
        assert reply.image is None and not reply.ephemeral
        assert render_text(reply).splitlines()[-1] == "The chart could not be drawn: it took longer than 0.5 s to draw."
    finally:
        await drawer.close()
    assert gone(pid)
