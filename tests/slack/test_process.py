"""`python -m bot run` with Slack, in a process of its own against the fake Slack (HOTLINE_SLACK_API_URL).

What a person running Hotline sees: the exit code, the one line on standard error when Slack cannot
be used, commands answered in both transports, and how long SIGTERM takes, even while Socket Mode
is reconnecting to a Slack that went away.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time
from pathlib import Path

import pytest

from tests.bot_process import DRAWING_STACK, BotProcess, assert_one_clear_line, children, drawing_stack, free_port
from tests.slack.conftest import SlackWorld
from tests.slack.fake import FakeSlack, Sender
from tests.test_chart_process import gone


async def start(env: dict[str, str], db: Path) -> BotProcess:
    return await BotProcess.launch(["bot", "run"], env=env, db=db)


def socket_env(fake: FakeSlack, world: SlackWorld, token: str | None = None) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": token or world.hq.bot_token,
        "SLACK_APP_TOKEN": fake.app_token,
        "HOTLINE_SLACK_API_URL": fake.base_url,
    }


async def run_to_end(env: dict[str, str], db: Path) -> tuple[int, str]:
    bot = await start(env, db)
    try:
        return await bot.finish(30)
    finally:
        await bot.kill()


async def test_a_rejected_token_ends_with_one_line_naming_slack_and_the_token(
    fake: FakeSlack, world: SlackWorld, tmp_path: Path
) -> None:
    code, stderr = await run_to_end(socket_env(fake, world, "xoxb-not-the-token"), tmp_path / "h.db")
    assert code == 1, stderr
    assert_one_clear_line(stderr, "slack: Slack refused the bot token (invalid_auth from auth.test)", "SLACK_BOT_TOKEN")
    assert "xoxb-not-the-token" not in stderr


async def test_a_missing_scope_ends_with_one_line_naming_it(fake: FakeSlack, world: SlackWorld, tmp_path: Path) -> None:
    world.hq.scopes.discard("usergroups:read")
    code, stderr = await run_to_end(socket_env(fake, world), tmp_path / "h.db")
    assert code == 1, stderr
    assert_one_clear_line(stderr, "slack: the bot token lacks the scope usergroups:read", "reinstall")


async def test_an_unreachable_slack_ends_with_one_line(fake: FakeSlack, world: SlackWorld, tmp_path: Path) -> None:
    env = socket_env(fake, world) | {"HOTLINE_SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"}
    code, stderr = await run_to_end(env, tmp_path / "h.db")
    assert code == 1, stderr
    assert_one_clear_line(stderr, "slack: cannot reach Slack at 127.0.0.1", "HOTLINE_SLACK_API_URL")


async def test_a_rejected_app_token_ends_with_one_line(fake: FakeSlack, world: SlackWorld, tmp_path: Path) -> None:
    env = socket_env(fake, world) | {"SLACK_APP_TOKEN": "xapp-1-wrong"}
    code, stderr = await run_to_end(env, tmp_path / "h.db")
    assert code == 1, stderr
    assert_one_clear_line(stderr, "slack: Slack refused the app-level token", "SLACK_APP_TOKEN")


async def test_socket_mode_answers_and_sigterm_ends_it_promptly_while_slack_is_gone(
    fake: FakeSlack, world: SlackWorld, sender: Sender, tmp_path: Path
) -> None:
    bot = await start(socket_env(fake, world), tmp_path / "h.db")
    try:
        await bot.line_matching(r"Slack ready: Socket Mode", within=30)
        ix = await sender.slash(world.hq, world.owner, world.general, "/hotline", "help", transport="socket")
        assert ix.ack.ok
        [answer] = await sender.responses(ix)
        assert "Hotline" in (answer.text or "")
        await fake.stop()  # Slack goes away: slack_sdk keeps trying to reconnect
        await asyncio.sleep(1.5)
        sent = time.monotonic()
        bot.proc.send_signal(signal.SIGTERM)
        code, stderr = await bot.finish(12)
        took = time.monotonic() - sent
    finally:
        await bot.kill()
    assert code == 0, stderr
    assert took < 10.0, f"{took:.1f} s to stop:\n{stderr}"
    assert "stopping: closing slack" in stderr and stderr.rstrip().endswith("stopped")
    assert world.hq.bot_token not in stderr and fake.app_token not in stderr


async def test_http_mode_answers_signed_requests_on_its_port(
    fake: FakeSlack, world: SlackWorld, sender: Sender, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": world.hq.bot_token,
        "SLACK_SIGNING_SECRET": fake.signing_secret,
        "HOTLINE_SLACK_PORT": str(port),
        "HOTLINE_SLACK_API_URL": fake.base_url,
    }
    bot = await start(env, tmp_path / "h.db")
    try:
        await bot.line_matching(r"Slack ready: HTTP on", within=30)
        fake.app_url = f"http://127.0.0.1:{port}/slack/events"
        ix = await sender.slash(world.hq, world.owner, world.general, "/lastcall", "")
        assert ix.ack.ok
        [answer] = await sender.responses(ix)
        assert answer.response_type == "ephemeral"  # nothing recorded yet: a private note
        bot.proc.send_signal(signal.SIGTERM)
        code, stderr = await bot.finish(10)
    finally:
        await bot.kill()
    assert code == 0, stderr
    assert "As you gave `client`" not in stderr  # no warning about a token slack-bolt would not use


@pytest.mark.parametrize("extra", [{"SLACK_SIGNING_SECRET": "x"}, {}])
async def test_slack_settings_are_checked_before_anything_starts(tmp_path: Path, extra: dict[str, str]) -> None:
    code, stderr = await run_to_end({"SLACK_BOT_TOKEN": "not-a-bot-token", **extra}, tmp_path / "h.db")
    assert code == 2, stderr
    assert_one_clear_line(stderr, "SLACK_BOT_TOKEN must be a bot token")


async def test_the_slack_bot_draws_in_a_child_and_never_loads_matplotlib_itself(
    fake: FakeSlack, world: SlackWorld, sender: Sender, tmp_path: Path
) -> None:
    bot = await start(socket_env(fake, world), tmp_path / "h.db")
    bot.read_in_background()

    async def run(text: str) -> str:
        ix = await sender.slash(world.hq, world.owner, world.general, "/hotline", text, transport="socket")
        [answer] = await sender.responses(ix, within=30)
        return answer.text or ""

    try:
        await bot.line_matching(r"Slack ready: Socket Mode", within=30)
        day = (dt.date.today() - dt.timedelta(days=3)).isoformat()
        assert "Recorded event #" in await run(f'event add date:{day} us:Blinken cn:"Wang Yi" kind:call')
        assert children(bot.proc.pid) == []  # no drawing process before the first chart
        assert "Contacts by track" in await run("timeline")
        await fake.wait_until(lambda: any(f["shared"] for f in fake.files.values()), 30)
        [drawer] = children(bot.proc.pid)
        assert drawing_stack(bot.proc.pid) == []
        assert drawing_stack(drawer) == list(DRAWING_STACK)
        bot.proc.send_signal(signal.SIGTERM)
        code, stderr = await bot.finish(12)
    finally:
        await bot.kill()
    assert code == 0, stderr
    assert gone(drawer), "the drawing process outlived the bot"
