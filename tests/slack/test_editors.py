"""Editors of a Slack team, asked of the fake Slack through the real AsyncWebClient."""

from __future__ import annotations

import datetime as dt

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.editors import DEFAULT_TTL, EditorCheckFailed, Editors
from commands.context import FixedClock
from tests.conftest import NOW
from tests.slack.conftest import SlackWorld
from tests.slack.fake import FakeSlack


@pytest.fixture
def client(fake: FakeSlack, world: SlackWorld) -> AsyncWebClient:
    return AsyncWebClient(token=world.hq.bot_token, base_url=fake.base_url)


async def test_admins_owners_and_the_editor_groups_members_are_editors(
    fake: FakeSlack, world: SlackWorld, client: AsyncWebClient
) -> None:
    editors = Editors(FixedClock(NOW))
    group = world.analysts.id
    hq = world.hq.id
    assert await editors.is_editor(client, hq, world.owner.id, None)
    assert await editors.is_editor(client, hq, world.admin.id, None)
    assert not await editors.is_editor(client, hq, world.analyst.id, None)
    assert await editors.is_editor(client, hq, world.analyst.id, group)
    assert not await editors.is_editor(client, hq, world.reader.id, group)
    # Another team's owner is nobody here; a deleted group makes nobody an editor.
    assert not await editors.is_editor(client, hq, world.stranger.id, group)
    assert not await editors.is_editor(client, hq, world.reader.id, "S0DELETED")


async def test_answers_are_kept_for_the_ttl_then_asked_again(
    fake: FakeSlack, world: SlackWorld, client: AsyncWebClient
) -> None:
    clock = FixedClock(NOW)
    editors = Editors(clock, ttl=DEFAULT_TTL)
    group, hq = world.analysts.id, world.hq.id
    for _ in range(3):
        assert await editors.is_editor(client, hq, world.analyst.id, group)
        assert not await editors.is_editor(client, hq, world.reader.id, None)
    assert (len(fake.calls_to("users.info")), len(fake.calls_to("usergroups.users.list"))) == (2, 1)
    # Slack changes: the analyst leaves the group, the reader becomes an admin.
    world.analysts.users.remove(world.analyst.id)
    world.reader.is_admin = True
    clock.advance(DEFAULT_TTL - dt.timedelta(seconds=1))
    assert await editors.is_editor(client, hq, world.analyst.id, group)  # the kept answers
    assert not await editors.is_editor(client, hq, world.reader.id, None)
    clock.advance(dt.timedelta(seconds=2))
    assert not await editors.is_editor(client, hq, world.analyst.id, group)
    assert await editors.is_editor(client, hq, world.reader.id, None)
    assert (len(fake.calls_to("users.info")), len(fake.calls_to("usergroups.users.list"))) == (4, 2)


async def test_forget_asks_slack_again_at_once(fake: FakeSlack, world: SlackWorld, client: AsyncWebClient) -> None:
    editors = Editors(FixedClock(NOW))
    assert not await editors.is_editor(client, world.hq.id, world.reader.id, None)
    world.reader.is_owner = True
    assert not await editors.is_editor(client, world.hq.id, world.reader.id, None)
    editors.forget(world.other.id)  # another team's: changes nothing here
    assert not await editors.is_editor(client, world.hq.id, world.reader.id, None)
    editors.forget(world.hq.id)
    assert await editors.is_editor(client, world.hq.id, world.reader.id, None)


async def test_when_slack_cannot_tell_the_check_fails_with_what_to_fix(
    fake: FakeSlack, world: SlackWorld, client: AsyncWebClient
) -> None:
    editors = Editors(FixedClock(NOW))
    world.hq.scopes.discard("users:read")
    with pytest.raises(EditorCheckFailed, match="users:read"):
        await editors.is_editor(client, world.hq.id, world.owner.id, None)
    world.hq.scopes.add("users:read")
    world.hq.scopes.discard("usergroups:read")
    with pytest.raises(EditorCheckFailed, match="usergroups:read"):
        await editors.is_editor(client, world.hq.id, world.reader.id, world.analysts.id)
    world.hq.scopes.add("usergroups:read")
    fake.fail("users.info", status=429, retry_after=30)
    with pytest.raises(EditorCheckFailed, match="ratelimited"):
        await editors.is_editor(client, world.hq.id, world.admin.id, None)
    # A failure is not remembered: the next command asks again and gets the answer.
    assert await editors.is_editor(client, world.hq.id, world.admin.id, None)
    assert await editors.is_editor(client, world.hq.id, world.analyst.id, world.analysts.id)
