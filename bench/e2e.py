"""End to end through the fake Discord (tests/discord/fake): the real discord.py client and HotlineBot
against a REST and gateway server on 127.0.0.1, in this process, as the Discord tests run them.

An interaction's time is from the fake sending INTERACTION_CREATE on the gateway to the fake receiving
the bot's callback (its answer, or its "thinking…" when the command runs past the bot's defer time).
The constant command is /hotline help, whose answer needs no query of the record.

The fake runs in a process of its own (`python -m bench.e2e PLAN`), as Discord is another machine: the
bot's process, whose event loop and memory are measured, runs only the bot. Both sides of a timing
are taken in the fake's process.

The burst sends 500 interactions without waiting for any answer, a mix of reads, autocompletes and a
few /event add, and waits for every final answer. The events it adds are deleted afterwards, so the
cached store keeps its record (their audit entries stay).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord.gateway
import discord.http
import yarl
from aiohttp import web

from bench.generate import GUILD_A, NOW, WS
from bench.measure import Stat, resident_mb
from bench.queries import TRACK, find_target, open_store
from bot.discord.app import HotlineBot
from bot.discord.info import DISCORD
from bot.runtime.runner import Runner
from charts.process import ProcessDrawer
from commands.context import CoreSettings, FixedClock
from storage.records import Actor
from tests.discord.fake.interactions import AUTOCOMPLETE, SLASH, base_payload, command_data
from tests.discord.fake.server import API, FakeDiscord, FakeInteraction, Recorded
from tests.discord.fake.world import EVERYONE_PERMISSIONS, MANAGE_GUILD, FakeGuild, FakeRole, FakeUser, snowflake

ROOT = Path(__file__).resolve().parent.parent
COUNTERPART_OFFICE = "china:foreign-minister"
DEADLINE = 3.0  # Discord forgets an interaction not answered within three seconds
BURST = 500


class TimedFake(FakeDiscord):
    """The fake Discord, noting when each interaction's callback arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.answered_at: dict[str, float] = {}

    def _callback(self, rec: Recorded, interaction_id: str, token: str) -> web.Response:
        self.answered_at.setdefault(token, time.monotonic())
        return super()._callback(rec, interaction_id, token)

    async def start(self) -> None:
        """As FakeDiscord.start, with a listen backlog of 4096 rather than aiohttp's 128.

        discord.py opens a connection per concurrent request (its connector has no limit), so a
        burst of answers is hundreds of connections at once; past a backlog of 128 the kernel drops
        the extra SYNs and each dropped one waits a second or more to retry: a stall of this fake
        (Discord's edge takes them), not of the bot.
        """
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        self.port = int(self._runner.addresses[0][1])


@dataclass
class World:
    guild: FakeGuild
    owner: FakeUser
    analyst: FakeUser

    @property
    def channel(self) -> Any:
        return self.guild.channel("general")


def build_world() -> World:
    """One guild whose id is the generated workspace's, an owner (an editor) and an analyst (a reader)."""
    owner = FakeUser(snowflake(), "olivia")
    analyst = FakeUser(snowflake(), "ann")
    guild = FakeGuild(GUILD_A, "Hotline Bench", owner.id)
    guild.roles[GUILD_A] = FakeRole(GUILD_A, "@everyone", EVERYONE_PERMISSIONS, position=0)
    guild.add_member(owner)
    guild.add_member(analyst, guild.add_role("Mods", MANAGE_GUILD))
    guild.add_channel("general")
    return World(guild, owner, analyst)


def _slash(fake: TimedFake, world: World, user: FakeUser, command: str, **options: Any) -> dict[str, Any]:
    payload = base_payload(fake.app_id, SLASH, world.guild, user, world.channel)
    options = {k.rstrip("_"): v for k, v in options.items()}  # with_ -> with, as tests/discord writes it
    payload["data"] = command_data(fake.commands_for(world.guild.id), command, options, world.guild)
    return payload


def _autocomplete(fake: TimedFake, world: World, command: str, focused: str, **options: Any) -> dict[str, Any]:
    payload = base_payload(fake.app_id, AUTOCOMPLETE, world.guild, world.analyst, world.channel)
    options = {k.rstrip("_"): v for k, v in options.items()}
    payload["data"] = command_data(fake.commands_for(world.guild.id), command, options, world.guild, focused=focused)
    return payload


def _final(ix: FakeInteraction) -> bool:
    """The member sees the answer: a direct response, an autocomplete, or the followup to a defer."""
    if not ix.callbacks:
        return False
    if ix.callbacks[0].get("type") != 5:
        return True
    return bool(ix.edits or ix.followups)


async def _one(fake: TimedFake, payload: dict[str, Any]) -> float:
    ix = await fake.send_interaction(payload)
    await fake.wait_until(lambda: _final(ix), 10)
    return fake.answered_at[ix.token] - ix.created


