"""Readouts end to end on Slack through the fake and the real slack-bolt: paste in the modal, review the
draft, press its buttons (as an editor, as a member, after a restart), the other side's readout, Edit
through its modal, and feeds that post drafts with their buttons in a channel."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.slack import actions
from commands.reply import Action, command_text
from storage.records import Concern
from tests.readout_site import Site, serve
from tests.slack.fake import FakeUser, Interaction
from tests.slack.fake.records import ResponsePost
from tests.slack.harness import Shown, SlackHarness, buttons

US = "dod-austin-wei-call-2022-04-20"
CN = "mnd-wei-austin-call-2022-04-20"
DRAFT_BUTTONS = ["Record", "Edit", "Discard"]


@pytest.fixture
def fetch_allow_loopback() -> bool:
    return True  # the readouts and feeds are served by `site` on 127.0.0.1


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async with serve() as s:
        yield s


async def next_view(hotline: SlackHarness, opened: int) -> dict[str, Any]:
    """The view of the views.open call after the first `opened` ones, once Hotline made it."""
    [*_, call] = await hotline.sender.calls("views.open", opened + 1)
    assert call.ok, call.response
    view: dict[str, Any] = call.response["view"]
    return view


def filled(view: dict[str, Any]) -> dict[str, Any]:
    """Every input of a modal as it was filled in when it opened (Slack sends those values back)."""
    return {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}


async def submit(hotline: SlackHarness, view: dict[str, Any], answers: dict[str, Any], user: FakeUser) -> Interaction:
    w = hotline.world
    sub = await hotline.sender.submit(w.hq, user, str(view["id"]), answers, transport=hotline.transport)
    assert sub.ack.ok, sub.ack
    return sub


async def paste(hotline: SlackHarness, site: Site, rid: str, *, user: FakeUser | None = None) -> Shown:
    """`/hotline readout` alone opens the form; the readout's text, address and date go in it."""
    user = user or hotline.world.owner
    opened = len(hotline.fake.calls_to("views.open"))
    ix = await hotline.slash("readout", user=user)
    view = await next_view(hotline, opened)
    row = site.rows[rid]
    sub = await submit(hotline, view, {"text": row["text"], "url": row["url"], "published": row["published"]}, user)
    assert sub.ack.payload is None  # the modal closes
    [draft] = await hotline.answer(ix)  # on the response_url of the /hotline that opened it
    return draft


async def press(hotline: SlackHarness, shown: Shown, label: str, user: FakeUser | None = None) -> Shown:
    [answer] = await hotline.answer(await hotline.press(shown, label, user=user))
    return answer


async def concerns(hotline: SlackHarness) -> list[Concern]:
    return await hotline.store.concerns_between(hotline.workspace(), dt.date(1900, 1, 1), dt.date(2100, 1, 1))


@pytest.mark.parametrize("mode", ["http", "socket"], indirect=True)
async def test_paste_then_record_writes_the_event_and_its_positions(hotline: SlackHarness, site: Site) -> None:
    ix = await hotline.slash("readout")
    view = await next_view(hotline, 0)
    [call] = hotline.fake.calls_to("views.open")
    assert call.args["trigger_id"] == ix.trigger_id  # opened at once, on the command's own trigger
    assert view["callback_id"] == actions.FORM_CALLBACK and view["title"]["text"] == "Read a readout"
    text = next(b for b in view["blocks"] if b["block_id"] == "text")
    assert text["element"]["multiline"] and text["element"]["max_length"] == 3000 and text["optional"]
    row = site.rows[US]
    answers = {"text": row["text"], "url": row["url"], "published": row["published"]}
    await submit(hotline, view, answers, hotline.world.owner)
    [draft] = await hotline.answer(ix)
    assert draft.public and draft.title.startswith("Readout draft #1: Lloyd J. Austin III ↔ Wei Fenghe")
    assert list(draft.buttons) == DRAFT_BUTTONS
    assert "Russia–Ukraine" in draft.text and "Could not tell" in draft.text and "— new" in draft.text
    values = [json.loads(b["value"]) for b in draft.buttons.values()]
    assert values[0] == {"c": "readout record", "a": {"draft": 1}}  # all a press needs, in the button
    assert await hotline.store.event_count(hotline.workspace()) == 0  # nothing is written until Record
    done = await press(hotline, draft, "Record", hotline.world.admin)
    assert done.post.replace_original and done.public  # the draft's message becomes the result
    assert done.title == "Recorded event #1 from draft #1" and done.buttons == {}
    event = await hotline.store.event(hotline.workspace(), 1)
    assert event is not None and event.day == dt.date(2022, 4, 20) and event.kind == "call"
    assert [s.url for s in event.sources] == [row["url"]]
    written = await concerns(hotline)
    assert {(c.side, c.issue) for c in written} == {("us", "russia-ukraine"), ("china", "russia-ukraine")}
    assert all(c.event_id == 1 and c.text and c.source == event.sources[0].url for c in written)


