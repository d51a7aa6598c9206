"""Pictures on Discord: /timeline and a digest's chart arrive as a file the embed shows, through the fake."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import discord as discord_py
import pytest
from discord.http import MultipartParameters

from tests.discord.conftest import BotOptions, Discord
from tests.discord.fake import Shown
from tests.discord.fake.attachments import PNG_SIGNATURE
from tests.discord.test_digests import DUE, record_week, run_due, subscribe

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def record_contacts(discord: Discord) -> None:
    for day, us in (("2020-08-06", "Esper"), ("2022-04-20", "Austin"), ("2021-11-15", "Biden")):
        await discord.direct("event add", date=day, us=us, cn="Wei Fenghe", kind="call", track="defense")


def the_picture(discord: Discord, shown: Shown, filename: str) -> bytes:
    """The message's one file, shown by its first embed; its bytes."""
    assert [a["filename"] for a in shown.attachments] == [filename]
    assert shown.images == [f"attachment://{filename}"]
    attachment, data = discord.fake.attachment(shown.raw, filename)
    assert attachment["content_type"] == "image/png" and attachment["size"] == len(data)
    assert attachment["width"] >= 600 and attachment["height"] >= 200
    assert data.startswith(PNG_SIGNATURE)
    return data


def uploads(discord: Discord) -> list[str]:
    """The filename of every file the bot sent, in order."""
    return [f.filename for r in discord.fake.requests for f in r.files if r.status == 200]


async def test_timeline_arrives_as_an_attachment_its_embed_shows(discord: Discord) -> None:
    await record_contacts(discord)
    shown = await discord.run("timeline", track="defense")
    assert not shown.ephemeral and shown.pings_nobody()
    assert shown.title.startswith("Contacts by track · defense track")
    assert "Longest gap" in shown.text
    the_picture(discord, shown, "timeline.png")
    [attachment] = shown.attachments
    assert attachment["description"].startswith(shown.title)  # the alt text, for screen readers
    assert uploads(discord) == ["timeline.png"]


async def test_a_timeline_with_no_contacts_is_private_and_sends_no_file(discord: Discord) -> None:
    shown = await discord.run("timeline", since="2022-01-01")
    assert shown.ephemeral and "No contact recorded matches" in shown.text
    assert shown.attachments == [] and shown.images == []
    assert uploads(discord) == []


async def test_timeline_refuses_bad_dates_privately(discord: Discord) -> None:
    await record_contacts(discord)
    shown = await discord.run("timeline", since="2022-05-01", until="2022-01-01")
    assert shown.ephemeral and "is after until" in shown.text
    assert uploads(discord) == []


@pytest.mark.parametrize("bot_options", [BotOptions(defer_after=0.0)], indirect=True)
async def test_a_slow_timeline_is_deferred_and_its_followup_carries_the_file(
    discord: Discord, monkeypatch: pytest.MonkeyPatch
) -> None:
    await record_contacts(discord)
    real = discord.store.timeline

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.05)  # sure to be deferred
        return await real(*args, **kwargs)

    monkeypatch.setattr(discord.store, "timeline", slow)
    ix = await discord.slash("timeline")
    shown = await discord.reply(ix)
    assert ix.callbacks[0]["type"] == 5
    assert shown.id == ix.original_id and not shown.ephemeral
    the_picture(discord, shown, "timeline.png")


async def test_a_paged_digest_preview_shows_its_chart_on_the_first_page_only(discord: Discord) -> None:
    discord.clock.at = DUE
    await record_week(discord, count=40, questions=20, words=True)
    ix = await discord.slash("digest preview")
    first = await discord.reply(ix)
    assert "page 1/" in first.embeds[0]["footer"]["text"]
    png = the_picture(discord, first, "contacts-12-months.png")

    press = await discord.click(first, "Next")
    second = await discord.reply(press)
    assert press.callbacks[0]["type"] == 7
    # Another page: no loose file under its embed.
    assert second.attachments == [] and second.images == []

    back = await discord.reply(await discord.click(second, "Previous"))
    assert the_picture(discord, back, "contacts-12-months.png") == png


async def test_a_digest_preview_without_its_chart_sends_no_file(discord: Discord) -> None:
    discord.clock.at = DUE
    await record_week(discord)
    shown = await discord.run("digest preview", chart=False)
    assert shown.attachments == [] and shown.images == []
    assert uploads(discord) == []


