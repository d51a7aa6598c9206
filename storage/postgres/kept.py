"""Each workspace's settings and issue list, kept in this process while the change feed is heard.

Nearly every command reads its workspace's settings (the time zone its dates are told in), and many read
the issue list (the titles that issues are shown with). On PostgreSQL each read is a round trip to the
server, which costs more than the read itself, and both change rarely: a workspace's settings when an
editor sets them, its issues when a contact raises a new one. So the store keeps what it last read, and
forgets a workspace's copy when it hears of any committed write in that workspace:
- from this process, at once, when the write's transaction ends (Database.transaction calls `forget`
  with the workspaces its audit entries named; the importer, whose audit rows go by COPY, names its own);
- from any process, when the change feed delivers the write (storage/postgres/listen.py), a few
  milliseconds after its commit.

Nothing is kept or answered from memory while the feed is not heard (not yet connected, or a lost
connection being made again), since a write meanwhile would go unheard; on connecting again the feed
delivers EVERYTHING, which forgets all. A listening connection that dies without a word is noticed at
its next keepalive (storage/postgres/listen.py), so in that rare case another process's change can be
missed for that long: docs/SCALING.md says so.

A read that was under way while a write ended may have read the record before it: it is answered but
not kept (each forget moves `version` on, and a read keeps its result only if no forget came between
its start and its end).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

from storage.changes import Change
from storage.records import Issue, WorkspaceSettings

T = TypeVar("T")

# Workspaces whose copies are kept at most; past that the longest kept goes first. A few KB each.
KEPT_WORKSPACES = 2000


class KeptReads:
    def __init__(self, listening: Callable[[], bool], limit: int = KEPT_WORKSPACES) -> None:
        self._listening = listening
        self._limit = limit
        self._settings: dict[str, WorkspaceSettings] = {}
        self._issues: dict[str, tuple[Issue, ...]] = {}
        self.version = 0
        self.hits = 0

    async def settings(self, workspace: str, read: Callable[[], Awaitable[WorkspaceSettings]]) -> WorkspaceSettings:
        return await self._kept(self._settings, workspace, read)

    async def issues(self, workspace: str, read: Callable[[], Awaitable[list[Issue]]]) -> list[Issue]:
        async def as_tuple() -> tuple[Issue, ...]:
            return tuple(await read())

        found: tuple[Issue, ...] = await self._kept(self._issues, workspace, as_tuple)
        return list(found)  # a new list each time: the caller may change its own

    def heard(self, change: Change) -> None:
        """A change from the feed: any write in a workspace may have changed its settings or issues."""
        if change.workspace is None:
            self.forget_all()
        else:
            self.forget([change.workspace])

    def forget(self, workspaces: Collection[str]) -> None:
        """What a write in these workspaces may have changed. A transaction that names none wrote nothing
        of the record (a digest claim, a held Slack reply): every write to the record has its audit entry."""
        if not workspaces:
            return
        self.version += 1
        for workspace in workspaces:
            self._settings.pop(workspace, None)
            self._issues.pop(workspace, None)

    def forget_all(self) -> None:
        self.version += 1
        self._settings.clear()
        self._issues.clear()

    async def _kept(self, kept: dict[str, T], workspace: str, read: Callable[[], Awaitable[T]]) -> T:
        if not self._listening():
            if kept:
                self.forget_all()  # kept while heard, and the feed is not heard now
            return await read()
        found = kept.get(workspace)
        if found is not None:
            self.hits += 1
            return found
        version = self.version
        found = await read()
        if version == self.version and self._listening():
            if len(kept) >= self._limit:
                del kept[next(iter(kept))]
            kept[workspace] = found
        return found
