"""What this process keeps in memory follows writes made by any process on the store.

The Runtime opens one watch of the store's change feed (storage/changes.py) at start and hands each
change to every part that keeps something: the digest scheduler rebuilds its jobs after a change to
subscriptions, the Slack adapter forgets a team's editors after a change to its workspace settings.
Each part registers with `on_change` before the Runtime starts.
"""

from __future__ import annotations

import logging

from storage.changes import Change, ChangeWatch, OnChange, deliver
from storage.contract import StoreContract

log = logging.getLogger(__name__)


class ChangeRouter:
    def __init__(self, store: StoreContract) -> None:
        self.store = store
        self._handlers: list[OnChange] = []
        self._watch: ChangeWatch | None = None
        self.heard = 0  # changes delivered since start (for /metrics)

    def on_change(self, handler: OnChange) -> None:
        """Call `handler` with each change heard from now on (on the event loop; it must not block)."""
        self._handlers.append(handler)

    @property
    def connected(self) -> bool:
        return self._watch is not None and self._watch.connected

    async def start(self) -> None:
        """Watch the store. A store that cannot be watched is logged, not fatal: the process then
        follows only its own writes and what it reads at start, as before the feed existed."""
        try:
            self._watch = await self.store.watch_changes(self.deliver)
        except Exception as exc:
            log.warning(
                "cannot watch the store for changes made by other processes (%s); this process follows only"
                " its own writes and what it read at start",
                exc,
                exc_info=True,
            )

    async def stop(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            await watch.close()

    def deliver(self, change: Change) -> None:
        self.heard += 1
        for handler in self._handlers:
            deliver(handler, change)
