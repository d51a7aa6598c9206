"""The April 2022 Austin–Wei call, told again through slash commands in a fake guild."""

from __future__ import annotations

from typing import Any

import pytest

from tests.discord.conftest import Discord

pytestmark = pytest.mark.asyncio(loop_scope="module")

APRIL_20 = 1650456000  # 2022-04-20 12:00 UTC: the <t:…> that shows 20 April to every reader


async def test_april_2022_story_through_slash_commands(discord: Discord) -> None:
    world = discord.world
    # An analyst records it, once the owner has made analysts editors.
    await discord.run("hotline editors", role=world.hq.role("Analysts"))
    ann: dict[str, Any] = {"member": world.analyst}

    # August 2020: the last defense-track call before the gap.
    await discord.run(
        "event add",
        **ann,
        date="2020-08-06",
        us="Mark T. Esper (Secretary of Defense)",
        cn="Wei Fenghe (Minister of National Defense)",
        kind="call",
        minutes=90,
        us_raised="taiwan, south china sea",
        source="https://www.defense.gov/News/Releases/Release/Article/2303574",
    )
    # 2021: the Pentagon asks, again and again, to speak with the CMC vice chairman; no answer.
    for day in ("2021-05-12", "2021-09-01"):
        await discord.run(
            "event add",
            **ann,
            date=day,
            us="Lloyd J. Austin III (Secretary of Defense)",
            cn="Xu Qiliang (Vice Chairman of the Central Military Commission)",
            kind="request",
            requested_by="us",
            status="declined",
            track="defense",
        )
    # 20 April 2022: the readout lands. Names autocomplete as they are typed.
    us = await discord.autocomplete("event add", "us", **ann, us="Lloyd", date="yesterday", cn="", kind="call")
    assert us[0]["value"] == "Lloyd J. Austin III"
    cn = await discord.autocomplete("event add", "cn", **ann, cn="wei", date="yesterday", us="", kind="call")
    assert cn[0]["value"] == "Wei Fenghe"
    added = await discord.run(
        "event add",
        **ann,
        date="yesterday",
        us=us[0]["value"],
        cn=f"{cn[0]['value']} (State Councilor and Minister of National Defense)",
        kind="call",
        minutes=45,
        requested_by="us",
        track="defense",
        us_raised="Taiwan, South China Sea, East China Sea, North Korea, Russia-Ukraine",
        summary="First call between Austin and Wei; @everyone should read the readout.",
        source="https://www.defense.gov/News/Releases/",
    )
    assert added.title == "Recorded event #4" and not added.ephemeral
    ids = await discord.autocomplete("question add", "event", **ann, text="x", event="")
    assert ids[0]["value"] == 4
    await discord.run("question add", **ann, text="How did Wei respond?", event=ids[0]["value"], issue="taiwan")

    # Anyone may ask; a reader does.
    answer = await discord.run("lastcall", member=world.reader, track="defense")
    assert not answer.ephemeral and answer.pings_nobody()
    text = answer.text
    for expected in [
        "Latest contact on the defense track: Lloyd J. Austin III ↔ Wei Fenghe",
        "US\nLloyd J. Austin III — Secretary of Defense",
        "China\nWei Fenghe — State Councilor and Minister of National Defense",
        f"<t:{APRIL_20}:D> (yesterday)",
        "phone call · defense track · 45 minutes · requested by US",
        "first recorded contact between Austin and Wei Fenghe\n",
        # The offices' previous contact is the track's too: said once, with who met then.
        "previous contact between their offices (Secretary of Defense ↔ Minister of National Defense) and on the "
        "defense track: <t:",
        ":D>, 622 days earlier (Esper ↔ Wei Fenghe) · #1",
        ":D> · request (US asked) · Austin ↔ Xu Qiliang — declined · #2",
        "Taiwan, South China Sea, East China Sea, North Korea, Russia–Ukraine",
        "How did Wei respond?",
        "@\u200beveryone should read the readout.",
        "(https://www.defense.gov/News/Releases/)",
        "Event #4",
    ]:
        assert expected in text, f"{expected!r} missing from:\n{text}"
    # Each side, and what a side raised, gets its own field; sources are links.
    names = [f["name"] for f in answer.embeds[0]["fields"]]
    assert {"US", "China", "US raised", "Sources"} <= set(names), names
