"""SlackPlatform's own failure paths, in this process: what start says, and digests it cannot post."""

from __future__ import annotations

import socket

import pytest

from bot.runtime.platform import StartupError
from bot.runtime.service import Runtime
from bot.slack.platform import SlackPlatform
from tests.slack.harness import SlackHarness, fast_retries


async def test_a_slack_server_error_at_start_says_so(hotline: SlackHarness) -> None:
    hotline.fake.fail("auth.test", status=503, times=5)
    runtime = Runtime(hotline.settings(), hotline.store, hotline.clock)
    platform = SlackPlatform.from_runtime(runtime, host="127.0.0.1", port=0, handlers=fast_retries())
    with pytest.raises(StartupError, match=r"slack: Slack answered 503 service_unavailable to auth.test"):
        await platform.start()


async def test_a_port_in_use_says_which_setting_to_change(hotline: SlackHarness) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        runtime = Runtime(hotline.settings(), hotline.store, hotline.clock)
        platform = SlackPlatform.from_runtime(runtime, host="127.0.0.1", port=port, handlers=fast_retries())
        with pytest.raises(StartupError, match=rf"slack: cannot listen on 127.0.0.1:{port} .*HOTLINE_SLACK_PORT"):
            await platform.start()
        await platform.stop()


async def test_a_bot_token_posts_for_its_own_team_only(hotline: SlackHarness) -> None:
    poster = hotline.platform.poster()
    assert poster is not None
    assert poster.unavailable(hotline.workspace()) is None
    other = poster.unavailable(hotline.workspace(hotline.world.other))
    assert other is not None and "install it in the other team" in other
    assert poster.unavailable("discord:1") == "discord:1 is not a Slack team"


async def test_a_revoked_token_pauses_the_digest_and_says_to_reinstall(hotline: SlackHarness) -> None:
    await hotline.run(f"digest subscribe <#{hotline.world.general.id}|general> weekday:thursday time:09:00")
    await hotline.direct("event add", date="2022-04-27", us="Abbott", cn="Wang Yi", kind="call")
    [sub] = await hotline.store.subscriptions(hotline.workspace())
    hotline.fake.fail("chat.postMessage", error="token_revoked")
    hotline.clock.at = hotline.clock.at.replace(day=28, hour=9)
    assert await hotline.runtime.delivery.run_due(sub.id) == "failed"
    [after] = await hotline.store.subscriptions(hotline.workspace())
    assert after.paused and after.last_error and "Slack refused Hotline's token (token_revoked)" in after.last_error


@pytest.mark.parametrize("mode", ["oauth"], indirect=True)
async def test_a_team_that_uninstalled_pauses_its_digest(hotline: SlackHarness) -> None:
    other = hotline.world.other
    channel = other.channel("general")
    await hotline.run(f"digest subscribe <#{channel.id}|general> weekday:thursday time:09:00", team=other)
    [sub] = await hotline.store.subscriptions(hotline.workspace(other))
    await hotline.store.delete_installation("1234.5678", None, other.id)
    hotline.clock.at = hotline.clock.at.replace(day=28, hour=9)
    assert await hotline.runtime.delivery.run_due(sub.id) == "failed"
    [after] = await hotline.store.subscriptions(hotline.workspace(other))
    assert after.paused and after.last_error and "no longer installed" in after.last_error
