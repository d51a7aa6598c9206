"""Open the store that HOTLINE_DB names: a `postgresql://` (or `postgres://`) URL means PostgreSQL,
anything else is the path of a SQLite file, as it has always been."""

from __future__ import annotations

from pathlib import Path

from storage.contract import StoreContract, missing_methods
from storage.errors import BackendIncomplete
from storage.postgres.pool import is_postgres_url
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore


def backend_of(url_or_path: str) -> str:
    """'postgresql' or 'sqlite': which backend open_store would use for this HOTLINE_DB value."""
    return "postgresql" if is_postgres_url(url_or_path) else "sqlite"


async def open_store(url_or_path: str, *, listen_url: str | None = None) -> StoreContract:
    """The store at `url_or_path`, opened and migrated. `listen_url` (PostgreSQL only): where the change
    feed listens, when `url_or_path` goes through a pooler that would swallow notifications.

    OpenFailed (or its BackendIncomplete) if it cannot be used, SchemaTooNew if it is newer than this code.
    """
    if backend_of(url_or_path) == "postgresql":
        return await _open_postgres(url_or_path, listen_url)
    store: SqliteStore = await SqliteStore.open(Path(url_or_path))
    return store


async def _open_postgres(url: str, listen_url: str | None) -> StoreContract:
    # Refused before connecting: an incomplete backend must not migrate anyone's database either.
    missing = missing_methods(PostgresStore)
    if missing:
        raise BackendIncomplete("PostgreSQL", missing)
    store = await PostgresStore.open(url, listen_url=listen_url)
    if not isinstance(store, StoreContract):  # what missing_methods checked; here for the type checker
        await store.close()
        raise BackendIncomplete("PostgreSQL", missing_methods(type(store)))
    return store
