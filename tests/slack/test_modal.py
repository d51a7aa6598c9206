"""/hotline event add with no text: the modal, its suggestions, a good and a bad submission."""

from __future__ import annotations

from typing import Any

import pytest

from tests.slack.fake import Interaction
from tests.slack.harness import SlackHarness

GOOD: dict[str, Any] = {
    "date": "2022-04-20",
    "us": ["Lloyd J. Austin III (Secretary of Defense)"],
    "cn": ["Wei Fenghe"],
    "kind": "call",
    "minutes": "45",
    "summary": "First call; <!channel> read it",
    "us_raised": ["taiwan"],
}


async def open_modal(hotline: SlackHarness) -> tuple[Interaction, str]:
    ix = await hotline.slash("event add")
    [call] = await hotline.sender.calls("views.open")
    assert call.ok and call.args["trigger_id"] == ix.trigger_id
    view_id = str(call.response["view"]["id"])
    return ix, view_id


@pytest.mark.parametrize("mode", ["http", "socket"], indirect=True)
async def test_a_good_submission_is_recorded_and_announced(hotline: SlackHarness) -> None:
    w = hotline.world
    ix, view_id = await open_modal(hotline)
    sub = await hotline.sender.submit(w.hq, w.owner, view_id, GOOD, transport=hotline.transport)
    assert sub.ack.ok and sub.ack.payload is None  # the modal closes
    [posted] = await hotline.answer(ix)  # on the response_url of the /hotline that opened it
    assert posted.public and posted.title == "Recorded event #1"
    event = await hotline.store.event(hotline.workspace(), 1)
    assert event is not None and event.minutes == 45 and event.summary == "First call; <!channel> read it"


@pytest.mark.parametrize("mode", ["http", "socket"], indirect=True)
async def test_a_bad_value_comes_back_on_its_field(hotline: SlackHarness) -> None:
    w = hotline.world
    ix, view_id = await open_modal(hotline)
    sub = await hotline.sender.submit(w.hq, w.owner, view_id, {**GOOD, "minutes": "forty"}, transport=hotline.transport)
    assert sub.ack.payload is not None and sub.ack.payload["response_action"] == "errors"
    assert list(sub.ack.payload["errors"]) == ["minutes"]
    assert await hotline.store.event_count(hotline.workspace()) == 0
    assert hotline.fake.responded(ix.response_url_id) == []  # nothing said in the channel


async def test_a_non_editor_submission_is_refused_privately(hotline: SlackHarness) -> None:
    w = hotline.world
    ix = await hotline.slash("event add", user=w.reader)
    [call] = await hotline.sender.calls("views.open")
    sub = await hotline.sender.submit(w.hq, w.reader, str(call.response["view"]["id"]), GOOD)
    assert sub.ack.ok and sub.ack.payload is None
    [refusal] = await hotline.answer(ix)
    assert not refusal.public and "only editors may change the record" in refusal.text
    assert await hotline.store.event_count(hotline.workspace()) == 0


async def test_people_and_issue_suggestions_come_from_the_store(hotline: SlackHarness) -> None:
    w = hotline.world
    await hotline.direct("person add", name="Lloyd J. Austin III", side="us", title="Secretary of Defense")
    _, view_id = await open_modal(hotline)
    people = await hotline.sender.suggest(
        w.hq, w.owner, "hotline_suggest_people", "Llo", block_id="us", view_id=view_id
    )
    assert people.ack.payload is not None
    values = [o["value"] for o in people.ack.payload["options"]]
    assert values == ["Llo", "Lloyd J. Austin III"]  # what was typed first, for a new name
    issues = await hotline.sender.suggest(
        w.hq, w.owner, "hotline_suggest_issues", "south", block_id="us_raised", view_id=view_id
    )
    assert issues.ack.payload is not None
    assert "south-china-sea" in [o["value"] for o in issues.ack.payload["options"]]


async def test_a_modal_slack_will_not_open_gets_a_private_note(hotline: SlackHarness) -> None:
    hotline.fake.fail("views.open", error="expired_trigger_id")
    ix = await hotline.slash("event add")
    [note] = await hotline.answer(ix)
    assert (
        not note.public and "expired_trigger_id" in (note.post.text or "") and "/hotline event add date:" in note.text
    )
