"""The fake Slack proven against an unmodified slack-bolt AsyncApp, in both transports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.conftest import SlackWorld
from tests.slack.fake import FakeSlack, HttpKnobs, Sender, Transport
from tests.slack.serving import connect_socket, running, serve_http

TRANSPORTS = pytest.mark.parametrize("transport", ["http", "socket"])

QUESTION_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "ask",
    "title": {"type": "plain_text", "text": "Ask"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "q",
            "label": {"type": "plain_text", "text": "Question"},
            "element": {"type": "plain_text_input", "action_id": "q"},
        },
        {
            "type": "input",
            "block_id": "who",
            "optional": True,
            "label": {"type": "plain_text", "text": "Who"},
            "element": {"type": "multi_external_select", "action_id": "who", "min_query_length": 1},
        },
    ],
}


@dataclass
class Seen:
    """What the listeners ran with: a test checks that a refused request ran nothing."""

    commands: list[str] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    retry_headers: list[str | None] = field(default_factory=list)


def build_app(fake: FakeSlack, world: SlackWorld, seen: Seen) -> AsyncApp:
    client = AsyncWebClient(token=world.hq.bot_token, base_url=fake.base_url)
    app = AsyncApp(client=client, signing_secret=fake.signing_secret)

    @app.command("/ping")
    async def ping(
        ack: Any, respond: Any, client: AsyncWebClient, command: dict[str, Any], request: AsyncBoltRequest
    ) -> None:
        await ack()
        seen.commands.append(command["text"])
        retry = request.headers.get("x-slack-retry-num")
        seen.retry_headers.append(retry[0] if retry else None)
        await respond(text="pong", response_type="ephemeral")
        await client.chat_postMessage(channel=command["channel_id"], text=f"pong {command['text']}")

    @app.command("/ask")
    async def ask(ack: Any, client: AsyncWebClient, body: dict[str, Any]) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=QUESTION_VIEW)

    @app.view("ask")
    async def submitted(ack: Any, view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        question = values["q"]["q"]["value"]
        if "?" not in question:
            await ack(response_action="errors", errors={"q": "a question ends with a question mark"})
            return
        await ack()
        seen.submissions.append(values)

    @app.options("who")
    async def who(ack: Any, payload: dict[str, Any]) -> None:
        typed = payload["value"]
        names = [n for n in ("Austin", "Auer", "Wei") if n.lower().startswith(typed.lower())]
        await ack(options=[{"text": {"type": "plain_text", "text": n}, "value": n} for n in names])

    return app


@TRANSPORTS
async def test_a_command_is_acked_then_answered_through_respond_and_the_web_api(
    fake: FakeSlack, world: SlackWorld, sender: Sender, transport: Transport
) -> None:
    seen = Seen()
    app = build_app(fake, world, seen)
    async with running(app, fake, transport):
        ix = await sender.slash(world.hq, world.analyst, world.general, "/ping", "hello", transport=transport)
        assert ix.ack.ok and ix.ack.status == 200 and ix.ack.payload is None
        [post] = await sender.responses(ix)
        assert (post.text, post.response_type, post.replace_original) == ("pong", "ephemeral", False)
        [call] = await sender.calls("chat.postMessage")
    assert call.ok and call.team_id == world.hq.id and call.args["channel"] == world.general.id
    assert [m.text for m in fake.posts(world.general.id)] == ["pong hello"]
    # Bolt verified its token once, and read its scopes from the header.
    assert [c.ok for c in fake.calls_to("auth.test")] == [True]
    assert seen.commands == ["hello"]


@TRANSPORTS
async def test_a_modal_opens_refuses_a_bad_field_then_takes_a_good_submission(
    fake: FakeSlack, world: SlackWorld, sender: Sender, transport: Transport
) -> None:
    seen = Seen()
    async with running(build_app(fake, world, seen), fake, transport):
        ix = await sender.slash(world.hq, world.analyst, world.general, "/ask", transport=transport)
        assert ix.ack.ok
        [opened] = await sender.calls("views.open")
        assert opened.ok, opened.response
        view_id = opened.response["view"]["id"]
        assert fake.triggers[str(ix.trigger_id)].used

        bad = await sender.submit(world.hq, world.analyst, view_id, {"q": "no mark"}, transport=transport)
        assert bad.ack.payload == {"response_action": "errors", "errors": {"q": "a question ends with a question mark"}}
        assert seen.submissions == []

        good = await sender.submit(
            world.hq, world.analyst, view_id, {"q": "why?", "who": ["Austin"]}, transport=transport
        )
        assert good.ack.ok and good.ack.payload is None
    [values] = seen.submissions
    assert values["q"]["q"] == {"type": "plain_text_input", "value": "why?"}
    assert values["who"]["who"]["type"] == "multi_external_select"
    assert [o["value"] for o in values["who"]["who"]["selected_options"]] == ["Austin"]


@TRANSPORTS
async def test_a_block_suggestion_is_answered_with_options(
    fake: FakeSlack, world: SlackWorld, sender: Sender, transport: Transport
) -> None:
    async with running(build_app(fake, world, Seen()), fake, transport):
        ix = await sender.suggest(world.hq, world.analyst, "who", "au", block_id="who", transport=transport)
    assert ix.ack.ok
    assert ix.ack.payload is not None
    assert [o["value"] for o in ix.ack.payload["options"]] == ["Austin", "Auer"]


@pytest.mark.parametrize(
    "knobs",
    [HttpKnobs(secret="not-the-secret"), HttpKnobs(age=301), HttpKnobs(signed=False)],
    ids=["wrong-secret", "old-timestamp", "unsigned"],
)
async def test_a_badly_signed_or_stale_request_is_refused_and_runs_nothing(
    fake: FakeSlack, world: SlackWorld, sender: Sender, knobs: HttpKnobs
) -> None:
    seen = Seen()
    async with serve_http(build_app(fake, world, seen), fake):
        ix = await sender.slash(world.hq, world.analyst, world.general, "/ping", "x", http=knobs)
        assert (ix.ack.ok, ix.ack.status, ix.ack.payload) == (False, 401, {"error": "invalid request"})
        # A good request afterwards runs: the refusal was the signature, not the app.
        good = await sender.slash(world.hq, world.analyst, world.general, "/ping", "y")
        assert good.ack.ok
        await sender.calls("chat.postMessage")
    assert seen.commands == ["y"]
    assert [m.text for m in fake.posts(world.general.id)] == ["pong y"]


@TRANSPORTS
async def test_a_redelivered_request_carries_the_retry_number(
    fake: FakeSlack, world: SlackWorld, sender: Sender, transport: Transport
) -> None:
    seen = Seen()
    async with running(build_app(fake, world, seen), fake, transport):
        ix = await sender.slash(world.hq, world.analyst, world.general, "/ping", "once", transport=transport)
        again = await sender.redeliver(ix, num=1, reason="http_timeout")
        assert again.ok
        await sender.calls("chat.postMessage", 2)
    assert seen.retry_headers == [None if transport == "http" else "0", "1"]


async def test_a_rate_limited_call_is_retried_after_retry_after(
    fake: FakeSlack, world: SlackWorld, sender: Sender
) -> None:
    app = build_app(fake, world, Seen())
    app.client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    fake.fail("chat.postMessage", status=429, retry_after=0)
    async with serve_http(app, fake):
        await sender.slash(world.hq, world.analyst, world.general, "/ping", "later")
        calls = await sender.calls("chat.postMessage", 2)
    assert [(c.status, c.error) for c in calls] == [(429, "ratelimited"), (200, None)]
    assert [m.text for m in fake.posts(world.general.id)] == ["pong later"]


async def test_a_rate_limited_call_without_a_retry_handler_is_an_error_slack_sdk_raises(
    fake: FakeSlack, world: SlackWorld, sender: Sender, slack_logs: Any
) -> None:
    slack_logs.allow("ratelimited")  # the listener's exception, logged by Bolt: provoked here
    fake.fail("chat.postMessage", status=429, retry_after=7)
    async with serve_http(build_app(fake, world, Seen()), fake):
        await sender.slash(world.hq, world.analyst, world.general, "/ping", "later")
        [call] = await sender.calls("chat.postMessage")
        await fake.wait_until(lambda: any(r.levelname == "ERROR" for r in slack_logs.records))
    assert call.status == 429 and fake.posts(world.general.id) == []


async def test_socket_mode_reconnects_when_slack_asks_for_a_refresh_closes_or_drops_the_connection(
    fake: FakeSlack, world: SlackWorld, sender: Sender
) -> None:
    seen = Seen()
    async with connect_socket(build_app(fake, world, seen), fake, ping_interval=0.3):
        assert len(fake.calls_to("apps.connections.open")) == 1
        steps = [
            ("after refresh", fake.socket_disconnect),
            ("after close", fake.close_sockets),
            ("after drop", fake.drop_sockets),
        ]
        for n, (text, cut) in enumerate(steps, start=2):
            await cut()
            await fake.wait_socket(count=n)
            ix = await sender.slash(world.hq, world.analyst, world.general, "/ping", text, transport="socket")
            assert ix.ack.ok, text
        await sender.calls("chat.postMessage", 3)
    assert len(fake.calls_to("apps.connections.open", ok=True)) == 4
    assert seen.commands == ["after refresh", "after close", "after drop"]


async def test_socket_mode_delivers_to_the_connection_a_test_names_when_an_app_has_several(
    fake: FakeSlack, world: SlackWorld, sender: Sender
) -> None:
    first_seen, second_seen = Seen(), Seen()
    second_token = fake.add_app_token()
    async with (
        connect_socket(build_app(fake, world, first_seen), fake),
        connect_socket(build_app(fake, world, second_seen), fake, app_token=second_token),
    ):
        first, second = await fake.socket_of(fake.app_token), await fake.socket_of(second_token)
        assert first is not second and len(fake.open_sockets()) == 2
        for text, via in [("to the second", second), ("to the first", first), ("second again", second)]:
            ix = await sender.slash(world.hq, world.analyst, world.general, "/ping", text, transport="socket", via=via)
            assert ix.ack.ok, text
        await sender.calls("chat.postMessage", 3)
    assert first_seen.commands == ["to the first"]
    assert second_seen.commands == ["to the second", "second again"]
    with pytest.raises(SlackApiError) as refused:
        await AsyncWebClient(base_url=fake.base_url).apps_connections_open(app_token="xapp-1-forged")
    assert refused.value.response["error"] == "invalid_auth"
