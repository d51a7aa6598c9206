"""A buggy client: option values of the wrong type, unknown or missing options, absurd sizes.

Each interaction must be answered (privately, saying what is wrong), nothing may be written, and
discord.py must log no error (the `discord` fixture checks that).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from commands.surface import COMMANDS
from tests.conftest import snapshot
from tests.discord.conftest import Discord
from tests.discord.fake.interactions import SLASH, base_payload, command_data

pytestmark = pytest.mark.asyncio(loop_scope="module")

GOOD: dict[str, dict[str, Any]] = {
    "event add": {"date": "2022-04-20", "us": "Lloyd J. Austin III", "cn": "Wei Fenghe", "kind": "call", "minutes": 45},
    "event show": {"id": 1},
    "question answer": {"id": 1, "answer": "He warned on Taiwan."},
    "digest preview": {"days": 7},
    "lastcall": {"with": "Wei Fenghe"},
}

# Replacements for one option's value, as a buggy client might send them, by the option's Discord type.
NOT_TEXT: list[Any] = [1.5, -1, 2**70, True, [], {"nested": 1}, "x" * 10_000, "\u0000", "", None]
NOT_INTEGER: list[Any] = ["abc", 1.5, -1, 0, 2**70, True, [], {"nested": 1}, "", "x" * 10_000, None]
WRONG = {3: NOT_TEXT, 4: NOT_INTEGER}


def leaf_options(data: dict[str, Any]) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = data["options"]
    while options and options[0]["type"] in (1, 2):
        options = options[0].get("options", [])
    return options


async def send_raw(discord: Discord, data: dict[str, Any]) -> Any:
    hq = discord.world.hq
    payload = base_payload(discord.fake.app_id, SLASH, hq, discord.world.owner, hq.channel("general"))
    payload["data"] = data
    return await discord.fake.send_interaction(payload)


@pytest.mark.parametrize("command", sorted(GOOD))
async def test_wrong_values_get_a_private_answer_and_change_nothing(discord: Discord, command: str) -> None:
    discord.fake.enforce_deadline = True
    registered = discord.fake.commands_for(discord.world.hq.id)
    good = command_data(registered, command, GOOD[command], discord.world.hq)
    before = await snapshot(discord.store)
    for position in range(len(leaf_options(good))):
        spec = leaf_options(good)[position]
        option = COMMANDS[command].option(spec["name"])
        assert option is not None
        for value in WRONG[spec["type"]]:
            if value in (None, "") and not option.required:
                continue  # null or empty for an optional option reads as "not given": a normal answer
            data = copy.deepcopy(good)
            leaf_options(data)[position]["value"] = value
            ix = await send_raw(discord, data)
            shown = await discord.reply(ix)
            assert shown.ephemeral, (command, position, value, shown.text)
            assert shown.pings_nobody()
    assert await snapshot(discord.store) == before


async def test_a_missing_required_option_gets_a_private_answer(discord: Discord) -> None:
    registered = discord.fake.commands_for(discord.world.hq.id)
    good = command_data(registered, "event add", GOOD["event add"], discord.world.hq)
    before = await snapshot(discord.store)
    missing = copy.deepcopy(good)
    del leaf_options(missing)[0]
    shown = await discord.reply(await send_raw(discord, missing))
    assert shown.ephemeral, shown.text
    assert await snapshot(discord.store) == before


async def test_an_unknown_extra_option_is_ignored_as_discord_py_does(discord: Discord) -> None:
    # Real Discord never sends an option the command does not declare; discord.py drops it, and
    # the command runs on the options it knows.
    registered = discord.fake.commands_for(discord.world.hq.id)
    data = command_data(registered, "lastcall", {}, discord.world.hq)
    leaf_options(data).append({"name": "colour", "type": 3, "value": "red"})
    shown = await discord.reply(await send_raw(discord, data))
    assert "No contact recorded" in shown.text
