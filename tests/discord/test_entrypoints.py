"""`python -m bot run` and `python -m bot sync`: serve and sync_commands against the fake."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.discord.platform import sync_commands
from bot.runtime.service import serve
from commands.context import CoreSettings, FixedClock
from commands.surface import COMMANDS
from config.settings import DiscordSettings, Settings, SettingsError
from storage.sqlite.store import SqliteStore
from tests.discord.conftest import NOW, CollectedLogs, World
from tests.discord.fake import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module")
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = await SqliteStore.open(tmp_path / "hotline.db")
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
def installed(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    fake.reset()
    with fake.installed():
        yield fake
    assert not fake.rejections, fake.rejections


async def test_sync_registers_every_command_globally_and_nothing_else(
    installed: FakeDiscord, store: SqliteStore, logs: CollectedLogs
) -> None:
    await sync_commands(DiscordSettings(token=installed.token), store, FixedClock(NOW), CoreSettings())
    tops = {name.split()[0] for name, c in COMMANDS.items() if not c.hidden}
    assert {c["name"] for c in installed.global_commands} == tops
    assert installed.guild_commands == {}
    assert [r.method for r in installed.requests if r.method != "GET"] == ["PUT"]
    assert not installed.gateways  # a sync never connects to the gateway
    assert not [r for r in logs.records if installed.token in r.getMessage()]


async def test_no_token_is_a_clear_settings_error(store: SqliteStore) -> None:
    with pytest.raises(SettingsError, match="DISCORD_TOKEN"):
        await serve(Settings(db_path=Path("unused")), store, FixedClock(NOW))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_closes_the_gateway_and_returns(
    installed: FakeDiscord, world: World, store: SqliteStore, logs: CollectedLogs, sig: signal.Signals
) -> None:
    settings = Settings(db_path=Path("unused"), discord=DiscordSettings(token=installed.token, dev_guild=world.hq.id))
    task = asyncio.create_task(serve(settings, store, FixedClock(NOW)))
    await installed.wait_until(lambda: (world.hq.id in installed.guild_commands and installed.gateways) or task.done())
    assert not task.done(), task
    # serve handles the signal itself; without its handler this would stop the test run.
    assert signal.getsignal(sig) not in (signal.SIG_DFL, signal.default_int_handler)
    os.kill(os.getpid(), sig)
    await asyncio.wait_for(task, 5)
    await installed.wait_until(lambda: not installed.gateways)
    messages = [r.getMessage() for r in logs.records]
    assert "stopped" in messages
    assert not [m for m in messages if installed.token in m]
    assert not [r for r in logs.records if r.name.startswith("discord") and r.levelno >= logging.ERROR]
    # The store stays open for the caller to close.
    assert await store.event_count("discord:1") == 0
