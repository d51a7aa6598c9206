"""Scheduled digests posted in Slack channels with chat.postMessage, against the fake."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from apscheduler.triggers.date import DateTrigger

from commands.reply import plain
from storage.records import Subscription
from tests.slack.fake import FakeChannel
from tests.slack.fake.records import Message
from tests.slack.harness import SlackHarness, pings, texts

# Thursday 2022-04-28 09:00 UTC: a week after the harness's "now", when a Thursday 09:00 digest is due.
DUE = dt.datetime(2022, 4, 28, 9, 0, tzinfo=dt.UTC)


async def subscribe(hotline: SlackHarness, channel: FakeChannel, extra: str = "") -> Subscription:
    shown = await hotline.run(f"digest subscribe <#{channel.id}|{channel.name}> weekday:thursday time:09:00 {extra}")
    assert shown.public, shown.text
    [sub] = await hotline.store.subscriptions(hotline.workspace())
    return sub


# The US side of further contacts in the week, one envoy each: more than the digest shows as blocks, so
# that the words said at the others are listed as stated positions.
ENVOYS = (
    "Quill",
    "Baxter",
    "Calloway",
    "Dunmore",
    "Ellison",
    "Fairbanks",
    "Galloway",
    "Hastings",
    "Ingram",
    "Jarvis",
    "Kingsley",
    "Lockhart",
    "Merriweather",
    "Northcott",
    "Oakes",
    "Pemberton",
    "Quimby",
    "Radcliffe",
    "Sutherland",
    "Thornbury",
    "Underhill",
    "Vance",
    "Whitlock",
    "Yardley",
)


async def record_week(hotline: SlackHarness, questions: int = 0, contacts: int = 0) -> None:
    """One call and one open question in the week; `contacts` more calls where both sides said a lot, and
    `questions` more long open questions: together they make a digest longer than one message."""
    await hotline.direct("event add", date="2022-04-27", us="Abbott", cn="Wang Yi", kind="call")
    await hotline.direct("question add", text="Did <!channel> hear from <@U0ABC123>?")
    for i in range(contacts):
        added = await hotline.direct(
            "event add",
            date=(DUE.date() - dt.timedelta(days=2 + i % 6)).isoformat(),
            us=ENVOYS[i],
            cn="Wang Yi",
            kind="call",
        )
        event = int(plain(added.title).rsplit("#", 1)[1])
        for side in ("us", "china"):
            text = f"{side} at {event}: " + "what was said about it, exactly, and at length. " * 12
            await hotline.direct("concern add", issue="taiwan", side=side, text=text, event=event)
    for i in range(questions):
        await hotline.direct("question add", text=f"Question {i}: " + "what was said about it, exactly? " * 28)


def text_posts(hotline: SlackHarness, channel_id: str) -> list[Message]:
    """The digest's messages in a channel, without the chart that follows them (test_pictures.py)."""
    return [m for m in hotline.fake.posts(channel_id) if not m.files]


async def run_due(hotline: SlackHarness, sub: Subscription) -> str:
    hotline.clock.at = DUE
    return await hotline.runtime.delivery.run_due(sub.id)


async def test_a_due_digest_is_posted_once_pinging_only_its_user_group(hotline: SlackHarness) -> None:
    w = hotline.world
    sub = await subscribe(hotline, w.general, f"role:<!subteam^{w.analysts.id}|@analysts>")
    await record_week(hotline)
    assert await run_due(hotline, sub) == "sent"
    [post] = text_posts(hotline, w.general.id)
    shown = texts(post.blocks)
    assert pings(shown) == [f"<!subteam^{w.analysts.id}>"]  # the opt-in group, nobody else
    assert "Did &lt;!channel&gt; hear from &lt;@U0ABC123&gt;?" in shown
    assert post.text.startswith(f"<!subteam^{w.analysts.id}> Weekly digest: Apr 21, 2022 to Apr 27, 2022")
    assert await run_due(hotline, sub) == "claimed-elsewhere"
    assert len(text_posts(hotline, w.general.id)) == 1
    assert len(hotline.fake.posts(w.general.id)) == 2  # and its chart, once


