"""The digest poster of the whole process: each subscription goes to its own platform's poster.

A workspace id starts with its platform ("discord:…", "slack:…", "console:…"). The runtime
registers the poster of each platform it started; a subscription whose platform has none (the
console, which posts nowhere, or a platform this process does not run) is not claimed, and
commands.delivery records why, so /digest status shows it.
"""

from __future__ import annotations

from commands.delivery import DeliveryError, Poster
from commands.reply import Reply


def platform_of(workspace: str) -> str:
    """ "discord:123" -> "discord"; a workspace id without a prefix has no platform ("")."""
    prefix, sep, _ = workspace.partition(":")
    return prefix if sep else ""


class RoutingPoster:
    """A Poster that hands each post to the poster registered for the workspace's platform."""

    def __init__(self) -> None:
        self._posters: dict[str, Poster] = {}

    def add(self, platform: str, poster: Poster) -> None:
        self._posters[platform] = poster

    def remove(self, platform: str) -> None:
        self._posters.pop(platform, None)

    def get(self, platform: str) -> Poster | None:
        return self._posters.get(platform)

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(sorted(self._posters))

    def unavailable(self, workspace: str) -> str | None:
        platform = platform_of(workspace)
        poster = self._posters.get(platform)
        if poster is None:
            running = ", ".join(self.platforms) or "none"
            return (
                f"no running Hotline posts to {platform or 'this'} workspaces (running: {running}); "
                f"digests of {workspace} wait until Hotline runs with {platform or 'its platform'} configured"
            )
        return poster.unavailable(workspace)

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        poster = self._posters.get(platform_of(workspace))
        if poster is None:
            # delivery asks `unavailable` before it claims; this is for a poster removed in between.
            raise DeliveryError("transient", f"no poster for {workspace}")
        return await poster.post(workspace, channel_id, reply)
