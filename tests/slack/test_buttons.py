"""Buttons on Slack: the delete confirmation and the pages of a long list, for the asker only."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.slack.harness import Shown, SlackHarness


async def events(hotline: SlackHarness) -> int:
    return await hotline.store.event_count(hotline.workspace())


async def ask_to_delete(hotline: SlackHarness) -> Shown:
    await hotline.direct("event add", date="2022-04-20", us="Austin", cn="Wei Fenghe", kind="call")
    prompt = await hotline.run("event delete 1")
    assert not prompt.public
    assert prompt.title == "Delete event #1?"
    assert "Its concerns go with it" in prompt.text
    assert list(prompt.buttons) == ["Confirm", "Cancel"]
    return prompt


@pytest.mark.parametrize("mode", ["http", "socket"], indirect=True)
async def test_delete_asks_first_and_confirm_deletes(hotline: SlackHarness) -> None:
    prompt = await ask_to_delete(hotline)
    assert await events(hotline) == 1  # asking changed nothing
    [done] = await hotline.answer(await hotline.press(prompt, "Confirm"))
    assert done.post.replace_original and done.title == "Deleted event #1"
    assert done.buttons == {}
    assert await events(hotline) == 0
    # A second press of the same button finds nothing to confirm.
    [again] = await hotline.answer(await hotline.press(prompt, "Confirm"))
    assert not again.public and "expired" in again.text


async def test_cancel_keeps_the_event_and_removes_the_buttons(hotline: SlackHarness) -> None:
    prompt = await ask_to_delete(hotline)
    [done] = await hotline.answer(await hotline.press(prompt, "Cancel"))
    assert done.post.replace_original and done.text == "Cancelled: nothing was changed."
    assert done.buttons == {}
    assert await events(hotline) == 1


async def test_only_the_asker_can_confirm(hotline: SlackHarness) -> None:
    prompt = await ask_to_delete(hotline)
    # An admin, so an editor, but not the one who asked.
    [refusal] = await hotline.answer(await hotline.press(prompt, "Confirm", user=hotline.world.admin))
    assert not refusal.public and not refusal.post.replace_original
    assert "Only the member who asked" in refusal.text
    assert await events(hotline) == 1
    [done] = await hotline.answer(await hotline.press(prompt, "Confirm"))
    assert done.title == "Deleted event #1"


async def test_a_confirmation_re_checks_the_record(hotline: SlackHarness) -> None:
    prompt = await ask_to_delete(hotline)
    await hotline.direct("event delete", id=1, confirmed=True)
    stripped, error = await hotline.answer(await hotline.press(prompt, "Confirm"), 2)
    assert stripped.post.replace_original and stripped.buttons == {}
    assert not error.public and "no event #1" in error.text


async def test_an_unanswered_confirmation_expires_and_changes_nothing(hotline: SlackHarness) -> None:
    prompt = await ask_to_delete(hotline)
    hotline.clock.advance(dt.timedelta(minutes=3))
    expired, stripped = await hotline.answer(await hotline.press(prompt, "Confirm"), 2)
    assert not expired.public and expired.text.startswith("⚠ These buttons have expired: nothing was changed.")
    assert stripped.post.replace_original and stripped.buttons == {}
    assert await events(hotline) == 1


async def add_events(hotline: SlackHarness, count: int) -> None:
    start = dt.date(2021, 1, 1)
    for i in range(count):
        await hotline.direct(
            "event add",
            date=(start + dt.timedelta(days=i)).isoformat(),
            us="Blinken",
            cn="Wang Yi",
            kind="call",
            summary=f"Call number {i + 1}",
        )


@pytest.mark.parametrize("mode", ["http", "socket"], indirect=True)
async def test_a_long_list_is_paged_with_buttons(hotline: SlackHarness) -> None:
    await add_events(hotline, 55)
    first = await hotline.run("event list")
    assert first.public
    assert "page 1/" in first.text
    assert list(first.buttons) == ["Next ▶"]
    [second] = await hotline.answer(await hotline.press(first, "Next ▶"))
    assert second.post.replace_original and "page 2/" in second.text
    assert "◀ Previous" in second.buttons
    [back] = await hotline.answer(await hotline.press(second, "◀ Previous"))
    assert back.post.blocks == first.post.blocks


async def test_only_the_asker_turns_the_pages_and_pages_expire(hotline: SlackHarness) -> None:
    await add_events(hotline, 55)
    first = await hotline.run("event list")
    [refusal] = await hotline.answer(await hotline.press(first, "Next ▶", user=hotline.world.reader))
    assert not refusal.public and not refusal.post.replace_original
    assert "Only the member who ran the command" in refusal.text
    hotline.clock.advance(dt.timedelta(minutes=11))
    expired, stripped = await hotline.answer(await hotline.press(first, "Next ▶"), 2)
    assert "expired" in expired.text
    assert stripped.buttons == {} and "page 1/" in stripped.text  # the page being read stays
