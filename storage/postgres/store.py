"""The PostgreSQL store: a pool, migrated at open.

It does not yet implement storage.contract.StoreContract: the queries of the SQLite store are ported
here next. Until then storage.factory refuses to hand it out and names the methods it lacks.
"""

from __future__ import annotations

import asyncpg

from storage.postgres.migrate import migrate
from storage.postgres.pool import open_pool


class PostgresStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str, *, min_size: int = 1, max_size: int = 10) -> PostgresStore:
        """Connect and bring the schema up to date (storage/postgres/migrate.py); OpenFailed if the database
        cannot be reached, SchemaTooNew if it is newer than this code."""
        pool = await open_pool(url, min_size=min_size, max_size=max_size)
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
        except BaseException:
            await pool.close()
            raise
        return cls(pool)

    async def close(self) -> None:
        await self.pool.close()
