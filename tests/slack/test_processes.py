"""Two `python -m bot run` processes serving Slack over HTTP on one PostgreSQL database, as behind a load
balancer: the test sends each request to the process it names.

What one process is told, the other honours: an editor group set through the first lets its members
write through the second at once; setting the group again through the first drops what the second kept
of Slack's answers (it hears the change on the feed, which its /metrics counts); a subscription made
through the first is scheduled by the second.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.bot_process import BotProcess, free_port
from tests.slack.conftest import SlackWorld
from tests.slack.fake import FakeSlack, FakeUser, Sender
from tests.slack.harness import Shown

START_WITHIN = 60.0
BOUND = 5.0  # for a change to reach the other process; the measured figures are in docs/SCALING.md


@dataclass
class Process:
    bot: BotProcess
    app_url: str
    ops_url: str


class Pair:
    def __init__(self, fake: FakeSlack, world: SlackWorld, sender: Sender, url: str) -> None:
        self.fake = fake
        self.world = world
        self.sender = sender
        self.url = url
        self.processes: list[Process] = []

    async def launch(self) -> Process:
        port, ops = free_port(), free_port()
        env = {
            "SLACK_BOT_TOKEN": self.world.hq.bot_token,
            "SLACK_SIGNING_SECRET": self.fake.signing_secret,
            "HOTLINE_SLACK_PORT": str(port),
            "HOTLINE_SLACK_API_URL": self.fake.base_url,
            "HOTLINE_HTTP_PORT": str(ops),
        }
        bot = await BotProcess.launch(["bot", "run"], env=env, db=self.url)
        bot.read_in_background()
        process = Process(bot, f"http://127.0.0.1:{port}/slack/events", f"http://127.0.0.1:{ops}")
        self.processes.append(process)
        return process

    async def run(self, which: int, text: str, user: FakeUser) -> Shown:
        self.fake.app_url = self.processes[which].app_url
        ix = await self.sender.slash(self.world.hq, user, self.world.general, "/hotline", text, transport="http")
        assert ix.ack.ok, ix.ack
        [post] = await self.sender.responses(ix, within=15)
        return Shown(post)

    async def heard(self, which: int) -> float:
        """How many changes the process heard on the feed, from its /metrics."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.processes[which].ops_url}/metrics") as response,
        ):
            text = await response.text()
        return sum(
            s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
            if s.name == "hotline_changes_heard_total"
        )


@pytest.fixture
async def pair(fake: FakeSlack, world: SlackWorld, sender: Sender, pg_store_url: str) -> AsyncIterator[Pair]:
    harness = Pair(fake, world, sender, pg_store_url)
    try:
        for _ in range(2):
            await harness.launch()
        await asyncio.gather(
            *(p.bot.line_matching(r"Slack ready: HTTP on", within=START_WITHIN) for p in harness.processes)
        )
        await asyncio.gather(
            *(p.bot.line_matching(r"serving /healthz and /metrics", within=START_WITHIN) for p in harness.processes)
        )
        yield harness
        for process in harness.processes:
            process.bot.proc.send_signal(signal.SIGTERM)
        for process in harness.processes:
            code, stderr = await process.bot.finish(15)
            assert code == 0, stderr
            assert "Traceback" not in stderr and " ERROR " not in stderr, stderr
            assert world.hq.bot_token not in stderr
    finally:
        for process in harness.processes:
            await process.bot.kill()


def event(day: str) -> str:
    return f'event add date:{day} us:"Lloyd J. Austin III" cn:"Wei Fenghe" kind:call'


async def test_two_processes_behind_a_balancer_agree_on_who_may_edit_and_on_the_digests(pair: Pair) -> None:
    w = pair.world
    refused = await pair.run(1, event("2022-04-20"), w.analyst)
    assert "only editors" in (refused.post.text or "")  # and the second process keeps Slack's answer
    group = f"editors <!subteam^{w.analysts.id}|@analysts>"
    assert (await pair.run(0, group, w.admin)).title == "Editors set"
    # At once: the second process reads the group from the database at each write.
    assert (await pair.run(1, event("2022-04-20"), w.analyst)).title.startswith("Recorded event #")

    # Slack adds the reader to the group; the second process still holds the group's old members.
    w.analysts.users.append(w.reader.id)
    assert "only editors" in ((await pair.run(1, event("2022-04-21"), w.reader)).post.text or "")
    before = await pair.heard(1)
    await pair.run(0, group, w.admin)  # set again, as an admin does to have Slack asked anew
    began = time.monotonic()
    while await pair.heard(1) <= before:
        assert time.monotonic() - began < BOUND, "the second process did not hear the change"
        await asyncio.sleep(0.01)
    assert (await pair.run(1, event("2022-04-21"), w.reader)).title.startswith("Recorded event #")

    subscribed = await pair.run(0, f"digest subscribe channel:<#{w.general.id}|general>", w.admin)
    assert subscribed.title.startswith("Subscribed"), subscribed.text
    await pair.processes[1].bot.line_matching(r"digest jobs follow the store: 1 scheduled", within=BOUND)