def _burst_payloads(fake: TimedFake, world: World, name: str, counterpart: str) -> list[dict[str, Any]]:
    """500 interactions as a busy guild sends them: mostly /lastcall and autocompletes, some lists and
    searches, a few digest previews and writes. Shuffled with a fixed seed."""
    surname = name.split()[-1]
    user = world.analyst
    mix: list[tuple[int, Callable[[int], dict[str, Any]]]] = [  # (how many in 500, payload i)
        (70, lambda i: _slash(fake, world, user, "lastcall")),
        (60, lambda i: _slash(fake, world, user, "lastcall", with_=name)),
        (30, lambda i: _slash(fake, world, user, "lastcall", track=TRACK)),
        (10, lambda i: _slash(fake, world, user, "lastcall", with_="china")),
        (45, lambda i: _autocomplete(fake, world, "lastcall", "with", with_=("wa", surname[:3], "li")[i % 3])),
        (35, lambda i: _autocomplete(fake, world, "event show", "id", id=("", surname, "12")[i % 3])),
        (25, lambda i: _autocomplete(fake, world, "positions", "issue", issue=("tai", "s", "")[i % 3])),
        (25, lambda i: _slash(fake, world, user, "event list")),
        (20, lambda i: _slash(fake, world, user, "event list", with_=name)),
        (15, lambda i: _slash(fake, world, user, "event list", track="economic", since="2026-01-01")),
        (60, lambda i: _slash(fake, world, user, "search", query=("taiwan", surname, "fentanyl precursors")[i % 3])),
        (20, lambda i: _slash(fake, world, user, "positions", issue="taiwan")),
        (20, lambda i: _slash(fake, world, user, "questions")),
        (20, lambda i: _slash(fake, world, user, "person show", name=name)),
        (15, lambda i: _slash(fake, world, user, "hotline help")),
        (10, lambda i: _slash(fake, world, user, "digest preview")),
        (
            20,
            lambda i: _slash(
                fake,
                world,
                world.owner,
                "event add",
                # Before the generated record: no duplicate of it. Deleted after the burst.
                date=(dt.date(1990, 1, 1) + dt.timedelta(days=i)).isoformat(),
                us=name,
                cn=counterpart,
                kind="talks",
                summary=f"Benchmark burst write {i}",
            ),
        ),
    ]
    assert sum(n for n, _ in mix) == BURST
    makers = [make for n, make in mix for _ in range(n)]
    random.Random(5).shuffle(makers)
    return [make(i) for i, make in enumerate(makers)]


# -- the fake Discord's process -------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    name: str  # the person /lastcall asks about
    counterpart: str  # a Chinese official the burst's /event add records a contact with
    n: int
    warmup: int
    burst: bool


async def drive(plan: Plan) -> None:
    """Run in the fake's own process: wait for the bot, send the interactions, time the answers,
    print them, and keep serving until the bot's process closes our standard input."""
    fake = TimedFake()
    world = build_world()
    fake.add_guild(world.guild)
    await fake.start()
    print(f"PORT {fake.port} APP {fake.app_id}", flush=True)
    try:
        await fake.wait_until(lambda: world.guild.id in fake.guild_commands, 60)
        await fake.wait_identified(60)
        await asyncio.sleep(0.2)  # the bot marks itself ready after the guild arrives
        variants: list[dict[str, Any]] = [{}, {"with_": plan.name}, {"track": TRACK}]
        for i in range(plan.warmup):
            await _one(fake, _slash(fake, world, world.analyst, "lastcall", **variants[i % 3]))
            await _one(fake, _slash(fake, world, world.analyst, "hotline help"))
        lastcall: list[float] = []
        constant: list[float] = []
        for i in range(plan.n):  # interleaved, so that both see the same conditions
            lastcall.append(await _one(fake, _slash(fake, world, world.analyst, "lastcall", **variants[i % 3])))
            constant.append(await _one(fake, _slash(fake, world, world.analyst, "hotline help")))
        result: dict[str, Any] = {"lastcall": lastcall, "constant": constant, "rejections": list(fake.rejections)}
        if plan.burst:
            result |= await _burst(fake, world, plan)
        print("RESULT " + json.dumps(result), flush=True)
        # The bot's keep-alive connections would hold up the server's shutdown: wait until it is gone.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await fake.stop()


async def _burst(fake: TimedFake, world: World, plan: Plan) -> dict[str, Any]:
    payloads = _burst_payloads(fake, world, plan.name, plan.counterpart)
    rejected_before = len(fake.rejections)
    started = time.monotonic()
    sent = [await fake.send_interaction(p) for p in payloads]
    with contextlib.suppress(AssertionError):  # counted below: what was not answered in time
        await fake.wait_until(lambda: all(_final(ix) for ix in sent), 60)
    finished = time.monotonic()
    callbacks = [fake.answered_at[ix.token] - ix.created for ix in sent if ix.token in fake.answered_at]
    in_time = [ix for ix in sent if ix.callbacks and fake.answered_at[ix.token] - ix.created <= DEADLINE]
    return {
        "burst_total": len(sent),
        "burst_in_time": len(in_time),
        "burst_final": sum(1 for ix in sent if _final(ix)),
        "burst_deferred": sum(1 for ix in sent if ix.callbacks and ix.callbacks[0].get("type") == 5),
        "burst_seconds": finished - started,
        "burst_callbacks": callbacks,
        "burst_rejections": fake.rejections[rejected_before:][:20],
    }


