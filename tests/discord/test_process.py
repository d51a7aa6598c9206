"""`python -m bot run` in a process of its own against the fake Discord: starting, failing to start, stopping.

These run the real entrypoint (tests/discord/launch.py only points discord.py at the fake) and look
at what a person running Hotline would see: the exit code, the lines on standard error, and how long
SIGTERM takes to end the process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.bot_process import DRAWING_STACK, BotProcess, assert_one_clear_line, children, drawing_stack, free_port
from tests.discord.conftest import build_world, reply_to
from tests.discord.fake import FakeDiscord, Shown
from tests.discord.fake.interactions import SLASH, base_payload, command_data
from tests.test_chart_process import gone

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module")
async def own_fake() -> AsyncIterator[FakeDiscord]:
    """A fake Discord of this test's own: some tests stop it, which the shared one must not suffer."""
    fake = FakeDiscord()
    world = build_world()
    fake.add_guild(world.hq)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


async def start(api: str, gateway: str, *args: str, env: dict[str, str], db: Path) -> BotProcess:
    """`python -m bot …` with discord.py pointed at the fake (tests/discord/launch.py)."""
    return await BotProcess.launch(["tests.discord.launch", api, gateway, *args], env=env, db=db)


async def test_a_rejected_token_ends_with_one_line_naming_discord_and_the_token(
    own_fake: FakeDiscord, tmp_path: Path
) -> None:
    bot = await start(
        own_fake.api_url, own_fake.gateway_url, "run", env={"DISCORD_TOKEN": "not-the-token"}, db=tmp_path / "h.db"
    )
    try:
        code, stderr = await bot.finish(30)
    finally:
        await bot.kill()
    assert code == 1, stderr
    assert_one_clear_line(stderr, "discord:", "401", "DISCORD_TOKEN")
    assert "not-the-token" not in stderr


async def test_an_unreachable_discord_ends_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    port = free_port()
    api, gateway = f"http://127.0.0.1:{port}/api/v10", f"ws://127.0.0.1:{port}/gateway"
    bot = await start(api, gateway, "run", env={"DISCORD_TOKEN": "some-token"}, db=tmp_path / "h.db")
    try:
        code, stderr = await bot.finish(30)
    finally:
        await bot.kill()
    assert code == 1, stderr
    assert_one_clear_line(stderr, "discord: cannot reach Discord at 127.0.0.1", "check the network")
    assert "some-token" not in stderr


async def test_sigterm_ends_the_process_promptly_while_discord_is_unreachable(
    own_fake: FakeDiscord, tmp_path: Path
) -> None:
    bot = await start(
        own_fake.api_url, own_fake.gateway_url, "run", env={"DISCORD_TOKEN": own_fake.token}, db=tmp_path / "h.db"
    )
    try:
        await bot.line_matching(r"connected as Hotline", within=30)
        await own_fake.stop()  # Discord goes away: discord.py retries with a growing backoff
        # Wait for a backoff long enough that a close which does not end it would be seen.
        while True:
            found = await bot.line_matching(r"Attempting a reconnect in (\d+\.\d+)s", within=60)
            bot.lines = [x for x in bot.lines if found.group(0) not in x]  # the next match is a later attempt
            if float(found.group(1)) >= 3.5:
                break
        sent = time.monotonic()
        bot.proc.send_signal(signal.SIGTERM)
        code, stderr = await bot.finish(10)
        took = time.monotonic() - sent
    finally:
        await bot.kill()
    assert code == 0, stderr
    # Under 3 s: sooner than the backoff would end, and sooner than the runtime's own bound on a
    # platform's stop (4 s), so it is the Discord platform itself that ends its sleeping task.
    assert took < 3.0, f"{took:.1f} s to stop:\n{stderr}"
    assert "stopping: closing discord" in stderr and stderr.rstrip().endswith("stopped")


