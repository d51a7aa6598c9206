"""What goes wrong: unexpected errors, slow commands, stale commands, DMs; and what is logged."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest

from tests.discord.conftest import BotOptions, CollectedLogs, Discord
from tests.discord.fake.interactions import SLASH, base_payload, command_data

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_everyone_in_a_summary_is_shown_and_pings_nobody(discord: Discord) -> None:
    added = await discord.run(
        "event add",
        date="2022-04-20",
        us="Austin",
        cn="Wei",
        kind="call",
        summary="@everyone read this, and <@&123456789012345678> too",
    )
    assert added.pings_nobody()
    shown = await discord.run("event show", id=1)
    assert shown.pings_nobody() and not shown.ephemeral
    assert "@\u200beveryone read this" in shown.text  # visible, inert
    assert "@everyone" not in shown.text and "<@&" not in shown.text


async def test_an_unexpected_error_gives_a_private_reference_that_is_in_the_log(
    discord: Discord, logs: CollectedLogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(discord.store, "list_events", broken)
    shown = await discord.run("event list", member=discord.world.reader, track="defense")
    assert shown.ephemeral and shown.pings_nobody()
    match = re.search(r"Something went wrong \(ref ([0-9a-f]{8})\)", shown.text)
    assert match, shown.text
    assert "disk on fire" not in shown.text  # internals stay in the log
    [record] = [r for r in logs.records if r.name == "hotline.discord" and r.levelno == logging.ERROR]
    message = record.getMessage()
    assert f"ref={match.group(1)}" in message
    assert "command=/event list" in message and "'track': 'defense'" in message
    assert f"workspace=discord:{discord.world.hq.id}" in message
    assert f"user={discord.world.reader.id}" in message
    assert record.exc_info and "disk on fire" in str(record.exc_info[1])


async def test_each_command_logs_one_line_with_workspace_user_command_and_duration(
    discord: Discord, logs: CollectedLogs
) -> None:
    await discord.run("hotline help", member=discord.world.reader)
    await discord.run("event show", id=7)
    lines = [r.getMessage() for r in logs.records if r.getMessage().startswith("command workspace=")]
    ws, user, owner = discord.world.hq.id, discord.world.reader.id, discord.world.owner.id
    assert len(lines) == 2
    assert re.fullmatch(
        rf"command workspace=discord:{ws} user={user} command=/hotline help duration_ms=\d+ outcome=ok", lines[0]
    )
    assert re.fullmatch(
        rf"command workspace=discord:{ws} user={owner} command=/event show duration_ms=\d+ "
        r"outcome=refused \(NotFound\)",
        lines[1],
    )


@pytest.mark.parametrize("bot_options", [BotOptions(defer_after=0.05)], indirect=True)
async def test_a_slow_command_defers_then_answers_in_place(discord: Discord, monkeypatch: pytest.MonkeyPatch) -> None:
    await discord.direct("event add", date="2022-04-20", us="Austin", cn="Wei", kind="call")
    real = discord.store.latest_event

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.3)
        return await real(*args, **kwargs)

    monkeypatch.setattr(discord.store, "latest_event", slow)
    ix = await discord.slash("lastcall")
    shown = await discord.reply(ix)
    assert ix.callbacks[0]["type"] == 5  # "Hotline is thinking…" within Discord's three seconds
    assert shown.id == ix.original_id and not shown.ephemeral
    assert shown.title.startswith("Latest contact")


@pytest.mark.parametrize("bot_options", [BotOptions(defer_after=0.0)], indirect=True)
async def test_a_private_answer_after_a_defer_replaces_the_public_thinking_message(
    discord: Discord, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = discord.store.event

    async def slow(*args: Any, **kwargs: Any) -> Any:
        # A store fast enough answers before even a zero-second wait ends: make it slow, so the defer is sure.
        await asyncio.sleep(0.05)
        return await real(*args, **kwargs)

    monkeypatch.setattr(discord.store, "event", slow)
    ix = await discord.slash("event show", id=42)
    shown = await discord.reply(ix)
    assert ix.callbacks[0]["type"] == 5
    assert ix.deleted == [ix.original_id]  # the public "thinking…" is gone
    assert shown.ephemeral and "no event #42" in shown.text


@pytest.mark.parametrize("bot_options", [BotOptions(defer_after=0.0)], indirect=True)
async def test_paging_and_confirming_work_after_a_defer(discord: Discord) -> None:
    await discord.direct("event add", date="2022-04-20", us="Austin", cn="Wei", kind="call")
    prompt = await discord.run("event delete", id=1)
    assert prompt.ephemeral and prompt.buttons
    press = await discord.click(prompt, "Confirm")
    await discord.fake.wait_until(lambda: press.edits)
    assert press.callbacks[0]["type"] == 6  # a deferred update, then the edit
    assert discord.message(prompt).title == "Deleted event #1"


async def test_a_command_discord_knows_but_the_bot_does_not_gets_a_private_answer(
    discord: Discord, logs: CollectedLogs
) -> None:
    """Commands registered by an older version: the member is told, a warning is logged."""
    hq = discord.world.hq
    payload = base_payload(discord.fake.app_id, SLASH, hq, discord.world.reader, hq.channel("general"))
    payload["data"] = {"id": "1", "name": "oldcommand", "type": 1, "options": []}
    ix = await discord.fake.send_interaction(payload)
    shown = await discord.reply(ix)
    assert shown.ephemeral and "out of date" in shown.text
    assert any(r.levelno == logging.WARNING and "oldcommand" in r.getMessage() for r in logs.records)


async def test_a_command_from_a_dm_is_refused_privately(discord: Discord) -> None:
    hq = discord.world.hq
    payload = base_payload(discord.fake.app_id, SLASH, hq, discord.world.reader, hq.channel("general"))
    for key in ("guild_id", "guild", "member"):
        payload.pop(key)
    payload["user"] = discord.world.reader.payload()
    payload["channel"] = {"id": "4242", "type": 1, "recipients": [discord.world.reader.payload()]}
    payload["context"] = 1
    payload["data"] = command_data(
        discord.fake.global_commands or discord.fake.commands_for(discord.world.other.id), "hotline help", {}, hq
    )
    ix = await discord.fake.send_interaction(payload)
    shown = await discord.reply(ix)
    assert shown.ephemeral and "use its commands in a server" in shown.text
