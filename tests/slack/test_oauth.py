"""Installing Hotline into another Slack workspace through OAuth, and what the store keeps of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from yarl import URL

from bot.slack.platform import SlackPlatform
from tests.slack.harness import CLIENT_ID, SlackHarness

pytestmark = pytest.mark.parametrize("mode", ["oauth"], indirect=True)


async def install(hotline: SlackHarness, code: str, state_cookie: bool = True) -> int:
    """/slack/install, then the redirect Slack sends after the member approved; the redirect's status."""
    assert hotline.platform.url is not None and hotline.fake.session is not None
    base = URL(hotline.platform.url).with_path("/")
    async with hotline.fake.session.get(base / "slack/install", allow_redirects=False) as page:
        assert page.status == 200
        found = re.search(r"state=([\w\-.~%]+)", await page.text())
        assert found is not None
        state = found.group(1)
    headers = {"Cookie": f"slack-app-oauth-state={state}"} if state_cookie else {}
    redirect = (base / "slack/oauth_redirect").with_query(code=code, state=state)
    async with hotline.fake.session.get(redirect, headers=headers, allow_redirects=False) as done:
        return done.status


async def test_a_new_workspace_installs_and_is_served_with_its_own_token(hotline: SlackHarness) -> None:
    third = hotline.fake.add_team("Third Org", "third-org")
    member = third.add_user("cy", admin=True)
    third.add_channel("general")
    assert await install(hotline, hotline.fake.new_oauth_code(third)) == 200
    stored = await hotline.store.installation(CLIENT_ID, None, third.id)
    assert stored is not None and third.bot_token in stored
    shown = await hotline.run(
        'event add date:2022-04-20 us:"Austin" cn:"Wei Fenghe" kind:call', team=third, user=member
    )
    assert shown.title.startswith("Recorded event #")
    assert await hotline.store.event_count(f"slack:{third.id}") == 1
    # Slack is asked about its members with its own token.
    [users_info] = [c for c in hotline.fake.calls_to("users.info") if c.team_id == third.id]
    assert users_info.token == third.bot_token


async def test_an_install_without_its_state_cookie_or_with_a_bad_code_keeps_nothing(hotline: SlackHarness) -> None:
    third = hotline.fake.add_team("Third Org", "third-org")
    third.add_user("cy", admin=True)
    assert await install(hotline, hotline.fake.new_oauth_code(third), state_cookie=False) != 200
    assert await install(hotline, "not-a-code") != 200
    assert await hotline.store.installation(CLIENT_ID, None, third.id) is None


async def issue_state(hotline: SlackHarness, platform: SlackPlatform) -> str:
    """/slack/install on `platform`: the state its page links to Slack with."""
    assert platform.url is not None and hotline.fake.session is not None
    async with hotline.fake.session.get(URL(platform.url).with_path("/slack/install"), allow_redirects=False) as page:
        assert page.status == 200
        found = re.search(r"state=([\w\-.~%]+)", await page.text())
        assert found is not None
        return found.group(1)


async def redirect(hotline: SlackHarness, platform: SlackPlatform, code: str, state: str) -> int:
    """The redirect Slack sends after the member approved, to `platform`: its status."""
    assert platform.url is not None and hotline.fake.session is not None
    url = URL(platform.url).with_path("/slack/oauth_redirect").with_query(code=code, state=state)
    headers = {"Cookie": f"slack-app-oauth-state={state}"}
    async with hotline.fake.session.get(url, headers=headers, allow_redirects=False) as done:
        return done.status


async def states(hotline: SlackHarness) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await hotline.store.db.all("SELECT * FROM slack_oauth_state ORDER BY id")]


async def test_the_redirect_may_reach_another_process_than_the_install_page(hotline: SlackHarness) -> None:
    first = hotline.platform
    await hotline.start()  # a second process on the same store, as behind a load balancer
    second = hotline.platform
    assert first is not second and first.url != second.url
    third = hotline.fake.add_team("Third Org", "third-org")
    third.add_user("cy", admin=True)
    state = await issue_state(hotline, first)
    assert await redirect(hotline, second, hotline.fake.new_oauth_code(third), state) == 200
    assert await hotline.store.installation(CLIENT_ID, None, third.id) is not None
    assert await states(hotline) == []
    # Consumed once: the same state again, on either process, installs nothing.
    fourth = hotline.fake.add_team("Fourth Org", "fourth-org")
    fourth.add_user("di", admin=True)
    for platform in (first, second):
        assert await redirect(hotline, platform, hotline.fake.new_oauth_code(fourth), state) != 200
    assert await hotline.store.installation(CLIENT_ID, None, fourth.id) is None


async def test_an_expired_or_forged_state_installs_nothing_and_writes_nothing(hotline: SlackHarness) -> None:
    third = hotline.fake.add_team("Third Org", "third-org")
    third.add_user("cy", admin=True)
    old = await issue_state(hotline, hotline.platform)
    hotline.clock.advance(dt.timedelta(minutes=10))
    assert await redirect(hotline, hotline.platform, hotline.fake.new_oauth_code(third), old) != 200
    assert await states(hotline) == []  # the expired state went with its refusal
    live = await issue_state(hotline, hotline.platform)
    before = await states(hotline)
    for forged in ("x" * 5000, live[:-1] + "!", live + "A", "' OR 1=1 --", ""):
        assert await redirect(hotline, hotline.platform, hotline.fake.new_oauth_code(third), forged) != 200
    assert await states(hotline) == before
    assert await hotline.store.installation(CLIENT_ID, None, third.id) is None
    assert await redirect(hotline, hotline.platform, hotline.fake.new_oauth_code(third), live) == 200
