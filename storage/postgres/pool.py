"""Connections to PostgreSQL: one asyncpg pool per process, shared by every command."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import re
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from storage.errors import OpenFailed

log = logging.getLogger(__name__)

# A connection of its own or one borrowed from the pool: both run the same statements.
Connection = asyncpg.Connection | PoolConnectionProxy

URL_SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_S = 10.0


def is_postgres_url(text: str) -> bool:
    """True for a `postgresql://` or `postgres://` URL: what HOTLINE_DB holds to choose this backend."""
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.lower() in URL_SCHEMES


# A password given as a parameter (postgresql://user@host/db?password=…), which libpq and asyncpg accept.
_PASSWORD_PARAMETER = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def redact(url: str) -> str:
    """The URL without its password (in the user part or as a parameter), for messages and logs."""
    url = _PASSWORD_PARAMETER.sub(r"\1***", url)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


# JSONB's binary form: a version byte, then the JSON text.
_JSONB_VERSION = b"\x01"


def _jsonb_out(value: object) -> bytes:
    return _JSONB_VERSION + json.dumps(value).encode()


def _jsonb_in(data: bytes) -> object:
    return json.loads(data[1:])


async def _setup(conn: asyncpg.Connection) -> None:
    # JSONB columns (lists of sources, aliases, audit snapshots) come and go as Python values. In the
    # binary format, so that COPY (the importer's) can write them too.
    await conn.set_type_codec("jsonb", encoder=_jsonb_out, decoder=_jsonb_in, schema="pg_catalog", format="binary")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What the pool does to a connection given back, beyond rolling back a transaction left open
    (asyncpg always does that): nothing.

    By default asyncpg also sends a reset statement (unlock advisory locks, close cursors, UNLISTEN,
    RESET ALL) on every release: a second round trip for every read, half its cost. Hotline leaves no
    such state on a pooled connection: no SET, no LISTEN, no cursor outlives its transaction, and the
    one advisory lock (migrate.py) is released by the code that takes it.
    """


