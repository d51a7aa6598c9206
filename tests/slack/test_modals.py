"""The event-add modal: built from the surface, opened, suggested, submitted and refused through a
real AsyncApp and the fake Slack, with Slack's own payload shapes."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.modals import (
    EVENT_ADD_CALLBACK,
    INPUT_ACTION,
    SUGGEST_ISSUES,
    SUGGEST_PEOPLE,
    event_add_view,
    field_errors,
    submitted_args,
    suggestion_options,
)
from commands import autocomplete
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.errors import NotFound, UserError
from commands.surface import COMMANDS, dispatch
from storage.contract import StoreContract
from tests.conftest import NOW, Runner
from tests.slack.conftest import SlackWorld
from tests.slack.fake import FakeSlack, Sender
from tests.slack.fake.blocks import check_view
from tests.slack.serving import serve_http


def test_the_view_has_one_input_per_option_named_by_its_block_id() -> None:
    view = event_add_view(private_metadata="C0GENERAL", today=NOW.date())
    assert check_view(view) == []
    assert view["callback_id"] == EVENT_ADD_CALLBACK and view["private_metadata"] == "C0GENERAL"
    options = COMMANDS["event add"].options
    assert [b["block_id"] for b in view["blocks"]] == [o.name for o in options]
    by_id = {b["block_id"]: b for b in view["blocks"]}
    assert [n for n, b in by_id.items() if not b["optional"]] == ["date", "us", "cn", "kind"]
    assert by_id["date"]["element"] == {"type": "datepicker", "action_id": INPUT_ACTION, "initial_date": "2022-04-21"}
    for name, action in (("us", SUGGEST_PEOPLE), ("cn", SUGGEST_PEOPLE), ("us_raised", SUGGEST_ISSUES)):
        element = by_id[name]["element"]
        assert (element["type"], element["action_id"], element["min_query_length"]) == (
            "multi_external_select",
            action,
            1,
        )
    kinds = by_id["kind"]["element"]
    assert kinds["type"] == "static_select"
    assert [o["value"] for o in kinds["options"]] == ["call", "video", "meeting", "summit", "visit", "talks", "request"]
    for name in ("track", "requested_by", "status"):
        assert by_id[name]["element"]["type"] == "static_select"
    assert by_id["summary"]["element"] == {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "multiline": True,
        "max_length": 2000,
    }
    for name in ("minutes", "location", "source"):
        assert by_id[name]["element"]["type"] == "plain_text_input"
    with pytest.raises(ValueError):
        event_add_view(private_metadata="x" * 3001)


def test_a_submission_reads_back_as_the_arguments_dispatch_takes() -> None:
    values: dict[str, Any] = {
        "date": {INPUT_ACTION: {"type": "datepicker", "selected_date": "2022-04-20"}},
        "us": {
            SUGGEST_PEOPLE: {
                "type": "multi_external_select",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": "Lloyd J. Austin III"}, "value": "Lloyd J. Austin III"},
                    {"text": {"type": "plain_text", "text": "Ann (Deputy)"}, "value": "Ann (Deputy)"},
                ],
            }
        },
        "kind": {
            INPUT_ACTION: {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "call"}, "value": "call"},
            }
        },
        "track": {INPUT_ACTION: {"type": "static_select", "selected_option": None}},
        "minutes": {INPUT_ACTION: {"type": "plain_text_input", "value": "45"}},
        "location": {INPUT_ACTION: {"type": "plain_text_input", "value": None}},
        "summary": {INPUT_ACTION: {"type": "plain_text_input", "value": "   "}},
        "us_raised": {SUGGEST_ISSUES: {"type": "multi_external_select", "selected_options": []}},
        "not_an_option": {INPUT_ACTION: {"type": "plain_text_input", "value": "ignored"}},
    }
    assert submitted_args(values) == {
        "date": "2022-04-20",
        "us": "Lloyd J. Austin III, Ann (Deputy)",
        "kind": "call",
        "minutes": "45",
    }


def test_an_error_about_an_option_lands_on_its_field_and_others_on_none() -> None:
    assert field_errors(UserError("'abc' is not a whole number", field="minutes")) == {
        "minutes": "'abc' is not a whole number"
    }
    assert field_errors(NotFound("nobody called 'x'", field="us")) == {"us": "nobody called 'x'"}
    assert field_errors(UserError("this contact is already recorded as event #4")) is None
    assert field_errors(UserError("bad", field="id")) is None  # not an input of this modal
    long = field_errors(UserError("x" * 5000, field="summary"))
    assert long is not None and len(long["summary"]) <= 500


def test_suggestions_offer_what_was_typed_then_the_stores_matches() -> None:
    found = [("Lloyd J. Austin III (Secretary of Defense)", "Lloyd J. Austin III"), ("Auer", "Auer")]
    options = suggestion_options("aus", found)
    assert [o["value"] for o in options] == ["aus", "Lloyd J. Austin III", "Auer"]
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    # What was typed is not offered twice, nor when it is too long for an option value.
    assert [o["value"] for o in suggestion_options("auer", found)] == ["Lloyd J. Austin III", "Auer"]
    assert [o["value"] for o in suggestion_options("x" * 151, [])] == []
    assert len(suggestion_options("a", [(f"p{i}", f"p{i}") for i in range(300)])) == 100


def modal_app(
    fake: FakeSlack, world: SlackWorld, store: StoreContract, clock: FixedClock, written: list[str]
) -> AsyncApp:
    """A small app wired as the adapter will be: open, suggest, submit, map errors onto fields."""
    app = AsyncApp(
        client=AsyncWebClient(token=world.hq.bot_token, base_url=fake.base_url), signing_secret=fake.signing_secret
    )

    def ctx(user: str) -> Ctx:
        return Ctx(store, Caller(f"slack:{world.hq.id}", user, user, True), clock, CoreSettings())

    @app.command("/hotline")
    async def hotline(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        view = event_add_view(private_metadata=body["channel_id"], today=clock.now().date())
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.options(SUGGEST_PEOPLE)
    async def people(ack: Any, payload: dict[str, Any]) -> None:
        found = await autocomplete.people(store, f"slack:{world.hq.id}", payload["value"])
        await ack(options=suggestion_options(payload["value"], found))

    @app.view(EVENT_ADD_CALLBACK)
    async def submitted(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            reply = await dispatch(ctx(body["user"]["id"]), "event add", submitted_args(view["state"]["values"]))
        except UserError as exc:
            errors = field_errors(exc)
            assert errors is not None, exc
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        written.append(str(reply.title))

    return app


async def test_the_modal_through_slack_bolt_suggests_refuses_a_bad_field_and_records_a_good_one(
    fake: FakeSlack, world: SlackWorld, sender: Sender, store: StoreContract, clock: FixedClock
) -> None:
    # The store's people belong to the Slack team's workspace.
    await Runner(store, clock, f"slack:{world.hq.id}")("person add", name="Lloyd J. Austin III", side="us")
    written: list[str] = []
    async with serve_http(modal_app(fake, world, store, clock, written), fake):
        ix = await sender.slash(world.hq, world.analyst, world.general, "/hotline", "event add")
        assert ix.ack.ok
        [opened] = await sender.calls("views.open")
        assert opened.ok, opened.response
        view_id = opened.response["view"]["id"]

        suggested = await sender.suggest(
            world.hq, world.analyst, SUGGEST_PEOPLE, "lloyd", block_id="us", view_id=view_id
        )
        assert suggested.ack.payload is not None
        assert [o["value"] for o in suggested.ack.payload["options"]] == ["lloyd", "Lloyd J. Austin III"]

        answers: dict[str, Any] = {
            "date": "2022-04-20",
            "us": ["Lloyd J. Austin III"],
            "cn": ["Wei Fenghe"],
            "kind": "call",
        }
        bad = await sender.submit(world.hq, world.analyst, view_id, {**answers, "minutes": "forty"})
        assert bad.ack.payload == {"response_action": "errors", "errors": {"minutes": "'forty' is not a whole number"}}
        future = await sender.submit(world.hq, world.analyst, view_id, {**answers, "date": "2024-01-01"})
        assert future.ack.payload is not None and list(future.ack.payload["errors"]) == ["date"]
        assert written == []

        good = await sender.submit(
            world.hq, world.analyst, view_id, {**answers, "minutes": "90", "summary": "<!here> ok"}
        )
        assert good.ack.ok and good.ack.payload is None
    assert len(written) == 1
    [event] = (await store.list_events(f"slack:{world.hq.id}"))[0]
    assert (event.day.isoformat(), event.kind, event.minutes, event.summary) == ("2022-04-20", "call", 90, "<!here> ok")
