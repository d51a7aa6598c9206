"""Every command of the surface, typed after /lastcall or /hotline, through slack-bolt and the fake Slack."""

from __future__ import annotations

import pytest

from tests.slack.harness import SlackHarness

AUGUST_2020 = (
    'event add date:2020-08-06 us:"Mark T. Esper (Secretary of Defense)" '
    'cn:"Wei Fenghe (Minister of National Defense)" kind:call minutes:90 us_raised:"taiwan, south china sea" '
    "source:https://www.defense.gov/News/Releases/Release/Article/2303574"
)
APRIL_2022 = (
    'event add date:yesterday us:"Lloyd J. Austin III (Secretary of Defense)" cn:"Wei Fenghe" kind:call '
    'minutes:45 requested_by:us summary:"First call between Austin and Wei."'
)


@pytest.mark.parametrize("mode", ["http", "socket"], indirect=True)
async def test_event_add_then_lastcall(hotline: SlackHarness) -> None:
    shown = await hotline.run(APRIL_2022)
    assert shown.public, shown.text
    assert shown.title == "Recorded event #1"
    assert "New people: Lloyd J. Austin III, Wei Fenghe" in shown.text
    last = await hotline.run("Austin", command="/lastcall")
    assert last.public
    assert last.title.startswith("Latest contact with Lloyd J. Austin III")


async def test_lastcall_with_fields_per_side_and_dates_for_each_reader(hotline: SlackHarness) -> None:
    await hotline.run(AUGUST_2020)
    await hotline.run(APRIL_2022)
    shown = await hotline.run("with:Austin", command="/lastcall")
    assert shown.public
    fields = [f["text"] for b in shown.post.blocks for f in b.get("fields") or []]
    assert "*US*\nLloyd J. Austin III — Secretary of Defense" in fields
    assert "*China*\nWei Fenghe — Minister of National Defense" in fields
    # The offices and the track point at the same earlier contact: one line, dated for each reader.
    assert (
        "previous contact between their offices (Secretary of Defense ↔ Minister of National Defense) "
        "and on the defense track: <!date^1596715200^{date_short}|Aug 6, 2020>, 622 days earlier "
        "(Esper ↔ Wei Fenghe) · #1"
    ) in shown.text
    assert "<!date^1650456000^{date_short}|Apr 20, 2022> (yesterday)" in shown.text  # 20 April for every reader


async def test_lastcall_with_a_side_and_a_track_and_on_an_empty_record(hotline: SlackHarness) -> None:
    empty = await hotline.run("", command="/lastcall")
    assert not empty.public and empty.text
    await hotline.run(APRIL_2022)
    shown = await hotline.run("with:china track:defense", command="/lastcall")
    assert "Wei Fenghe" in shown.title


async def test_event_show_edit_list(hotline: SlackHarness) -> None:
    await hotline.run(AUGUST_2020)
    shown = await hotline.run("event show 1")
    assert shown.public and shown.title.startswith("Event #1: Mark T. Esper ↔ Wei Fenghe")
    assert "<https://www.defense.gov/News/Releases/Release/Article/2303574|defense.gov>" in shown.text
    await hotline.run(APRIL_2022)
    edited = await hotline.run("event edit id:2 field:location value:Washington")
    assert edited.title == "Updated event #2: location"
    event = await hotline.store.event(hotline.workspace(), 2)
    assert event is not None and event.location == "Washington"
    listed = await hotline.run("event list since:2020-01-01 track:defense")
    assert listed.text.index("#2 ·") < listed.text.index("#1 ·")


async def test_concern_add_and_positions(hotline: SlackHarness) -> None:
    await hotline.run(APRIL_2022)
    added = await hotline.run(
        'concern add issue:taiwan side:china text:"Taiwan is China\'s Taiwan" event:1 by:"Wei Fenghe"'
    )
    assert added.title.startswith("Recorded concern #")
    shown = await hotline.run("positions taiwan side:china")
    assert shown.title == "Positions on Taiwan (China)"
    assert "Taiwan is China's Taiwan" in shown.text


async def test_questions_add_answer_drop_and_list(hotline: SlackHarness) -> None:
    await hotline.run(APRIL_2022)
    await hotline.run('question add text:"How did Wei respond?" event:1 issue:taiwan')
    await hotline.run('question add "Will they talk again?"')
    answered = await hotline.run('question answer id:1 answer:"He warned about Taiwan" source:https://www.mod.gov.cn/')
    assert answered.title == "Answered question #1"
    assert (await hotline.run("question drop id:2 reason:moot")).title == "Dropped question #2"
    listed = await hotline.run("questions status:answered")
    assert "How did Wei respond?" in listed.text and "Will they talk again?" not in listed.text
    none_open = await hotline.run("questions")
    assert not none_open.public and none_open.title.startswith("No ")


