"""The April 2022 Austin–Wei call, told again through /hotline and /lastcall in a fake Slack team."""

from __future__ import annotations

import pytest

from tests.slack.harness import SlackHarness, pings

APRIL_20 = 1650456000  # 2022-04-20 12:00 UTC: the <!date^…> that shows 20 April to every reader
AUGUST_6 = 1596715200  # 2020-08-06 12:00 UTC
MAY_12 = 1620820800  # 2021-05-12 12:00 UTC
SEPTEMBER_1 = 1630497600  # 2021-09-01 12:00 UTC


@pytest.mark.parametrize("mode", ["socket"], indirect=True)
async def test_april_2022_story_through_slash_commands(hotline: SlackHarness) -> None:
    w = hotline.world
    # An analyst records it, once an admin has made the analysts' user group the editors.
    await hotline.run(f"editors <!subteam^{w.analysts.id}|@analysts>", user=w.admin)
    ann = {"user": w.analyst}
    await hotline.run(
        'event add date:2020-08-06 us:"Mark T. Esper (Secretary of Defense)" '
        'cn:"Wei Fenghe (Minister of National Defense)" kind:call minutes:90 us_raised:"taiwan, south china sea" '
        "source:https://www.defense.gov/News/Releases/Release/Article/2303574",
        **ann,
    )
    for day in ("2021-05-12", "2021-09-01"):
        await hotline.run(
            f'event add date:{day} us:"Lloyd J. Austin III (Secretary of Defense)" '
            'cn:"Xu Qiliang (Vice Chairman of the Central Military Commission)" kind:request requested_by:us '
            "status:declined track:defense",
            **ann,
        )
    added = await hotline.run(
        'event add date:yesterday us:"Lloyd J. Austin III" '
        'cn:"Wei Fenghe (State Councilor and Minister of National Defense)" kind:call minutes:45 requested_by:us '
        'track:defense us_raised:"Taiwan, South China Sea, East China Sea, North Korea, Russia-Ukraine" '
        'summary:"First call between Austin and Wei; <!everyone> should read the readout." '
        "source:https://www.defense.gov/News/Releases/",
        **ann,
    )
    assert added.public and added.title == "Recorded event #4"
    await hotline.run('question add "How did Wei respond?" event:4 issue:taiwan', **ann)

    # Anyone may ask; a reader does.
    answer = await hotline.run("track:defense", command="/lastcall", user=w.reader)
    assert answer.public and not pings(answer.text)
    text = answer.text
    for expected in [
        "Latest contact on the defense track: Lloyd J. Austin III ↔ Wei Fenghe",
        "*US*\nLloyd J. Austin III — Secretary of Defense",
        "*China*\nWei Fenghe — State Councilor and Minister of National Defense",
        f"When: <!date^{APRIL_20}^{{date_short}}|Apr 20, 2022> (yesterday)",
        "phone call · defense track · 45 minutes · requested by US",
        "first recorded contact between Austin and Wei Fenghe",
        # The offices and the track point at the same earlier contact: stated once.
        "previous contact between their offices (Secretary of Defense ↔ Minister of National Defense) "
        f"and on the defense track: <!date^{AUGUST_6}^{{date_short}}|Aug 6, 2020>, 622 days earlier "
        "(Esper ↔ Wei Fenghe) · #1",
        "2 requests refused in between:",
        f"<!date^{MAY_12}^{{date_short}}|May 12, 2021> · request (US asked) · Austin ↔ Xu Qiliang — declined · #2",
        f"<!date^{SEPTEMBER_1}^{{date_short}}|Sep 1, 2021> · request (US asked) · Austin ↔ Xu Qiliang — declined · #3",
        "Taiwan, South China Sea, East China Sea, North Korea, Russia–Ukraine",
        "How did Wei respond?",
        "&lt;!everyone&gt; should read the readout.",
        "<https://www.defense.gov/News/Releases/|defense.gov>",
        "Event #4",
    ]:
        assert expected in text, f"{expected!r} missing from:\n{text}"