async def test_a_members_press_is_refused_privately_and_changes_nothing(hotline: SlackHarness, site: Site) -> None:
    w = hotline.world
    refused = await hotline.run("readout", user=w.reader)  # not even the form
    assert not refused.public and "only editors may change the record" in refused.text
    assert hotline.fake.calls_to("views.open") == []
    draft = await paste(hotline, site, US)
    refusal = await press(hotline, draft, "Record", w.reader)
    assert not refusal.public and not refusal.post.replace_original  # the draft stays for an editor
    assert "only editors may change the record" in refusal.text
    assert await hotline.store.event_count(hotline.workspace()) == 0 and await concerns(hotline) == []
    stored = await hotline.store.draft(hotline.workspace(), 1)
    assert stored is not None and stored.status == "pending"
    # Another team's admin pressing the same button (a forwarded message) is refused as well.
    [other] = await hotline.answer(await hotline.press(draft, "Record", user=w.stranger, team=w.other))
    assert not other.public and not other.post.replace_original
    stored = await hotline.store.draft(hotline.workspace(), 1)
    assert stored is not None and stored.status == "pending"


async def test_discard_writes_nothing_and_a_later_press_is_told(hotline: SlackHarness, site: Site) -> None:
    draft = await paste(hotline, site, US)
    done = await press(hotline, draft, "Discard")
    assert done.post.replace_original and done.title == "Discarded draft #1" and done.buttons == {}
    assert await hotline.store.event_count(hotline.workspace()) == 0 and await concerns(hotline) == []
    late = await press(hotline, draft, "Record", hotline.world.admin)  # an old copy of the message
    assert not late.public and not late.post.replace_original
    assert "draft #1 was already discarded by olivia" in late.text
    assert await hotline.store.event_count(hotline.workspace()) == 0


async def test_two_presses_at_once_record_once_and_the_second_is_told(hotline: SlackHarness, site: Site) -> None:
    draft = await paste(hotline, site, US)
    first = await hotline.press(draft, "Record")
    second = await hotline.press(draft, "Record", user=hotline.world.admin)  # before the first is answered
    answers = [*(await hotline.answer(first)), *(await hotline.answer(second))]
    assert [a.title for a in answers if a.public] == ["Recorded event #1 from draft #1"]
    [told] = [a for a in answers if not a.public]
    assert "draft #1 was already recorded as event #1" in told.text
    assert await hotline.store.event_count(hotline.workspace()) == 1


async def test_typed_readouts_and_the_other_side_attach_to_the_same_event(hotline: SlackHarness, site: Site) -> None:
    us = site.rows[US]
    typed = command_text("readout", {"text": us["text"], "url": us["url"], "published": us["published"]})
    draft = await hotline.run(typed.removeprefix("/"))
    assert draft.public and list(draft.buttons) == DRAFT_BUTTONS
    await press(hotline, draft, "Record")
    # Slack sends a link typed after /hotline wrapped in its markup: it is fetched as typed.
    second = await hotline.run(f"readout url:<{site.url(CN)}>")
    assert second.public and list(second.buttons) == DRAFT_BUTTONS, second.text
    assert "Event #1 looks like the same contact" in second.text
    done = await press(hotline, second, "Record")
    assert done.title == "Added the readout to event #1"
    assert await hotline.store.event_count(hotline.workspace()) == 1
    event = await hotline.store.event(hotline.workspace(), 1)
    assert event is not None and len(event.sources) == 2
    shown = await hotline.run("event show 1")
    assert "US readout: Secretary Austin and General Wei discussed" in shown.text
    assert "PRC readout: General Wei Fenghe said" in shown.text


