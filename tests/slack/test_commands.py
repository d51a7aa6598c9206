"""Every command of the surface, typed after /lastcall or /hotline, through slack-bolt and the fake Slack."""

from __future__ import annotations

import pytest

from tests.slack.harness import SlackHarness

AUGUST_2020 = (
    'event add date:2020-08-06 us:"Mark T. Esper (Secretary of Defense)" '
    'cn:"Wei Fenghe (Minister of National Defense)" kind:call minutes:90 us_raised:"taiwan, south china sea" '
    "source:https://www.defense.gov/News/Releases/Release/Article/2303574"
)
APRIL_2022 = (
    'event add date:yesterday us:"Lloyd J. Austin III (Secretary of Defense)" cn:"Wei Fenghe" kind:call '
    'minutes:45 requested_by:us summary:"First call between Austin and Wei."'
)


@pytest.mark.parametrize("mode", ["http", "socket"], indirect=True)
async def test_event_add_then_lastcall(hotline: SlackHarness) -> None:
    shown = await hotline.run(APRIL_2022)
    assert shown.public, shown.text
    assert shown.title == "Recorded event #1"
    assert "New people: Lloyd J. Austin III, Wei Fenghe" in shown.text
    last = await hotline.run("Austin", command="/lastcall")
    assert last.public
    assert last.title.startswith("Latest contact with Lloyd J. Austin III")
