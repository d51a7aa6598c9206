"""Discord split by shards between two Hotline processes on one store, against the fake Discord.

Each process runs one shard of two (HOTLINE_DISCORD_SHARDS / HOTLINE_DISCORD_SHARD_COUNT): the fake
sends each guild's events only on the connection of its shard, as Discord does, so each process
answers its own guilds' interactions; and each posts only its own guilds' digests, each exactly once,
leaving the others to the other process without claiming them or recording an error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import discord as discord_py
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.discord.app import HotlineBot, ShardedHotlineBot, build_bot
from bot.discord.info import DISCORD
from bot.discord.platform import DiscordPlatform
from bot.runtime.service import Runtime
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.delivery import NotHere
from commands.surface import dispatch
from config.settings import DiscordSettings, Settings, SettingsError, load_settings
from storage.contract import StoreContract
from storage.sqlite.store import SqliteStore
from tests.discord.fake import FakeDiscord, FakeGuild, FakeUser, Shown
from tests.discord.fake.interactions import SLASH, base_payload, command_data
from tests.discord.fake.world import new_guild, snowflake

NOW = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)
DUE = dt.datetime(2022, 4, 28, 9, 0, tzinfo=dt.UTC)  # Thursday 09:00, a week on


class Cluster:
    def __init__(self, fake: FakeDiscord, store: StoreContract, clock: FixedClock, guilds: list[FakeGuild]) -> None:
        self.fake = fake
        self.store = store
        self.clock = clock
        self.guilds = guilds  # guilds[0] on shard 0, guilds[1] on shard 1
        self.runtimes: list[Runtime] = []

    def bot(self, shard: int) -> HotlineBot:
        [platform] = self.runtimes[shard].platforms
        assert isinstance(platform, DiscordPlatform)
        return platform.bot

    async def slash(self, guild: FakeGuild, command: str, **options: str) -> Shown:
        owner = guild.members[guild.owner_id].user
        payload = base_payload(self.fake.app_id, SLASH, guild, owner, guild.channel("general"))
        payload["data"] = command_data(self.fake.commands_for(guild.id), command, options, guild)
        ix = await self.fake.send_interaction(payload)
        return Shown.of(await self.fake.wait_until(lambda: self.fake.messages.get(ix.original_id or 0)))


def commands_of(runtime: Runtime, command: str) -> float:
    text = runtime.metrics.exposition().decode()
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "hotline_commands_total" and s.labels["command"] == command
    )


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    fake = FakeDiscord()
    guilds = []
    for shard in (0, 1):
        owner = FakeUser(snowflake(), f"owner{shard}")
        guild = fake.add_guild(new_guild(f"Guild on shard {shard}", owner, shard=(shard, 2)))
        guild.add_channel("general")
        guild.add_channel("digest")
        guilds.append(guild)
    await fake.start()
    store = await SqliteStore.open(tmp_path / "hotline.db")
    clock = FixedClock(NOW)
    harness = Cluster(fake, store, clock, guilds)
    try:
        with fake.installed():
            for shard in (0, 1):
                discord = DiscordSettings(token=fake.token, dev_guild=guilds[0].id, shard_ids=(shard,), shard_count=2)
                runtime = Runtime(Settings(db_path=tmp_path / "hotline.db", discord=discord), store, clock)
                platform = DiscordPlatform.from_runtime(runtime, guild_ready_timeout=0.01)
                await runtime.start([platform])
                harness.runtimes.append(runtime)
                await fake.wait_until(lambda p=platform: p.connected)  # type: ignore[misc]
            # The commands as after `python -m bot sync`, in the other guild too.
            await fake.wait_until(lambda: guilds[0].id in fake.guild_commands)
            fake.guild_commands[guilds[1].id] = [
                {k: v for k, v in c.items() if k != "guild_id"} for c in fake.guild_commands[guilds[0].id]
            ]
            yield harness
    finally:
        for runtime in reversed(harness.runtimes):
            await runtime.stop()
        await store.close()
        await fake.stop()
    assert not fake.rejections, fake.rejections


async def test_each_process_connects_its_own_shard_and_sees_its_own_guilds(cluster: Cluster) -> None:
    identified = sorted(g.shard for g in cluster.fake.gateways if g.identified and g.shard)
    assert identified == [(0, 2), (1, 2)]
    for shard in (0, 1):
        bot = cluster.bot(shard)
        assert isinstance(bot, ShardedHotlineBot) and isinstance(bot, discord_py.AutoShardedClient)
        assert [g.id for g in bot.guilds] == [cluster.guilds[shard].id]


async def test_each_process_answers_only_its_own_guilds_interactions(cluster: Cluster) -> None:
    first, second = cluster.runtimes
    shown = await cluster.slash(cluster.guilds[0], "hotline help")
    assert "lastcall" in shown.text
    assert commands_of(first, "hotline help") == 1.0 and commands_of(second, "hotline help") == 0.0
    shown = await cluster.slash(cluster.guilds[1], "hotline help")
    assert "lastcall" in shown.text
    assert commands_of(first, "hotline help") == 1.0 and commands_of(second, "hotline help") == 1.0


async def test_each_process_posts_its_own_guilds_digests_exactly_once(cluster: Cluster) -> None:
    subs = []
    for guild in cluster.guilds:
        ctx = Ctx(
            cluster.store,
            Caller(f"discord:{guild.id}", "setup", "Set-up", True),
            cluster.clock,
            CoreSettings(),
            DISCORD,
        )
        channel = str(guild.channel("digest").id)
        await dispatch(ctx, "digest subscribe", {"channel": channel, "weekday": "thursday", "time": "09:00"})
        [sub] = await cluster.store.subscriptions(f"discord:{guild.id}")
        subs.append(sub)
    cluster.clock.at = DUE
    # Both processes' jobs fire for both subscriptions at the same moment, as their schedulers would.
    outcomes = await asyncio.gather(*(runtime.delivery.run_due(sub.id) for runtime in cluster.runtimes for sub in subs))
    assert outcomes == ["sent", "elsewhere", "elsewhere", "sent"]
    # A restart's catch-up in either process finds nothing left to post.
    for runtime in cluster.runtimes:
        assert set((await runtime.delivery.catch_up()).values()) <= {"elsewhere"}
    for guild, sub in zip(cluster.guilds, subs, strict=True):
        assert len(cluster.fake.posts(guild.channel("digest").id)) == 1
        [run] = await cluster.store.digest_runs(sub.id)
        assert run.status == "sent"
        current = await cluster.store.subscription_by_id(sub.id)
        assert current is not None and current.last_error is None  # "another shard's" is no error


def test_a_single_process_without_shard_settings_keeps_the_plain_bot() -> None:
    options = {"runner": None, "store": None}
    assert type(build_bot(**options)) is HotlineBot
    assert type(build_bot(shard_ids=(0,), shard_count=2, **options)) is ShardedHotlineBot


def test_the_poster_leaves_other_shards_guilds_to_their_process() -> None:
    from bot.discord.poster import DiscordPoster

    settings = DiscordSettings(shard_ids=(0, 2), shard_count=4)
    poster = DiscordPoster(None, settings)  # type: ignore[arg-type]
    mine, theirs = 6 << 22, 3 << 22  # guilds on shards 2 and 3
    assert poster.unavailable(f"discord:{mine}") is None
    reason = poster.unavailable(f"discord:{theirs}")
    assert isinstance(reason, NotHere) and "shard 3 of 4" in reason and "runs shards 0,2" in reason
    assert DiscordPoster(None).unavailable(f"discord:{theirs}") is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HOTLINE_DISCORD_SHARDS": "0,1"}, "go together"),
        ({"HOTLINE_DISCORD_SHARD_COUNT": "4"}, "go together"),
        ({"HOTLINE_DISCORD_SHARDS": "0,4", "HOTLINE_DISCORD_SHARD_COUNT": "4"}, "shard 4 does not exist"),
        ({"HOTLINE_DISCORD_SHARDS": "1,1", "HOTLINE_DISCORD_SHARD_COUNT": "4"}, "names shard 1 twice"),
        ({"HOTLINE_DISCORD_SHARDS": "a", "HOTLINE_DISCORD_SHARD_COUNT": "4"}, "shard numbers separated by commas"),
        ({"HOTLINE_DISCORD_SHARDS": "0", "HOTLINE_DISCORD_SHARD_COUNT": "0"}, "between 1 and"),
        ({"HOTLINE_DISCORD_SHARDS": "0", "HOTLINE_DISCORD_SHARD_COUNT": "x"}, "must be a whole number"),
    ],
)
def test_shard_settings_are_checked(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_shard_settings_are_read() -> None:
    s = load_settings({"HOTLINE_DISCORD_SHARDS": "3, 1", "HOTLINE_DISCORD_SHARD_COUNT": "4"}).discord
    assert s.shard_ids == (1, 3) and s.shard_count == 4
    assert s.shard_of(7 << 22) == 3 and s.serves(7 << 22) and not s.serves(2 << 22)
    plain = load_settings({}).discord
    assert plain.shard_ids is None and plain.serves(2 << 22)
