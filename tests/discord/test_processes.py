"""Three `python -m bot run` processes on one PostgreSQL database against the fake Discord, four shards
split between them (0,1 / 2 / 3), two guilds on each shard.

Every interaction is answered exactly once, by the process that runs its guild's shard (the fake sends a
guild's events only on its shard's connection, as Discord does; each process's log names the workspaces
it answered). Subscriptions made in each process are scheduled in every other one through the change
feed. Then the process of shards 0 and 1 stops and a new one takes its shards over: it reads what the
first wrote (the events, the editor role) from the database, and answers in its place.
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from tests.bot_process import BotProcess
from tests.discord.conftest import reply_to
from tests.discord.fake import FakeDiscord, FakeGuild, FakeUser, Shown
from tests.discord.fake.interactions import SLASH, base_payload, command_data
from tests.discord.fake.world import new_guild, snowflake

pytestmark = pytest.mark.asyncio(loop_scope="module")

SHARD_COUNT = 4
SPLIT = {"A": "0,1", "B": "2", "C": "3"}
GUILDS_PER_SHARD = 2
COMMAND_LINE = re.compile(r"command workspace=discord:(\d+) user=\d+ command=/(.+?) duration_ms=\d+ outcome=(\S+)")
# Generous: three processes share two cores with the fake and PostgreSQL.
START_WITHIN = 60.0
REPLY_WITHIN = 15.0


@dataclass
class Guild:
    fake: FakeGuild
    analyst: FakeUser  # a member without Manage Server, in the role Analysts
    day: int  # events in this guild are on distinct days

    @property
    def shard(self) -> int:
        return (self.fake.id >> 22) % SHARD_COUNT


class Cluster:
    def __init__(self, fake: FakeDiscord, url: str, guilds: list[Guild]) -> None:
        self.fake = fake
        self.url = url
        self.guilds = guilds
        self.processes: dict[str, BotProcess] = {}
        self.shards: dict[str, set[int]] = {}

    async def launch(self, name: str, shards: str) -> BotProcess:
        env = {
            "DISCORD_TOKEN": self.fake.token,
            "HOTLINE_DISCORD_SHARDS": shards,
            "HOTLINE_DISCORD_SHARD_COUNT": str(SHARD_COUNT),
            "HOTLINE_DEV_GUILD": str(self.guilds[0].fake.id),
        }
        bot = await BotProcess.launch(
            ["tests.discord.launch", self.fake.api_url, self.fake.gateway_url, "run"], env=env, db=self.url
        )
        bot.read_in_background()
        self.processes[name] = bot
        self.shards[name] = {int(s) for s in shards.split(",")}
        return bot

    def owner_of(self, guild: Guild) -> str:
        [name] = [n for n, shards in self.shards.items() if guild.shard in shards and n in self.running]
        return name

    @property
    def running(self) -> set[str]:
        return {n for n, p in self.processes.items() if p.proc.returncode is None}

    async def slash(self, guild: Guild, member: FakeUser, command: str, **options: Any) -> Shown:
        payload = base_payload(self.fake.app_id, SLASH, guild.fake, member, guild.fake.channel("general"))
        payload["data"] = command_data(self.fake.commands_for(guild.fake.id), command, options, guild.fake)
        ix = await self.fake.send_interaction(payload)
        shown = await reply_to(self.fake, ix, REPLY_WITHIN)
        assert len(ix.callbacks) == 1, ix.callbacks  # answered once (the fake refuses a second answer too)
        return shown

    async def add_event(self, guild: Guild, member: FakeUser, date: str, us: str, cn: str) -> int:
        """/event add by `member`; the id of the event recorded."""
        return event_id(await self.slash(guild, member, "event add", date=date, us=us, cn=cn, kind="call"))

    def answered(self, name: str) -> Counter[tuple[int, str]]:
        """(guild id, command) of every command the process logged, counted."""
        lines = self.processes[name].matches(COMMAND_LINE.pattern)
        assert all(m.group(3) == "ok" for m in lines), [m.group(0) for m in lines]
        return Counter((int(m.group(1)), m.group(2)) for m in lines)


def event_id(shown: Shown) -> int:
    found = re.fullmatch(r"Recorded event #(\d+)", shown.title)
    assert found, shown.text
    return int(found.group(1))


@pytest_asyncio.fixture(loop_scope="module")
async def cluster(pg_store_url: str) -> AsyncIterator[Cluster]:
    fake = FakeDiscord()
    guilds: list[Guild] = []
    for shard in range(SHARD_COUNT):
        for n in range(GUILDS_PER_SHARD):
            owner, analyst = FakeUser(snowflake(), f"owner{shard}{n}"), FakeUser(snowflake(), f"ann{shard}{n}")
            guild = fake.add_guild(new_guild(f"Shard {shard} guild {n}", owner, shard=(shard, SHARD_COUNT)))
            guild.add_channel("general")
            guild.add_channel("digest")
            guild.add_member(analyst, guild.add_role("Analysts"))
            guilds.append(Guild(guild, analyst, day=1 + len(guilds)))
    await fake.start()
    harness = Cluster(fake, pg_store_url, guilds)
    try:
        yield harness
    finally:
        for bot in harness.processes.values():
            await bot.kill()
        await fake.stop()
    assert not fake.rejections, fake.rejections


async def test_three_processes_split_the_shards_and_answer_every_interaction_once(cluster: Cluster) -> None:
    bots = [await cluster.launch(name, shards) for name, shards in SPLIT.items()]
    await asyncio.gather(*(bot.line_matching(r"connected as Hotline", within=START_WITHIN) for bot in bots))
    assert sorted(g.shard for g in cluster.fake.gateways if g.identified and g.shard) == [
        (s, SHARD_COUNT) for s in range(SHARD_COUNT)
    ]
    # The commands as after `python -m bot sync`, in every guild.
    dev = cluster.guilds[0].fake.id
    await cluster.fake.wait_until(lambda: dev in cluster.fake.guild_commands)
    for guild in cluster.guilds:
        cluster.fake.guild_commands[guild.fake.id] = [
            {k: v for k, v in c.items() if k != "guild_id"} for c in cluster.fake.guild_commands[dev]
        ]

    # Every guild at once: a contact, the editor role, a digest subscription, each written by the
    # process of the guild's shard.
    async def set_up(guild: Guild) -> tuple[int, Shown, Shown]:
        owner = guild.fake.members[guild.fake.owner_id].user
        digest = guild.fake.channel("digest")
        return await asyncio.gather(
            cluster.add_event(guild, owner, f"2022-03-{guild.day:02d}", "Austin", "Wei Fenghe"),
            cluster.slash(guild, owner, "hotline editors", role=guild.fake.role("Analysts")),
            cluster.slash(guild, owner, "digest subscribe", channel=digest, weekday="monday", time="09:00"),
        )

    recorded: dict[int, int] = {}  # guild id -> the id of the event written there last
    for guild, (first_id, editors, subscribed) in zip(
        cluster.guilds, await asyncio.gather(*(set_up(g) for g in cluster.guilds)), strict=True
    ):
        recorded[guild.fake.id] = first_id
        assert editors.title == "Editors set", editors.text
        assert subscribed.title.startswith("Subscribed channel #"), subscribed.text

    # Each process hears the subscriptions the others made: every one schedules all eight.
    everyone = len(cluster.guilds)
    await asyncio.gather(
        *(bot.line_matching(rf"digest jobs follow the store: {everyone} scheduled", within=10) for bot in bots)
    )

    # A member of the role: the contact is there, and the role set a moment ago lets them write.
    async def as_analyst(guild: Guild) -> tuple[Shown, int]:
        last = await cluster.slash(guild, guild.analyst, "lastcall")
        return last, await cluster.add_event(guild, guild.analyst, f"2022-04-{guild.day:02d}", "Blinken", "Wang Yi")

    for guild, (last, second_id) in zip(
        cluster.guilds, await asyncio.gather(*(as_analyst(g) for g in cluster.guilds)), strict=True
    ):
        assert f"Event #{recorded[guild.fake.id]}" in last.text and "Austin" in last.text, last.text
        recorded[guild.fake.id] = second_id

    # Each interaction was run by exactly one process: the one of its guild's shard.
    commands = ("event add", "hotline editors", "digest subscribe", "lastcall")
    for name in SPLIT:
        answered = cluster.answered(name)
        mine = [g for g in cluster.guilds if g.shard in cluster.shards[name]]
        assert answered == Counter({(g.fake.id, c): 2 if c == "event add" else 1 for g in mine for c in commands}), (
            name,
            answered,
        )

    # The process of shards 0 and 1 stops; another takes them over on the same database.
    first = cluster.processes["A"]
    first.proc.send_signal(signal.SIGTERM)
    code, stderr = await first.finish(15)
    assert code == 0, stderr
    successor = await cluster.launch("D", SPLIT["A"])
    await successor.line_matching(r"connected as Hotline", within=START_WITHIN)
    await successor.line_matching(rf"digest jobs follow the store: {everyone} scheduled", within=10)
    taken_over = [g for g in cluster.guilds if g.shard in cluster.shards["A"]]
    for guild in taken_over:
        assert cluster.owner_of(guild) == "D"
        last = await cluster.slash(guild, guild.analyst, "lastcall")
        # Written through A, read through D.
        assert f"Event #{recorded[guild.fake.id]}" in last.text and "Blinken" in last.text, last.text
        added = await cluster.slash(
            guild,
            guild.analyst,
            "event add",
            date=f"2022-05-{guild.day:02d}",
            us="Austin",
            cn="Wei Fenghe",
            kind="call",
        )
        event_id(added)  # the role set through A holds in D
    assert cluster.answered("D") == Counter({(g.fake.id, c): 1 for g in taken_over for c in ("lastcall", "event add")})
    for name in ("B", "C"):  # the others answered nothing more
        assert sum(cluster.answered(name).values()) == 5 * GUILDS_PER_SHARD

    for name in ("B", "C", "D"):
        bot = cluster.processes[name]
        bot.proc.send_signal(signal.SIGTERM)
        code, stderr = await bot.finish(15)
        assert code == 0, stderr
    for bot in cluster.processes.values():
        log = "".join(bot.lines)
        assert "Traceback" not in log and " ERROR " not in log, log
