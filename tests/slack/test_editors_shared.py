"""Slack over HTTP in two Hotline runtimes on one database (each its own store, as two processes behind
a load balancer), on each backend: who may edit, as set in one, holds in the other.

The editor group is read from the store at each write, so a group set through one process is honoured
by the other at once. What each keeps of Slack's answers (a team's admins, a group's members) is dropped
when `/hotline editors` runs in either: the other hears it on the change feed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.service import Runtime
from bot.slack.editors import Editors
from bot.slack.platform import SlackPlatform
from commands.context import FixedClock
from config.settings import Settings, SlackSettings
from storage.changes import EVERYTHING, Change
from tests.conftest import OpenStore
from tests.slack.conftest import SlackWorld
from tests.slack.fake import FakeSlack, FakeUser, Sender
from tests.slack.harness import NOW, Shown, fast_retries

BOUND = 5.0  # for the change feed to reach the other runtime; the measured figures are in docs/SCALING.md


class Balancer:
    """Two runtimes serving the same Slack app; each request goes to the one the test names."""

    def __init__(self, fake: FakeSlack, world: SlackWorld, sender: Sender, runtimes: list[Runtime]) -> None:
        self.fake = fake
        self.world = world
        self.sender = sender
        self.runtimes = runtimes

    def url(self, which: int) -> str:
        [platform] = self.runtimes[which].platforms
        assert isinstance(platform, SlackPlatform) and platform.url is not None
        return platform.url

    def platform(self, which: int) -> SlackPlatform:
        [platform] = self.runtimes[which].platforms
        assert isinstance(platform, SlackPlatform)
        return platform

    async def run(self, which: int, text: str, user: FakeUser) -> Shown:
        self.fake.app_url = self.url(which)
        ix = await self.sender.slash(self.world.hq, user, self.world.general, "/hotline", text, transport="http")
        assert ix.ack.ok, ix.ack
        [post] = await self.sender.responses(ix)
        return Shown(post)


@pytest.fixture
async def balancer(
    fake: FakeSlack, world: SlackWorld, sender: Sender, backend_opener: OpenStore, tmp_path: Path
) -> AsyncIterator[Balancer]:
    slack = SlackSettings(bot_token=world.hq.bot_token, signing_secret=fake.signing_secret, api_url=fake.base_url)
    runtimes: list[Runtime] = []
    try:
        for _ in range(2):
            store = await backend_opener()
            runtime = Runtime(Settings(db_path=tmp_path / "unused.db", slack=slack), store, FixedClock(NOW))
            platform = SlackPlatform.from_runtime(runtime, host="127.0.0.1", port=0, handlers=fast_retries())
            await runtime.start([platform])
            runtimes.append(runtime)
        yield Balancer(fake, world, sender, runtimes)
    finally:
        for runtime in runtimes:
            await runtime.stop()


def event(day: str) -> str:
    return f'event add date:{day} us:"Lloyd J. Austin III" cn:"Wei Fenghe" kind:call'


async def test_an_editor_group_set_in_one_process_is_honoured_in_the_other_at_once(balancer: Balancer) -> None:
    w = balancer.world
    refused = await balancer.run(1, event("2022-04-20"), w.analyst)
    assert "only editors" in (refused.post.text or "")  # and the second process keeps Slack's answer
    group = f"editors <!subteam^{w.analysts.id}|@analysts>"
    assert (await balancer.run(0, group, w.admin)).title == "Editors set"
    # No wait: the group is read from the store at each write.
    recorded = await balancer.run(1, event("2022-04-20"), w.analyst)
    assert recorded.title == "Recorded event #1"


async def test_setting_the_group_again_in_one_process_drops_what_the_other_kept(balancer: Balancer) -> None:
    w = balancer.world
    group = f"editors <!subteam^{w.analysts.id}|@analysts>"
    before = balancer.runtimes[1].changes.heard
    await balancer.run(0, group, w.admin)
    # The second process hears of that first setting before it asks Slack: heard later (SQLite's poll,
    # on a loaded machine), it would drop the answer kept below and the test would prove nothing.
    began = time.monotonic()
    while balancer.runtimes[1].changes.heard == before:
        assert time.monotonic() - began < 5, "the second process never heard the group being set"
        await asyncio.sleep(0.02)
    assert (await balancer.run(1, event("2022-04-20"), w.analyst)).title == "Recorded event #1"
    # Slack adds the reader to the group; the second process still holds the group's old members.
    w.analysts.users.append(w.reader.id)
    refused = await balancer.run(1, event("2022-04-21"), w.reader)
    assert "only editors" in (refused.post.text or "")
    # An admin sets the group again through the first process, as one does to have Slack asked anew.
    kept = balancer.platform(1).hotline.editors
    assert kept.known_teams() == {w.hq.id}
    heard = balancer.runtimes[1].changes.heard
    await balancer.run(0, group, w.admin)
    began = time.monotonic()
    while balancer.runtimes[1].changes.heard == heard or kept.known_teams():
        assert time.monotonic() - began < BOUND, "the second process did not hear the change"
        await asyncio.sleep(0.005)
    recorded = await balancer.run(1, event("2022-04-21"), w.reader)
    assert recorded.title == "Recorded event #2"


class StubSlack:
    """What Editors asks of Slack: nobody is an admin, and every group has one member."""

    async def users_info(self, user: str) -> dict[str, object]:
        return {"user": {"id": user, "is_admin": False, "is_owner": False}}

    async def usergroups_users_list(self, usergroup: str) -> dict[str, object]:
        return {"users": ["U1"]}


async def test_editors_follow_only_changes_to_slack_workspace_settings() -> None:
    editors = Editors(FixedClock(NOW))
    client = cast(AsyncWebClient, StubSlack())
    for team in ("T1", "T2"):
        assert await editors.is_editor(client, team, "U1", "S1")
    assert editors.known_teams() == {"T1", "T2"}
    for unrelated in (Change("slack:T1", "event"), Change("discord:T1", "workspace"), Change(None, "subscription")):
        editors.follow(unrelated)
    assert editors.known_teams() == {"T1", "T2"}
    editors.follow(Change("slack:T1", "workspace"))
    assert editors.known_teams() == {"T2"}
    editors.follow(Change(None, "workspace"))  # a workspace the feed could not name: any of them
    assert editors.known_teams() == set()
    assert await editors.is_editor(client, "T2", "U1", "S1")
    editors.follow(EVERYTHING)
    assert editors.known_teams() == set()
