"""Buttons on Slack: the delete confirmation and the pages of a long list, for the asker only."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.slack.app import ALREADY_DONE
from bot.slack.held import Held, HeldReplies
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


# -- the held replies are in the store: forged and foreign tokens, two presses at once ------------------


async def held_rows(hotline: SlackHarness) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await hotline.store.db.all("SELECT * FROM held_reply ORDER BY id")]


async def press_value(hotline: SlackHarness, shown: Shown, label: str, value: str) -> list[Shown]:
    """Press `label` as if its value were `value` (a forged or damaged request); every answer it got."""
    button = shown.buttons[label]
    message = {"ts": "1650553200.000100", "text": shown.post.text or "", "blocks": shown.post.blocks}
    ix = await hotline.sender.press(
        hotline.world.hq,
        hotline.world.owner,
        button["action_id"],
        value,
        block_id="hotline_buttons",
        channel=hotline.world.general,
        message=message,
        transport=hotline.transport,
    )
    assert ix.ack.ok, ix.ack
    await hotline.answer(ix)
    await asyncio.sleep(0.2)  # room for a second answer, which must not come
    return [Shown(p) for p in hotline.fake.responded(ix.response_url_id)]


async def test_a_forged_or_overlong_token_is_expired_privately_and_changes_nothing(hotline: SlackHarness) -> None:
    prompt = await ask_to_delete(hotline)
    await add_events(hotline, 55)
    first = await hotline.run("event list")
    before = await held_rows(hotline)
    token = prompt.buttons["Confirm"]["value"]
    page_token = first.buttons["Next ▶"]["value"].rpartition(":")[0]
    for label, shown, value in [
        ("Confirm", prompt, page_token),  # a live token, but of pages: there is nothing to confirm
        ("Confirm", prompt, "x" * 3000),
        ("Confirm", prompt, token[:-1] + "!"),
        ("Cancel", prompt, token + "' OR 1=1 --"),
        ("Confirm", prompt, "Ab_-0123456789xZ"),  # well formed, never held: the buttons also go
        ("Next ▶", first, "not-a-token:1"),
        ("Next ▶", first, ("y" * 40) + ":1"),
    ]:
        answers = await press_value(hotline, shown, label, value)
        assert not answers[0].public and "expired" in answers[0].text and not answers[0].post.replace_original
        assert len(answers) == (2 if value == "Ab_-0123456789xZ" else 1), value
    assert await held_rows(hotline) == before
    assert await events(hotline) == 56
    [done] = await hotline.answer(await hotline.press(prompt, "Confirm"))
    assert done.title == "Deleted event #1"
    [second] = await hotline.answer(await hotline.press(first, "Next ▶"))
    assert "page 2/" in second.text


@pytest.mark.parametrize("mode", ["oauth"], indirect=True)
async def test_a_token_of_one_team_is_unknown_in_another(hotline: SlackHarness) -> None:
    prompt = await ask_to_delete(hotline)
    before = await held_rows(hotline)
    # The same member id, as a forged request could claim, in the other team that also installed Hotline.
    ix = await hotline.press(prompt, "Confirm", team=hotline.world.other)
    expired, stripped = await hotline.answer(ix, 2)
    assert not expired.public and "expired" in expired.text and stripped.buttons == {}
    assert await held_rows(hotline) == before and await events(hotline) == 1
    [done] = await hotline.answer(await hotline.press(prompt, "Confirm"))
    assert done.title == "Deleted event #1"


class TakenMeanwhile(HeldReplies):
    """As if another press (in this process or another) took each reply just after this one found it."""

    async def get(self, token: str, workspace: str) -> Held | None:
        found = await super().get(token, workspace)
        await self.store.take_held_reply(token, workspace, at=self.clock.now())
        return found


@pytest.mark.parametrize("label", ["Confirm", "Cancel"])
async def test_a_confirmation_taken_meanwhile_answers_already_done_and_runs_nothing(
    hotline: SlackHarness, label: str
) -> None:
    await hotline.stop()
    hotline.held = TakenMeanwhile(hotline.store, hotline.clock)
    await hotline.start()
    prompt = await ask_to_delete(hotline)
    answers = await press_value(hotline, prompt, label, prompt.buttons[label]["value"])
    assert [a.text for a in answers] == ["⚠ " + ALREADY_DONE]
    assert not answers[0].public and not answers[0].post.replace_original
    assert await events(hotline) == 1
