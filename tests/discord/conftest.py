"""Fixtures for end-to-end Discord tests: one fake Discord per module, a fresh bot and store per test.

Test modules here run in one event loop per module (`pytestmark = pytest.mark.asyncio(loop_scope="module")`)
so that the fake's server can be shared; the bot is built anew for every test, against a new
SQLite file, so nothing leaks between tests but the fake's guilds.

The `discord` fixture fails a test if discord.py logs an ERROR (a handler that raised is only
logged by the command tree), if the fake saw a request real Discord would refuse, if the
token shows up in any log line, or if any message the bot sent could ping anyone (but a
digest's opt-in role).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.discord.app import HotlineBot
from bot.discord.info import DISCORD
from bot.discord.platform import DiscordPlatform
from bot.runtime.service import Runtime
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.reply import Reply
from commands.surface import dispatch
from config.settings import DiscordSettings, Settings
from storage.sqlite.store import SqliteStore
from tests.discord.fake import FakeDiscord, FakeInteraction, Shown
from tests.discord.fake.interactions import AUTOCOMPLETE, COMPONENT, SLASH, base_payload, command_data
from tests.discord.fake.server import LOADING
from tests.discord.fake.world import (
    MANAGE_GUILD,
    VOICE_CHANNEL,
    FakeChannel,
    FakeGuild,
    FakeUser,
    new_guild,
    snowflake,
)

# Thursday 2022-04-21, the day after the Austin–Wei call (the same "now" as the core tests).
NOW = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)


@dataclass
class World:
    """Two guilds. In HQ: the owner, a moderator (Manage Server), an analyst, a reader."""

    hq: FakeGuild
    other: FakeGuild
    owner: FakeUser
    mod: FakeUser
    analyst: FakeUser
    reader: FakeUser
    stranger_owner: FakeUser

    @property
    def general(self) -> FakeChannel:
        return self.hq.channel("general")


def build_world() -> World:
    owner = FakeUser(snowflake(), "olivia")
    mod = FakeUser(snowflake(), "mo")
    analyst = FakeUser(snowflake(), "ann")
    reader = FakeUser(snowflake(), "rex")
    hq = new_guild("Hotline HQ", owner)
    mods = hq.add_role("Mods", MANAGE_GUILD)
    analysts = hq.add_role("Analysts")
    hq.add_role("Digest readers")
    for name in ("general", "digest", "announcements"):
        hq.add_channel(name)
    hq.add_channel("voice", VOICE_CHANNEL)
    hq.add_member(mod, mods)
    hq.add_member(analyst, analysts)
    hq.add_member(reader)
    stranger_owner = FakeUser(snowflake(), "bea")
    other = new_guild("Other Org", stranger_owner)
    other.add_channel("general")
    other.add_member(reader)
    return World(hq, other, owner, mod, analyst, reader, stranger_owner)


class Discord:
    """The test's side of the fake: send what a member does, read what the bot answered."""

    def __init__(
        self,
        fake: FakeDiscord,
        world: World,
        store: SqliteStore,
        clock: FixedClock,
        options: BotOptions,
    ) -> None:
        self.fake = fake
        self.world = world
        self.store = store
        self.clock = clock
        self.options = options
        self.bots: list[Runtime] = []

    @property
    def runtime(self) -> Runtime:
        """The runtime started last (its store, scheduler and delivery)."""
        return self.bots[-1]

    @property
    def bot(self) -> HotlineBot:
        """The bot started last: the one interactions go to."""
        return bot_of(self.runtime)

    async def start(self) -> HotlineBot:
        """Start a(nother) bot on the same store and fake, as a restart or a second process would."""
        self.bots.append(await start_runtime(self.fake, self.world, self.store, self.clock, self.options))
        return self.bot

    async def stop(self) -> None:
        """Stop the bot started last."""
        await self.bots.pop().stop()

    def _who(
        self, member: FakeUser | None, guild: FakeGuild | None, typed_in: FakeChannel | None
    ) -> tuple[FakeUser, FakeGuild, FakeChannel]:
        guild = guild or self.world.hq
        member = member or (self.world.owner if guild is self.world.hq else self.world.stranger_owner)
        typed_in = typed_in or guild.channel("general")
        return member, guild, typed_in

    # The keyword names below (member, guild, typed_in) are not option names of any command, so
    # a command's own `channel` or `role` option passes through **options.
    async def slash(
        self,
        command: str,
        /,
        *,
        member: FakeUser | None = None,
        guild: FakeGuild | None = None,
        typed_in: FakeChannel | None = None,
        **options: Any,
    ) -> FakeInteraction:
        """Send a slash command as `member` (default: the guild's owner, an editor)."""
        user, guild, channel = self._who(member, guild, typed_in)
        payload = base_payload(self.fake.app_id, SLASH, guild, user, channel)
        payload["data"] = command_data(
            self.fake.commands_for(guild.id), command, {k.rstrip("_"): v for k, v in options.items()}, guild
        )
        return await self.fake.send_interaction(payload)

    async def run(self, command: str, /, **kw: Any) -> Shown:
        """Send a slash command and return the message it ends up showing."""
        return await self.reply(await self.slash(command, **kw))

    async def reply(self, ix: FakeInteraction, within: float = 5.0) -> Shown:
        """What the member sees: the response, or after a defer the followup that replaced it."""
        return await reply_to(self.fake, ix, within)

    async def autocomplete(
        self,
        command: str,
        focused: str,
        /,
        *,
        member: FakeUser | None = None,
        guild: FakeGuild | None = None,
        **options: Any,
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while `focused` is being typed (its value in `options`)."""
        user, guild, channel = self._who(member, guild, None)
        payload = base_payload(self.fake.app_id, AUTOCOMPLETE, guild, user, channel)
        options = {k.rstrip("_"): v for k, v in options.items()}
        payload["data"] = command_data(self.fake.commands_for(guild.id), command, options, guild, focused=focused)
        ix = await self.fake.send_interaction(payload)
        await self.fake.wait_until(lambda: ix.callbacks)
        assert ix.callbacks[0]["type"] == 8, ix.callbacks
        choices: list[dict[str, Any]] = ix.callbacks[0]["data"]["choices"]
        return choices

    async def click(
        self, message: Shown, label: str, *, member: FakeUser | None = None, guild: FakeGuild | None = None
    ) -> FakeInteraction:
        """Press a button of a message, as `member` (default: the guild's owner)."""
        user, guild, channel = self._who(member, guild, None)
        button = message.button(label)
        assert not button.get("disabled"), f"{label!r} is disabled"
        current = self.fake.messages[message.id]
        payload = base_payload(self.fake.app_id, COMPONENT, guild, user, channel)
        payload["channel"] = guild.channels[int(current["channel_id"])].payload()
        payload["message"] = current
        payload["data"] = {"custom_id": button["custom_id"], "component_type": 2}
        return await self.fake.send_interaction(payload)

    async def direct(self, command: str, /, *, guild: FakeGuild | None = None, **args: Any) -> Reply:
        """Run a command through commands/ directly, as an editor: quick set-up, no Discord."""
        guild = guild or self.world.hq
        caller = Caller(f"discord:{guild.id}", "setup", "Set-up", is_editor=True)
        return await dispatch(Ctx(self.store, caller, self.clock, CoreSettings(), DISCORD), command, args)

    def message(self, shown: Shown) -> Shown:
        """The message as it is now (after later edits)."""
        return Shown.of(self.fake.messages[shown.id])


async def reply_to(fake: FakeDiscord, ix: FakeInteraction, within: float = 5.0) -> Shown:
    """What the member sees of an interaction: the response, or after a defer the followup that replaced it."""

    def visible() -> dict[str, Any] | None:
        if not ix.callbacks:
            return None
        kind = ix.callbacks[0].get("type")
        if kind in (4, 7):
            return fake.messages.get(ix.original_id or 0)
        original = fake.messages.get(ix.original_id or 0)
        if original is not None and not original["flags"] & LOADING:
            return original
        if ix.followups:
            return fake.messages.get(ix.followups[-1])
        return None

    return Shown.of(await fake.wait_until(visible, within))


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake(world: World) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    server.add_guild(world.hq)
    server.add_guild(world.other)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class CollectedLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logs() -> Iterator[CollectedLogs]:
    """Every log record during the test, from discord.py and from Hotline."""
    handler = CollectedLogs()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@dataclass
class BotOptions:
    """What a test may change before the bot starts (through the `bot_options` fixture)."""

    defer_after: float = 1.5
    page_timeout: float = 600.0
    confirm_timeout: float = 120.0
    fetch_allow_loopback: bool = False  # HOTLINE_FETCH_ALLOW_LOOPBACK: readouts and feeds served on 127.0.0.1


@pytest.fixture
def bot_options(request: pytest.FixtureRequest) -> BotOptions:
    """Override per test with `@pytest.mark.parametrize("bot_options", [BotOptions(...)], indirect=True)`."""
    return getattr(request, "param", BotOptions())


def bot_of(runtime: Runtime) -> HotlineBot:
    [platform] = runtime.platforms
    assert isinstance(platform, DiscordPlatform)
    return platform.bot


async def start_runtime(
    fake: FakeDiscord, world: World, store: SqliteStore, clock: FixedClock, options: BotOptions
) -> Runtime:
    """A runtime with Discord as its one platform, as `python -m bot run` builds it, on this store."""
    settings = Settings(
        db_path=Path("unused"),
        discord=DiscordSettings(token=fake.token, dev_guild=world.hq.id),
        fetch_allow_loopback=options.fetch_allow_loopback,
    )
    runtime = Runtime(settings, store, clock)
    platform = DiscordPlatform.from_runtime(
        runtime,
        defer_after=options.defer_after,
        page_timeout=options.page_timeout,
        confirm_timeout=options.confirm_timeout,
        # discord.py waits this long after the last GUILD_CREATE before on_ready; 2 s by default.
        guild_ready_timeout=0.01,
    )
    await runtime.start([platform])
    try:
        await fake.wait_until(lambda: world.hq.id in fake.guild_commands and platform.connected)
    except BaseException:
        await runtime.stop()
        raise
    # The dev guild got its copy at start; the other guild sees them as after `python -m bot sync`.
    fake.guild_commands[world.other.id] = [
        {k: v for k, v in c.items() if k != "guild_id"} for c in fake.guild_commands[world.hq.id]
    ]
    return runtime


@pytest_asyncio.fixture(loop_scope="module")
async def discord(
    fake: FakeDiscord, world: World, tmp_path: Path, logs: CollectedLogs, bot_options: BotOptions
) -> AsyncIterator[Discord]:
    fake.reset()
    clock = FixedClock(NOW)
    store = await SqliteStore.open(tmp_path / "hotline.db")
    with fake.installed():
        harness = Discord(fake, world, store, clock, bot_options)
        try:
            await harness.start()
            yield harness
        finally:
            while harness.bots:
                await harness.stop()
            await store.close()
    errors = [r for r in logs.records if r.name.startswith("discord") and r.levelno >= logging.ERROR]
    assert not errors, "discord.py logged errors:\n" + "\n".join(logging.Formatter().format(r) for r in errors)
    assert not fake.rejections, f"the fake refused what Discord would refuse: {fake.rejections}"
    leaked = [r for r in logs.records if fake.token in r.getMessage()]
    assert not leaked, "the token appeared in a log line"
    loud = [m for m in fake.messages.values() if not _pings_only_its_role(m)]
    assert not loud, f"messages that could ping someone: {[m['id'] for m in loud]}"


def _pings_only_its_role(message: dict[str, Any]) -> bool:
    """Every message allows no mention at all, except a digest's opt-in role, pinged in its content."""
    allowed = message.get("allowed_mentions")
    if allowed is None or allowed.get("parse") != [] or allowed.get("users") or allowed.get("replied_user"):
        return False
    roles = allowed.get("roles") or []
    if not roles:
        return True
    is_channel_post = message.get("type") == 0
    return is_channel_post and message.get("content", "").strip() == " ".join(f"<@&{r}>" for r in roles)
