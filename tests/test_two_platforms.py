"""One Hotline process with Discord and Slack (and a console subscription) on one store and one scheduler.

Each digest reaches its own platform once, across a restart; the console's subscription, which no
platform can post, is set aside with a reason and stops nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.discord.info import DISCORD
from bot.discord.platform import DiscordPlatform
from bot.runtime.service import Runtime
from bot.slack.info import SLACK
from bot.slack.platform import SlackPlatform
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.platform import PLAIN, PlatformInfo
from commands.surface import dispatch
from config.settings import DiscordSettings, Settings, SlackSettings
from storage.contract import StoreContract
from storage.sqlite.store import SqliteStore
from tests.discord.conftest import build_world as discord_world
from tests.discord.fake import FakeDiscord
from tests.slack.conftest import PROXY_VARIABLES
from tests.slack.conftest import build_world as slack_world
from tests.slack.fake import FakeSlack
from tests.slack.harness import fast_retries

SUBSCRIBED = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)
DUE = dt.datetime(2022, 4, 28, 9, 0, tzinfo=dt.UTC)  # Thursday 09:00 UTC


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:  # slack_sdk would send 127.0.0.1 through a proxy (it ignores NO_PROXY)
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeDiscord, FakeSlack]]:
    discord, slack = FakeDiscord(), FakeSlack()
    await discord.start()
    await slack.start()
    try:
        yield discord, slack
    finally:
        await slack.stop()
        await discord.stop()


async def direct(
    store: StoreContract, clock: FixedClock, platform: PlatformInfo, ws: str, command: str, **args: str
) -> None:
    caller = Caller(ws, "setup", "Set-up", is_editor=True)
    await dispatch(Ctx(store, caller, clock, CoreSettings(), platform), command, args)


async def start(settings: Settings, store: StoreContract, clock: FixedClock, slack_fake: FakeSlack) -> Runtime:
    runtime = Runtime(settings, store, clock)
    discord = DiscordPlatform.from_runtime(runtime)
    slack = SlackPlatform.from_runtime(runtime, host="127.0.0.1", port=0, handlers=fast_retries())
    await runtime.start([discord, slack])
    assert runtime.scheduler_start is not None
    await runtime.scheduler_start  # the catch-up of missed digests
    return runtime


async def test_each_digest_reaches_its_own_platform_once(fakes: tuple[FakeDiscord, FakeSlack], tmp_path: Path) -> None:
    discord_fake, slack_fake = fakes
    dw, sw = discord_world(), slack_world(slack_fake)
    discord_fake.add_guild(dw.hq)
    clock = FixedClock(SUBSCRIBED)
    store = await SqliteStore.open(tmp_path / "hotline.db")
    d_ws, s_ws, c_ws = f"discord:{dw.hq.id}", f"slack:{sw.hq.id}", "console:local"
    d_channel = dw.hq.channel("digest")
    for platform, ws, channel in ((DISCORD, d_ws, str(d_channel.id)), (SLACK, s_ws, sw.general.id), (PLAIN, c_ws, "x")):
        await direct(store, clock, platform, ws, "digest subscribe", channel=channel, weekday="thursday", time="09:00")
        await direct(store, clock, platform, ws, "event add", date="2022-04-27", us="Abbott", cn="Wang Yi", kind="call")
    settings = Settings(
        db_path=Path("unused"),
        discord=DiscordSettings(token=discord_fake.token),
        slack=SlackSettings(bot_token=sw.hq.bot_token, app_token=slack_fake.app_token, api_url=slack_fake.base_url),
    )
    clock.at = DUE + dt.timedelta(hours=1)  # Hotline was down at the send time and starts an hour later
    try:
        with discord_fake.installed():
            for _ in range(2):  # and once more: nothing is posted twice
                runtime = await start(settings, store, clock, slack_fake)
                await runtime.stop()
        assert len(discord_fake.posts(d_channel.id)) == 1
        # On Discord it is one message whose embed shows the file uploaded with it.
        [chart] = discord_fake.posts(d_channel.id)[0]["attachments"]
        assert discord_fake.posts(d_channel.id)[0]["embeds"][0]["image"]["url"] == f"attachment://{chart['filename']}"
        # On Slack the digest's chart follows its text as a file.
        assert [bool(m.files) for m in slack_fake.posts(sw.general.id)] == [False, True]
        assert slack_fake.posts(sw.general.id)[0].text.startswith("Weekly digest: Apr 21, 2022 to Apr 27, 2022")
        subs = {s.workspace: s for s in await store.subscriptions()}
        assert subs[d_ws].last_error is None and subs[s_ws].last_error is None
        console_error = subs[c_ws].last_error
        assert console_error and "no running Hotline posts to console workspaces (running: discord, slack)" in (
            console_error
        )
    finally:
        await store.close()
