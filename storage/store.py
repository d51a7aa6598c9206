"""The one store interface commands/ calls. All SQL lives in storage/; each area has its module."""

from __future__ import annotations

from storage.audit_poll import AuditPoller
from storage.changes import ChangeWatch, OnChange
from storage.events import AddedEvent, ImportResult
from storage.feeds import FeedStore
from storage.installs import InstallStore
from storage.timeline import TimelineStore
from storage.workspaces import SearchHit


class Store(InstallStore, TimelineStore, FeedStore):
    """The SQLite store: people and offices, events, issues, concerns, questions, workspaces, search,
    digest deliveries, chat app installations, the counts timelines are drawn from, drafts of readouts, watched feeds.

    Open with `await Store.open(path)`; close with `await store.close()`.
    """

    async def watch_changes(self, on_change: OnChange) -> ChangeWatch:
        return await AuditPoller.start(self.path, on_change)


__all__ = ["AddedEvent", "ImportResult", "SearchHit", "Store"]