async def open_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool of `min_size` to `max_size` connections to the database at `url`.

    The first connections are made before this returns, so an unreachable server, an unknown database or
    a refused login is an OpenFailed that says which, and the password never appears in it.
    """
    if not is_postgres_url(url):
        raise OpenFailed(f"not a PostgreSQL URL: {redact(url)!r} (it must start with postgresql://)")
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=CONNECT_TIMEOUT_S,
            init=_setup,
            reset=_keep_session,
            # Every statement through the pool is planned for its values. Left to itself, PostgreSQL
            # switches a prepared statement to one generic plan after five runs when that plan looks no
            # dearer on average; a search's generic plan assumes words of average rarity and would look
            # up "taiwan" (a third of all events) the way it looks up a name. Point reads, whose plans do
            # not depend on the values, have connections of their own (PointConnections).
            server_settings={"application_name": "hotline", "plan_cache_mode": "force_custom_plan"},
        )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        log.error("cannot open the PostgreSQL database %s: %s", redact(url), type(exc).__name__)
        raise OpenFailed(f"cannot open the PostgreSQL database {redact(url)}: {_reason(exc)}") from exc
    return pool


def _reason(exc: BaseException) -> str:
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return "the database does not exist (create it first: createdb NAME)"
    if isinstance(exc, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return f"the server refused the login: {exc}"
    if isinstance(exc, TimeoutError):
        return f"no answer from the server within {CONNECT_TIMEOUT_S:.0f} s"
    if isinstance(exc, OSError):
        return f"the server cannot be reached ({exc.strerror or exc})"
    return str(exc) or type(exc).__name__


# Point reads: how many connections of their own they keep (see PointConnections), how many reads may
# wait for one of them before the pool takes the rest, and how long they leave reads to the pool after a
# connection could not be opened, rather than try again on every read.
POINT_CONNECTIONS = 2
POINT_WAITING = 8
POINT_RETRY_S = 30.0


class PointConnections:
    """A few connections of their own, outside the pool, for point reads: short statements that find a
    few rows by key (an event by id, the latest contact, an office by slug), a dozen to a command.

    Two costs dominate such a statement when it goes through the pool, both larger than running it:
    the pool's acquire and release (about 70 µs), and planning. PostgreSQL plans a prepared statement
    anew on every run for its first five runs, and afterwards as long as the plan for the values at hand
    looks cheaper than the generic one, which for a statement with subqueries is every time: 0.4 to
    1.3 ms of planning for 0.05 to 0.3 ms of work. These connections are opened with plan_cache_mode
    force_generic_plan, so each statement is planned once per connection; that is right only for
    statements whose best plan does not depend on the values (an index range led by the workspace and
    a key), and those alone are sent here. Statements whose plan should follow the values (a common
    word or a rare one, a busy person or a new one) go through the pool.

    A connection is lent to one statement at a time. When all are lent, a statement waits for the next
    one given back, as long as fewer than `waiting` already wait: a command sends its independent reads
    together (/lastcall five or six), and a read that waits 0.1 ms for a connection planned for it costs
    less than one planned afresh in the pool. Past that, as when a connection cannot be opened, the
    statement goes through the pool instead: a burst of commands spreads over both. A connection that
    fails or whose statement is cancelled is closed, and another is opened in its place when next
    needed (Database.point_all and the others run the statement again through the pool when the
    connection, not the statement, failed).
    """

    def __init__(
        self,
        url: str,
        size: int = POINT_CONNECTIONS,
        retry_s: float = POINT_RETRY_S,
        waiting: int = POINT_WAITING,
    ) -> None:
        self.url = url
        self.size = size
        self.retry_s = retry_s
        self.waiting = waiting
        # Reads waiting for a connection, first come first served: each future gets a connection, or
        # None to look again (one was discarded, so another may be opened; or the set is closing).
        self._waiters: collections.deque[asyncio.Future[asyncpg.Connection | None]] = collections.deque()
        self._idle: list[asyncpg.Connection] = []
        self._lent = 0
        self._opening = 0
        self._closed = False
        self._retry_at = 0.0  # when a failed connect may be tried again (loop time)

    @property
    def open_count(self) -> int:
        return len(self._idle) + self._lent

    @property
    def idle_count(self) -> int:
        return len(self._idle)

    async def _connect(self) -> asyncpg.Connection | None:
        self._opening += 1
        try:
            conn = await asyncpg.connect(
                self.url,
                timeout=CONNECT_TIMEOUT_S,
                server_settings={"application_name": "hotline", "plan_cache_mode": "force_generic_plan"},
            )
            await _setup(conn)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # The pool then serves the statements, and says why if the server is really gone.
            self._retry_at = asyncio.get_running_loop().time() + self.retry_s
            log.warning(
                "no point-read connection to %s (%s); reading through the pool for %.0f s",
                redact(self.url),
                type(exc).__name__,
                self.retry_s,
            )
            return None
        finally:
            self._opening -= 1
        if self._closed:
            await conn.close()
            return None
        return conn

    async def start(self) -> None:
        """Open the connections now rather than on the first reads."""
        opened = await asyncio.gather(*(self._connect() for _ in range(self.size - self.open_count)))
        self._idle += [conn for conn in opened if conn is not None]

    @property
    def waiting_count(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def borrow(self) -> asyncpg.Connection | None:
        """A connection for one statement, or None: use the pool. Give it back with give_back, or
        discard it if it broke."""
        while not self._closed:
            if self._idle:
                self._lent += 1
                return self._idle.pop()
            if self.open_count + self._opening < self.size:
                if asyncio.get_running_loop().time() < self._retry_at:
                    return None
                found = await self._connect()
                if found is not None:
                    self._lent += 1
                return found
            if self.waiting_count >= self.waiting:
                return None
            waiter: asyncio.Future[asyncpg.Connection | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                handed = await waiter
            except asyncio.CancelledError:
                # Cancelled just after a connection was handed over: it goes to the next in line.
                if waiter.done() and not waiter.cancelled() and (conn := waiter.result()) is not None:
                    self.give_back(conn)
                raise
            if handed is not None:
                return handed  # still counted as lent: give_back handed it over without returning it
        return None

    def give_back(self, conn: asyncpg.Connection) -> None:
        if conn.is_closed() or self._closed:
            self._lent -= 1
            conn.terminate()
            self._wake_one()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._lent -= 1
        self._idle.append(conn)

    def discard(self, conn: asyncpg.Connection) -> None:
        """A connection that broke, or whose statement was interrupted midway: never lent again (another is
        opened in its place when next needed, by the first read waiting if there is one)."""
        self._lent -= 1
        conn.terminate()
        self._wake_one()

    def _wake_one(self) -> None:
        """Let the first waiting read look again: a connection was closed, so it may open another."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self) -> None:
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # to the pool, which says the store is closing
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()
