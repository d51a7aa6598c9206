"""Pictures on Slack: /hotline timeline and a digest's chart are uploaded with the files API, through the fake."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import uploads
from bot.slack.app import thread_of
from bot.slack.poster import SlackPoster
from commands.context import Ctx
from commands.reply import Image, Reply, line
from commands.surface import COMMANDS
from tests.slack.conftest import SlackWorld
from tests.slack.fake import FakeChannel, FakeSlack
from tests.slack.fake.records import Message
from tests.slack.harness import SlackHarness, texts
from tests.slack.test_digests import DUE, ENVOYS, record_week, run_due, subscribe

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def record_contacts(hotline: SlackHarness) -> None:
    for day, us in (("2020-08-06", "Esper"), ("2022-04-20", "Austin"), ("2021-11-15", "Biden")):
        await hotline.direct("event add", date=day, us=us, cn="Wei Fenghe", kind="call", track="defense")


def with_files(hotline: SlackHarness, channel: FakeChannel) -> list[Message]:
    return [m for m in hotline.fake.posts(channel.id) if m.files]


def the_file(hotline: SlackHarness, message: Message, name: str) -> dict[str, Any]:
    """The one file a message shares: a PNG of that name, uploaded whole."""
    [file_id] = message.files
    record = hotline.fake.files[file_id]
    assert record["name"] == name and record["team_id"] == hotline.world.hq.id
    assert record["data"].startswith(PNG_SIGNATURE) and len(record["data"]) == record["length"]
    return record


@pytest.mark.parametrize("mode", ["http", "socket"], indirect=True)
async def test_timeline_posts_its_text_then_uploads_the_chart_into_the_channel(hotline: SlackHarness) -> None:
    await record_contacts(hotline)
    general = hotline.world.general
    shown = await hotline.run("timeline track:defense")
    assert shown.public and "Contacts by track · defense track" in shown.text
    assert "Longest gap" in shown.text
    [message] = await hotline.fake.wait_until(lambda: with_files(hotline, general))
    record = the_file(hotline, message, "timeline.png")
    assert record["title"].startswith("Contacts by track · defense track")
    assert record["alt_txt"].startswith("Contacts by track") and len(record["alt_txt"]) <= uploads.ALT_MAX
    assert record["shared"] == [(general.id, None)]
    [complete] = hotline.fake.calls_to("files.completeUploadExternal")
    assert complete.args["channel_id"] == general.id and complete.team_id == hotline.world.hq.id


async def test_a_timeline_with_no_contacts_is_private_and_uploads_nothing(hotline: SlackHarness) -> None:
    shown = await hotline.run("timeline since:2022-01-01")
    assert not shown.public and "No contact recorded matches" in shown.text
    assert hotline.fake.calls_to("files.getUploadURLExternal") == []
    assert with_files(hotline, hotline.world.general) == []


async def test_a_timeline_in_a_channel_without_hotline_says_why_the_chart_is_missing(hotline: SlackHarness) -> None:
    await record_contacts(hotline)
    briefings = hotline.world.briefings  # the bot is not a member
    ix = await hotline.slash("timeline", channel=briefings)
    text, note = await hotline.answer(ix, 2)
    assert text.public and "Contacts by track" in text.text
    assert not note.public and "/invite @Hotline" in note.text
    assert with_files(hotline, briefings) == []


async def test_a_failed_upload_is_said_privately(hotline: SlackHarness) -> None:
    await record_contacts(hotline)
    hotline.fake.fail("files.getUploadURLExternal", error="missing_scope")
    ix = await hotline.slash("timeline")
    text, note = await hotline.answer(ix, 2)
    assert text.public and not note.public and "files:write" in note.text
    assert with_files(hotline, hotline.world.general) == []


async def test_a_private_reply_keeps_its_text_and_uploads_nothing(
    hotline: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def private_picture(ctx: Ctx, **options: Any) -> Reply:
        return Reply(title=line("For you"), image=Image("p.png", PNG_SIGNATURE, "a picture"), ephemeral=True)

    monkeypatch.setitem(COMMANDS, "timeline", dataclasses.replace(COMMANDS["timeline"], handler=private_picture))
    shown = await hotline.run("timeline")
    assert not shown.public and uploads.PRIVATE_NOTE in shown.text
    assert hotline.fake.calls_to("files.getUploadURLExternal") == []


async def test_a_digest_with_its_chart_posts_the_text_then_the_file_once(hotline: SlackHarness) -> None:
    general = hotline.world.general
    sub = await subscribe(hotline, general)
    assert sub.chart
    await record_week(hotline)
    assert await run_due(hotline, sub) == "sent"
    text, chart = hotline.fake.posts(general.id)
    assert text.text.startswith("Weekly digest: Apr 21, 2022 to Apr 27, 2022") and not text.files
    record = the_file(hotline, chart, "contacts-12-months.png")
    assert record["title"].startswith("Weekly digest")
    assert await run_due(hotline, sub) == "claimed-elsewhere"
    assert len(hotline.fake.posts(general.id)) == 2


async def test_a_retried_digest_posts_its_text_and_its_chart_once(hotline: SlackHarness) -> None:
    general = hotline.world.general
    sub = await subscribe(hotline, general)
    await record_week(hotline, questions=20, contacts=len(ENVOYS))

    async def no_wait(seconds: float) -> None:
        return None

    hotline.runtime.delivery.sleep = no_wait
    # Past the client's own two retries: delivery retries the digest, after the pages it posted.
    hotline.fake.fail("files.completeUploadExternal", status=500, times=3)
    assert await run_due(hotline, sub) == "sent"
    posts = hotline.fake.posts(general.id)
    pages = [p for p in posts if not p.files]
    assert len(pages) > 1
    assert [f"page {i}/{len(pages)}" in texts(p.blocks) for i, p in enumerate(pages, 1)] == [True] * len(pages)
    [chart] = with_files(hotline, general)
    assert posts[-1] is chart  # below the text
    the_file(hotline, chart, "contacts-12-months.png")
    assert len(hotline.fake.calls_to("files.getUploadURLExternal")) == 2  # the retry uploads anew


async def test_a_chart_upload_refused_for_the_token_pauses_the_subscription(hotline: SlackHarness) -> None:
    sub = await subscribe(hotline, hotline.world.general)
    await record_week(hotline)
    hotline.fake.fail("files.getUploadURLExternal", error="missing_scope")
    assert await run_due(hotline, sub) == "failed"
    [after] = await hotline.store.subscriptions(hotline.workspace())
    assert after.paused and after.last_error and "reinstall" in after.last_error


async def test_a_subscription_without_its_chart_uploads_nothing(hotline: SlackHarness) -> None:
    general = hotline.world.general
    sub = await subscribe(hotline, general, "chart:no")
    assert not sub.chart
    await record_week(hotline)
    assert await run_due(hotline, sub) == "sent"
    [post] = hotline.fake.posts(general.id)
    assert not post.files
    assert hotline.fake.calls_to("files.getUploadURLExternal") == []


async def test_a_digest_preview_shows_its_text_and_uploads_its_chart(hotline: SlackHarness) -> None:
    hotline.clock.at = DUE
    await record_week(hotline)
    shown = await hotline.run("digest preview")
    assert shown.public and "Digest preview" in shown.text
    [message] = await hotline.fake.wait_until(lambda: with_files(hotline, hotline.world.general))
    the_file(hotline, message, "contacts-12-months.png")
    plain = await hotline.run("digest preview chart:no")
    assert plain.public
    assert len(hotline.fake.calls_to("files.completeUploadExternal")) == 1


async def test_an_upload_for_a_thread_is_shared_in_that_thread_and_completed_once(
    fake: FakeSlack, world: SlackWorld
) -> None:
    client = AsyncWebClient(token=world.hq.bot_token, base_url=fake.base_url)
    parent = str((await client.chat_postMessage(channel=world.general.id, text="A thread"))["ts"])
    assert thread_of({"channel_id": world.general.id}) is None
    assert thread_of({"container": {"thread_ts": parent}}) == parent
    image = Image("t.png", PNG_SIGNATURE, "a picture")
    file_id = await uploads.upload(client, image, channel=world.general.id, title="T", thread_ts=parent)
    assert fake.files[file_id]["shared"] == [(world.general.id, parent)]
    with pytest.raises(SlackApiError) as again:
        await client.files_completeUploadExternal(files=[{"id": file_id, "title": "T"}], channel_id=world.general.id)
    assert again.value.response["error"] == "file_not_found"


async def test_an_upload_url_that_refuses_the_bytes_is_said_privately(hotline: SlackHarness) -> None:
    await record_contacts(hotline)
    hotline.fake.fail("upload", status=500, times=3)  # past the client's own two retries
    ix = await hotline.slash("timeline")
    text, note = await hotline.answer(ix, 2)
    assert text.public and not note.public and "the upload to Slack failed" in note.text
    assert hotline.fake.calls_to("files.completeUploadExternal") == []


async def test_a_digest_whose_upload_url_fails_uploads_again_on_the_retry(hotline: SlackHarness) -> None:
    general = hotline.world.general
    sub = await subscribe(hotline, general)
    await record_week(hotline)

    async def no_wait(seconds: float) -> None:
        return None

    hotline.runtime.delivery.sleep = no_wait
    hotline.fake.fail("upload", status=500, times=3)
    assert await run_due(hotline, sub) == "sent"
    text, chart = hotline.fake.posts(general.id)
    assert not text.files
    the_file(hotline, chart, "contacts-12-months.png")
    assert len(hotline.fake.calls_to("chat.postMessage")) == 1


async def test_a_digest_chart_upload_without_an_answer_is_not_retried(hotline: SlackHarness) -> None:
    general = hotline.world.general
    sub = await subscribe(hotline, general)
    await record_week(hotline)
    poster = hotline.runtime.posters.get("slack")
    assert isinstance(poster, SlackPoster)
    poster.send_timeout = 0.3
    hotline.fake.upload_delay = 1.0
    assert await run_due(hotline, sub) == "failed"
    [text] = hotline.fake.posts(general.id)  # the text went; the chart may or may not have
    assert not text.files
    assert hotline.fake.calls_to("files.completeUploadExternal") == []
    [after] = await hotline.store.subscriptions(hotline.workspace())
    assert not after.paused and after.last_error and "the chart's upload got no answer" in after.last_error
