"""Two `python -m bot run` processes in Socket Mode on one PostgreSQL database, each with its own connection
to the fake Slack (an app-level token of its own, so the test can tell the connections apart). Slack spreads
requests over every connection an app has open; here the test sends each request to the process it names:
a button press to the process that did NOT send the reply, which answers it from the database; and one
Confirm pressed twice, once on each process at the same moment, deletes once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
from collections.abc import AsyncIterator

import pytest

from bot.slack.app import ALREADY_DONE, EXPIRED
from bot.slack.info import SLACK
from commands.context import Caller, CoreSettings, Ctx, SystemClock
from commands.surface import dispatch
from storage.postgres.store import PostgresStore
from tests.bot_process import BotProcess
from tests.slack.conftest import SlackWorld
from tests.slack.fake import FakeSlack, FakeUser, Interaction, Sender
from tests.slack.harness import Shown

START_WITHIN = 60.0
EVENTS = 25  # three pages of a list


class Pair:
    def __init__(self, fake: FakeSlack, world: SlackWorld, sender: Sender, url: str) -> None:
        self.fake = fake
        self.world = world
        self.sender = sender
        self.url = url
        self.tokens = [fake.app_token, fake.add_app_token()]
        self.bots: list[BotProcess] = []

    async def launch(self, token: str) -> None:
        env = {"SLACK_BOT_TOKEN": self.world.hq.bot_token, "SLACK_APP_TOKEN": token}
        bot = await BotProcess.launch(
            ["bot", "run"], env=env | {"HOTLINE_SLACK_API_URL": self.fake.base_url}, db=self.url
        )
        bot.read_in_background()
        self.bots.append(bot)

    async def run(self, which: int, text: str, user: FakeUser | None = None) -> Shown:
        """`/hotline text` delivered to process `which`; its answer."""
        via = await self.fake.socket_of(self.tokens[which])
        w = self.world
        ix = await self.sender.slash(w.hq, user or w.owner, w.general, "/hotline", text, transport="socket", via=via)
        assert ix.ack.ok, ix.ack
        [post] = await self.sender.responses(ix, within=15)
        return Shown(post)

    async def press(self, which: int, shown: Shown, label: str, user: FakeUser | None = None) -> Interaction:
        """Press a button of `shown`, delivered to process `which`."""
        via = await self.fake.socket_of(self.tokens[which])
        button = shown.buttons[label]
        message = {"ts": "1650553200.000100", "text": shown.post.text or "", "blocks": shown.post.blocks}
        ix = await self.sender.press(
            self.world.hq,
            user or self.world.owner,
            button["action_id"],
            button["value"],
            block_id="hotline_buttons",
            channel=self.world.general,
            message=message,
            transport="socket",
            via=via,
        )
        assert ix.ack.ok, ix.ack
        return ix

    async def answer(self, ix: Interaction) -> Shown:
        [post] = await self.sender.responses(ix, within=15)
        return Shown(post)


@pytest.fixture
async def pair(fake: FakeSlack, world: SlackWorld, sender: Sender, pg_store_url: str) -> AsyncIterator[Pair]:
    store = await PostgresStore.open(pg_store_url)
    try:
        caller = Caller(f"slack:{world.hq.id}", "setup", "Set-up", is_editor=True)
        ctx = Ctx(store, caller, SystemClock(), CoreSettings(), SLACK)
        for i in range(EVENTS):
            day = (dt.date(2021, 1, 1) + dt.timedelta(days=i)).isoformat()
            await dispatch(ctx, "event add", {"date": day, "us": "Blinken", "cn": "Wang Yi", "kind": "call"})
    finally:
        await store.close()
    harness = Pair(fake, world, sender, pg_store_url)
    try:
        for token in harness.tokens:
            await harness.launch(token)
        await asyncio.gather(*(b.line_matching(r"Slack ready: Socket Mode", within=START_WITHIN) for b in harness.bots))
        yield harness
        for bot in harness.bots:
            bot.proc.send_signal(signal.SIGTERM)
        for bot in harness.bots:
            code, stderr = await bot.finish(15)
            assert code == 0, stderr
            assert "Traceback" not in stderr and " ERROR " not in stderr, stderr
    finally:
        for bot in harness.bots:
            await bot.kill()


async def recorded(url: str, workspace: str) -> tuple[list[int], list[tuple[str, str]]]:
    """The workspace's event ids, and its deletes as (table, id) from the audit trail, read from the database."""
    store = await PostgresStore.open(url)
    try:
        ids = [e.id for e in await store.events_after(workspace, None, 100)]
        audit = await store.audit_entries(workspace, 500)
    finally:
        await store.close()
    return ids, [(a.table, a.record_id) for a in audit if a.action == "delete"]


async def test_buttons_are_answered_by_the_process_that_did_not_send_the_reply_and_confirm_acts_once(
    pair: Pair,
) -> None:
    w = pair.world
    first = await pair.run(0, "event list")
    assert "page 1/3" in first.text and list(first.buttons) == ["Next ▶"]
    second = await pair.answer(await pair.press(1, first, "Next ▶"))
    assert second.post.replace_original and "page 2/3" in second.text
    back = await pair.answer(await pair.press(0, second, "◀ Previous"))
    assert back.post.blocks == first.post.blocks
    # Only the asker, whichever process is asked.
    not_yours = await pair.answer(await pair.press(1, first, "Next ▶", user=w.reader))
    assert not not_yours.public and "Only the member who ran the command" in not_yours.text

    prompt = await pair.run(1, "event delete 1")
    assert prompt.title == "Delete event #1?" and list(prompt.buttons) == ["Confirm", "Cancel"]
    done = await pair.answer(await pair.press(0, prompt, "Confirm"))
    assert done.title == "Deleted event #1" and done.post.replace_original
    ids, deletes = await recorded(pair.url, f"slack:{w.hq.id}")
    assert 1 not in ids and deletes == [("event", "1")]

    # One Confirm pressed on both processes at the same moment (a double click spread over two
    # connections): one deletes, the other says so, and the event is deleted once.
    prompt = await pair.run(0, "event delete 2")
    presses = await asyncio.gather(pair.press(0, prompt, "Confirm"), pair.press(1, prompt, "Confirm"))
    answers = [await pair.answer(ix) for ix in presses]
    deleted = [a for a in answers if a.title == "Deleted event #2"]
    refused = [a for a in answers if a.title != "Deleted event #2"]
    assert len(deleted) == 1 and len(refused) == 1, [a.text for a in answers]
    assert not refused[0].public and refused[0].text in ("⚠ " + EXPIRED, "⚠ " + ALREADY_DONE)
    ids, deletes = await recorded(pair.url, f"slack:{w.hq.id}")
    assert 2 not in ids and len(ids) == EVENTS - 2
    assert deletes == [("event", "2"), ("event", "1")]
