"""Installations of a chat app into teams (Slack's OAuth) on PostgreSQL: the JSON text the adapter gives,
keyed by the app's client id, the enterprise and the team. Nothing here logs it."""

from __future__ import annotations

import datetime as dt

from storage.postgres.db import Database


class Installs:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save_installation(
        self, client_id: str, enterprise_id: str | None, team_id: str | None, data: str, *, at: dt.datetime
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.run(
                "INSERT INTO slack_installation (client_id, enterprise_id, team_id, installed_at, data)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_id, enterprise_id, team_id)"
                " DO UPDATE SET installed_at = excluded.installed_at, data = excluded.data",
                client_id,
                enterprise_id or "",
                team_id or "",
                at,
                data,
            )

    async def installation(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> str | None:
        data: str | None = await self.db.value(
            "SELECT data FROM slack_installation WHERE client_id = $1 AND enterprise_id = $2 AND team_id = $3",
            client_id,
            enterprise_id or "",
            team_id or "",
        )
        return data

    async def delete_installation(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> None:
        async with self.db.transaction() as tx:
            await tx.run(
                "DELETE FROM slack_installation WHERE client_id = $1 AND enterprise_id = $2 AND team_id = $3",
                client_id,
                enterprise_id or "",
                team_id or "",
            )
