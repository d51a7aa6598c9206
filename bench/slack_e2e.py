"""End to end through the fake Slack (tests/slack/fake): slack-bolt in Socket Mode and Hotline's Slack
platform against a Web API and Socket Mode server on 127.0.0.1, as the Slack tests run them.

The fake runs in a process of its own (`python -m bench.slack_e2e PLAN`), as Slack is another
machine; the bot's process runs only Hotline. A slash command is timed in the fake's process from
the envelope it sends to the ack frame it receives (Slack waits 3 s for it) and to the answer posted
on the command's response_url. The constant command is /hotline help, which reads nothing of the
record. The record is the generated store's second workspace, a Slack team (bench/generate.py).

The burst sends 500 slash commands without waiting for any ack: /lastcall variants, /hotline
search, lists, positions, questions, help and 20 /hotline event add (deleted afterwards).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import random
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.generate import NOW, OTHER_WS, SLACK_TEAM
from bench.measure import Stat, resident_mb
from bench.queries import TRACK, find_target
from bot.runtime.service import Runtime
from bot.slack.platform import SlackPlatform
from commands.context import FixedClock
from config.settings import Settings, SlackSettings
from storage.records import Actor
from storage.sqlite.store import SqliteStore
from tests.slack.fake import FakeSlack, FakeTeam, FakeUser
from tests.slack.fake import payloads as slack_payloads
from tests.slack.fake.world import new_team

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 3.0  # Slack forgets a request not acknowledged within three seconds
BURST = 500
COUNTERPART_OFFICE = "china:foreign-minister"


class TimedAcks(list[dict[str, Any]]):
    """The fake's record of ack frames, noting when each envelope's ack arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.at: dict[str, float] = {}

    def append(self, frame: dict[str, Any]) -> None:
        self.at.setdefault(str(frame.get("envelope_id")), time.monotonic())
        super().append(frame)


class TimedSlack(FakeSlack):
    """The fake Slack, noting when each response_url gets its first post."""

    def __init__(self) -> None:
        super().__init__()
        self.timed_acks = TimedAcks()
        self.acks = self.timed_acks
        self.answered_at: dict[str, float] = {}

    async def _response_url(self, request: web.Request) -> web.Response:
        response = await super()._response_url(request)
        self.answered_at.setdefault(request.match_info["rid"], time.monotonic())
        return response


@dataclass
class Sent:
    envelope_id: str
    rid: str
    at: float


def bench_team(fake: TimedSlack) -> tuple[FakeTeam, FakeUser, FakeUser]:
    """The team whose id is the generated Slack workspace's, an admin (an editor) and an analyst."""
    team = new_team("Hotline Bench", "hotline-bench")
    team.id = team.bot_user.team_id = SLACK_TEAM
    team.bot_token = f"xoxb-{SLACK_TEAM}-{secrets.token_hex(12)}"
    fake.teams[team.id] = team
    owner = team.add_user("olivia", admin=True, owner=True)
    analyst = team.add_user("ann")
    team.add_channel("general")
    return team, owner, analyst


async def send(fake: TimedSlack, team: FakeTeam, user: FakeUser, command: str, text: str) -> Sent:
    rid, url = fake.new_response_url()
    trigger = fake.new_trigger(team, user.id)
    body = slack_payloads.slash_command(fake.app_id, team, user, team.channel("general"), command, text, url, trigger)
    envelope_id = secrets.token_hex(12)
    conn = fake.open_sockets()[-1]
    at = time.monotonic()
    await conn.ws.send_json(
        {"envelope_id": envelope_id, "type": "slash_commands", "payload": body, "accepts_response_payload": True}
    )
    return Sent(envelope_id, rid, at)


def done(fake: TimedSlack, sent: Sent) -> bool:
    return sent.envelope_id in fake.timed_acks.at and sent.rid in fake.answered_at


async def one(fake: TimedSlack, team: FakeTeam, user: FakeUser, command: str, text: str) -> tuple[float, float]:
    sent = await send(fake, team, user, command, text)
    await fake.wait_until(lambda: done(fake, sent), 10)
    return fake.timed_acks.at[sent.envelope_id] - sent.at, fake.answered_at[sent.rid] - sent.at


@dataclass(frozen=True)
class Plan:
    name: str
    counterpart: str
    n: int
    warmup: int


def burst_commands(plan: Plan) -> list[tuple[bool, str, str]]:
    """(as the owner, command, text) for 500 commands as a busy team sends them, shuffled with a fixed seed."""
    surname = plan.name.split()[-1]
    mix: list[tuple[int, bool, str, Any]] = [
        (80, False, "/lastcall", lambda i: ""),
        (70, False, "/lastcall", lambda i: f'with:"{plan.name}"'),
        (40, False, "/lastcall", lambda i: f"track:{TRACK}"),
        (20, False, "/lastcall", lambda i: "china"),
        (40, False, "/hotline", lambda i: "event list"),
        (30, False, "/hotline", lambda i: f'event list with:"{plan.name}"'),
        (70, False, "/hotline", lambda i: "search " + ("taiwan", surname, "fentanyl precursors")[i % 3]),
        (30, False, "/hotline", lambda i: "positions taiwan"),
        (30, False, "/hotline", lambda i: "questions"),
        (30, False, "/hotline", lambda i: f'person show "{plan.name}"'),
        (30, False, "/hotline", lambda i: "help"),
        (10, False, "/hotline", lambda i: "digest preview"),
        (
            20,
            True,
            "/hotline",
            lambda i: (
                f"event add date:{(dt.date(1990, 1, 1) + dt.timedelta(days=i)).isoformat()} "
                f'us:"{plan.name}" cn:"{plan.counterpart}" kind:talks summary:"Benchmark burst write {i}"'
            ),
        ),
    ]
    assert sum(n for n, *_ in mix) == BURST
    rows = [(owner, command, make) for n, owner, command, make in mix for _ in range(n)]
    random.Random(5).shuffle(rows)
    return [(owner, command, make(i)) for i, (owner, command, make) in enumerate(rows)]