async def test_a_start_shows_no_voice_warnings(own_fake: FakeDiscord, tmp_path: Path) -> None:
    bot = await start(
        own_fake.api_url, own_fake.gateway_url, "run", env={"DISCORD_TOKEN": own_fake.token}, db=tmp_path / "h.db"
    )
    try:
        await bot.line_matching(r"connected as Hotline", within=30)
        bot.proc.send_signal(signal.SIGTERM)
        code, stderr = await bot.finish(10)
    finally:
        await bot.kill()
    assert code == 0, stderr
    assert "PyNaCl" not in stderr and "davey" not in stderr and "voice" not in stderr.lower(), stderr
    assert "discord started" in stderr  # the log itself is not silenced
    # Hotline's processes run on uvloop where it is installed (bot/runtime/loop.py), as here.
    assert "discord started (on the uvloop event loop)" in stderr, stderr


async def test_a_sharded_process_serves_healthz_and_metrics_until_it_stops(
    own_fake: FakeDiscord, tmp_path: Path
) -> None:
    import aiohttp

    port = free_port()
    env = {
        "DISCORD_TOKEN": own_fake.token,
        "HOTLINE_HTTP_PORT": str(port),
        "HOTLINE_DISCORD_SHARDS": "0",
        "HOTLINE_DISCORD_SHARD_COUNT": "1",
    }
    bot = await start(own_fake.api_url, own_fake.gateway_url, "run", env=env, db=tmp_path / "h.db")
    base = f"http://127.0.0.1:{port}"
    try:
        await bot.line_matching(rf"serving /healthz and /metrics on http://127.0.0.1:{port}", within=30)
        async with aiohttp.ClientSession() as session:
            for _ in range(100):  # 503 until the shard is connected and ready
                async with session.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        body = await response.json()
                        break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"/healthz never became 200:\n{''.join(bot.lines)}")
            assert body == {"status": "ok", "store": "ok", "platforms": {"discord": "connected"}}
            assert any(g.shard == (0, 1) for g in own_fake.gateways), "the process identified with its shard"
            async with session.get(f"{base}/metrics") as response:
                assert response.status == 200
                assert 'hotline_platform_connected{platform="discord"} 1.0' in await response.text()
        bot.proc.send_signal(signal.SIGTERM)
        code, stderr = await bot.finish(10)
    finally:
        await bot.kill()
    assert code == 0, stderr
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


async def test_the_bot_draws_its_charts_in_a_child_and_never_loads_matplotlib_itself(tmp_path: Path) -> None:
    fake = FakeDiscord()
    world = build_world()
    fake.add_guild(world.hq)
    await fake.start()
    env = {"DISCORD_TOKEN": fake.token, "HOTLINE_DEV_GUILD": str(world.hq.id)}
    bot = await start(fake.api_url, fake.gateway_url, "run", env=env, db=tmp_path / "h.db")
    bot.read_in_background()

    async def slash(command: str, **options: Any) -> Shown:
        channel = world.hq.channel("general")
        payload = base_payload(fake.app_id, SLASH, world.hq, world.owner, channel)
        payload["data"] = command_data(fake.commands_for(world.hq.id), command, options, world.hq)
        return await reply_to(fake, await fake.send_interaction(payload), 30)

    try:
        await bot.line_matching(r"connected as Hotline", within=30)
        await fake.wait_until(lambda: world.hq.id in fake.guild_commands, 10)
        assert children(bot.proc.pid) == []  # no drawing process before the first chart
        today = dt.date.today()
        for back, us in ((40, "Austin"), (3, "Blinken")):
            day = (today - dt.timedelta(days=back)).isoformat()
            added = await slash("event add", date=day, us=us, cn="Wang Yi", kind="call")
            assert added.title.startswith("Recorded event #"), added.text
        timeline = await slash("timeline")
        digest = await slash("digest preview", days=7)
        for shown, filename in ((timeline, "timeline.png"), (digest, "contacts-12-months.png")):
            [attachment] = shown.attachments
            assert attachment["filename"] == filename
            assert fake.attachment(shown.raw, filename)[1].startswith(b"\x89PNG")
        [drawer] = children(bot.proc.pid)
        assert drawing_stack(bot.proc.pid) == []
        assert drawing_stack(drawer) == list(DRAWING_STACK)
        bot.proc.send_signal(signal.SIGTERM)
        code, stderr = await bot.finish(10)
    finally:
        await bot.kill()
        await fake.stop()
    assert code == 0, stderr
    assert gone(drawer), "the drawing process outlived the bot"
    assert f"drawing process {drawer} started" in stderr
