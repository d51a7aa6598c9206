"""Readouts end to end on Discord through the fake: paste in the modal, review the draft, press its buttons
(as an editor, as a member, after a restart), the other side's readout, and feeds that post drafts."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from storage.records import Concern
from tests.discord.conftest import BotOptions, Discord
from tests.discord.fake import FakeInteraction, Shown
from tests.discord.fake.interactions import base_payload
from tests.discord.fake.world import FakeUser
from tests.readout_site import Site, serve

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.parametrize("bot_options", [BotOptions(fetch_allow_loopback=True)], indirect=True),
]

MODAL_SUBMIT = 5
US = "dod-austin-wei-call-2022-04-20"
CN = "mnd-wei-austin-call-2022-04-20"


@pytest_asyncio.fixture(loop_scope="module")
async def site() -> AsyncIterator[Site]:
    async with serve() as s:
        yield s


def ws(discord: Discord) -> str:
    return f"discord:{discord.world.hq.id}"


async def modal_of(discord: Discord, ix: FakeInteraction) -> dict[str, Any]:
    await discord.fake.wait_until(lambda: ix.callbacks)
    assert ix.callbacks[0]["type"] == 9, ix.callbacks
    data: dict[str, Any] = ix.callbacks[0]["data"]
    return data


async def submit(
    discord: Discord,
    modal: dict[str, Any],
    values: dict[str, str],
    *,
    member: FakeUser | None = None,
    message: Shown | None = None,
) -> FakeInteraction:
    """Submit a modal the bot opened: each input by its label's start, the rest left as filled in."""
    user = member or discord.world.owner
    guild = discord.world.hq
    payload = base_payload(discord.fake.app_id, MODAL_SUBMIT, guild, user, guild.channel("general"))
    rows = []
    for row in modal["components"]:
        for c in row["components"]:
            value = next((v for k, v in values.items() if c["label"].lower().startswith(k.lower())), None)
            rows.append(
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 4,
                            "custom_id": c["custom_id"],
                            "value": value if value is not None else c.get("value", ""),
                        }
                    ],
                }
            )
    payload["data"] = {"custom_id": modal["custom_id"], "components": rows}
    if message is not None:
        payload["message"] = discord.fake.messages[message.id]
    return await discord.fake.send_interaction(payload)


async def paste(
    discord: Discord, site: Site, rid: str, *, member: FakeUser | None = None, with_url: bool = True
) -> Shown:
    """/readout with no option opens the modal; the readout's text (and its address) go in it."""
    row = site.rows[rid]
    modal = await modal_of(discord, await discord.slash("readout", member=member))
    values = {"The readout's text": row["text"], "Published": row["published"]}
    if with_url:
        values["Or its address"] = row["url"]
    return await discord.reply(await submit(discord, modal, values, member=member))


async def concerns(discord: Discord) -> list[Concern]:
    rows = await discord.store.db.all("SELECT id FROM concern ORDER BY id")
    return await discord.store.concerns_by_ids(ws(discord), [r["id"] for r in rows])


async def test_paste_then_record_writes_the_event_and_its_positions(discord: Discord, site: Site) -> None:
    draft = await paste(discord, site, US)
    assert not draft.ephemeral and draft.title.startswith("Readout draft #1: Lloyd J. Austin III ↔ Wei Fenghe")
    assert [b["label"] for b in draft.buttons] == ["Record", "Edit", "Discard"]
    assert "Russia–Ukraine" in draft.text and "Could not tell" in draft.text and "— new" in draft.text
    assert await discord.store.event_count(ws(discord)) == 0  # nothing is written until Record
    press = await discord.click(draft, "Record", member=discord.world.mod)
    done = await discord.reply(press)
    assert press.callbacks[0]["type"] == 7  # the draft's message becomes the result
    assert done.title == "Recorded event #1 from draft #1" and done.buttons == []
    event = await discord.store.event(ws(discord), 1)
    assert event is not None and event.day == dt.date(2022, 4, 20) and event.kind == "call"
    assert [s.url for s in event.sources] == [site.rows[US]["url"]]
    written = await concerns(discord)
    assert {(c.side, c.issue) for c in written} == {("us", "russia-ukraine"), ("china", "russia-ukraine")}
    assert all(c.event_id == 1 and c.text and c.source == event.sources[0].url for c in written)


async def test_a_members_press_is_refused_and_changes_nothing(discord: Discord, site: Site) -> None:
    refused = await discord.run("readout", member=discord.world.reader)  # not even the form
    assert refused.ephemeral and "only editors may change the record" in refused.text
    draft = await paste(discord, site, US)
    press = await discord.click(draft, "Record", member=discord.world.reader)
    refusal = await discord.reply(press)
    assert refusal.ephemeral and "only editors may change the record" in refusal.text
    assert await discord.store.event_count(ws(discord)) == 0
    assert discord.message(draft).buttons  # still there for an editor
    stored = await discord.store.draft(ws(discord), 1)
    assert stored is not None and stored.status == "pending"


async def test_discard_writes_nothing(discord: Discord, site: Site) -> None:
    draft = await paste(discord, site, US)
    done = await discord.reply(await discord.click(draft, "Discard"))
    assert done.title == "Discarded draft #1" and done.buttons == []
    assert await discord.store.event_count(ws(discord)) == 0 and await concerns(discord) == []


