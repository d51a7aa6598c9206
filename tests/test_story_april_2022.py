"""The April 2022 Austin–Wei call, told end to end through the console."""
# ruff: noqa: E501

from __future__ import annotations

import io

from bot.console.console import Console, run_console
from commands.context import CoreSettings, FixedClock
from storage.contract import StoreContract

# Lines are long on purpose: the console reads one command per line.
STORY = """\
# August 2020: the last defense-track call before the gap.
/event add date:2020-08-06 us:"Mark T. Esper (Secretary of Defense)" cn:"Wei Fenghe (Minister of National Defense)" \
kind:call minutes:90 us_raised:"taiwan, south china sea" source:https://www.defense.gov/News/Releases/Release/Article/2303574
# 2021: the Pentagon asks, again and again, for a call with the CMC vice chairman; no answer.
/event add date:2021-05-12 us:"Lloyd J. Austin III (Secretary of Defense)" cn:"Xu Qiliang (Vice Chairman of the Central Military Commission)" kind:request requested_by:us status:declined track:defense
/event add date:2021-09-01 us:"Lloyd J. Austin III" cn:"Xu Qiliang" kind:request requested_by:us status:declined track:defense
# 20 April 2022: the readout lands.
/event add date:yesterday us:"Lloyd J. Austin III" cn:"Wei Fenghe (State Councilor and Minister of National Defense)" \
kind:call minutes:45 requested_by:us track:defense us_raised:"Taiwan, South China Sea, East China Sea, North Korea, Russia-Ukraine" \
summary:"First call between Austin and Wei; @everyone should read the readout." source:https://www.defense.gov/News/Releases/
/question add text:"How did Wei respond?" event:4 issue:taiwan
/lastcall track:defense
"""


async def test_april_2022_story_through_the_console(store: StoreContract, clock: FixedClock) -> None:
    out = io.StringIO()
    # The console reads one command per line; the story joins long lines with a backslash for reading only.
    script = STORY.replace("\\\n", "")
    console = Console(store, clock, CoreSettings(), "console:story", out)
    failures = await run_console(console, io.StringIO(script), interactive=False)
    text = out.getvalue()
    assert failures == 0, text
    answer = text[text.index("Latest contact on the defense track") :]

    for expected in [
        "Latest contact on the defense track: Lloyd J. Austin III ↔ Wei Fenghe",
        "US: Lloyd J. Austin III — Secretary of Defense",
        "China: Wei Fenghe — State Councilor and Minister of National Defense",
        "When: Apr 20, 2022 (yesterday)",
        "phone call · defense track · 45 minutes · requested by US",
        "first recorded contact between Austin and Wei Fenghe\n",
        # The offices' previous contact is the track's too: one line for both.
        "previous contact between their offices (Secretary of Defense ↔ Minister of National Defense) and on the "
        "defense track: Aug 6, 2020, 622 days earlier (Esper ↔ Wei Fenghe)",
        "2 requests refused in between:",
        "May 12, 2021 · request (US asked) · Austin ↔ Xu Qiliang — declined",
        "Sep 1, 2021",
        "Taiwan, South China Sea, East China Sea, North Korea, Russia–Ukraine",
        "How did Wei respond?",
        "@everyone should read the readout.",
        "https://www.defense.gov/News/Releases/",
        "Event #4",
    ]:
        assert expected in answer, f"{expected!r} missing from:\n{answer}"


async def test_console_goes_on_after_an_error_and_counts_it(store: StoreContract, clock: FixedClock) -> None:
    out = io.StringIO()
    console = Console(store, clock, CoreSettings(), "console:story", out)
    script = "/event add date:2022-02-30 us:A cn:B kind:call\n/bogus\n/hotline help\n"
    failures = await run_console(console, io.StringIO(script), interactive=False)
    text = out.getvalue()
    assert failures == 2
    assert "Error: date: '2022-02-30' is not a real calendar date" in text
    assert "Error: unknown command" in text
    assert "Hotline: commands\nA shared record of US–China contacts" in text


async def test_delete_asks_and_reads_the_answer_from_the_next_line(store: StoreContract, clock: FixedClock) -> None:
    out = io.StringIO()
    console = Console(store, clock, CoreSettings(), "console:story", out)
    script = (
        "/event add date:2022-04-20 us:Austin cn:Wei kind:call\n"
        "/event delete id:1\nno\n"
        "/event show id:1\n"
        "/event delete id:1\ny\n"
        "/event show id:1\n"
    )
    failures = await run_console(console, io.StringIO(script), interactive=False)
    text = out.getvalue()
    assert "Cancelled; nothing changed." in text
    assert "Deleted event #1" in text
    assert failures == 1  # the last show: the event is gone
    assert text.rstrip().endswith("Error: id: no event #1 in this workspace")