async def test_a_long_digest_is_posted_page_by_page_in_order(hotline: SlackHarness) -> None:
    sub = await subscribe(hotline, hotline.world.general)
    await record_week(hotline, questions=20, contacts=len(ENVOYS))
    assert await run_due(hotline, sub) == "sent"
    posts = text_posts(hotline, hotline.world.general.id)
    assert len(posts) > 1
    assert [f"page {i}/{len(posts)}" in texts(p.blocks) for i, p in enumerate(posts, 1)] == [True] * len(posts)


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        ("not_in_channel", "invite @Hotline to #briefings (type /invite @Hotline there)"),
        ("is_archived", "is archived (is_archived): unarchive it"),
        ("channel_not_found", "does not exist or Hotline cannot see it (channel_not_found)"),
    ],
)
async def test_a_channel_hotline_cannot_post_in_pauses_with_slacks_fix(
    hotline: SlackHarness, error: str, fix: str
) -> None:
    w = hotline.world
    sub = await subscribe(hotline, w.briefings)
    await record_week(hotline)
    if error != "not_in_channel":  # the bot is not in #briefings: that one Slack answers by itself
        hotline.fake.fail("chat.postMessage", error=error)
    assert await run_due(hotline, sub) == "failed"
    [after] = await hotline.store.subscriptions(hotline.workspace())
    assert after.paused and after.last_error and fix in after.last_error
    status = await hotline.run("digest status")
    assert "paused" in status.text.lower()


async def test_a_rate_limit_waits_and_posts_once(hotline: SlackHarness) -> None:
    sub = await subscribe(hotline, hotline.world.general)
    await record_week(hotline)
    hotline.fake.fail("chat.postMessage", status=429, retry_after=0)
    assert await run_due(hotline, sub) == "sent"
    assert [c.status for c in hotline.fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(text_posts(hotline, hotline.world.general.id)) == 1


async def test_server_errors_are_retried_then_reported_transient(hotline: SlackHarness) -> None:
    sub = await subscribe(hotline, hotline.world.general)
    await record_week(hotline)
    hotline.fake.fail("chat.postMessage", status=503, times=2)
    assert await run_due(hotline, sub) == "sent"  # the client's own retries
    assert len(text_posts(hotline, hotline.world.general.id)) == 1

    async def no_wait(seconds: float) -> None:
        return None

    hotline.runtime.delivery.sleep = no_wait
    hotline.clock.at = DUE + dt.timedelta(days=7)
    hotline.fake.fail("chat.postMessage", status=500, times=9)
    assert await hotline.runtime.delivery.run_due(sub.id) == "failed"
    [after] = await hotline.store.subscriptions(hotline.workspace())
    assert not after.paused and after.last_error and "posting failed 3 times: 500" in after.last_error


async def test_subscribe_fire_restart_across_the_send_time_posts_once(hotline: SlackHarness) -> None:
    channel = hotline.world.general
    await subscribe(hotline, channel)
    await record_week(hotline)
    await hotline.stop()
    hotline.clock.at = DUE + dt.timedelta(hours=2)  # down across the send time, back two hours later
    await hotline.start()
    [post] = await hotline.fake.wait_until(lambda: text_posts(hotline, channel.id))
    assert "(late: due Apr 28, 2022 09:00 UTC)" in post.text
    await hotline.stop()
    await hotline.start()  # and again: the period is already sent
    assert hotline.runtime.scheduler_start is not None
    await hotline.runtime.scheduler_start
    assert len(text_posts(hotline, channel.id)) == 1


@pytest.mark.parametrize("mode", ["socket"], indirect=True)
async def test_the_scheduled_job_fires_and_posts_through_slack(hotline: SlackHarness) -> None:
    def soon(sub: Subscription) -> DateTrigger:
        return DateTrigger(run_date=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.5))

    hotline.runtime.scheduler.trigger = soon
    channel = hotline.world.general
    await record_week(hotline)
    hotline.clock.at = DUE
    sub = await subscribe(hotline, channel)  # the runner's after_write adds the job
    [post] = await hotline.fake.wait_until(lambda: text_posts(hotline, channel.id), 10)
    assert post.text.startswith("Weekly digest: Apr 21, 2022 to Apr 27, 2022")
    for _ in range(100):
        if [r.status for r in await hotline.store.digest_runs(sub.id)] == ["sent"]:
            break
        await asyncio.sleep(0.02)
    assert [r.status for r in await hotline.store.digest_runs(sub.id)] == ["sent"]