async def test_two_presses_at_once_record_once_and_the_second_is_told(discord: Discord, site: Site) -> None:
    draft = await paste(discord, site, US)
    first = await discord.click(draft, "Record")
    second = await discord.click(draft, "Record", member=discord.world.mod)  # before the first is answered
    answers = [await discord.reply(first), await discord.reply(second)]
    assert sorted(a.title for a in answers if not a.ephemeral) == ["Recorded event #1 from draft #1"]
    told = [a for a in answers if a.ephemeral]
    assert len(told) == 1 and "draft #1 was already recorded as event #1 by olivia" in told[0].text
    assert await discord.store.event_count(ws(discord)) == 1


async def test_the_other_sides_readout_attaches_to_the_same_event(discord: Discord, site: Site) -> None:
    await discord.reply(await discord.click(await paste(discord, site, US), "Record"))
    second = await paste(discord, site, CN)
    assert "Event #1 looks like the same contact" in second.text
    done = await discord.reply(await discord.click(second, "Record"))
    assert done.title == "Added the readout to event #1"
    assert await discord.store.event_count(ws(discord)) == 1
    event = await discord.store.event(ws(discord), 1)
    assert event is not None and len(event.sources) == 2
    shown = await discord.run("event show", id=1)
    assert "US readout: Secretary Austin and General Wei discussed" in shown.text
    assert "PRC readout: General Wei Fenghe said" in shown.text
    lastcall = await discord.run("lastcall")
    assert "Taiwan — each side's readout" in lastcall.text
    positions = await discord.run("positions", issue="taiwan")
    assert "PRC readout: General Wei" in positions.text and "US readout: does not mention it" in positions.text


async def test_edit_opens_the_fields_and_a_record_after_a_restart_still_works(discord: Discord, site: Site) -> None:
    draft = await paste(discord, site, US)
    press = await discord.click(draft, "Edit")
    modal = await modal_of(discord, press)
    fields = {c["components"][0]["label"].split(" ")[0]: c["components"][0].get("value") for c in modal["components"]}
    assert fields["Date"] == "2022-04-20" and fields["Kind"] == "call"
    assert fields["US"] == "Lloyd J. Austin III (Secretary of Defense)"
    edited = await discord.reply(
        await submit(discord, modal, {"Kind": "video", "location": "location: Washington; minutes: 30"}, message=draft)
    )
    assert "video call" in edited.text and "30 minutes" in edited.text
    await discord.stop()
    await discord.start()  # the buttons are answered by their custom_id: a new process knows them
    done = await discord.reply(await discord.click(discord.message(draft), "Record"))
    assert done.title == "Recorded event #1 from draft #1"
    event = await discord.store.event(ws(discord), 1)
    assert event is not None and event.kind == "video" and event.minutes == 30


async def test_a_url_inside_the_network_is_refused_privately(discord: Discord, site: Site) -> None:
    refusals = {
        "http://10.0.0.1/readout": "10.0.0.1 is a private address",
        "http://169.254.169.254/latest/meta-data/": "169.254.169.254 is a link-local address",
        "file:///etc/passwd": "give an http:// or https:// URL",
    }
    for url, why in refusals.items():
        shown = await discord.run("readout", url=url)
        assert shown.ephemeral, shown.text
        assert shown.text.startswith("url: ") and why in shown.text, shown.text
    assert await discord.store.draft(ws(discord), 1) is None


async def test_a_feed_posts_its_two_new_contacts_once_and_none_after_a_restart(discord: Discord, site: Site) -> None:
    site.feeds["dod"] = ["state-blinken-wang-call-2022-10-31"]  # the old item, there when the feed is added
    added = await discord.run("feed add", url=site.feed_url("dod"), channel=discord.world.hq.channel("digest"))
    assert added.title == "Watching feed #1"
    site.feeds["dod"] += [US, "neg-dod-austin-galvez-call-2023-02-22", "mfa-wang-blinken-call-2022-10-31"]
    discord.clock.advance(dt.timedelta(minutes=31))
    await discord.runtime.feeds.poll_due()
    digest = discord.world.hq.channel("digest").id
    posts = [m for m in discord.fake.messages.values() if m["channel_id"] == str(digest) and m["type"] == 0]
    assert len(posts) == 2
    assert all(
        [b["label"] for r in m["components"] for b in r["components"]] == ["Record", "Edit", "Discard"] for m in posts
    )
    listing = await discord.run("feed list")
    assert "Items seen 3, posted 2, skipped 1" in listing.text
    # A restart, and a feed that ignores its ETag: the claims alone keep the items from coming back.
    await discord.stop()
    await discord.start()
    site.honour_etag = False
    discord.clock.advance(dt.timedelta(minutes=31))
    await discord.runtime.feeds.poll_due()
    again = [m for m in discord.fake.messages.values() if m["channel_id"] == str(digest) and m["type"] == 0]
    assert len(again) == 2
    # A posted draft's Record works like a pasted one's.
    shown = Shown.of(posts[0])
    done = await discord.reply(await discord.click(shown, "Record"))
    assert done.title.startswith("Recorded event #")
