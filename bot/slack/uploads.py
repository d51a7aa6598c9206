"""A reply's picture on Slack: uploaded as a file into the channel (or thread) of the reply.

Slack shows no image inside a message it did not host, so a picture goes through the files API:
files.getUploadURLExternal gives an upload URL for the file's length, the bytes are POSTed there,
and files.completeUploadExternal shares the file in the channel (`channel_id`, and `thread_ts` in a
thread). slack_sdk's `files_upload_v2` does the three steps with the client's base URL and retry
handlers. A file is shared with everyone in the channel: a private (ephemeral) reply never uploads.
"""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from commands.reply import Image

ALT_MAX = 1000  # Slack's alt text for an image file
TITLE_MAX = 250
UPLOAD_TIMEOUT = 30.0

PRIVATE_NOTE = "The chart is left out: Slack shares a file with the whole channel, and this reply is for you only."


async def upload(
    client: AsyncWebClient,
    image: Image,
    *,
    channel: str,
    title: str,
    thread_ts: str | None = None,
    within: float = UPLOAD_TIMEOUT,
) -> str:
    """Share the picture in the channel (or the thread); the file's id.

    Raises what the client raises (SlackApiError with Slack's error code, SlackRequestError when the
    upload URL refused the bytes, aiohttp.ClientError) and TimeoutError after `within` seconds.
    """
    response = await asyncio.wait_for(
        client.files_upload_v2(
            channel=channel,
            file=image.data,
            filename=image.filename,
            title=title[:TITLE_MAX] or image.filename,
            alt_txt=image.alt[:ALT_MAX],
            thread_ts=thread_ts,
        ),
        within,
    )
    files = response.get("files") or []
    return str(files[0].get("id") or "") if files else ""


def refusal(error: str | None) -> str:
    """What a member reads when the chart of a reply could not be posted, with what to do; `error` is
    Slack's error code, None when the upload itself failed or got no answer."""
    if error is None:
        return "The chart could not be posted: the upload to Slack failed. Run the command again to retry."
    if error == "not_in_channel":
        return "The chart could not be posted: Hotline is not a member of this channel (type /invite @Hotline here)."
    if error == "channel_not_found":
        return (
            "The chart could not be posted: Slack says Hotline cannot see this conversation (channel_not_found). "
            "In a private channel, invite @Hotline; in a direct message, run the command in a channel."
        )
    if error == "is_archived":
        return "The chart could not be posted: this channel is archived."
    if error in ("missing_scope", "not_allowed_token_type", "invalid_auth", "token_revoked"):
        return (
            f"The chart could not be posted ({error}): reinstall Hotline with the scopes of "
            "bot/slack/manifest.json (files:write)."
        )
    return f"The chart could not be posted: Slack refused the upload ({error})."
