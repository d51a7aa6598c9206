"""commands.common.together: independent reads sent together where the store's reads are round trips,
one after the other where they are local calls; results in order either way, and after a failure the
reads not yet started are closed, never left unawaited."""

from __future__ import annotations

import asyncio
import inspect
from types import SimpleNamespace
from typing import cast

import pytest

from commands.common import together
from commands.context import Ctx


def ctx_of(reads_overlap: bool) -> Ctx:
    return cast(Ctx, SimpleNamespace(store=SimpleNamespace(reads_overlap=reads_overlap)))


async def test_round_trips_overlap_and_local_reads_run_in_turn() -> None:
    running: list[str] = []
    most = 0

    async def read(name: str) -> str:
        nonlocal most
        running.append(name)
        most = max(most, len(running))
        await asyncio.sleep(0.01)
        running.remove(name)
        return name.upper()

    assert await together(ctx_of(True), read("a"), read("b"), read("c")) == ("A", "B", "C")
    assert most == 3
    most = 0
    assert await together(ctx_of(False), read("a"), read("b"), read("c")) == ("A", "B", "C")
    assert most == 1


async def test_after_a_failure_in_turn_the_rest_are_closed_not_left_unawaited() -> None:
    started: list[str] = []

    async def read(name: str) -> str:
        started.append(name)
        if name == "b":
            raise LookupError("b failed")
        return name

    last = read("c")
    with pytest.raises(LookupError, match="b failed"):
        await together(ctx_of(False), read("a"), read("b"), last)
    assert started == ["a", "b"]
    # Closed: never run, and no "coroutine … was never awaited" when it is collected.
    assert inspect.getcoroutinestate(last) == inspect.CORO_CLOSED
