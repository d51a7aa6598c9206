"""bot/runtime/loop.py: Hotline's processes run on uvloop where it is installed, on asyncio's loop where
it is not, and both run a coroutine to its end as asyncio.run does."""

from __future__ import annotations

import asyncio
import builtins
from typing import Any

import pytest

from bot.runtime import loop


async def which() -> tuple[str, int]:
    await asyncio.sleep(0)
    return loop.loop_name(), 42


def test_it_runs_on_uvloop_where_installed() -> None:
    assert loop.run(which()) == ("uvloop", 42)


def test_without_uvloop_it_runs_on_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_uvloop(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "uvloop":
            raise ImportError("no uvloop on this platform")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_uvloop)
    assert loop.run(which()) == ("asyncio", 42)


def test_an_exception_comes_out_as_from_asyncio_run() -> None:
    async def fails() -> None:
        raise ValueError("the coroutine's own")

    with pytest.raises(ValueError, match="the coroutine's own"):
        loop.run(fails())
