"""Who may change the record, and guilds that never see each other's record."""

from __future__ import annotations

from typing import Any

import pytest

from commands.surface import COMMANDS
from tests.conftest import snapshot
from tests.discord.conftest import Discord, World

pytestmark = pytest.mark.asyncio(loop_scope="module")


def write_args(world: World) -> dict[str, dict[str, Any]]:
    """Valid options for every command that changes the record."""
    digest = world.hq.channel("digest")
    return {
        "event add": {"date": "2022-04-20", "us": "Austin", "cn": "Wei", "kind": "call"},
        "event edit": {"id": 1, "field": "location", "value": "Beijing"},
        "event delete": {"id": 1},
        "concern add": {"issue": "taiwan", "side": "us", "text": "Peace and stability"},
        "question add": {"text": "Who asked first?"},
        "question answer": {"id": 1, "answer": "Nobody knows"},
        "question drop": {"id": 1},
        "person add": {"name": "Li Shangfu", "side": "china"},
        "digest subscribe": {"channel": world.hq.channel("announcements")},
        "feed add": {"url": "https://www.defense.gov/feed.xml"},
        "readout": {"text": "Secretary Austin spoke with General Wei Fenghe today."},
        "feed remove": {"feed": "1"},
        "feed pause": {"feed": "1"},
        "feed resume": {"feed": "1"},
        "digest unsubscribe": {"channel": digest},
        "digest pause": {"channel": digest},
        "digest resume": {"channel": digest},
        "hotline editors": {"role": world.hq.role("Analysts")},
        "hotline office": {"side": "us", "form": "War boss", "office": "Secretary of Defense"},
        "hotline timezone": {"timezone": "Asia/Shanghai"},
    }


async def seed(discord: Discord) -> None:
    await discord.direct("event add", date="2022-04-20", us="Lloyd J. Austin III", cn="Wei Fenghe", kind="call")
    await discord.direct("question add", text="How did Wei respond?")
    await discord.direct("digest subscribe", channel=str(discord.world.hq.channel("digest").id))


async def test_a_reader_is_refused_every_change_and_nothing_is_written(discord: Discord) -> None:
    args = write_args(discord.world)
    writes = {c.name for c in COMMANDS.values() if c.writes and not c.hidden}
    assert set(args) == writes, "a new command changes the record: add it here"
    await seed(discord)
    before = await snapshot(discord.store)
    for name, options in args.items():
        shown = await discord.run(name, member=discord.world.reader, **options)
        assert shown.ephemeral, f"/{name}: {shown.text}"
        assert "only editors may change the record" in shown.text, f"/{name}: {shown.text}"
        assert "Manage Server" in shown.text and "/hotline editors" in shown.text
    assert await snapshot(discord.store) == before


async def test_reading_is_open_to_every_member(discord: Discord) -> None:
    await seed(discord)
    shown = await discord.run("lastcall", member=discord.world.reader)
    assert shown.title.startswith("Latest contact")


async def test_manage_server_makes_an_editor(discord: Discord) -> None:
    shown = await discord.run("person add", member=discord.world.mod, name="Li Shangfu", side="china")
    assert shown.title == "Added Li Shangfu"


async def test_the_editor_role_makes_an_editor_once_set(discord: Discord) -> None:
    analyst = discord.world.analyst
    refused = await discord.run("person add", member=analyst, name="Li Shangfu", side="china")
    assert refused.ephemeral and "only editors" in refused.text
    await discord.run("hotline editors", role=discord.world.hq.role("Analysts"))
    shown = await discord.run("person add", member=analyst, name="Li Shangfu", side="china")
    assert shown.title == "Added Li Shangfu" and not shown.ephemeral
    # Setting the editor role is itself a change: the analyst is now allowed it, a reader is not.
    refused = await discord.run("hotline editors", member=discord.world.reader, role=discord.world.hq.role("Mods"))
    assert refused.ephemeral


async def test_two_guilds_never_see_each_other(discord: Discord) -> None:
    world = discord.world
    await discord.run(
        "event add", date="2022-04-20", us="Lloyd J. Austin III", cn="Wei Fenghe", kind="call", summary="HQ only"
    )
    # The other guild's owner is an editor there, and sees nothing of HQ's record.
    other: dict[str, Any] = {"guild": world.other}
    assert (await discord.run("lastcall", **other)).ephemeral
    missing = await discord.run("event show", id=1, **other)
    assert missing.ephemeral and "no event #1" in missing.text
    assert (await discord.run("event list", **other)).title.startswith("No events")
    assert "HQ only" not in (await discord.run("search", query="HQ", **other)).text
    assert await discord.autocomplete("person show", "name", name="Lloyd", **other) == []
    assert await discord.autocomplete("event show", "id", id="", **other) == []
    refused = await discord.run("event delete", id=1, **other)
    assert refused.ephemeral and "no event #1" in refused.text
    # A member of both guilds who may not edit HQ is no editor there either, and vice versa.
    await discord.run("hotline editors", role=world.hq.role("Analysts"))
    assert (await discord.run("person add", member=world.reader, name="X Y", side="us", **other)).ephemeral
    # Its own record starts empty and stays its own.
    await discord.run("event add", date="2022-04-21", us="Antony Blinken", cn="Wang Yi", kind="call", **other)
    hq_list = await discord.run("event list")
    assert "Wang Yi" not in hq_list.text