async def test_person_add_and_show(hotline: SlackHarness) -> None:
    added = await hotline.run(
        'person add name:"Li Shangfu" side:china title:"Minister of National Defense" aliases:"Li, General Li"'
    )
    assert added.title == "Added Li Shangfu"
    shown = await hotline.run('person show "general li"')
    assert shown.title == "Li Shangfu" and "Minister of National Defense" in shown.text


async def test_search_with_the_query_bare(hotline: SlackHarness) -> None:
    await hotline.run(APRIL_2022)
    shown = await hotline.run("search first call")
    assert shown.title == "Search: first call" and "#1" in shown.text
    nothing = await hotline.run("search zebra")
    assert not nothing.public and nothing.title == "No matches for zebra"


async def test_digest_preview(hotline: SlackHarness) -> None:
    await hotline.run(APRIL_2022)
    shown = await hotline.run("digest preview days:7")
    assert shown.title == "Digest preview: Apr 15, 2022 to Apr 21, 2022 (7 days)"
    # The contact as its own block, people by their short names, dated for each reader.
    block = "*Austin ↔ Wei Fenghe*\n<!date^1650456000^{date_short}|Apr 20, 2022> · phone call · defense · #1"
    assert block in shown.text


async def test_digest_subscribe_pause_resume_status_unsubscribe(hotline: SlackHarness) -> None:
    w = hotline.world
    ref = f"<#{w.briefings.id}|briefings>"  # how Slack sends #briefings with should_escape on
    group = f"<!subteam^{w.analysts.id}|@analysts>"
    shown = await hotline.run(
        f"digest subscribe channel:{ref} weekday:friday time:08:30 timezone:America/New_York role:{group}"
    )
    assert shown.public, shown.text
    assert shown.title == f"Subscribed channel #{w.briefings.id}"  # a header shows text as it is
    assert f"user group {w.analysts.id}" in shown.text  # named, not mentioned
    [sub] = await hotline.store.subscriptions(hotline.workspace())
    assert (sub.channel_id, sub.weekday, sub.time, sub.timezone, sub.role_id) == (
        w.briefings.id,
        4,
        "08:30",
        "America/New_York",
        w.analysts.id,
    )
    await hotline.run(f"digest pause channel:{ref}")
    [sub] = await hotline.store.subscriptions(hotline.workspace())
    assert sub.paused
    await hotline.run(f"digest resume {ref}")
    status = await hotline.run("digest status")
    assert "Fridays at 08:30 America/New_York" in status.text
    await hotline.run(f"digest unsubscribe {ref}")
    assert await hotline.store.subscriptions(hotline.workspace()) == []


async def test_hotline_editors_office_offices_timezone(hotline: SlackHarness) -> None:
    w = hotline.world
    shown = await hotline.run(f"editors <!subteam^{w.analysts.id}|@analysts>")
    assert shown.title == "Editors set"
    assert (await hotline.store.workspace_settings(hotline.workspace())).editor_role == w.analysts.id
    office = await hotline.run('office side:us form:"War boss" office:"Secretary of Defense"')
    assert "War boss" in office.text
    offices = await hotline.run("offices side:china")
    assert "Minister of National Defense" in offices.text
    await hotline.run("timezone America/New_York")
    assert (await hotline.store.workspace_settings(hotline.workspace())).timezone == "America/New_York"


async def test_help_lists_the_commands_as_typed_on_slack(hotline: SlackHarness) -> None:
    for text in ("help", ""):
        shown = await hotline.run(text)
        assert not shown.public and shown.title.startswith("Hotline")
        assert "/hotline event add date:… us:… cn:… kind:…" in shown.text
        assert "/lastcall [with:…] [track:…]" in shown.text
        assert "/hotline editors role:…" in shown.text
        assert "/event add" not in shown.text.replace("/hotline event add", "")


async def test_help_on_a_command_and_a_missing_option_name_commands_as_typed_on_slack(hotline: SlackHarness) -> None:
    shown = await hotline.run("help feed")
    assert "The feed's number (from /hotline feed list) or its URL" in shown.text
    assert "from /feed list" not in shown.text
    missing = await hotline.run("event show")
    assert not missing.public and "missing; /hotline event show needs it (Event id)" in missing.text


async def test_bad_input_gets_a_private_reply_naming_the_field(hotline: SlackHarness) -> None:
    shown = await hotline.run("event add date:2022-02-30 us:Austin cn:Wei kind:call")
    assert not shown.public
    assert "date" in shown.text and "not a real calendar date" in shown.text
    assert await hotline.store.event_count(hotline.workspace()) == 0
    unknown = await hotline.run("event show 99")
    assert not unknown.public and "no event #99" in unknown.text
    typo = await hotline.run("evnt add")
    assert not typo.public and "unknown command" in typo.text


async def test_an_unquoted_value_error_and_an_unknown_option_are_private(hotline: SlackHarness) -> None:
    shown = await hotline.run('event list since:"2020')
    assert not shown.public and "unterminated quote" in shown.text
    shown = await hotline.run("event list colour:red")
    assert not shown.public and "has no option 'colour'" in shown.text
