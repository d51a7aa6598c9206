"""The change feed behind a pooler that swallows notifications, as PgBouncer in transaction mode does:
the listener must notice (its echo never comes back), say what to do, not count as connected (so the
kept reads are not trusted), and work when HOTLINE_DB_LISTEN gives it a direct URL.

The pooler here is a proxy on 127.0.0.1 in front of the test server's socket that passes every message
but notifications (NotificationResponse, type 'A'), with the real asyncpg client on both sides."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from config.settings import SettingsError, load_settings
from storage.factory import open_store
from storage.postgres import listen
from storage.postgres.store import PostgresStore
from storage.records import Actor
from tests.conftest import WS
from tests.pg_server import PgServer

NOTIFICATION = b"A"
ALICE = Actor(WS, "u1", "Alice")
WHEN = dt.datetime(2022, 4, 21, tzinfo=dt.UTC)


class SwallowingPooler:
    """Forwards a client's bytes to the server as they come, and the server's messages back, but drops
    every notification."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket
        self.dropped = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_unix_connection(str(self.socket))
        up = asyncio.create_task(self._pass(client_r, server_w))
        down = asyncio.create_task(self._messages(server_r, client_w))
        self._tasks |= {up, down}
        try:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (up, down):
                task.cancel()
            client_w.close()
            server_w.close()

    async def _pass(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()

    async def _messages(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readexactly(5)
            body = await reader.readexactly(struct.unpack("!I", head[1:])[0] - 4)
            if head[:1] == NOTIFICATION:
                self.dropped += 1
                continue
            writer.write(head + body)
            await writer.drain()


@pytest.fixture
async def pooled_url(pg_server: PgServer, pg_store_url: str) -> AsyncIterator[tuple[str, SwallowingPooler]]:
    """The test's database through the swallowing pooler."""
    socket = next(pg_server.socket_dir.glob(".s.PGSQL.*"))
    pooler = SwallowingPooler(socket)
    port = await pooler.start()
    name = unquote(urlsplit(pg_store_url).path.lstrip("/"))
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/{quote(name, safe='')}?sslmode=disable", pooler
    finally:
        await pooler.close()


async def test_a_listener_behind_it_is_not_connected_and_says_what_to_do(
    pooled_url: tuple[str, SwallowingPooler],
    pg_store_url: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, pooler = pooled_url
    monkeypatch.setattr(listen, "CONNECT_TIMEOUT_S", 0.5)  # how long the echo is waited for
    caplog.set_level(logging.ERROR, logger="storage.postgres.listen")
    store = await PostgresStore.open(url)
    other = await PostgresStore.open(pg_store_url)
    try:
        assert (await store.workspace_settings(WS)).timezone is None  # through the pooler: reads work
        await asyncio.sleep(1.0)  # the listener has tried, and waited for its echo
        assert store.listener is not None and not store.listener.connected
        assert pooler.dropped >= 1
        assert "Give HOTLINE_DB_LISTEN a URL that reaches PostgreSQL directly" in caplog.text
        # So nothing is answered from memory: another process's write is seen at once.
        await other.set_workspace(
            Actor(WS, "u1", "Alice"), dt.datetime(2022, 4, 21, tzinfo=dt.UTC), timezone="Asia/Tokyo"
        )
        assert (await store.workspace_settings(WS)).timezone == "Asia/Tokyo"
        assert store.kept.hits == 0
    finally:
        await store.close()
        await other.close()


async def test_with_a_direct_listen_url_the_feed_is_heard(
    pooled_url: tuple[str, SwallowingPooler], pg_store_url: str
) -> None:
    url, pooler = pooled_url
    store = await open_store(url, listen_url=pg_store_url)
    other = await PostgresStore.open(pg_store_url)
    try:
        assert isinstance(store, PostgresStore) and store.listener is not None
        heard: list[object] = []
        watch = await store.watch_changes(heard.append)
        assert watch.connected
        await other.set_workspace(
            Actor(WS, "u1", "Alice"), dt.datetime(2022, 4, 21, tzinfo=dt.UTC), timezone="Asia/Tokyo"
        )
        for _ in range(200):
            if heard:
                break
            await asyncio.sleep(0.01)
        assert heard, "the write was not heard through the direct listening connection"
        assert pooler.dropped == 0  # nothing was listened for through the pooler
        await watch.close()
    finally:
        await store.close()
        await other.close()


def test_the_setting_takes_a_postgresql_url_beside_a_postgresql_store() -> None:
    pooled = {"HOTLINE_DB": "postgresql://app:pw@pooler:6432/hotline"}
    settings = load_settings({**pooled, "HOTLINE_DB_LISTEN": "postgresql://app:hunter2pw@db:5432/hotline"})
    assert settings.db_listen_url == "postgresql://app:hunter2pw@db:5432/hotline"
    assert "hunter2pw" not in repr(settings)
    assert load_settings(pooled).db_listen_url is None
    with pytest.raises(SettingsError, match="HOTLINE_DB_LISTEN must be a postgresql:// URL"):
        load_settings({**pooled, "HOTLINE_DB_LISTEN": "db:5432"})
    with pytest.raises(SettingsError, match="HOTLINE_DB is not a postgresql:// URL") as refused:
        load_settings({"HOTLINE_DB": "data/hotline.db", "HOTLINE_DB_LISTEN": "postgresql://app:hunter2pw@db/hotline"})
    assert "hunter2pw" not in str(refused.value)
