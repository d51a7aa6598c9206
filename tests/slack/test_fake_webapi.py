"""The fake's Web API answers as Slack does, errors included, through the real AsyncWebClient."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncServerErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.conftest import SlackWorld
from tests.slack.fake import FakeSlack, FakeTeam

VIEW: dict[str, Any] = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "T"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
}


def client_of(fake: FakeSlack, team: FakeTeam) -> AsyncWebClient:
    return AsyncWebClient(token=team.bot_token, base_url=fake.base_url)


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


async def test_posting_needs_a_known_channel_the_bot_is_in_and_not_archived(fake: FakeSlack, world: SlackWorld) -> None:
    client = client_of(fake, world.hq)
    done = await client.chat_postMessage(channel=world.general.id, text="hello")
    assert done["ts"] and done["message"]["text"] == "hello"
    assert await error_of(client.chat_postMessage(channel="C0NOSUCH", text="x")) == "channel_not_found"
    other_general = world.other.channel("general")
    assert await error_of(client.chat_postMessage(channel=other_general.id, text="x")) == "channel_not_found"
    assert await error_of(client.chat_postMessage(channel=world.briefings.id, text="x")) == "not_in_channel"
    assert await error_of(client.chat_postMessage(channel=world.old.id, text="x")) == "is_archived"
    with pytest.warns(UserWarning, match="`text` argument is missing"):  # slack_sdk's own advice
        assert await error_of(client.chat_postMessage(channel=world.general.id)) == "no_text"
    too_many = [{"type": "divider"}] * 51
    too_many_call = client.chat_postMessage(channel=world.general.id, text="x", blocks=too_many)
    assert await error_of(too_many_call) == "invalid_blocks"
    # chat:write.public lets the bot post in a public channel it is not in.
    world.hq.scopes.add("chat:write.public")
    await client.chat_postMessage(channel=world.briefings.id, text="public")
    assert [m.text for m in fake.posts(world.general.id)] == ["hello"]
    assert [m.text for m in fake.posts(world.briefings.id)] == ["public"]


async def test_a_removed_scope_and_a_bad_token_are_refused(fake: FakeSlack, world: SlackWorld) -> None:
    client = client_of(fake, world.hq)
    world.hq.scopes.discard("users:read")
    with pytest.raises(SlackApiError) as caught:
        await client.users_info(user=world.owner.id)
    assert caught.value.response["error"] == "missing_scope" and caught.value.response["needed"] == "users:read"
    auth = await client.auth_test()
    assert "users:read" not in auth.headers["X-OAuth-Scopes"].split(",")
    bad = AsyncWebClient(token="xoxb-nope", base_url=fake.base_url)
    assert await error_of(bad.auth_test()) == "invalid_auth"
    assert await error_of(AsyncWebClient(base_url=fake.base_url).auth_test()) == "not_authed"
    assert await error_of(client.apps_connections_open(app_token=world.hq.bot_token)) == "invalid_auth"


async def test_update_delete_and_ephemeral_messages(fake: FakeSlack, world: SlackWorld) -> None:
    client = client_of(fake, world.hq)
    posted = await client.chat_postMessage(channel=world.general.id, text="v1")
    await client.chat_update(channel=world.general.id, ts=posted["ts"], text="v2")
    [message] = fake.posts(world.general.id)
    assert (message.text, message.edits) == ("v2", 1)
    await client.chat_delete(channel=world.general.id, ts=posted["ts"])
    assert fake.posts(world.general.id) == []
    assert (
        await error_of(client.chat_update(channel=world.general.id, ts=posted["ts"], text="x")) == "message_not_found"
    )
    assert await error_of(client.chat_delete(channel=world.general.id, ts="1.2")) == "message_not_found"
    eph = await client.chat_postEphemeral(channel=world.general.id, user=world.reader.id, text="psst")
    assert eph["message_ts"] and fake.ephemerals[-1]["user"] == world.reader.id
    assert await error_of(client.chat_postEphemeral(channel=world.general.id, user="U0NOSUCH", text="x")) == (
        "user_not_found"
    )
    assert await error_of(client.chat_postEphemeral(channel=world.core.id, user=world.reader.id, text="x")) == (
        "user_not_in_channel"
    )


async def test_trigger_ids_are_single_use_and_expire(fake: FakeSlack, world: SlackWorld) -> None:
    client = client_of(fake, world.hq)
    trigger = fake.new_trigger(world.hq, world.analyst.id)
    opened = await client.views_open(trigger_id=trigger, view={**VIEW, "callback_id": "cb", "private_metadata": "m"})
    view = opened["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "cb" and view["private_metadata"] == "m"
    assert view["state"] == {"values": {}} and view["root_view_id"] == view["id"]
    assert await error_of(client.views_open(trigger_id=trigger, view=VIEW)) == "exchanged_trigger_id"
    assert await error_of(client.views_open(trigger_id="1.2.nope", view=VIEW)) == "invalid_trigger_id"
    fake.trigger_ttl = -1.0  # every trigger is already older than that
    stale = fake.new_trigger(world.hq, world.analyst.id)
    assert await error_of(client.views_open(trigger_id=stale, view=VIEW)) == "expired_trigger_id"
    # Another team's trigger is not this team's.
    fake.trigger_ttl = 3.0
    foreign = fake.new_trigger(world.other, world.stranger.id)
    assert await error_of(client.views_open(trigger_id=foreign, view=VIEW)) == "invalid_trigger_id"
    bad_view = {**VIEW, "title": {"type": "plain_text", "text": "x" * 25}}
    assert await error_of(client.views_open(trigger_id=fake.new_trigger(world.hq, "U"), view=bad_view)) == (
        "invalid_arguments"
    )


async def test_views_update_and_push(fake: FakeSlack, world: SlackWorld) -> None:
    client = client_of(fake, world.hq)
    view = (await client.views_open(trigger_id=fake.new_trigger(world.hq, world.analyst.id), view=VIEW))["view"]
    updated = await client.views_update(view_id=view["id"], hash=view["hash"], view={**VIEW, "callback_id": "x"})
    assert updated["view"]["callback_id"] == "x" and updated["view"]["hash"] != view["hash"]
    assert await error_of(client.views_update(view_id=view["id"], hash=view["hash"], view=VIEW)) == "hash_conflict"
    assert await error_of(client.views_update(view_id="V0NOSUCH", view=VIEW)) == "not_found"
    # A push needs a trigger from inside the modal, and a stack holds three views at most.
    assert await error_of(client.views_push(trigger_id=fake.new_trigger(world.hq, "U"), view=VIEW)) == (
        "invalid_trigger_id"
    )
    for _ in range(2):
        await client.views_push(trigger_id=fake.new_trigger(world.hq, "U", view_id=view["id"]), view=VIEW)
    push = client.views_push(trigger_id=fake.new_trigger(world.hq, "U", view_id=view["id"]), view=VIEW)
    assert await error_of(push) == "push_limit_reached"


async def test_people_channels_and_user_groups(fake: FakeSlack, world: SlackWorld) -> None:
    client = client_of(fake, world.hq)
    owner = (await client.users_info(user=world.owner.id))["user"]
    assert (owner["is_admin"], owner["is_owner"], owner["tz"]) == (True, True, "America/New_York")
    analyst = (await client.users_info(user=world.analyst.id))["user"]
    assert (analyst["is_admin"], analyst["is_owner"], analyst["tz"]) == (False, False, "Asia/Shanghai")
    assert await error_of(client.users_info(user=world.stranger.id)) == "user_not_found"
    channel = (await client.conversations_info(channel=world.briefings.id))["channel"]
    assert (channel["name"], channel["is_member"], channel["is_private"]) == ("briefings", False, False)
    assert fake.calls_to("conversations.info")[-1].http_method == "GET"
    world.hq.scopes.discard("groups:read")
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_info(channel=world.core.id)
    assert caught.value.response["needed"] == "groups:read"
    groups = (await client.usergroups_list(include_users=True))["usergroups"]
    assert [(g["handle"], g["users"]) for g in groups] == [("analysts", [world.analyst.id])]
    assert (await client.usergroups_users_list(usergroup=world.analysts.id))["users"] == [world.analyst.id]
    assert await error_of(client.usergroups_users_list(usergroup="S0NOSUCH")) == "no_such_subteam"


async def test_a_file_upload_goes_through_the_upload_url_into_the_channel(fake: FakeSlack, world: SlackWorld) -> None:
    client = client_of(fake, world.hq)
    png = b"\x89PNG fake chart"
    done = await client.files_upload_v2(channel=world.general.id, content=png, filename="timeline.png", title="T")
    [record] = fake.files.values()
    assert record["data"] == png and done["file"]["id"] == record["id"]
    [message] = fake.posts(world.general.id)
    assert message.files == [record["id"]]
    with pytest.raises(SlackApiError) as caught:
        await client.files_upload_v2(channel=world.briefings.id, content=png, filename="t.png")
    assert caught.value.response["error"] == "not_in_channel"
    unuploaded = (await client.files_getUploadURLExternal(filename="x.png", length=3))["file_id"]
    files = json.dumps([{"id": unuploaded, "title": "x"}])
    assert await error_of(client.api_call("files.completeUploadExternal", params={"files": files})) == "file_not_found"


async def test_injected_server_errors_are_retried_by_the_server_error_handler(
    fake: FakeSlack, world: SlackWorld
) -> None:
    client = client_of(fake, world.hq)
    fake.fail("chat.postMessage", status=503, times=1)
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel=world.general.id, text="x")
    fake.fail("chat.postMessage", status=500, times=1)
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=1))
    await client.chat_postMessage(channel=world.general.id, text="second try")
    assert [(c.status, c.error) for c in fake.calls_to("chat.postMessage")] == [
        (503, "service_unavailable"),
        (500, "internal_error"),
        (200, None),
    ]
    fake.fail("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        assert await error_of(client.chat_postMessage(channel=world.general.id, text="x")) == "channel_not_found"
    await client.chat_postMessage(channel=world.general.id, text="third")
    assert [m.text for m in fake.posts(world.general.id)] == ["second try", "third"]
