"""The operator's port of a running Hotline: /healthz follows the store and each platform, /metrics
counts commands and digests in Prometheus's format, and the server ends with the runtime."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.runtime.metrics import Metrics
from bot.runtime.ops_http import OpsServer, check_health
from bot.runtime.platform import StartupError
from bot.runtime.runner import Invocation
from bot.runtime.service import Runtime
from commands.context import Caller, FixedClock
from commands.delivery import Poster
from commands.platform import PlatformInfo
from commands.reply import Reply
from config.settings import Settings
from storage.sqlite.store import SqliteStore

ROOT = Path(__file__).resolve().parents[1]
DUE = dt.datetime(2022, 4, 25, 9, 0, 5, tzinfo=dt.UTC)  # Monday, just after 09:00
PLAIN = PlatformInfo(name="fake")


class FakePlatform:
    """A platform whose connection the test turns on and off; it posts digests into a list."""

    name = "fake"

    def __init__(self) -> None:
        self.connected = True
        self.posts: list[tuple[str, str]] = []
        self.ended = asyncio.Event()

    async def start(self) -> None:
        return None

    async def wait(self) -> None:
        await self.ended.wait()

    async def stop(self) -> None:
        self.ended.set()

    def poster(self) -> Poster | None:
        return self

    def unavailable(self, workspace: str) -> str | None:
        return None

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        self.posts.append((workspace, channel_id))
        return ["m1"]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Runtime, FakePlatform, SqliteStore]]:
    store = await SqliteStore.open(tmp_path / "hotline.db")
    settings = Settings(db_path=tmp_path / "hotline.db", http_port=0)
    runtime = Runtime(settings, store, FixedClock(DUE))
    platform = FakePlatform()
    await runtime.start([platform])
    try:
        yield runtime, platform, store
    finally:
        await runtime.stop()
        await store.close()


def url(runtime: Runtime, path: str) -> str:
    assert runtime.http is not None and runtime.http.port
    return f"http://127.0.0.1:{runtime.http.port}{path}"


async def get(runtime: Runtime, path: str) -> tuple[int, Any, str]:
    async with aiohttp.ClientSession() as session, session.get(url(runtime, path)) as response:
        text = await response.text()
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body, text


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by name and sorted labels; the official parser reads it."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_healthz_is_ok_while_the_store_answers_and_every_platform_is_connected(
    running: tuple[Runtime, FakePlatform, SqliteStore],
) -> None:
    runtime, _, _ = running
    status, body, _ = await get(runtime, "/healthz")
    assert status == 200
    assert body == {"status": "ok", "store": "ok", "platforms": {"fake": "connected"}}


async def test_healthz_is_503_naming_a_disconnected_platform(
    running: tuple[Runtime, FakePlatform, SqliteStore],
) -> None:
    runtime, platform, _ = running
    platform.connected = False
    status, body, _ = await get(runtime, "/healthz")
    assert status == 503
    assert body["status"] == "unhealthy" and body["platforms"] == {"fake": "disconnected"}
    assert body["problems"] == ["fake: not connected"]
    platform.connected = True
    assert (await get(runtime, "/healthz"))[0] == 200


async def test_healthz_is_503_when_the_store_is_broken(running: tuple[Runtime, FakePlatform, SqliteStore]) -> None:
    runtime, _, store = running
    await store.close()
    status, body, _ = await get(runtime, "/healthz")
    assert status == 503
    assert body["store"] != "ok" and body["problems"][0].startswith("store: ")


async def test_a_store_that_does_not_answer_in_time_is_unhealthy(tmp_path: Path) -> None:
    class Hanging:
        async def audit_entries(self, workspace: str, limit: int) -> None:
            await asyncio.sleep(10)

    health = await check_health(Hanging(), [], store_timeout=0.05)  # type: ignore[arg-type]
    assert not health.ok and health.problems == ["store: no answer within 0.05 s"]


async def test_metrics_count_a_command_and_a_digest_in_prometheus_format(
    running: tuple[Runtime, FakePlatform, SqliteStore],
) -> None:
    runtime, platform, store = running
    runner = runtime.runner(PLAIN)
    editor = Caller("fake:1", "u1", "Ann", True)
    ok = await runner.run(Invocation(editor, "digest subscribe", {"channel": "c1", "weekday": "monday"}))
    assert ok.ok, ok.error
    refused = await runner.run(Invocation(editor, "event show", {"id": 999}))
    assert not refused.ok
    [sub] = await store.subscriptions("fake:1")
    assert isinstance(runtime.clock, FixedClock)
    runtime.clock.at = DUE + dt.timedelta(days=7)
    assert await runtime.delivery.run_due(sub.id) == "sent" and platform.posts == [("fake:1", "c1")]
    status, _, text = await get(runtime, "/metrics")
    assert status == 200
    found = samples(text)
    command = (("command", "digest subscribe"), ("outcome", "ok"), ("platform", "fake"))
    assert found[("hotline_commands_total", command)] == 1.0
    missing = (("command", "event show"), ("outcome", "refused"), ("platform", "fake"))
    assert found[("hotline_commands_total", missing)] == 1.0
    latency = (("command", "digest subscribe"), ("platform", "fake"))
    assert found[("hotline_command_seconds_count", latency)] == 1.0
    assert found[("hotline_command_seconds_bucket", tuple(sorted((*latency, ("le", "+Inf")))))] == 1.0
    assert found[("hotline_digests_total", (("late", "false"), ("outcome", "sent")))] == 1.0
    assert found[("hotline_platform_connected", (("platform", "fake"),))] == 1.0
    assert found[("hotline_db_connections", (("state", "open"),))] == 2.0
    platform.connected = False
    assert samples((await get(runtime, "/metrics"))[2])[("hotline_platform_connected", (("platform", "fake"),))] == 0


async def test_two_runtimes_keep_their_own_counts(tmp_path: Path) -> None:
    first, second = Metrics(), Metrics()
    first.command_done("fake", "lastcall", "ok", 0.01)
    assert ("hotline_commands_total", (("command", "lastcall"), ("outcome", "ok"), ("platform", "fake"))) in samples(
        first.exposition().decode()
    )
    assert not any(name == "hotline_commands_total" for name, _ in samples(second.exposition().decode()))


async def test_a_failing_observer_changes_no_outcome(running: tuple[Runtime, FakePlatform, SqliteStore]) -> None:
    runtime, _, _ = running

    class Broken:
        def command_done(self, platform: str, command: str, outcome: str, seconds: float) -> None:
            raise RuntimeError("metrics backend down")

    runner = runtime.runner(PLAIN)
    runner.observer = Broken()
    outcome = await runner.run(Invocation(Caller("fake:1", "u1", "Ann", True), "hotline help", {}))
    assert outcome.ok


async def test_the_server_stops_with_the_runtime(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "hotline.db")
    runtime = Runtime(Settings(db_path=tmp_path / "hotline.db", http_port=0), store, FixedClock(DUE))
    await runtime.start([FakePlatform()])
    assert (await get(runtime, "/healthz"))[0] == 200
    port = runtime.http.port if runtime.http else None
    await runtime.stop()
    await store.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session:
            await session.get(f"http://127.0.0.1:{port}/healthz")


async def test_without_a_port_there_is_no_server(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "hotline.db")
    try:
        assert Runtime(Settings(db_path=tmp_path / "hotline.db"), store, FixedClock(DUE)).http is None
    finally:
        await store.close()


async def test_a_busy_port_is_one_clear_startup_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        store = await SqliteStore.open(tmp_path / "hotline.db")
        try:
            runtime = Runtime(Settings(db_path=tmp_path / "hotline.db", http_port=port), store, FixedClock(DUE))
            platform = FakePlatform()
            with pytest.raises(StartupError, match=rf"http: cannot listen on 127.0.0.1:{port}"):
                await runtime.start([platform])
            assert runtime.platforms == []
        finally:
            await store.close()


async def test_it_listens_on_the_configured_address_only(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "hotline.db")
    try:
        server = OpsServer("127.0.0.1", 0, store=store, platforms=list, metrics=Metrics())
        await server.start()
        try:
            assert server.port
            with socket.socket() as probe:
                probe.connect(("127.0.0.1", server.port))
        finally:
            await server.stop()
    finally:
        await store.close()


async def container_health(port: int) -> tuple[int, str]:
    """docker/healthcheck.py as the image's HEALTHCHECK runs it, with HOTLINE_HTTP_PORT set."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "docker/healthcheck.py",
        cwd=ROOT,
        env={"HOTLINE_HTTP_PORT": str(port), "PATH": "/usr/bin:/bin", "http_proxy": "http://192.0.2.1:9"},
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await child.communicate()
    assert child.returncode is not None
    return child.returncode, out.decode()


