"""Who may write on Slack, teams kept apart, forged and repeated requests, and failures the member reads."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.slack.fake import HttpKnobs
from tests.slack.harness import SlackHarness

APRIL = 'event add date:2022-04-20 us:"Lloyd J. Austin III" cn:"Wei Fenghe" kind:call minutes:45'


def writes(hotline: SlackHarness) -> list[str]:
    w = hotline.world
    channel = f"<#{w.general.id}|general>"
    return [
        APRIL,
        "event edit id:1 field:location value:Washington",
        "event delete 1",
        'concern add issue:taiwan side:china text:"Taiwan is China\'s" event:1',
        'question add "Will they talk again?"',
        "question answer id:1 answer:yes",
        "question drop id:1",
        'person add name:"Li Shangfu" side:china',
        f"digest subscribe channel:{channel}",
        f"digest pause {channel}",
        f"digest resume {channel}",
        f"digest unsubscribe {channel}",
        f"editors <!subteam^{w.analysts.id}|@analysts>",
        'office side:us form:"War boss" office:"Secretary of Defense"',
        "timezone Asia/Shanghai",
    ]


async def test_a_non_editor_is_refused_every_write_and_nothing_is_written(hotline: SlackHarness) -> None:
    await hotline.direct("event add", date="2022-04-20", us="Austin", cn="Wei Fenghe", kind="call")
    await hotline.direct("question add", text="How did Wei respond?")
    await hotline.direct("digest subscribe", channel=hotline.world.general.id)
    before = await hotline.store.audit_entries(hotline.workspace(), limit=1000)
    for text in writes(hotline):
        shown = await hotline.run(text, user=hotline.world.reader)
        assert not shown.public, text
        assert "only editors may change the record: the team's admins and owners or the editor user group" in (
            shown.post.text or ""
        ), text
    assert await hotline.store.audit_entries(hotline.workspace(), limit=1000) == before


async def test_the_editor_group_makes_its_members_editors_at_once(hotline: SlackHarness) -> None:
    w = hotline.world
    refused = await hotline.run(APRIL, user=w.analyst)
    assert "only editors" in (refused.post.text or "")  # and Slack's answer is now cached for the team
    await hotline.run(f"editors <!subteam^{w.analysts.id}|@analysts>", user=w.admin)
    recorded = await hotline.run(APRIL, user=w.analyst)
    assert recorded.title == "Recorded event #1"


async def test_when_slack_cannot_say_who_edits_the_write_is_refused(hotline: SlackHarness) -> None:
    hotline.world.hq.scopes.discard("users:read")
    shown = await hotline.run(APRIL)
    assert not shown.public and "users:read" in (shown.post.text or "")
    assert await hotline.store.event_count(hotline.workspace()) == 0


@pytest.mark.parametrize("mode", ["oauth"], indirect=True)
async def test_two_teams_on_one_bot_never_see_each_others_record(hotline: SlackHarness) -> None:
    w = hotline.world
    assert (await hotline.run(APRIL)).title == "Recorded event #1"
    other = await hotline.run("event show 1", team=w.other)
    assert not other.public and "no event #1" in (other.post.text or "")
    empty = await hotline.run("", command="/lastcall", team=w.other)
    assert not empty.public
    mine = await hotline.run(APRIL.replace("2022-04-20", "2022-04-19"), team=w.other)
    assert mine.title.startswith("Recorded event #")
    assert await hotline.store.event_count(hotline.workspace()) == 1
    assert await hotline.store.event_count(hotline.workspace(w.other)) == 1
    # Each team's answers were made with its own token.
    users_info = hotline.fake.calls_to("users.info")
    assert {c.team_id for c in users_info} == {w.hq.id, w.other.id}
    assert all(c.args["user"] in hotline.fake.teams[str(c.team_id)].users for c in users_info)


async def test_a_forged_or_old_request_is_refused_with_nothing_run(hotline: SlackHarness) -> None:
    w = hotline.world
    for knobs in (HttpKnobs(secret="not-the-secret"), HttpKnobs(age=301), HttpKnobs(signed=False)):
        ix = await hotline.sender.slash(w.hq, w.owner, w.general, "/hotline", APRIL, http=knobs)
        assert ix.ack.status == 401, knobs
    await asyncio.sleep(0.2)  # what a listener would have done, it would have started by now
    assert await hotline.store.event_count(hotline.workspace()) == 0
    assert not any(hotline.fake.responded(rid) for rid in hotline.fake.responses)
    assert hotline.fake.calls_to("users.info") == []


@pytest.mark.parametrize("mode", ["http", "socket"], indirect=True)
async def test_a_redelivered_request_never_writes_twice(hotline: SlackHarness) -> None:
    ix = await hotline.slash(APRIL)
    await hotline.answer(ix)
    for num in (1, 2):
        again = await hotline.sender.redeliver(ix, num)
        assert again.ok and again.payload is None
    # The same trigger id without the retry headers (a proxy that dropped them) is caught too.
    same = await hotline.sender.send("slash_commands", ix.payload, transport=hotline.transport)
    assert same.ack.ok
    await asyncio.sleep(0.2)
    assert await hotline.store.event_count(hotline.workspace()) == 1
    assert len(hotline.fake.responded(ix.response_url_id)) == 1


async def test_an_unexpected_failure_gives_a_private_reference(
    hotline: SlackHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hotline.store, "search", broken)
    shown = await hotline.run("search taiwan")
    assert not shown.public
    text = shown.post.text or ""
    assert text.startswith("Something went wrong (ref ")
    ref = text.split("(ref ")[1].split(")")[0]
    [logged] = [r for r in caplog.records if r.name == "hotline.slack" and r.levelname == "ERROR"]
    assert f"ref={ref}" in logged.getMessage() and "disk on fire" in (logged.exc_text or "")


async def test_a_failure_after_the_ack_still_answers_and_keeps_the_ack(
    hotline: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr("bot.slack.render.render", broken)
    shown = await hotline.run("hotline help")  # slash() asserts the ack arrived
    assert not shown.public and (shown.post.text or "").startswith("Something went wrong (ref ")


async def test_a_slow_command_is_acked_at_once_and_still_answers(
    hotline: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = hotline.store.search

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(3.2)  # longer than Slack waits for an ack
        return await real(*args, **kwargs)

    monkeypatch.setattr(hotline.store, "search", slow)
    ix = await hotline.slash("search taiwan")  # acked within Slack's three seconds
    [answer] = await hotline.sender.responses(ix, within=6)
    assert answer.response_type != "in_channel" and "No matches for taiwan" in str(answer.text)
