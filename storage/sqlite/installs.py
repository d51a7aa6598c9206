"""Installations of a chat app into teams (Slack's OAuth): what the adapter needs to act in each team.

Storage knows no chat library: an installation is kept as the JSON text the adapter gives (it holds
a bot token), keyed by the app's client id, the enterprise and the team. Nothing here logs it and
the exports (bot/transfer_cli.py) never read this table.
"""

from __future__ import annotations

import datetime as dt

from storage.sqlite.db import Database


class Installs:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save_installation(
        self, client_id: str, enterprise_id: str | None, team_id: str | None, data: str, *, at: dt.datetime
    ) -> None:
        """Keep the latest installation of the app in a team (a reinstall replaces the previous one)."""
        async with self.db.transaction() as tx:
            await tx.run(
                "INSERT INTO slack_installation (client_id, enterprise_id, team_id, installed_at, data)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_id, enterprise_id, team_id)"
                " DO UPDATE SET installed_at = excluded.installed_at, data = excluded.data",
                (client_id, enterprise_id or "", team_id or "", at.isoformat(), data),
            )

    async def installation(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> str | None:
        row = await self.db.one(
            "SELECT data FROM slack_installation WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
            (client_id, enterprise_id or "", team_id or ""),
        )
        return str(row["data"]) if row else None

    async def delete_installation(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> None:
        async with self.db.transaction() as tx:
            await tx.run(
                "DELETE FROM slack_installation WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
                (client_id, enterprise_id or "", team_id or ""),
            )