async def test_the_container_health_check_asks_healthz(running: tuple[Runtime, FakePlatform, SqliteStore]) -> None:
    runtime, platform, _ = running
    assert runtime.http is not None and runtime.http.port
    code, out = await container_health(runtime.http.port)
    assert code == 0 and out.startswith("healthy:") and '"status": "ok"' in out, out
    platform.connected = False
    code, out = await container_health(runtime.http.port)
    assert code == 1 and "answered 503" in out and "fake: not connected" in out, out


async def test_the_container_health_check_fails_when_nothing_listens() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    code, out = await container_health(port)
    assert code == 1 and "did not answer" in out, out


async def test_healthz_is_503_while_a_platform_is_still_starting(tmp_path: Path) -> None:
    class Starting(FakePlatform):
        def __init__(self) -> None:
            super().__init__()
            self.connected = False
            self.go = asyncio.Event()
            self.entered = asyncio.Event()

        async def start(self) -> None:
            self.entered.set()  # the runtime's port is up by now: it starts before the platforms
            await self.go.wait()
            self.connected = True

    store = await SqliteStore.open(tmp_path / "hotline.db")
    runtime = Runtime(Settings(db_path=tmp_path / "hotline.db", http_port=0), store, FixedClock(DUE))
    platform = Starting()
    starting = asyncio.create_task(runtime.start([platform]))
    try:
        await asyncio.wait_for(platform.entered.wait(), 5)
        status, body, _ = await get(runtime, "/healthz")
        assert status == 503 and body["platforms"] == {"fake": "disconnected"}
        platform.go.set()
        await starting
        assert (await get(runtime, "/healthz"))[0] == 200
    finally:
        await runtime.stop()
        await store.close()