def driver_main(argv: list[str]) -> int:
    asyncio.run(drive(Plan(**json.loads(argv[0]))))
    return 0


# -- the bot's process ----------------------------------------------------------------------------


@dataclass(frozen=True)
class E2EFigures:
    lastcall: Stat
    constant: Stat
    burst_total: int
    burst_in_time: int
    burst_final: int
    burst_deferred: int
    burst_seconds: float  # first sent to last final answer
    burst_callback: Stat | None  # per interaction, sent to callback
    rejections: list[str]
    drawer_mb: float | None  # the drawing process's resident memory after the runs, if charts were drawn


async def measure(path: Path, n: int, warmup: int, burst: bool = True, url: str | None = None) -> E2EFigures:
    """Start the fake Discord in a process of its own, run HotlineBot here on the store at `path` (or on
    its PostgreSQL copy at `url`)."""
    target = find_target(path)
    plan = Plan(target.name, find_target(path, COUNTERPART_OFFICE).name, n, warmup, burst)
    root = ROOT
    driver = await asyncio.create_subprocess_exec(
        sys.executable,
        *(["-m", "cProfile", "-o", os.environ["BENCH_PROFILE_FAKE"]] if os.environ.get("BENCH_PROFILE_FAKE") else []),
        "-m",
        "bench.e2e",
        json.dumps(plan.__dict__),
        cwd=root,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert driver.stdout is not None and driver.stdin is not None
    store = await open_store(path, url)
    audit = await store.audit_entries(WS, limit=1)
    last_audit = audit[0].id if audit else 0
    quiet = logging.getLogger("discord")
    old_level = quiet.level
    quiet.setLevel(logging.WARNING)
    old_base, old_gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    bot: HotlineBot | None = None
    task: asyncio.Task[None] | None = None
    # As a running bot draws: in a process of its own (the runtime's ProcessDrawer).
    drawer = ProcessDrawer()
    drawer_mb: float | None = None
    try:
        first = (await asyncio.wait_for(driver.stdout.readline(), 60)).decode().split()
        port = int(first[1])
        discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gateway")
        # No runtime, so no digest scheduler: the generated subscriptions post to channels the fake
        # does not have, and catching up on them would run beside the figures.
        runner = Runner(store, FixedClock(NOW), CoreSettings(), DISCORD, drawer=drawer)
        # guild_ready_timeout: discord.py waits this long after the last GUILD_CREATE before on_ready (2 s by default).
        bot = HotlineBot(runner=runner, store=store, dev_guild=GUILD_A, guild_ready_timeout=0.01)
        task = asyncio.create_task(bot.start(TimedFake().token))
        while True:
            text = (await asyncio.wait_for(driver.stdout.readline(), 600)).decode()
            if not text:
                raise RuntimeError("the fake Discord's process ended without a result")
            if text.startswith("RESULT "):
                result = json.loads(text[len("RESULT ") :])
                break
        drawer_mb = resident_mb(drawer.pids())
    finally:
        if bot is not None:
            await bot.close()
        if task is not None:
            with contextlib.suppress(Exception):
                await task
        await drawer.close()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway
        quiet.setLevel(old_level)
        driver.stdin.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(driver.wait(), 30)
        if driver.returncode is None:
            driver.kill()
            await driver.wait()
        # Undo the burst's writes, so that the cached store keeps the generated record.
        added = [
            int(e.record_id)
            for e in await store.audit_entries(WS, limit=500)
            if e.id > last_audit and e.table == "event" and e.action == "create"
        ]
        for event_id in added:
            await store.delete_event(Actor(WS, "bench", "bench cleanup"), NOW, event_id)
        await store.close()
    callbacks = result.get("burst_callbacks") or []
    return E2EFigures(
        Stat.of(result["lastcall"]),
        Stat.of(result["constant"]),
        int(result.get("burst_total", 0)),
        int(result.get("burst_in_time", 0)),
        int(result.get("burst_final", 0)),
        int(result.get("burst_deferred", 0)),
        float(result.get("burst_seconds", 0.0)),
        Stat.of(callbacks) if callbacks else None,
        list(result.get("rejections", [])) + list(result.get("burst_rejections", [])),
        drawer_mb,
    )


if __name__ == "__main__":
    sys.exit(driver_main(sys.argv[1:]))
