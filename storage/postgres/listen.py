"""The change feed on PostgreSQL: LISTEN on a connection of its own, made again whenever it is lost.

Every audit row's trigger NOTIFYs on storage.changes.CHANNEL inside the writing transaction
(migrations/0005_change_feed.sql); PostgreSQL delivers a notification only when that transaction commits,
so a listener never hears of a write that was rolled back. PostgreSQL keeps no notification for a session
that was not listening, so after any gap (the first connection failed, or a connection was lost) the
listener delivers EVERYTHING once it listens again, and the process rebuilds what it keeps.

The connection is not the pool's: LISTEN belongs to one session for as long as it listens, which a pool
(and a transaction-mode PgBouncer) would hand to others. Such a pooler accepts the LISTEN and then never
delivers a notification, so the listener proves that notifications reach it: on connecting and every
KEEPALIVE_SECONDS it NOTIFYs a channel of its own and waits for the echo. A connection that dies without a
word (a network cut leaves the socket open) fails the same check. No echo within CONNECT_TIMEOUT_S
counts as lost, and says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

import asyncpg

from storage.changes import CHANNEL, EVERYTHING, Change, OnChange, deliver, parse_payload
from storage.errors import OpenFailed
from storage.postgres.pool import Connection, redact

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
CONNECT_TIMEOUT_S = 10.0
RETRY_FIRST_S = 0.1  # the wait before connecting again, doubled after each failure up to RETRY_MAX_S
RETRY_MAX_S = 5.0

# What a lost or refused connection raises: the database is away, not a bug of ours.
_CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class ChangeListener:
    """A running watch of one PostgreSQL database (storage.changes.ChangeWatch)."""

    def __init__(
        self,
        url: str,
        on_change: OnChange,
        *,
        keepalive: float = KEEPALIVE_SECONDS,
        retry_first: float = RETRY_FIRST_S,
        retry_max: float = RETRY_MAX_S,
    ) -> None:
        self._url = url
        self._on_change = on_change
        self._keepalive = keepalive
        self._retry_first = retry_first
        self._retry_max = retry_max
        self._conn: asyncpg.Connection | None = None
        # A channel of this listener's own, for the echo that proves notifications reach it.
        self._echo_channel = f"hotline_echo_{secrets.token_hex(8)}"
        self._echoed = asyncio.Event()
        self._lost = asyncio.Event()
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.retries = 0  # attempts to listen again after a failure or a loss

    @classmethod
    async def start(cls, url: str, on_change: OnChange, **options: float) -> ChangeListener:
        """Listen from now on. Returns once listening, or once the first attempt failed (then it goes on
        trying in the background and delivers EVERYTHING when it listens)."""
        listener = cls(url, on_change, **options)
        first = asyncio.Event()
        listener._task = asyncio.create_task(listener._run(first), name="hotline-change-listener")
        await first.wait()
        return listener

    @property
    def connected(self) -> bool:
        return self._listening.is_set()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, first: asyncio.Event) -> None:
        wait = self._retry_first
        missed = False  # whether changes may have gone unheard since the watch began
        while True:
            try:
                await self._connect()
                if missed:
                    deliver(self._on_change, EVERYTHING)
                first.set()
                wait = self._retry_first
                await self._hold()
            except _CONNECTION_ERRORS as exc:
                log.warning(
                    "listening for changes on %s failed: %s; trying again in %.1f s",
                    redact(self._url),
                    type(exc).__name__,
                    wait,
                )
            finally:
                await self._drop()
            missed = True
            first.set()
            await asyncio.sleep(wait)
            wait = min(wait * 2, self._retry_max)
            self.retries += 1

    async def _connect(self) -> None:
        self._lost.clear()
        conn = await asyncpg.connect(
            self._url, timeout=CONNECT_TIMEOUT_S, server_settings={"application_name": "hotline-listen"}
        )
        self._conn = conn
        conn.add_termination_listener(self._terminated)
        await conn.add_listener(CHANNEL, self._notified)
        await conn.add_listener(self._echo_channel, self._echo)
        await self._check_echo()
        self._listening.set()
        log.debug("listening for changes on %s", redact(self._url))

    async def _check_echo(self) -> None:
        """NOTIFY this listener's own channel and wait for it: the proof that notifications reach it."""
        assert self._conn is not None
        self._echoed.clear()
        await self._conn.execute(f"NOTIFY {self._echo_channel}", timeout=CONNECT_TIMEOUT_S)
        try:
            await asyncio.wait_for(self._echoed.wait(), CONNECT_TIMEOUT_S)
        except TimeoutError:
            log.error(
                "notifications do not come back on the listening connection to %s: is it a transaction-mode"
                " pooler? Give HOTLINE_DB_LISTEN a URL that reaches PostgreSQL directly",
                redact(self._url),
            )
            raise ConnectionResetError("no notification came back on the listening connection") from None

    async def _hold(self) -> None:
        """Return (or raise) when the connection is lost; until then, check it now and then."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), self._keepalive)
            if self._lost.is_set():
                raise ConnectionResetError("the listening connection was closed")
            await self._check_echo()

    async def _drop(self) -> None:
        self._listening.clear()
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.remove_termination_listener(self._terminated)
            conn.terminate()  # no goodbye over a connection that may be dead

    def _terminated(self, conn: Connection) -> None:
        self._lost.set()

    def _notified(self, conn: Connection, pid: int, channel: str, payload: object) -> None:
        deliver(self._on_change, parse_payload(str(payload)))

    def _echo(self, conn: Connection, pid: int, channel: str, payload: object) -> None:
        self._echoed.set()


class SharedListener:
    """One ChangeListener for a whole store, started when first needed, whose changes go to every
    handler subscribed: the store's own kept reads (storage/postgres/kept.py) and each watch_changes. One
    listening connection a process, however many parts follow the feed."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._handlers: list[OnChange] = []
        self._listener: ChangeListener | None = None
        self._starting: asyncio.Task[ChangeListener] | None = None
        self._closed = False

    @property
    def connected(self) -> bool:
        return self._listener is not None and self._listener.connected

    def begin(self) -> None:
        """Start listening in the background, if not already: for a part that can do without the feed
        until it is connected (it asks `connected` before trusting what it keeps)."""
        if self._starting is None and not self._closed:
            self._starting = asyncio.create_task(self._start(), name="hotline-change-listener-start")

    async def watch(self, on_change: OnChange) -> SharedWatch:
        """Deliver every change to `on_change` until the returned watch is closed. Returns once listening,
        or once the first attempt failed (the listener goes on trying and then delivers EVERYTHING)."""
        self.begin()
        if self._starting is None:
            raise OpenFailed("this PostgreSQL store is closed: it cannot listen for changes")
        await asyncio.shield(self._starting)
        self._handlers.append(on_change)
        return SharedWatch(self, on_change)

    def unsubscribe(self, on_change: OnChange) -> None:
        with contextlib.suppress(ValueError):
            self._handlers.remove(on_change)

    def subscribe(self, on_change: OnChange) -> None:
        """Deliver every change to `on_change` from now on (for the store's own parts; never removed)."""
        self._handlers.append(on_change)

    async def close(self) -> None:
        self._closed = True
        starting, self._starting = self._starting, None
        if starting is not None:
            with contextlib.suppress(Exception):
                await starting
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.close()
        self._handlers.clear()

    async def _start(self) -> ChangeListener:
        listener = await ChangeListener.start(self._url, self._deliver)
        if self._closed:
            await listener.close()
        else:
            self._listener = listener
        return listener

    def _deliver(self, change: Change) -> None:
        for handler in list(self._handlers):
            deliver(handler, change)


class SharedWatch:
    """One subscriber's watch of a SharedListener (storage.changes.ChangeWatch)."""

    def __init__(self, shared: SharedListener, on_change: OnChange) -> None:
        self._shared = shared
        self._on_change = on_change
        self._closed = False

    @property
    def connected(self) -> bool:
        return not self._closed and self._shared.connected

    async def close(self) -> None:
        self._closed = True
        self._shared.unsubscribe(self._on_change)
