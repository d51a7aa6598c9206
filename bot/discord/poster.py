"""Posts on Discord (digests, feeds' drafts with their buttons): the Poster that commands.delivery and
commands.feed_follow call, through the runtime's router."""

from __future__ import annotations

import asyncio
import weakref

import aiohttp
import discord

from bot.discord import images, render
from bot.discord.actions import actions_view
from commands.delivery import DeliveryError, NotHere
from commands.reply import Reply
from config.settings import DiscordSettings


class DiscordPoster:
    """Posts a digest in a channel for commands.delivery: pages in order, one message each.

    discord.py already waits out rate limits (429) and retries server errors; what still fails is
    reported as a DeliveryError whose kind tells delivery whether to pause or retry. A retry of
    the same digest resumes after the pages already posted, so a failure halfway never posts the
    first pages twice. A digest's chart is uploaded with its first page and shown in that page's
    embed: one post with the file; a retry that resumes after the first page never posts it again.
    """

    def __init__(
        self, bot: discord.Client, settings: DiscordSettings | None = None, send_timeout: float = 30.0
    ) -> None:
        self.bot = bot
        # Which guilds this process serves: all of them, or those on its shards.
        self.settings = settings or DiscordSettings()
        # Without a bound, a stalled connection would hold this channel's digest for aiohttp's five
        # minutes; a post that got no answer is reported as uncertain rather than retried.
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
        if not workspace.startswith("discord:"):
            return f"{workspace} is not a Discord server"
        guild = workspace.removeprefix("discord:")
        if guild.isdigit() and not self.settings.serves(int(guild)):
            shards = ",".join(str(s) for s in self.settings.shard_ids or ())
            return NotHere(
                f"{workspace} is on shard {self.settings.shard_of(int(guild))} of {self.settings.shard_count}; "
                f"this process runs shards {shards}"
            )
        return None

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        if not channel_id.isdigit():
            # A name typed where no id could be given (a subscription made outside Discord).
            raise DeliveryError("missing", f"{channel_id!r} is not a Discord channel id")
        pages = render.render(reply)
        if reply.image is not None:
            images.show(pages[0], reply.image)
        channel = self.bot.get_partial_messageable(int(channel_id))
        sent = self._sent_for(reply)
        for i in range(len(sent), len(pages)):
            first = i == 0
            # A reply's actions (a feed's draft: Record, Edit, Discard) go under its last page.
            last_with_actions = i == len(pages) - 1 and bool(reply.actions)
            file = images.file_of(reply.image) if first and reply.image is not None else discord.utils.MISSING
            try:
                message = await asyncio.wait_for(
                    channel.send(
                        content=render.ping_content(reply) if first else None,
                        embed=pages[i],
                        file=file,
                        # Only the first message may ping the chosen role; the rest ping nobody.
                        allowed_mentions=render.allowed_mentions(reply) if first else discord.AllowedMentions.none(),
                        view=actions_view(reply.actions) if last_with_actions else discord.utils.MISSING,
                    ),
                    self.send_timeout,
                )
            except TimeoutError as exc:
                raise DeliveryError("uncertain", f"no answer within {self.send_timeout:g} s") from exc
            except discord.NotFound as exc:
                raise DeliveryError("missing", f"{exc.status} {exc.text}") from exc
            except discord.Forbidden as exc:
                raise DeliveryError("forbidden", f"{exc.status} {exc.text}") from exc
            except (discord.HTTPException, aiohttp.ClientError) as exc:
                raise DeliveryError("transient", str(exc) or type(exc).__name__) from exc
            sent.append(str(message.id))
        self._progress = [(ref, ids) for ref, ids in self._progress if ref() is not reply]
        return list(sent)
