"""/feed add, list, remove, pause, resume: the official feeds Hotline watches for readouts.

`/feed add` fetches the feed once (under extraction.fetch's rules: a URL that is not a public http(s)
feed is refused here, privately) and marks the items it holds now as seen: only items that appear
later are read, and those that look like US–China contacts are posted as drafts (commands/feed_follow.py).
"""

from __future__ import annotations

import datetime as dt

from commands import validate
from commands.common import plural, store_errors
from commands.context import Ctx
from commands.errors import NotFound, UserError
from commands.platform import PlatformInfo
from commands.reply import At, Field, Line, Ref, Reply, UserText, line
from extraction.feeds import Validators, fetch_feed
from extraction.fetch import FetchError
from storage.records import Feed


def interval(ctx: Ctx) -> dt.timedelta:
    return dt.timedelta(minutes=ctx.settings.feed_interval_minutes)


async def _find(ctx: Ctx, value: str) -> Feed:
    """A feed by its number (#3 or 3) or its URL."""
    raw = value.strip()
    number = raw.lstrip("#")
    found: Feed | None = None
    if number.isdecimal() and len(number) <= 16:
        found = await ctx.store.feed(ctx.caller.workspace, int(number))
    elif raw:
        found = await ctx.store.feed_by_url(ctx.caller.workspace, raw)
    if found is None:
        raise NotFound(
            f"no feed {raw!r} in this workspace; {ctx.platform.usage('feed list')} shows the feeds and their numbers",
            field="feed",
        )
    return found


async def feed_add(ctx: Ctx, url: str, channel: str | None = None) -> Reply:
    address = validate.url("url", url)
    if channel:
        target = validate.reference("channel", channel, "channel", ctx.platform)
    elif ctx.channel:
        target = ctx.channel
    else:
        raise UserError("say which channel the drafts go to", field="channel")
    if await ctx.store.feed_by_url(ctx.caller.workspace, address) is not None:
        raise UserError(f"this feed is already watched; {ctx.platform.usage('feed list')} shows it", field="url")
    try:
        result = await fetch_feed(address, Validators(), allow_loopback=ctx.settings.fetch_allow_loopback)
    except FetchError as exc:
        raise UserError(f"cannot follow this feed: {exc}", field="url") from None
    now = ctx.clock.now()
    with store_errors(ctx.platform):
        feed = await ctx.store.add_feed(
            ctx.caller.actor,
            now,
            url=address,
            channel_id=target,
            next_poll_at=now + interval(ctx),
            etag=result.validators.etag,
            last_modified=result.validators.last_modified,
            baseline=[item.id for item in result.items],
        )
    return Reply(
        title=line(f"Watching feed #{feed.id}"),
        lines=[
            line(UserText(feed.url)),
            line(
                "New readouts that look like US–China contacts go to ", Ref("channel", feed.channel_id), " as drafts."
            ),
            line(
                f"{plural(len(result.items), 'item')} in it now are taken as read. "
                f"Polled every {ctx.settings.feed_interval_minutes} minutes; next: ",
                At(feed.next_poll_at),
            ),
        ],
    )


def health_lines(feed: Feed, platform: PlatformInfo) -> tuple[Line, ...]:
    out: list[Line] = [line("Posts to ", Ref("channel", feed.channel_id))]
    if feed.paused:
        out.append(line(f"Paused — {platform.usage('feed resume')} feed:{feed.id}"))
    else:
        out.append(line("Next poll: ", At(feed.next_poll_at)))
    out.append(line("Last success: ", At(feed.last_success_at) if feed.last_success_at else "never"))
    if feed.last_error:
        error = line("Last error: ", UserText(feed.last_error))
        if feed.last_error_at:
            error = line(*error, " (", At(feed.last_error_at), ")")
        out.append(error)
    if feed.failures:
        out.append(line(f"{plural(feed.failures, 'failed poll')} in a row: polled less often until one succeeds"))
    counts = f"Items seen {feed.items_seen}, posted {feed.items_posted}, skipped {feed.items_skipped}" + (
        f", failed {feed.items_failed}" if feed.items_failed else ""
    )
    out.append(line(counts))
    return tuple(out)


async def feed_list(ctx: Ctx) -> Reply:
    feeds = await ctx.store.feeds(ctx.caller.workspace)
    if not feeds:
        return Reply(
            title=line("No feeds watched"),
            lines=[
                line(
                    f"{ctx.platform.usage('feed add')} url:… watches an official feed and posts new readouts as drafts."
                )
            ],
            ephemeral=True,
        )
    fields = [Field(line(f"#{f.id} ", UserText(f.url)), health_lines(f, ctx.platform)) for f in feeds]
    return Reply(title=line("Watched feeds"), fields=fields)


async def feed_remove(ctx: Ctx, feed: str) -> Reply:
    found = await _find(ctx, feed)
    with store_errors(ctx.platform):
        await ctx.store.remove_feed(ctx.caller.actor, ctx.clock.now(), found.id)
    return Reply(title=line(f"Stopped watching feed #{found.id}"), lines=[line(UserText(found.url))])


async def feed_pause(ctx: Ctx, feed: str) -> Reply:
    found = await _find(ctx, feed)
    if found.paused:
        raise UserError(f"feed #{found.id} is already paused", field="feed")
    with store_errors(ctx.platform):
        await ctx.store.set_feed_paused(ctx.caller.actor, ctx.clock.now(), found.id, True, found.next_poll_at)
    return Reply(title=line(f"Paused feed #{found.id}"), lines=[line(UserText(found.url))])


async def feed_resume(ctx: Ctx, feed: str) -> Reply:
    found = await _find(ctx, feed)
    if not found.paused and not found.failures:
        raise UserError(f"feed #{found.id} is not paused", field="feed")
    now = ctx.clock.now()
    with store_errors(ctx.platform):
        after = await ctx.store.set_feed_paused(ctx.caller.actor, now, found.id, False, now)
    return Reply(
        title=line(f"Resumed feed #{found.id}"),
        lines=[line(UserText(after.url)), line("Next poll: ", At(after.next_poll_at))],
    )
