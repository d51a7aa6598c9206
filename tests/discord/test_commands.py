"""Every command of the surface, as a slash command, through the real client and the fake Discord."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.discord.cogs.shared import DISCORD_INT_MAX
from commands.surface import COMMANDS
from tests.discord.conftest import NOW, Discord
from tests.discord.fake import Shown
from tests.discord.fake.interactions import BOOLEAN, CHANNEL, INTEGER, ROLE, STRING

pytestmark = pytest.mark.asyncio(loop_scope="module")

AUGUST_2020 = {
    "date": "2020-08-06",
    "us": "Mark T. Esper (Secretary of Defense)",
    "cn": "Wei Fenghe (Minister of National Defense)",
    "kind": "call",
    "minutes": 90,
    "us_raised": "taiwan, south china sea",
    "source": "https://www.defense.gov/News/Releases/Release/Article/2303574",
}
APRIL_2022 = {
    "date": "yesterday",
    "us": "Lloyd J. Austin III (Secretary of Defense)",
    "cn": "Wei Fenghe",
    "kind": "call",
    "minutes": 45,
    "requested_by": "us",
    "summary": "First call between Austin and Wei.",
}
NOON = int(NOW.replace(hour=12).timestamp())
YESTERDAY_TS = NOON - 86400  # 2022-04-20 12:00 UTC


def public(shown: Shown) -> Shown:
    assert not shown.ephemeral, shown.text
    assert shown.pings_nobody(), shown.allowed_mentions
    return shown


def private(shown: Shown) -> Shown:
    assert shown.ephemeral, shown.text
    assert shown.pings_nobody(), shown.allowed_mentions
    return shown


# -- registration -----------------------------------------------------------------------------

OPTION_TYPES = {"int": INTEGER, "event": INTEGER, "bool": BOOLEAN, "channel": CHANNEL, "role": ROLE}
AUTOCOMPLETED = {"person", "people", "issue", "issues", "event"}


async def test_registered_commands_are_exactly_the_surface(discord: Discord) -> None:
    """Names, descriptions, option types, required flags, choices, ranges and autocomplete: all from
    commands/surface.py, so the cogs cannot drift from the contract."""
    registered = {c["name"]: c for c in discord.fake.guild_commands[discord.world.hq.id]}
    seen: set[str] = set()
    for command in COMMANDS.values():
        if command.hidden:
            continue
        top, *sub = command.name.split()
        spec: dict[str, Any] = registered[top]
        assert spec["contexts"] == [0], f"/{top} must be guild-only"
        for part in sub:
            spec = next(o for o in spec["options"] if o["name"] == part and o["type"] == 1)
        seen.add(command.name)
        assert spec["description"] == command.description
        options = [o for o in command.options if o.name != "confirmed"]
        assert [o["name"] for o in spec.get("options", [])] == [o.name for o in options], command.name
        for option, got in zip(options, spec.get("options", []), strict=True):
            where = f"/{command.name} {option.name}"
            assert got["description"] == option.description, where
            assert got["type"] == OPTION_TYPES.get(option.type, STRING), where
            assert got.get("required", False) == option.required, where
            assert [c["value"] for c in got.get("choices", [])] == list(option.choices), where
            # Discord's integers stop at 2^53 - 1: a larger bound in the surface is clamped to it.
            wanted_max = min(option.max, DISCORD_INT_MAX) if option.max is not None else None
            assert got.get("min_value") == option.min and got.get("max_value") == wanted_max, where
            wants_autocomplete = option.type in AUTOCOMPLETED or option.name == "timezone"
            assert got.get("autocomplete", False) == wants_autocomplete, where
            if option.type == "channel":
                assert got["channel_types"] == [0, 5], where  # text and announcement channels
    top_level = {name.split()[0] for name in seen}
    assert set(registered) == top_level
    registered_leaves = {
        f"{c['name']} {o['name']}" if o["type"] == 1 else c["name"]
        for c in registered.values()
        for o in (c.get("options") or [{"type": 0}])
    }
    assert registered_leaves >= seen
    assert {n for n in registered_leaves if n.split()[0] in registered and " " in n} <= seen


async def test_start_syncs_to_the_dev_guild_only_and_asks_for_no_privileged_intent(discord: Discord) -> None:
    puts = [r for r in discord.fake.requests if r.method == "PUT"]
    assert [r.path.split("/")[-2] for r in puts] == [str(discord.world.hq.id)]
    assert not discord.fake.global_commands
    intents = discord.fake.gateways[-1].intents
    members, presences, message_content = 1 << 1, 1 << 8, 1 << 15
    assert intents & (members | presences | message_content) == 0
    assert intents & 1  # guilds: channels and roles for options and the editor role


# -- reading and writing events ------------------------------------------------------------------


async def test_event_add_replies_publicly_with_timestamps_and_names_new_people(discord: Discord) -> None:
    shown = public(await discord.run("event add", **APRIL_2022))
    assert shown.title == "Recorded event #1"
    # The date in the reader's own locale; an age only where it helps (not in a record's headline).
    assert f"#1 · <t:{YESTERDAY_TS}:D> · phone call" in shown.text and ":R>" not in shown.text
    assert "New people: Lloyd J. Austin III, Wei Fenghe" in shown.text
    assert "45 minutes · requested by US" in shown.text


async def test_lastcall_says_it_all_with_fields_per_side(discord: Discord) -> None:
    await discord.run("event add", **AUGUST_2020)
    await discord.run("event add", **APRIL_2022)
    shown = public(await discord.run("lastcall", with_="Austin"))
    embed = shown.embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert shown.title == "Latest contact with Lloyd J. Austin III: phone call with Wei Fenghe"
    # One field per side, side by side.
    sides = {f["name"]: (f["value"], f["inline"]) for f in embed["fields"] if f["name"] in ("US", "China")}
    assert sides == {
        "US": ("Lloyd J. Austin III — Secretary of Defense", True),
        "China": ("Wei Fenghe — Minister of National Defense", True),
    }
    assert fields["What it means"].startswith("first recorded contact between Austin and Wei Fenghe\n")
    assert "and on the defense track: <t:" in fields["What it means"]
    assert fields["What it means"].endswith(":D>, 622 days earlier (Esper ↔ Wei Fenghe) · #1")
    assert f"<t:{YESTERDAY_TS}:D> (yesterday)" in shown.text


async def test_lastcall_with_a_side_and_a_track(discord: Discord) -> None:
    await discord.run("event add", **APRIL_2022)
    shown = public(await discord.run("lastcall", with_="china", track="defense"))
    assert "Wei Fenghe" in shown.title


async def test_lastcall_on_an_empty_record_is_private(discord: Discord) -> None:
    shown = private(await discord.run("lastcall"))
    assert shown.text


async def test_event_show_links_its_sources(discord: Discord) -> None:
    await discord.run("event add", **AUGUST_2020)
    shown = public(await discord.run("event show", id=1))
    assert shown.title.startswith("Event #1: Mark T. Esper ↔ Wei Fenghe")
    assert "(https://www.defense.gov/News/Releases/Release/Article/2303574)" in shown.text
    assert "[defense.gov]" in shown.text


async def test_event_edit_changes_one_field(discord: Discord) -> None:
    await discord.run("event add", **APRIL_2022)
    shown = public(await discord.run("event edit", id=1, field="location", value="Washington"))
    assert shown.title == "Updated event #1: location"
    event = await discord.store.event(f"discord:{discord.world.hq.id}", 1)
    assert event is not None and event.location == "Washington"


async def test_event_list_is_newest_first(discord: Discord) -> None:
    await discord.run("event add", **AUGUST_2020)
    await discord.run("event add", **APRIL_2022)
    shown = public(await discord.run("event list", since="2020-01-01", track="defense"))
    text = shown.text
    assert text.index("#2 ·") < text.index("#1 ·")


async def test_concern_add_and_positions(discord: Discord) -> None:
    await discord.run("event add", **APRIL_2022)
    added = public(
        await discord.run(
            "concern add", issue="taiwan", side="china", text="Taiwan is China's Taiwan", event=1, by="Wei Fenghe"
        )
    )
    assert added.title.startswith("Recorded concern #")
    shown = public(await discord.run("positions", issue="taiwan", side="china"))
    assert shown.title == "Positions on Taiwan (China)"
    assert "Taiwan is China's Taiwan" in shown.text


async def test_questions_add_answer_drop_and_list(discord: Discord) -> None:
    await discord.run("event add", **APRIL_2022)
    public(await discord.run("question add", text="How did Wei respond?", event=1, issue="taiwan"))
    public(await discord.run("question add", text="Will they talk again?"))
    answered = public(
        await discord.run("question answer", id=1, answer="He warned about Taiwan", source="https://www.mod.gov.cn/")
    )
    assert answered.title == "Answered question #1"
    dropped = public(await discord.run("question drop", id=2, reason="moot"))
    assert dropped.title == "Dropped question #2"
    listed = public(await discord.run("questions", status="answered"))
    assert "How did Wei respond?" in listed.text and "Will they talk again?" not in listed.text
    assert private(await discord.run("questions")).title.startswith("No ")


async def test_person_add_and_show(discord: Discord) -> None:
    added = public(
        await discord.run(
            "person add",
            name="Li Shangfu",
            side="china",
            title="Minister of National Defense",
            aliases="Li, General Li",
        )
    )
    assert added.title == "Added Li Shangfu"
    shown = public(await discord.run("person show", name="general li"))
    assert shown.title == "Li Shangfu"
    assert "Minister of National Defense" in shown.text


async def test_search_finds_summaries(discord: Discord) -> None:
    await discord.run("event add", **APRIL_2022)
    shown = public(await discord.run("search", query="first call"))
    assert shown.title == "Search: first call"
    assert "#1" in shown.text
    nothing = private(await discord.run("search", query="zebra"))
    assert nothing.title == "No matches for zebra"


async def test_digest_preview(discord: Discord) -> None:
    await discord.run("event add", **APRIL_2022)
    shown = public(await discord.run("digest preview", days=7))
    assert shown.title == "Digest preview: Apr 15, 2022 to Apr 21, 2022 (7 days)"
    assert shown.embeds[0]["fields"][0]["name"] == "Austin ↔ Wei Fenghe"


async def test_digest_subscribe_pause_resume_status_unsubscribe(discord: Discord) -> None:
    hq = discord.world.hq
    channel = hq.channel("digest")
    shown = public(
        await discord.run(
            "digest subscribe",
            channel=channel,
            weekday="friday",
            time="08:30",
            timezone="America/New_York",
            role=hq.role("Digest readers"),
        )
    )
    role = hq.role("Digest readers")
    next_friday = int(dt.datetime(2022, 4, 22, 12, 30, tzinfo=dt.UTC).timestamp())  # 08:30 in New York
    assert shown.title == f"Subscribed channel #{channel.id}"  # titles do not render mentions
    assert f"Next digest: <t:{next_friday}:f>" in shown.text
    assert f"Pings: <@&{role.id}>" in shown.text and shown.pings_nobody()  # shown, not pinged
    [sub] = await discord.store.subscriptions(f"discord:{hq.id}")
    assert (sub.channel_id, sub.weekday, sub.time, sub.timezone) == (str(channel.id), 4, "08:30", "America/New_York")
    assert sub.role_id == str(hq.role("Digest readers").id)
    public(await discord.run("digest pause", channel=channel))
    [sub] = await discord.store.subscriptions(f"discord:{hq.id}")
    assert sub.paused
    public(await discord.run("digest resume", channel=channel))
    status = public(await discord.run("digest status"))
    assert "Fridays at 08:30 America/New_York" in status.text
    public(await discord.run("digest unsubscribe", channel=channel))
    assert await discord.store.subscriptions(f"discord:{hq.id}") == []


async def test_hotline_editors_office_offices_timezone_help(discord: Discord) -> None:
    hq = discord.world.hq
    public(await discord.run("hotline editors", role=hq.role("Analysts")))
    settings = await discord.store.workspace_settings(f"discord:{hq.id}")
    assert settings.editor_role == str(hq.role("Analysts").id)
    office = public(await discord.run("hotline office", side="us", form="War boss", office="Secretary of Defense"))
    assert "War boss" in office.text
    offices = await discord.run("hotline offices", side="china")
    assert "Minister of National Defense" in offices.text
    public(await discord.run("hotline timezone", timezone="America/New_York"))
    assert (await discord.store.workspace_settings(f"discord:{hq.id}")).timezone == "America/New_York"
    help_ = await discord.run("hotline help")
    assert help_.title.startswith("Hotline")


# -- autocomplete --------------------------------------------------------------------------------


async def test_autocomplete_people_by_name_and_alias(discord: Discord) -> None:
    await discord.run("event add", **AUGUST_2020)
    await discord.run(
        "person add", name="Lloyd J. Austin III", side="us", title="Secretary of Defense", aliases="Austin"
    )
    by_name = await discord.autocomplete("person show", "name", name="Llo")
    assert by_name == [{"name": "Lloyd J. Austin III (Secretary of Defense)", "value": "Lloyd J. Austin III"}]
    by_alias = await discord.autocomplete("person show", "name", name="aus")
    assert [c["value"] for c in by_alias] == ["Lloyd J. Austin III"]
    # A list option completes its last name and keeps the ones before it.
    listed = await discord.autocomplete("event add", "us", us="Mark T. Esper, Llo", date="today", cn="x", kind="call")
    assert [c["value"] for c in listed] == ["Mark T. Esper, Lloyd J. Austin III"]
    # `with` offers the sides too.
    who = await discord.autocomplete("lastcall", "with", with_="")
    assert [c["value"] for c in who][:2] == ["us", "china"]


async def test_autocomplete_issues_and_event_ids(discord: Discord) -> None:
    await discord.run("event add", **AUGUST_2020)
    await discord.run("event add", **APRIL_2022)
    issues = await discord.autocomplete("positions", "issue", issue="south")
    assert {"name": "South China Sea (south-china-sea)", "value": "south-china-sea"} in issues
    raised = await discord.autocomplete(
        "event add", "cn_raised", cn_raised="taiwan, nor", date="today", us="a", cn="b", kind="call"
    )
    assert [c["value"] for c in raised] == ["taiwan, north-korea"]
    events = await discord.autocomplete("event show", "id", id="")
    assert [c["value"] for c in events] == [2, 1]
    assert events[0]["name"].startswith("#2 · 2022-04-20")
    assert "Lloyd J. Austin III" in events[0]["name"]
    by_id = await discord.autocomplete("event delete", "id", id="1")
    assert [c["value"] for c in by_id] == [1]


async def test_autocomplete_time_zones_without_the_store(discord: Discord) -> None:
    zones = await discord.autocomplete("hotline timezone", "timezone", timezone="york")
    assert [c["value"] for c in zones] == ["America/New_York"]


async def test_autocomplete_never_offers_more_than_25(discord: Discord) -> None:
    for i in range(30):
        await discord.direct("person add", name=f"Zhang Number{i:02d}", side="china")
    found = await discord.autocomplete("person show", "name", name="zhang")
    assert len(found) == 25
    assert len(await discord.autocomplete("hotline timezone", "timezone", timezone="")) == 25


# -- errors users can fix --------------------------------------------------------------------------


async def test_bad_input_gets_a_private_reply_naming_the_field(discord: Discord) -> None:
    shown = private(await discord.run("event add", date="2022-02-30", us="Austin", cn="Wei", kind="call"))
    assert "date" in shown.text and "not a real calendar date" in shown.text
    assert await discord.store.event_count(f"discord:{discord.world.hq.id}") == 0


async def test_an_unknown_id_is_not_found_privately(discord: Discord) -> None:
    shown = private(await discord.run("event show", id=99))
    assert "no event #99" in shown.text
