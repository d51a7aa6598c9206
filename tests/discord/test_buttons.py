"""Buttons: the delete confirmation and the pages of a long list."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.discord.conftest import BotOptions, Discord
from tests.discord.fake import FakeInteraction, Shown

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def ws_events(discord: Discord) -> int:
    return await discord.store.event_count(f"discord:{discord.world.hq.id}")


async def ask_to_delete(discord: Discord) -> tuple[FakeInteraction, Shown]:
    await discord.direct("event add", date="2022-04-20", us="Austin", cn="Wei Fenghe", kind="call")
    ix = await discord.slash("event delete", id=1)
    prompt = await discord.reply(ix)
    assert prompt.ephemeral
    assert prompt.title == "Delete event #1?"
    assert [b["label"] for b in prompt.buttons] == ["Confirm", "Cancel"]
    return ix, prompt


async def updated(discord: Discord, press: FakeInteraction) -> Shown:
    """The message a button press replaced (a type 7 callback)."""
    shown = await discord.reply(press)
    assert press.callbacks[0]["type"] == 7, press.callbacks
    return shown


async def test_delete_asks_first_and_confirm_deletes(discord: Discord) -> None:
    _, prompt = await ask_to_delete(discord)
    assert await ws_events(discord) == 1  # asking changed nothing
    done = await updated(discord, await discord.click(prompt, "Confirm"))
    assert done.title == "Deleted event #1"
    assert done.buttons == [] and done.content == ""
    assert await ws_events(discord) == 0


async def test_cancel_keeps_the_event_and_removes_the_buttons(discord: Discord) -> None:
    _, prompt = await ask_to_delete(discord)
    done = await updated(discord, await discord.click(prompt, "Cancel"))
    assert done.content == "Cancelled: nothing was changed."
    assert done.buttons == [] and done.embeds == []
    assert await ws_events(discord) == 1


async def test_only_the_asker_can_confirm(discord: Discord) -> None:
    _, prompt = await ask_to_delete(discord)
    press = await discord.click(prompt, "Confirm", member=discord.world.mod)  # an editor, but not the asker
    refusal = await discord.reply(press)
    assert press.callbacks[0]["type"] == 4 and refusal.ephemeral
    assert "Only the member who asked" in refusal.content
    assert await ws_events(discord) == 1
    assert discord.message(prompt).buttons  # still there for the asker
    done = await updated(discord, await discord.click(prompt, "Confirm"))
    assert done.title == "Deleted event #1"


async def test_a_confirmation_re_checks_the_record(discord: Discord) -> None:
    """Deleted elsewhere meanwhile: the press gets a private error and the prompt loses its buttons."""
    ix, prompt = await ask_to_delete(discord)
    await discord.direct("event delete", id=1, confirmed=True)
    press = await discord.click(prompt, "Confirm")
    error = await discord.reply(press)
    assert error.ephemeral and "no event #1" in error.text
    await discord.fake.wait_until(lambda: ix.edits)
    assert discord.message(prompt).buttons == []


@pytest.mark.parametrize("bot_options", [BotOptions(confirm_timeout=0.2)], indirect=True)
async def test_an_unanswered_confirmation_expires_and_changes_nothing(discord: Discord) -> None:
    ix, prompt = await ask_to_delete(discord)
    await discord.fake.wait_until(lambda: ix.edits, within=3)
    expired = discord.message(prompt)
    assert expired.buttons == [] and expired.embeds == []
    assert expired.content.startswith("Expired without an answer: nothing was changed.")
    assert await ws_events(discord) == 1


async def add_events(discord: Discord, count: int) -> None:
    start = dt.date(2021, 1, 1)
    for i in range(count):
        await discord.direct(
            "event add",
            date=(start + dt.timedelta(days=i)).isoformat(),
            us="Blinken",
            cn="Wang Yi",
            kind="call",
            summary=f"Call number {i + 1}",
        )


def event_ids(shown: Shown) -> list[str]:
    return [f["name"].split(" ·")[0] for e in shown.embeds for f in e.get("fields") or [] if f["name"].startswith("#")]


async def test_a_long_list_is_paged_with_buttons(discord: Discord) -> None:
    await add_events(discord, 55)
    ix = await discord.slash("event list")
    first = await discord.reply(ix)
    assert not first.ephemeral
    assert first.embeds[0]["footer"]["text"].endswith("page 1/5")
    assert first.button("Previous")["disabled"] and not first.button("Next").get("disabled")

    pages = [first]
    for n in range(2, 6):
        pages.append(await updated(discord, await discord.click(pages[-1], "Next")))
        assert pages[-1].embeds[0]["footer"]["text"].endswith(f"page {n}/5")
    last = pages[-1]
    assert last.button("Next")["disabled"] and not last.button("Previous").get("disabled")
    # The newest 50, each once, on five balanced pages of ten, newest first.
    assert [len(event_ids(page)) for page in pages] == [10, 10, 10, 10, 10]
    assert [i for page in pages for i in event_ids(page)] == [f"#{n}" for n in range(55, 5, -1)]

    back = await updated(discord, await discord.click(last, "Previous"))
    assert event_ids(back) == event_ids(pages[3])


async def test_only_the_asker_turns_the_pages(discord: Discord) -> None:
    await add_events(discord, 30)
    first = await discord.run("event list")
    press = await discord.click(first, "Next", member=discord.world.reader)
    refusal = await discord.reply(press)
    assert refusal.ephemeral and "Only the member who ran the command" in refusal.content
    assert discord.message(first).embeds == first.embeds


@pytest.mark.parametrize("bot_options", [BotOptions(page_timeout=0.2)], indirect=True)
async def test_pages_expire_keeping_the_page_shown(discord: Discord) -> None:
    await add_events(discord, 30)
    ix = await discord.slash("event list")
    first = await discord.reply(ix)
    await discord.fake.wait_until(lambda: ix.edits, within=3)
    now = discord.message(first)
    assert now.buttons == []
    assert now.embeds == first.embeds