async def drive(plan: Plan) -> None:
    fake = TimedSlack()
    team, owner, analyst = bench_team(fake)
    await fake.start()
    print(f"URL {fake.base_url} TOKEN {team.bot_token} APP {fake.app_token}", flush=True)
    try:
        await fake.wait_socket(within=60)
        variants = ["", f'with:"{plan.name}"', f"track:{TRACK}"]
        for i in range(plan.warmup):
            await one(fake, team, analyst, "/lastcall", variants[i % 3])
            await one(fake, team, analyst, "/hotline", "help")
        acks: list[float] = []
        lastcall: list[float] = []
        constant: list[float] = []
        for i in range(plan.n):  # interleaved, so that both see the same conditions
            ack, answer = await one(fake, team, analyst, "/lastcall", variants[i % 3])
            acks.append(ack)
            lastcall.append(answer)
            constant.append((await one(fake, team, analyst, "/hotline", "help"))[1])
        started = time.monotonic()
        sent = [await send(fake, team, owner if o else analyst, c, t) for o, c, t in burst_commands(plan)]
        with contextlib.suppress(AssertionError):  # counted below
            await fake.wait_until(lambda: all(done(fake, s) for s in sent), 120)
        burst_acks = [fake.timed_acks.at[s.envelope_id] - s.at for s in sent if s.envelope_id in fake.timed_acks.at]
        result = {
            "acks": acks,
            "lastcall": lastcall,
            "constant": constant,
            "burst_total": len(sent),
            "burst_acked_in_time": sum(1 for a in burst_acks if a <= DEADLINE),
            "burst_answered": sum(1 for s in sent if s.rid in fake.answered_at),
            "burst_seconds": time.monotonic() - started,
            "burst_acks": burst_acks,
            "rejections": list(fake.rejections)[:20],
        }
        print("RESULT " + json.dumps(result), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await fake.stop()


@dataclass(frozen=True)
class SlackFigures:
    ack: Stat
    lastcall: Stat
    constant: Stat
    burst_total: int
    burst_acked_in_time: int
    burst_answered: int
    burst_seconds: float
    burst_ack: Stat | None
    rejections: list[str]
    drawer_mb: float | None  # the drawing process's resident memory after the runs, if charts were drawn


async def measure(path: Path, n: int, warmup: int) -> SlackFigures:
    """Start the fake Slack in a process of its own, run Hotline's Slack platform here on the store."""
    plan = Plan(find_target(path).name, find_target(path, COUNTERPART_OFFICE).name, n, warmup)
    driver = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.slack_e2e",
        json.dumps(plan.__dict__),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        # slack_sdk would send 127.0.0.1 through a proxy (it ignores NO_PROXY).
        env={**{k: v for k, v in os.environ.items() if "proxy" not in k.lower()}, "PYTHONPATH": str(ROOT)},
    )
    assert driver.stdout is not None and driver.stdin is not None
    store = await SqliteStore.open(path)
    audit = await store.audit_entries(OTHER_WS, limit=1)
    last_audit = audit[0].id if audit else 0
    quiet = [logging.getLogger(name) for name in ("slack_bolt", "slack_sdk", "hotline")]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(logging.WARNING)
    platform: SlackPlatform | None = None
    runtime: Runtime | None = None
    drawer_mb: float | None = None
    try:
        first = (await asyncio.wait_for(driver.stdout.readline(), 60)).decode().split()
        url, token, app_token = first[1], first[3], first[5]
        settings = Settings(db_path=path, slack=SlackSettings(bot_token=token, app_token=app_token, api_url=url))
        # No runtime start, so no digest scheduler: the generated subscriptions would post beside the figures.
        runtime = Runtime(settings, store, FixedClock(NOW))
        platform = SlackPlatform.from_runtime(runtime)
        await platform.start()
        while True:
            text = (await asyncio.wait_for(driver.stdout.readline(), 900)).decode()
            if not text:
                raise RuntimeError("the fake Slack's process ended without a result")
            if text.startswith("RESULT "):
                result = json.loads(text[len("RESULT ") :])
                break
        drawer_mb = resident_mb(runtime.drawer.pids())
    finally:
        if platform is not None:
            await platform.stop()
        if runtime is not None:
            await runtime.drawer.close()  # the runtime was not started, so its stop is not called
        for q, level in zip(quiet, levels, strict=True):
            q.setLevel(level)
        driver.stdin.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(driver.wait(), 30)
        if driver.returncode is None:
            driver.kill()
            await driver.wait()
        added = [
            int(e.record_id)
            for e in await store.audit_entries(OTHER_WS, limit=500)
            if e.id > last_audit and e.table == "event" and e.action == "create"
        ]
        for event_id in added:
            await store.delete_event(Actor(OTHER_WS, "bench", "bench cleanup"), NOW, event_id)
        await store.close()
    burst_acks = result.get("burst_acks") or []
    return SlackFigures(
        Stat.of(result["acks"]),
        Stat.of(result["lastcall"]),
        Stat.of(result["constant"]),
        int(result["burst_total"]),
        int(result["burst_acked_in_time"]),
        int(result["burst_answered"]),
        float(result["burst_seconds"]),
        Stat.of(burst_acks) if burst_acks else None,
        list(result.get("rejections", [])),
        drawer_mb,
    )


if __name__ == "__main__":
    asyncio.run(drive(Plan(**json.loads(sys.argv[1]))))