async def test_edit_opens_the_fields_and_a_record_after_a_restart_still_works(
    hotline: SlackHarness, site: Site
) -> None:
    draft = await paste(hotline, site, US)
    ix = await hotline.press(draft, "Edit")
    view = await next_view(hotline, 1)
    [_, call] = hotline.fake.calls_to("views.open")
    assert call.args["trigger_id"] == ix.trigger_id
    fields = filled(view)
    assert fields["date"] == "2022-04-20" and fields["kind"] == "call"
    assert fields["us"] == "Lloyd J. Austin III (Secretary of Defense)"
    # A bad value comes back on its field; the modal stays open and nothing changes.
    bad = await submit(hotline, view, {**fields, "kind": "teleport"}, hotline.world.owner)
    assert bad.ack.payload is not None and bad.ack.payload["response_action"] == "errors"
    assert list(bad.ack.payload["errors"]) == ["kind"] and "teleport" in bad.ack.payload["errors"]["kind"]
    assert hotline.fake.responded(ix.response_url_id) == []
    changes = {"kind": "video", "details": "location: Washington; minutes: 30"}
    good = await submit(hotline, view, {**fields, **changes}, hotline.world.owner)
    assert good.ack.payload is None
    [edited] = await hotline.answer(ix)  # replaces the draft's message, buttons and all
    assert edited.post.replace_original and edited.public
    assert "video call" in edited.text and "30 minutes" in edited.text and list(edited.buttons) == DRAFT_BUTTONS
    await hotline.stop()
    await hotline.start()  # nothing was kept in memory: the button's value is all a new process needs
    done = await press(hotline, edited, "Record")
    assert done.title == "Recorded event #1 from draft #1"
    event = await hotline.store.event(hotline.workspace(), 1)
    assert event is not None and event.kind == "video" and event.minutes == 30


async def test_a_feed_posts_its_two_new_contacts_once_and_none_after_a_restart(
    hotline: SlackHarness, site: Site
) -> None:
    w = hotline.world
    site.feeds["dod"] = ["state-blinken-wang-call-2022-10-31"]  # the old item, there when the feed is added
    added = await hotline.run(f"feed add url:<{site.feed_url('dod')}> channel:<#{w.general.id}|general>")
    assert added.title == "Watching feed #1", added.text
    site.feeds["dod"] += [US, "neg-dod-austin-galvez-call-2023-02-22", "mfa-wang-blinken-call-2022-10-31"]
    hotline.clock.advance(dt.timedelta(minutes=31))
    await hotline.runtime.feeds.poll_due()
    posts = hotline.fake.posts(w.general.id)
    assert len(posts) == 2
    assert all(list(buttons(p.blocks)) == DRAFT_BUTTONS for p in posts)
    listing = await hotline.run("feed list")
    assert "Items seen 3, posted 2, skipped 1" in listing.text
    # A restart, and a feed that ignores its ETag: the claims alone keep the items from coming back.
    await hotline.stop()
    await hotline.start()
    site.honour_etag = False
    hotline.clock.advance(dt.timedelta(minutes=31))
    await hotline.runtime.feeds.poll_due()
    assert len(hotline.fake.posts(w.general.id)) == 2
    # A posted draft's Record works like a pasted one's, replacing the posted message.
    posted = Shown(ResponsePost({"text": posts[0].text, "blocks": posts[0].blocks}))
    done = await press(hotline, posted, "Record")
    assert done.post.replace_original and done.title.startswith("Recorded event #")


async def test_a_form_slack_will_not_open_says_what_to_type(hotline: SlackHarness) -> None:
    hotline.fake.fail("views.open", error="expired_trigger_id")
    ix = await hotline.slash("readout")
    [note] = await hotline.answer(ix)
    assert not note.public and "expired_trigger_id" in (note.post.text or "")
    assert "/hotline readout text:… url:… published:…" in note.text


async def test_a_button_hotline_did_not_make_runs_nothing(hotline: SlackHarness) -> None:
    await hotline.direct("event add", date="2022-04-20", us="Austin", cn="Wei Fenghe", kind="call")
    w = hotline.world
    message = {"ts": "1650553200.000100", "text": "x", "blocks": []}
    forged = [json.dumps({"c": "event delete", "a": {"id": 1, "confirmed": 1}}), "not json", '{"c": 1, "a": {}}']
    for value in forged:
        ix = await hotline.sender.press(
            w.hq, w.owner, "hotline_action_0", value, channel=w.general, message=message, transport=hotline.transport
        )
        [answer] = await hotline.answer(ix)
        assert not answer.public and actions.DEAD_BUTTON in answer.text
    assert await hotline.store.event_count(hotline.workspace()) == 1


def test_a_button_value_carries_the_action_within_slacks_limit() -> None:
    record = Action("Record", "readout record", {"draft": 12}, "primary")
    assert actions.parse_action_value(actions.action_value(record)) == ("readout record", {"draft": 12})
    assert actions.parse_action_value('{"c":"readout record","a":{"draft":true}}') is None
    with pytest.raises(ValueError, match="does not fit"):
        actions.action_value(Action("Record", "readout record", {"note": "x" * 2000}))