async def test_a_due_digest_with_its_chart_is_one_post_with_the_file(discord: Discord) -> None:
    channel = discord.world.hq.channel("digest")
    sub = await subscribe(discord, channel)
    assert sub.chart
    await record_week(discord)
    assert await run_due(discord, sub) == "sent"
    [post] = [Shown.of(m) for m in discord.fake.posts(channel.id)]
    assert post.title.startswith("Weekly digest: Apr 21, 2022 to Apr 27, 2022")
    the_picture(discord, post, "contacts-12-months.png")
    assert uploads(discord) == ["contacts-12-months.png"]


async def test_a_subscription_without_its_chart_posts_no_file(discord: Discord) -> None:
    channel = discord.world.hq.channel("digest")
    sub = await subscribe(discord, channel, chart=False)
    assert not sub.chart
    status = await discord.run("digest status")
    assert "Chart: none" in status.text
    await record_week(discord)
    assert await run_due(discord, sub) == "sent"
    [post] = [Shown.of(m) for m in discord.fake.posts(channel.id)]
    assert post.attachments == [] and post.images == []
    assert uploads(discord) == []


async def test_a_retry_after_the_first_page_does_not_post_the_chart_again(
    discord: Discord, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = discord.world.hq.channel("digest")
    sub = await subscribe(discord, channel)
    await record_week(discord, count=40, questions=20, words=True)
    delivery = discord.runtime.scheduler.delivery

    async def no_wait(seconds: float) -> None:
        return None

    delivery.sleep = no_wait
    original = discord.fake.post_channel_message
    calls = {"n": 0}

    def second_fails_once(rec: Any, ch: str) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # a 429 discord.py does not retry itself: delivery retries the digest
            discord.fake.fail("POST", rf"/channels/{ch}/messages", 429, times=1, body={"message": "nope"})
            return discord.fake.injected_fault(rec)
        return original(rec, ch)

    monkeypatch.setattr(discord.fake, "post_channel_message", second_fails_once)
    assert await run_due(discord, sub) == "sent"
    monkeypatch.undo()
    posts = [Shown.of(m) for m in discord.fake.posts(channel.id)]
    assert len(posts) > 2
    the_picture(discord, posts[0], "contacts-12-months.png")
    assert all(p.attachments == [] and p.images == [] for p in posts[1:])
    assert uploads(discord) == ["contacts-12-months.png"]  # uploaded once, across the retry


async def test_the_fake_refuses_an_embed_showing_a_file_that_was_not_uploaded(discord: Discord) -> None:
    channel = discord.bot.get_partial_messageable(discord.world.hq.channel("general").id)
    embed = discord_py.Embed(title="Chart").set_image(url="attachment://missing.png")
    with pytest.raises(discord_py.HTTPException) as refused:
        await channel.send(embed=embed)
    assert refused.value.status == 400
    assert any("attachment://missing.png" in r for r in discord.fake.rejections)
    discord.fake.rejections.clear()  # refused on purpose; the fixture fails a test on any other


async def test_the_fake_refuses_a_file_too_large_and_an_unknown_attachment_id(discord: Discord) -> None:
    channel = discord.bot.get_partial_messageable(discord.world.hq.channel("general").id)
    big = discord_py.File(io.BytesIO(b"\0" * (10 * 1024 * 1024 + 1)), filename="big.png")
    with pytest.raises(discord_py.HTTPException) as refused:
        await channel.send(content="too big", file=big)
    assert refused.value.status == 413 and refused.value.code == 40005
    message = await channel.send(content="one file", file=discord_py.File(io.BytesIO(PNG_SIGNATURE), "a.png"))
    with pytest.raises(discord_py.HTTPException):
        await discord.bot.http.edit_message(message.channel.id, message.id, params=_edit({"attachments": [{"id": 7}]}))
    assert any("file too large" in r for r in discord.fake.rejections)
    assert any("neither uploaded nor already attached" in r for r in discord.fake.rejections)
    discord.fake.rejections.clear()


def _edit(payload: dict[str, Any]) -> MultipartParameters:
    return MultipartParameters(payload=payload, multipart=None, files=None)
