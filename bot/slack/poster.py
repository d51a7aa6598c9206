"""Digests and feeds' drafts on Slack: the Poster that commands.delivery and commands.feed_follow call,
through the runtime's router.

Each page is one chat.postMessage in the subscription's channel, in order. The client's retry
handlers already wait out a rate limit (429 with Retry-After) and retry a server error a little;
what still fails is reported as a DeliveryError whose kind tells delivery whether to pause or retry,
with Slack's own words for the fix: a channel Hotline was not invited to pauses the subscription
with "invite @Hotline to #briefings". A retry of the same digest resumes after the pages already
posted, so a failure halfway never posts the first pages twice. A digest's chart follows its text
in the same channel, uploaded with the files API (uploads.py) once the last page is posted; a retry
after the chart was shared posts nothing more.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import actions, render, uploads
from commands.delivery import DeliveryError
from commands.reply import Reply, plain

# The team's client (its bot token), or a DeliveryError when Hotline is not installed there.
ClientFor = Callable[[str], Awaitable[AsyncWebClient]]
# None if this process can post for the team; else why not (a bot token serves one team).
Serves = Callable[[str], str | None]

# Slack errors that mean the token lost its right to post: fixing them takes a person.
REVOKED = frozenset(
    {"invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed", "missing_scope"}
)


class SlackPoster:
    def __init__(self, client_for: ClientFor, *, serves: Serves | None = None, send_timeout: float = 30.0) -> None:
        self.client_for = client_for
        self.serves = serves
        # Without a bound a stalled connection holds the digest for minutes; a post that got no
        # answer is reported as uncertain rather than retried (it may have appeared).
        self.send_timeout = send_timeout
        self._progress: list[tuple[weakref.ref[Reply], list[str]]] = []

    def _sent_for(self, reply: Reply) -> list[str]:
        self._progress = [(ref, ids) for ref, ids in self._progress if ref() is not None]
        for ref, sent in self._progress:
            if ref() is reply:
                return sent
        fresh: list[str] = []
        self._progress.append((weakref.ref(reply), fresh))
        return fresh

    def unavailable(self, workspace: str) -> str | None:
        if not workspace.startswith("slack:"):
            return f"{workspace} is not a Slack team"
        return self.serves(workspace.removeprefix("slack:")) if self.serves is not None else None

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        team = workspace.removeprefix("slack:")
        client = await self.client_for(team)
        # A feed's draft carries its Record, Edit and Discard buttons under its last page.
        pages = actions.with_actions(render.render(reply), reply.actions)
        sent = self._sent_for(reply)
        for i in range(len(sent), len(pages)):
            try:
                response = await asyncio.wait_for(
                    client.chat_postMessage(channel=channel_id, **pages[i].as_args()), self.send_timeout
                )
            except TimeoutError as exc:
                raise DeliveryError("uncertain", f"no answer within {self.send_timeout:g} s") from exc
            except SlackApiError as exc:
                raise await self._refused(client, channel_id, exc) from exc
            except (aiohttp.ClientError, OSError) as exc:
                raise DeliveryError("transient", str(exc) or type(exc).__name__) from exc
            sent.append(f"{response.get('channel') or channel_id}/{response.get('ts')}")
        if reply.image is not None and len(sent) == len(pages):
            try:
                file_id = await uploads.upload(
                    client, reply.image, channel=channel_id, title=plain(reply.title), within=self.send_timeout
                )
            except TimeoutError as exc:
                raise DeliveryError(
                    "uncertain", f"the chart's upload got no answer within {self.send_timeout:g} s"
                ) from exc
            except SlackApiError as exc:
                raise await self._refused(client, channel_id, exc) from exc
            except (SlackRequestError, aiohttp.ClientError, OSError) as exc:
                # Bytes the upload URL refused are never shared: uploading again is safe.
                raise DeliveryError("transient", str(exc) or type(exc).__name__) from exc
            sent.append(f"file:{file_id}")
        self._progress = [(ref, ids) for ref, ids in self._progress if ref() is not reply]
        return list(sent)

    async def _refused(self, client: AsyncWebClient, channel_id: str, exc: SlackApiError) -> DeliveryError:
        error = str(exc.response.get("error") or "")
        status = exc.response.status_code
        detail = f"{status} {error}".strip()
        if status == 429 or status >= 500:
            return DeliveryError("transient", detail)
        if error == "channel_not_found":
            return DeliveryError(
                "missing",
                detail,
                reason=(
                    f"Slack says channel {channel_id} does not exist or Hotline cannot see it (channel_not_found): "
                    "if it is a private channel, invite @Hotline to it, then /hotline digest resume; "
                    "otherwise subscribe another channel and /hotline digest unsubscribe this one"
                ),
            )
        if error == "not_in_channel":
            name = await self._name(client, channel_id)
            return DeliveryError(
                "forbidden",
                detail,
                reason=(
                    f"Hotline is not a member of {name} (not_in_channel): invite @Hotline to {name} "
                    f"(type /invite @Hotline there), then /hotline digest resume channel:{name}"
                ),
            )
        if error == "is_archived":
            name = await self._name(client, channel_id)
            return DeliveryError(
                "forbidden",
                detail,
                reason=(
                    f"{name} is archived (is_archived): unarchive it and /hotline digest resume channel:{name}, "
                    "or subscribe another channel"
                ),
            )
        if error in REVOKED:
            return DeliveryError(
                "forbidden",
                detail,
                reason=(
                    f"Slack refused Hotline's token ({error}): reinstall the app in this workspace "
                    "(with the scopes of bot/slack/manifest.json), then /hotline digest resume"
                ),
            )
        return DeliveryError("transient", detail)

    async def _name(self, client: AsyncWebClient, channel_id: str) -> str:
        """#name of a channel for a reason a person reads; its id when Slack will not say."""
        try:
            info = await asyncio.wait_for(client.conversations_info(channel=channel_id), 5.0)
            name = (info.get("channel") or {}).get("name")
        except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError):
            name = None
        return f"#{name}" if name else f"channel {channel_id}"
