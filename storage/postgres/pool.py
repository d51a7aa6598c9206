"""Connections to PostgreSQL: one asyncpg pool per process, shared by every command."""

from __future__ import annotations

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


async def _setup(conn: asyncpg.Connection) -> None:
    # JSONB columns (lists of sources, aliases, audit snapshots) come and go as Python values.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


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
            server_settings={"application_name": "hotline"},
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
