"""Fixtures for Slack tests: a fake Slack per test (pytest-asyncio gives each test its own loop).

Every test here runs with the proxy variables unset (slack_sdk reads HTTPS_PROXY/HTTP_PROXY itself and
ignores NO_PROXY, so a set proxy would take every call to 127.0.0.1 away), and fails if slack_bolt or
slack_sdk logs an ERROR: a listener that raised, a failed respond() and a broken Socket Mode session
are only logged, never raised to the sender.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from commands.context import FixedClock
from storage.sqlite.store import SqliteStore
from tests.slack.fake import FakeChannel, FakeSlack, FakeTeam, FakeUser, FakeUsergroup, Sender
from tests.slack.harness import NOW, Mode, SlackHarness, pings, texts

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy")


@dataclass
class SlackWorld:
    """Two teams. In HQ: the owner, an admin, an analyst (in the user group "analysts"), a reader;
    #general (the bot is in it), #briefings (the bot is not), #old (archived), a private #core (without the reader)."""

    hq: FakeTeam
    other: FakeTeam
    owner: FakeUser
    admin: FakeUser
    analyst: FakeUser
    reader: FakeUser
    stranger: FakeUser
    general: FakeChannel
    briefings: FakeChannel
    old: FakeChannel
    core: FakeChannel
    analysts: FakeUsergroup


def build_world(fake: FakeSlack) -> SlackWorld:
    hq = fake.add_team("Hotline HQ", "hotline-hq")
    owner = hq.add_user("olivia", owner=True, admin=True)
    admin = hq.add_user("adam", admin=True)
    analyst = hq.add_user("ann", tz="Asia/Shanghai", tz_offset=28800)
    reader = hq.add_user("rex")
    general = hq.add_channel("general")
    briefings = hq.add_channel("briefings", bot_member=False)
    old = hq.add_channel("old", archived=True)
    core = hq.add_channel("core", private=True)
    core.members.discard(reader.id)
    analysts = hq.add_usergroup("analysts", analyst)
    other = fake.add_team("Other Org", "other-org")
    stranger = other.add_user("bea", owner=True, admin=True)
    other.add_channel("general")
    return SlackWorld(hq, other, owner, admin, analyst, reader, stranger, general, briefings, old, core, analysts)


class SlackLogs(logging.Handler):
    """Every log record of slack_bolt and slack_sdk during a test."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.allowed: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def allow(self, fragment: str) -> None:
        """An ERROR containing `fragment` is what this test provokes on purpose."""
        self.allowed.append(fragment)

    def errors(self) -> list[logging.LogRecord]:
        return [
            r
            for r in self.records
            if r.levelno >= logging.ERROR
            and r.name.startswith(("slack_bolt", "slack_sdk"))
            and not any(a in r.getMessage() for a in self.allowed)
        ]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def slack_logs() -> Iterator[SlackLogs]:
    handler = SlackLogs()
    loggers = [logging.getLogger("slack_bolt"), logging.getLogger("slack_sdk")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
    errors = handler.errors()
    assert not errors, "slack logged errors:\n" + "\n".join(logging.Formatter().format(r) for r in errors)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert not server.rejections, f"the fake refused what Slack would refuse: {server.rejections}"


@pytest.fixture
def world(fake: FakeSlack) -> SlackWorld:
    return build_world(fake)


@pytest.fixture
def sender(fake: FakeSlack) -> Sender:
    return Sender(fake)


@pytest.fixture
def mode(request: pytest.FixtureRequest) -> Mode:
    """The transport Hotline runs with: parametrize with `@pytest.mark.parametrize("mode", [...], indirect=True)`."""
    return getattr(request, "param", "http")


@pytest.fixture
def fetch_allow_loopback() -> bool:
    """Whether Hotline may fetch readouts and feeds from 127.0.0.1: a module that serves them overrides this."""
    return False


@pytest.fixture
async def hotline(
    fake: FakeSlack, world: SlackWorld, sender: Sender, tmp_path: Path, mode: Mode, fetch_allow_loopback: bool
) -> AsyncIterator[SlackHarness]:
    """Hotline's runtime with Slack as its platform, on a new store, started against the fake.

    Afterwards: nothing Hotline sent may ping anyone (but a digest's opt-in user group), and no
    token may show in a log line.
    """
    store = await SqliteStore.open(tmp_path / "hotline.db")
    harness = SlackHarness(fake, world, sender, store, FixedClock(NOW), mode, fetch_allow_loopback=fetch_allow_loopback)
    capture = SlackLogs()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        if mode == "oauth":
            await harness.install(world.hq, world.other)
        await harness.start()
        yield harness
    finally:
        while harness.runtimes:
            await harness.stop()
        await store.close()
        root.removeHandler(capture)
    sent = [texts(p.blocks) + "\n" + (p.text or "") for posts in fake.responses.values() for p in posts]
    sent += [texts(e.get("blocks") or []) + "\n" + str(e.get("text") or "") for e in fake.ephemerals]
    loud = [t for t in sent if pings(t)]
    assert not loud, f"answers that would ping someone: {loud}"
    tokens = [t.bot_token for t in fake.teams.values()] + [fake.app_token]
    leaked = [r.getMessage() for r in capture.records if any(t in r.getMessage() for t in tokens)]
    assert not leaked, f"a token appeared in a log line: {leaked[:3]}"
