"""Every command of the surface through commands/, with a real store and a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest

from commands.errors import NotFound, UserError
from commands.reply import render_text
from commands.surface import COMMANDS
from storage.contract import StoreContract
from tests.conftest import WS, Runner

AUSTIN = "Lloyd J. Austin III (Secretary of Defense)"
WEI = "Wei Fenghe (Minister of National Defense)"


async def seed(run: Runner) -> None:
    await run(
        "event add",
        date="2020-08-06",
        us="Mark T. Esper (Secretary of Defense)",
        cn=WEI,
        kind="call",
        minutes=90,
        us_raised="taiwan",
        cn_raised="taiwan, south-china-sea",
    )
    await run(
        "event add",
        date="2021-11-15",
        us="Joseph R. Biden Jr. (President)",
        cn="Xi Jinping (President)",
        kind="summit",
        minutes=210,
        summary="Virtual summit on managing competition.",
    )
    await run(
        "event add",
        date="2022-04-20",
        us=AUSTIN,
        cn=WEI,
        kind="call",
        minutes=45,
        requested_by="us",
        us_raised="taiwan, north korea",
    )


# -- /lastcall ---------------------------------------------------------------------------------


async def test_lastcall_on_an_empty_workspace_says_so(run: Runner) -> None:
    reply = await run("lastcall")
    assert "No contact recorded" in render_text(reply)
    assert reply.ephemeral


async def test_lastcall_plain_is_the_newest_held_contact(run: Runner) -> None:
    await seed(run)
    text = await run.text("lastcall")
    assert "Latest contact: Lloyd J. Austin III ↔ Wei Fenghe" in text
    assert "When: Apr 20, 2022 (yesterday)" in text
    assert "first recorded contact between Austin and Wei Fenghe\n" in text
    # The offices' previous contact is also the track's: one line, naming who met then.
    assert (
        "previous contact between their offices (Secretary of Defense ↔ Minister of National Defense) and on the"
        " defense track: Aug 6, 2020, 622 days earlier (Esper ↔ Wei Fenghe)" in text
    )


@pytest.mark.parametrize("who", ["Wei Fenge", "wei fenghe", "WEI", "Esper", "mark esper"])
async def test_lastcall_with_a_person_survives_case_and_spelling(run: Runner, who: str) -> None:
    await seed(run)
    text = await run.text("lastcall", **{"with": who})
    assert "Wei Fenghe" in text or "Esper" in text


async def test_lastcall_with_austin_by_one_word(run: Runner) -> None:
    await seed(run)
    assert "Latest contact with Lloyd J. Austin III" in await run.text("lastcall", **{"with": "austin"})


async def test_lastcall_with_a_person_and_a_track(run: Runner) -> None:
    await seed(run)
    text = await run.text("lastcall", **{"with": "Xi Jinping", "track": "leaders"})
    # The title names Xi once: the person asked about, then whom he met.
    assert "Latest contact with Xi Jinping on the leaders track: summit with Joseph R. Biden Jr.\n" in text
    assert "first recorded contact between Biden and Xi Jinping, between their offices and on the leaders track" in text
    assert "Virtual summit on managing competition." in text


async def test_lastcall_with_a_side(run: Runner) -> None:
    await seed(run)
    assert "Austin" in await run.text("lastcall", **{"with": "china"})


async def test_lastcall_with_an_unknown_person_is_not_found(run: Runner) -> None:
    await seed(run)
    with pytest.raises(NotFound, match="nobody called 'Zhang Youxia'"):
        await run("lastcall", **{"with": "Zhang Youxia"})


async def test_lastcall_with_an_ambiguous_word_lists_the_candidates(run: Runner) -> None:
    await run("event add", date="2021-01-01", us="John Kerry", cn="Xie Zhenhua", kind="call")
    await run("event add", date="2021-01-02", us="John Kirby", cn="Wang Yi", kind="call")
    with pytest.raises(UserError, match="could be several people: John Kerry, John Kirby"):
        await run("lastcall", **{"with": "John"})


async def test_lastcall_previous_between_the_same_people(run: Runner) -> None:
    await seed(run)
    await run("event add", date="2022-06-10", us="Austin", cn="Wei Fenghe", kind="meeting")
    text = await run.text("lastcall")
    assert (
        "previous contact between Austin and Wei Fenghe, between their offices and on the defense track:"
        " Apr 20, 2022, 51 days earlier · #3\n" in text
    )


async def test_lastcall_counts_only_the_contacts_not_held_since_the_previous_one(run: Runner) -> None:
    for day in ("2021-03-01", "2021-03-02", "2021-03-03"):  # refused before the previous call: not counted
        await run("event add", date=day, us=AUSTIN, cn=WEI, kind="request", status="declined", requested_by="us")
    await run("event add", date="2021-04-01", us=AUSTIN, cn=WEI, kind="call")
    for day in ("2021-05-01", "2021-06-01"):
        await run("event add", date=day, us=AUSTIN, cn=WEI, kind="request", status="declined", requested_by="us")
    await run("event add", date="2021-07-01", us=AUSTIN, cn=WEI, kind="call")
    text = await run.text("lastcall")
    assert "2 requests refused in between:" in text
    assert "May 1, 2021" in text and "Jun 1, 2021" in text and "Mar 1, 2021" not in text


async def test_lastcall_says_ten_plus_when_more_than_ten_were_not_held_in_between(run: Runner) -> None:
    await run("event add", date="2021-01-01", us=AUSTIN, cn=WEI, kind="call")
    for n in range(1, 12):  # eleven refused
        await run("event add", date=f"2021-02-{n:02d}", us=AUSTIN, cn=WEI, kind="request", status="declined")
    await run("event add", date="2021-03-01", us=AUSTIN, cn=WEI, kind="call")
    text = await run.text("lastcall")
    assert "10+ requests refused in between:" in text
    assert "Feb 11, 2021" in text and "Feb 2, 2021" in text and "Feb 1, 2021" not in text  # the newest ten
    for n in range(1, 11):  # ten is not "10+"
        await run("event add", date=f"2022-02-{n:02d}", us=AUSTIN, cn=WEI, kind="request", status="declined")
    await run("event add", date="2022-03-01", us=AUSTIN, cn=WEI, kind="call")
    assert "10 requests refused in between:" in await run.text("lastcall")


async def test_a_planned_contact_is_not_the_last_call(run: Runner) -> None:
    await seed(run)
    await run("event add", date="2022-05-01", us="Austin", cn="Wei Fenghe", kind="meeting", status="planned")
    assert "When: Apr 20, 2022" in await run.text("lastcall")


# -- /event ------------------------------------------------------------------------------------


async def test_event_add_says_which_people_and_issues_are_new(run: Runner) -> None:
    text = await run.text("event add", date="yesterday", us=AUSTIN, cn=WEI, kind="call", us_raised="new-topic")
    assert "Recorded event #1" in text
    assert "New people: Lloyd J. Austin III, Wei Fenghe" in text
    assert "New issues: new-topic" in text


async def test_event_add_derives_the_track_from_the_offices(run: Runner, store: StoreContract) -> None:
    await run(
        "event add", date="2022-07-05", us="Janet Yellen (Treasury Secretary)", cn="Liu He (Vice Premier)", kind="video"
    )
    event = await store.event(WS, 1)
    assert event is not None and event.track == "economic"


async def test_event_add_refuses_a_near_miss_issue(run: Runner) -> None:
    with pytest.raises(UserError, match="did you mean taiwan"):
        await run("event add", date="2022-04-20", us=AUSTIN, cn=WEI, kind="call", us_raised="taiwn")


async def test_weekday_means_its_most_recent_occurrence(run: Runner, store: StoreContract) -> None:
    # The clock says Thursday 2022-04-21.
    await run("event add", date="Wednesday", us=AUSTIN, cn=WEI, kind="call")
    await run("event add", date="thursday", us=AUSTIN, cn=WEI, kind="video")
    await run("event add", date="Friday", us=AUSTIN, cn=WEI, kind="meeting")
    days = [e.day for e in (await store.list_events(WS))[0]]
    assert days == [dt.date(2022, 4, 21), dt.date(2022, 4, 20), dt.date(2022, 4, 15)]


async def test_today_follows_the_workspace_time_zone(run: Runner, store: StoreContract) -> None:
    await store.set_workspace(run.ctx.caller.actor, run.ctx.clock.now(), timezone="Asia/Shanghai")
    run.ctx.clock.at = dt.datetime(2022, 4, 21, 20, 0, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    await run("event add", date="today", us=AUSTIN, cn=WEI, kind="call")
    event = await store.event(WS, 1)
    assert event is not None and event.day == dt.date(2022, 4, 22)


async def test_event_show_edit_and_audit(run: Runner, store: StoreContract) -> None:
    await seed(run)
    await run("event edit", id="#3", field="minutes", value="50")
    await run("event edit", id=3, field="summary", value="Readout: a frank exchange.")
    await run("event edit", id=3, field="us", value="Lloyd J. Austin III, Ely Ratner (Assistant Secretary)")
    text = await run.text("event show", id=3)
    assert "50 minutes" in text and "Readout: a frank exchange." in text
    assert "Ely Ratner — Assistant Secretary" in text
    audit = [a for a in await store.audit_entries(WS, limit=10) if a.table == "event"]
    assert audit[0].action == "update" and audit[0].record_id == "3"
    assert audit[0].actor_name == "Ann Analyst"
    minutes = audit[2]
    assert minutes.before is not None and minutes.before["minutes"] == 45
    assert minutes.after is not None and minutes.after["minutes"] == 50
    people = [a for a in await store.audit_entries(WS, limit=10) if a.table == "person"]
    assert people[0].action == "create" and people[0].after is not None and people[0].after["name"] == "Ely Ratner"


async def test_event_edit_clears_an_optional_field(run: Runner, store: StoreContract) -> None:
    await seed(run)
    await run("event edit", id=3, field="minutes", value="")
    event = await store.event(WS, 3)
    assert event is not None and event.minutes is None


async def test_event_edit_into_a_duplicate_is_refused(run: Runner) -> None:
    await seed(run)
    with pytest.raises(UserError, match="already recorded as event #1"):
        await run("event edit", id=3, field="us", value="Mark T. Esper")
        await run("event edit", id=3, field="date", value="2020-08-06")
    with pytest.raises(UserError, match="already recorded as event #1"):
        await run("event edit", id=3, field="date", value="2020-08-06")


async def test_event_delete_asks_first_then_deletes_with_its_concerns(run: Runner, store: StoreContract) -> None:
    await seed(run)
    await run("question add", text="How did Wei respond?", event=3)
    asked = await run("event delete", id=3)
    assert asked.confirm is not None and asked.confirm.args == {"id": 3}
    assert await store.event(WS, 3) is not None
    await run("event delete", id=3, confirmed=True)
    assert await store.event(WS, 3) is None
    assert await store.concerns_on(WS, "north-korea") == []
    question = await store.question(WS, 1)
    assert question is not None and question.event_id is None  # the question stays, unlinked


async def test_event_list_filters_and_orders(run: Runner) -> None:
    await seed(run)
    text = await run.text("event list")
    assert text.index("#3 ·") < text.index("#2 ·") < text.index("#1 ·")
    assert "#2" not in await run.text("event list", track="defense")
    only = await run.text("event list", since="2021-01-01", until="2021-12-31")
    assert "#2 ·" in only and "#1 ·" not in only and "#3 ·" not in only
    assert "#3 ·" in await run.text("event list", issue="North Korea")
    assert "#1 ·" not in await run.text("event list", **{"with": "austin"})


async def test_event_list_says_when_there_is_more(run: Runner) -> None:
    for day in range(1, 56):
        await run(
            "event add", date=(dt.date(2021, 1, 1) + dt.timedelta(days=day)).isoformat(), us="A", cn="B", kind="call"
        )
    reply = await run("event list")
    # The newest 50, on five balanced pages of ten, each closed by the footer that says there is more.
    assert [len(page.fields) for page in reply.pages] == [10, 10, 10, 10, 10]
    text = render_text(reply)
    assert text.count("The newest 50 events; narrow with since, until, with, track, issue or status") == 5
    assert "page 5/5" in text


async def test_event_list_refuses_since_after_until(run: Runner) -> None:
    with pytest.raises(UserError, match="since"):
        await run("event list", since="2022-01-02", until="2022-01-01")


# -- concerns and positions --------------------------------------------------------------------


async def test_positions_latest_per_side_then_history(run: Runner) -> None:
    await seed(run)
    await run(
        "concern add", issue="Taiwan", side="china", text="Stop erroneous words and deeds.", event=1, by="Wei Fenghe"
    )
    await run(
        "concern add",
        issue="taiwan",
        side="us",
        text="Opposes unilateral changes to the status quo.",
        date="2022-04-21",
        source="https://www.defense.gov/x",
    )
    reply = await run("positions", issue="taiwan")
    text = render_text(reply)
    assert "US, latest words (Apr 21, 2022): “Opposes unilateral changes to the status quo.” source" in text
    assert "China, latest words (Aug 6, 2020, Wei Fenghe): “Stop erroneous words and deeds.”" in text
    history = text[text.index("History") :]
    assert history.index("Apr 21, 2022") < history.index("Aug 6, 2020")
    # Grouped by contact: the contact once, what was said there under it.
    assert "Aug 6, 2020 · Esper ↔ Wei Fenghe · both raised it · #1\n    China — Wei Fenghe: “Stop erroneous" in text
    assert "Apr 20, 2022 · Austin ↔ Wei Fenghe · US raised it · #3" in text


async def test_positions_of_one_side(run: Runner) -> None:
    await seed(run)
    text = await run.text("positions", issue="taiwan", side="china")
    assert "China: no words recorded, only mentions; it last raised Taiwan on Aug 6, 2020 at Esper ↔ Wei Fenghe" in text
    assert "US:" not in text and "US raised" not in text and "China raised it · #1" in text


async def test_positions_of_an_unknown_issue(run: Runner) -> None:
    with pytest.raises(NotFound):
        await run("positions", issue="made-up-thing")


async def test_concern_date_defaults_to_its_event(run: Runner, store: StoreContract) -> None:
    await seed(run)
    await run("concern add", issue="nuclear", side="us", text="Risk reduction.", event=2)
    concerns = await store.concerns_on(WS, "nuclear")
    assert concerns[0].day == dt.date(2021, 11, 15)


# -- questions ---------------------------------------------------------------------------------


async def test_question_lifecycle(run: Runner) -> None:
    await seed(run)
    await run("question add", text="How did Wei respond?", issue="taiwan", event=3)
    await run("question add", text="Will the hotline be used?", issue="crisis communications")
    open_text = await run.text("questions")
    assert open_text.index("#1 ·") < open_text.index("#2 ·")  # oldest first
    await run("question answer", id=1, answer="He warned on Taiwan.", source="https://example.org/readout")
    with pytest.raises(UserError, match="already answered"):
        await run("question drop", id=1)
    await run("question drop", id=2, reason="Overtaken by events.")
    assert "He warned on Taiwan." in await run.text("questions", status="answered")
    assert "Overtaken by events." in await run.text("questions", status="dropped")
    assert "No open questions" in await run.text("questions")


# -- people ------------------------------------------------------------------------------------


async def test_person_add_and_show_with_aliases(run: Runner) -> None:
    await run(
        "person add",
        name="Wei Fenghe",
        side="china",
        title="Minister of National Defense",
        aliases="Wei Fenge, General Wei",
    )
    await run("event add", date="2022-04-20", us=AUSTIN, cn="General Wei", kind="call")
    text = await run.text("person show", name="wei fenge")
    assert "Also known as: General Wei, Wei Fenge" in text
    assert "#1 ·" in text


async def test_person_add_refuses_a_taken_name_or_alias(run: Runner) -> None:
    await run("person add", name="Wei Fenghe", side="china")
    with pytest.raises(UserError, match="already known as 'Wei Fenghe'"):
        await run("person add", name="wei fenghe", side="china")
    with pytest.raises(UserError, match="already means 'Wei Fenghe'"):
        await run("person add", name="Someone Else", side="china", aliases="Wei Fenghe")


async def test_a_person_of_one_side_cannot_stand_on_the_other(run: Runner) -> None:
    await seed(run)
    with pytest.raises(UserError, match="on the china side"):
        await run("event add", date="2022-05-01", us="Wei Fenghe", cn="Xi Jinping", kind="call")


# -- search ------------------------------------------------------------------------------------


async def test_search_finds_summaries_concerns_questions_and_people(run: Runner, other: Runner) -> None:
    await seed(run)
    await run("concern add", issue="taiwan", side="china", text="Playing with fire.")
    await run("question add", text="Will they meet in Singapore?")
    await other("event add", date="2022-01-01", us="A", cn="B", kind="call", summary="Singapore fire summit")
    assert "Virtual summit" in await run.text("search", query="summit")
    assert "Concern #" in await run.text("search", query="fire")
    assert "Question #1" in await run.text("search", query="singapore")
    assert "Person · Wei Fenghe" in await run.text("search", query="fenghe")
    assert "No matches" in await run.text("search", query="zzzz")


async def test_search_treats_operators_as_words(run: Runner) -> None:
    await seed(run)
    assert "No matches" in await run.text("search", query='NEAR(" OR * AND -"')


# -- digest ------------------------------------------------------------------------------------


async def test_digest_preview_sections(run: Runner) -> None:
    await seed(run)
    await run("concern add", issue="taiwan", side="china", text="Red line.", date="2022-04-19")
    await run("question add", text="How did Wei respond?", event=3)
    await run("question add", text="Any date for a meeting?")
    await run("question answer", id=2, answer="Not yet.")
    await run("event add", date="2022-06-10", us="Austin", cn="Wei Fenghe", kind="meeting", status="planned")
    text = await run.text("digest preview")
    lines = text.splitlines()
    assert lines[0] == "Digest preview: Apr 15, 2022 to Apr 21, 2022 (7 days)"
    assert lines[1] == "1 contact: defense phone call, Austin ↔ Wei Fenghe, Apr 20, 2022."
    assert lines[2] == "Silence broken: defense after 622 days (since Aug 6, 2020)."
    assert lines[3] == "No contact for over 90 days: leaders for 157 days (last Nov 15, 2021)."
    assert "Austin ↔ Wei Fenghe\n  Apr 20, 2022 · phone call · defense · #3\n  US raised: Taiwan, North Korea" in text
    assert "Stated positions, newest first\n  Apr 19, 2022 · China on Taiwan: “Red line.”" in text
    assert "#1 How did Wei respond? — raised today" in text
    assert "Answered (1), newest first\n  #2 Any date for a meeting? — Not yet." in text
    assert "Planned (1), soonest first\n  Jun 10, 2022 · meeting · defense · Austin ↔ Wei Fenghe · #4" in text


async def test_digest_preview_of_an_empty_period_names_the_last_contact(run: Runner) -> None:
    await seed(run)
    run.ctx.clock.at += dt.timedelta(days=60)  # type: ignore[attr-defined]
    text = await run.text("digest preview", days=7)
    # A quiet week is short: what was not recorded, the last contact, the silent tracks.
    assert text.splitlines() == [
        "Digest preview: Jun 14, 2022 to Jun 20, 2022 (7 days)",
        "Nothing recorded. Last contact: Apr 20, 2022 (2 months ago), defense phone call, Austin ↔ Wei Fenghe.",
        "No contact for over 90 days: leaders for 217 days (last Nov 15, 2021).",
    ]


async def test_digest_subscriptions_store_side(run: Runner, store: StoreContract) -> None:
    text = await run.text(
        "digest subscribe", channel="<#123>", weekday="friday", time="8:30", timezone="America/New_York", role="<@&77>"
    )
    assert "Subscribed channel #123" in text and "Fridays at 08:30 America/New_York" in text
    assert "Next digest: Apr 22, 2022 12:30 UTC" in text
    assert "Rescheduled" in await run.text("digest subscribe", channel="123")
    await run("digest pause", channel="123")
    with pytest.raises(UserError, match="already paused"):
        await run("digest pause", channel="123")
    assert "Paused: paused by Ann Analyst" in await run.text("digest status")
    await run("digest resume", channel="123")
    await run("digest unsubscribe", channel="123")
    assert "No digest subscriptions" in await run.text("digest status")
    with pytest.raises(NotFound):
        await run("digest unsubscribe", channel="123")
    actions = [a.action for a in await store.audit_entries(WS)]
    assert actions[:5] == ["delete", "resume", "pause", "update", "create"]


async def test_digest_subscribe_refuses_bad_time_and_zone(run: Runner) -> None:
    with pytest.raises(UserError, match="time"):
        await run("digest subscribe", channel="1", time="25:00")
    with pytest.raises(UserError, match="timezone"):
        await run("digest subscribe", channel="1", timezone="Mars/Olympus")


# -- hotline -----------------------------------------------------------------------------------


async def test_hotline_editors_and_help(run: Runner, store: StoreContract) -> None:
    await run("hotline editors", role="<@&555>")
    assert (await store.workspace_settings(WS)).editor_role == "555"
    help_text = await run.text("hotline help")
    assert "/lastcall [with] [track] — The latest contact" in help_text
    assert "/event add date us cn kind […] — Record a contact event ✎" in help_text
    assert "confirmed" not in help_text
    # One line per command, and no group heading repeating a command's first word: a title, what Hotline
    # is, the commands, and where to ask for more.
    shown = [c for c in COMMANDS.values() if not c.hidden]
    lines = help_text.splitlines()
    assert "\n/event\n" not in help_text
    assert [ln for ln in lines if ln.startswith("/")] == lines[2:-1] and len(lines) == len(shown) + 3
    # Help that fits a screen: about 40 rows of a terminal or a chat window.
    assert len(lines) <= 40
    details = await run.text("hotline help", command="event add")
    assert "us_raised (optional) — Issues the US raised" in details and "/event list" not in details
    with pytest.raises(UserError, match="not a command; ask about one of: concern, digest, event"):
        await run("hotline help", command="nonsense")


async def test_users_extend_the_office_table_and_past_contacts_follow(run: Runner, store: StoreContract) -> None:
    await seed(run)
    await run("event add", date="2022-04-21", us="Someone New (Head of the Pentagon)", cn="Wei Fenghe", kind="call")
    before = await run.text("lastcall")
    assert "first recorded contact between New and Wei Fenghe, and between their offices" in before
    reply = await run.text("hotline office", side="us", form="Head of the Pentagon", office="SecDef")
    assert "US office: Secretary of Defense" in reply and "Head of the Pentagon" in reply
    after = await run.text("lastcall")
    assert (
        "previous contact between their offices (Secretary of Defense ↔ Minister of National Defense) and on the"
        " defense track: Apr 20, 2022, 1 day earlier (Austin ↔ Wei Fenghe)" in after
    )
    assert "Head of the Pentagon" in await run.text("hotline offices", side="us")


async def test_a_new_office_needs_a_track(run: Runner) -> None:
    with pytest.raises(UserError, match="track"):
        await run("hotline office", side="china", form="Top envoy", office="Special Representative for Korea")
    text = await run.text(
        "hotline office", side="china", form="Top envoy", office="Special Representative for Korea", track="diplomatic"
    )
    assert "China office: Special Representative for Korea" in text


async def test_workspace_time_zone_command(run: Runner, store: StoreContract) -> None:
    await run("hotline timezone", timezone="America/New_York")
    assert (await store.workspace_settings(WS)).timezone == "America/New_York"
    with pytest.raises(UserError, match="timezone"):
        await run("hotline timezone", timezone="Nowhere/Special")


async def test_a_busy_digest_lists_the_newest_concerns_and_counts_the_rest(run: Runner) -> None:
    for day in range(1, 22):
        await run("concern add", issue="taiwan", side="china", text=f"Statement {day}.", date=f"2022-04-{day:02d}")
    text = await run.text("digest preview", days=21)
    # The newest twelve, newest first; the rest counted, with where to read them.
    assert text.index("Statement 21.") < text.index("Statement 10.")
    assert "Statement 9." not in text
    assert "9 more: /positions issue:… has each issue's history." in text
