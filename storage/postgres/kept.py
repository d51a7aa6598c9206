"""Each workspace's settings, issue list and people found by name, kept in this process while the change
feed is heard.

Nearly every command reads its workspace's settings (the time zone its dates are told in), many read the
issue list (the titles that issues are shown with), and the commands that take a name (/lastcall with:,
/person, /concern add) look the person up by it first. On PostgreSQL each read is a round trip to the
server, which costs more than the read itself, and all three change rarely next to how often they are
read: settings when an editor sets them, issues when a contact raises a new one, a person when someone
records them, gives them a title or an alias. So the store keeps what it last read, and forgets a
workspace's copy when it hears of any committed write in that workspace:
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
from dataclasses import dataclass, field

from storage.changes import Change
from storage.records import Issue, Person, WorkspaceSettings

# Workspaces whose copies are kept at most; past that the longest kept goes first.
KEPT_WORKSPACES = 2000
# Names kept per workspace at most, each with the person it found or None; past that the first kept goes
# first. A few dozen names are most of what a team asks about; with the settings and issues, a workspace's
# copy stays within some 10 KB, so the worst case across KEPT_WORKSPACES is some 20 MB.
KEPT_NAMES = 32


@dataclass
class _Workspace:
    """What is kept of one workspace; None: not read since it was last forgotten."""

    settings: WorkspaceSettings | None = None
    issues: tuple[Issue, ...] | None = None
    people: dict[str, Person | None] = field(default_factory=dict)  # by the name as it was asked for


class KeptReads:
    def __init__(self, listening: Callable[[], bool], limit: int = KEPT_WORKSPACES, names: int = KEPT_NAMES) -> None:
        self._listening = listening
        self._limit = limit
        self._names = names
        self._kept: dict[str, _Workspace] = {}
        self.version = 0
        self.hits = 0

    async def settings(self, workspace: str, read: Callable[[], Awaitable[WorkspaceSettings]]) -> WorkspaceSettings:
        kept = self._found(workspace)
        if kept is not None and kept.settings is not None:
            self.hits += 1
            return kept.settings
        version = self.version
        found = await read()
        if (kept := self._keeping(workspace, version)) is not None:
            kept.settings = found
        return found

    async def issues(self, workspace: str, read: Callable[[], Awaitable[list[Issue]]]) -> list[Issue]:
        kept = self._found(workspace)
        if kept is not None and kept.issues is not None:
            self.hits += 1
            return list(kept.issues)  # a new list each time: the caller may change its own
        version = self.version
        found = await read()
        if (kept := self._keeping(workspace, version)) is not None:
            kept.issues = tuple(found)
        return found

    async def person(self, workspace: str, name: str, read: Callable[[], Awaitable[Person | None]]) -> Person | None:
        """The person `name` finds, or None when it finds nobody (kept too: a name asked for again before
        anyone records it is still nobody's)."""
        kept = self._found(workspace)
        if kept is not None and name in kept.people:
            self.hits += 1
            return kept.people[name]
        version = self.version
        found = await read()
        if (kept := self._keeping(workspace, version)) is not None:
            if len(kept.people) >= self._names:
                del kept.people[next(iter(kept.people))]
            kept.people[name] = found
        return found

    def heard(self, change: Change) -> None:
        """A change from the feed: any write in a workspace may have changed what is kept of it."""
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
            self._kept.pop(workspace, None)

    def forget_all(self) -> None:
        self.version += 1
        self._kept.clear()

    def _found(self, workspace: str) -> _Workspace | None:
        """What is kept of the workspace, if it may be answered from: only while the feed is heard."""
        if not self._listening():
            if self._kept:
                self.forget_all()  # kept while heard, and the feed is not heard now
            return None
        return self._kept.get(workspace)

    def _keeping(self, workspace: str, version: int) -> _Workspace | None:
        """Where to keep what a read begun at `version` found, or None: a write ended meanwhile (what
        was read may be older than it), or the feed is not heard."""
        if version != self.version or not self._listening():
            return None
        kept = self._kept.get(workspace)
        if kept is None:
            if len(self._kept) >= self._limit:
                del self._kept[next(iter(self._kept))]
            kept = self._kept[workspace] = _Workspace()
        return kept
