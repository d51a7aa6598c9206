"""The import/export line format: every refusal names what is wrong, and export reads back as written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from commands.errors import UserError
from commands.transfer import KEY_ORDER, dump_line, event_to_dict, parse_line
from storage.records import Event, Participant, Source
from storage.vocab import EVENT_STATUSES, KINDS, REQUESTERS, TRACKS

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "us-china-contacts.jsonl"


def line(**changes: Any) -> str:
    """A valid line with some keys changed; a value of ... removes the key."""
    base: dict[str, Any] = {
        "date": "2022-04-20",
        "kind": "call",
        "track": "defense",
        "us": [{"name": "Lloyd J. Austin III", "title": "Secretary of Defense"}],
        "cn": [{"name": "Wei Fenghe", "title": "Minister of National Defense"}],
        "minutes": 45,
        "requested_by": "us",
        "location": None,
        "status": "held",
        "summary": "First call between the two.",
        "sources": ["https://www.defense.gov/News/Releases/"],
        "raised": {"us": ["taiwan", "south-china-sea"], "china": ["taiwan"]},
    }
    for key, value in changes.items():
        if value is ...:
            base.pop(key, None)
        else:
            base[key] = value
    return json.dumps(base)


def refused(raw: str) -> str:
    with pytest.raises(UserError) as info:
        parse_line(raw)
    return str(info.value)


# --- a valid line ---------------------------------------------------------------------------------


def test_parses_the_design_example() -> None:
    event = parse_line(line())
    assert event.day == dt.date(2022, 4, 20)
    assert event.kind == "call"
    assert event.track == "defense"
    assert [(p.name, p.side, p.title) for p in event.us] == [("Lloyd J. Austin III", "us", "Secretary of Defense")]
    assert [(p.name, p.side, p.title) for p in event.cn] == [("Wei Fenghe", "china", "Minister of National Defense")]
    assert event.minutes == 45
    assert event.requested_by == "us"
    assert event.location is None
    assert event.status == "held"
    assert event.summary == "First call between the two."
    assert event.sources == [Source("https://www.defense.gov/News/Releases/")]
    assert event.raised == {"us": ["taiwan", "south-china-sea"], "china": ["taiwan"]}
    assert event.time is None and event.timezone is None


def test_only_required_keys_gives_the_defaults() -> None:
    event = parse_line(
        json.dumps({"date": "2021-02-10", "kind": "call", "us": [{"name": "Biden"}], "cn": [{"name": "Xi"}]})
    )
    assert event.track is None
    assert event.us[0].title is None
    assert event.minutes is None
    assert event.requested_by == "unknown"
    assert event.status == "held"
    assert event.summary is None and event.location is None
    assert event.sources == []
    assert event.raised == {}


def test_null_optional_values_mean_unset() -> None:
    event = parse_line(
        line(track=None, minutes=None, requested_by=None, status=None, summary=None, sources=None, raised=None)
    )
    assert event.track is None
    assert event.minutes is None
    assert event.requested_by == "unknown"
    assert event.status == "held"
    assert event.sources == []
    assert event.raised == {}


def test_cn_in_raised_means_china_and_issues_are_slugified() -> None:
    event = parse_line(line(raised={"us": ["South China Sea", "Taiwan", "taiwan"], "cn": ["Hong_Kong"]}))
    assert event.raised == {"us": ["south-china-sea", "taiwan"], "china": ["hong-kong"]}


def test_empty_raised_lists_are_dropped() -> None:
    assert parse_line(line(raised={"us": [], "china": ["taiwan"]})).raised == {"china": ["taiwan"]}


def test_values_are_trimmed_and_vocab_is_case_insensitive() -> None:
    event = parse_line(line(kind=" Meeting ", track="DEFENSE", status="Planned", location="  Singapore "))
    assert (event.kind, event.track, event.status, event.location) == ("meeting", "defense", "planned", "Singapore")


def test_requested_by_takes_cn_for_china() -> None:
    assert parse_line(line(requested_by="cn")).requested_by == "china"
    assert parse_line(line(requested_by="unknown")).requested_by == "unknown"


def test_time_and_timezone() -> None:
    event = parse_line(line(time="8:33", timezone="America/New_York"))
    assert (event.time, event.timezone) == ("08:33", "America/New_York")


def test_duplicate_sources_are_kept_once() -> None:
    assert parse_line(line(sources=["https://a.example/x", "https://a.example/x"])).sources == [
        Source("https://a.example/x")
    ]


def test_a_byte_order_mark_is_ignored() -> None:
    assert parse_line("\ufeff" + line()).day == dt.date(2022, 4, 20)


def test_unicode_survives() -> None:
    event = parse_line(line(cn=[{"name": "魏凤和", "title": "国防部长"}], summary="Bali — G20"))
    assert event.cn[0].name == "魏凤和"
    assert event.summary == "Bali — G20"


# --- refusals --------------------------------------------------------------------------------------


def test_bad_json() -> None:
    message = refused('{"date": "2022-04-20", "kind": "call",')
    assert "not valid JSON" in message


def test_empty_line() -> None:
    assert "empty" in refused("   ")


@pytest.mark.parametrize(
    ("raw", "what"),
    [("[1, 2]", "a list"), ('"call"', "a string"), ("42", "a number"), ("null", "null"), ("true", "true/false")],
)
def test_not_an_object(raw: str, what: str) -> None:
    message = refused(raw)
    assert "JSON object" in message and what in message


def test_duplicate_key() -> None:
    raw = '{"date": "2022-04-20", "date": "2022-04-21", "kind": "call", "us": [{"name": "A"}], "cn": [{"name": "B"}]}'
    assert "'date' appears more than once" in refused(raw)


@pytest.mark.parametrize("key", ["date", "kind", "us", "cn"])
def test_missing_required_field(key: str) -> None:
    assert refused(line(**{key: ...})) == f"{key}: is required"


def test_required_field_given_as_null() -> None:
    assert refused(line(kind=None)) == "kind: is required"


@pytest.mark.parametrize("value", ["20-04-2022", "2022/04/20", "April 20, 2022", "today", "Wednesday", "2022-4-20"])
def test_bad_date(value: str) -> None:
    message = refused(line(date=value))
    assert message.startswith("date: ") and "YYYY-MM-DD" in message


def test_impossible_date() -> None:
    message = refused(line(date="2022-02-30"))
    assert message.startswith("date: ") and "not a real calendar date" in message


def test_date_too_far_back() -> None:
    assert refused(line(date="1899-12-31")).startswith("date: ")


def test_date_not_a_string() -> None:
    assert refused(line(date=20220420)) == "date: must be a string, not a number"


def test_bad_kind() -> None:
    message = refused(line(kind="telegram"))
    assert message.startswith("kind: 'telegram' is not one of: ")
    assert all(kind in message for kind in KINDS)


def test_bad_track_status_and_requester() -> None:
    assert refused(line(track="sports")).startswith("track: ")
    assert all(t in refused(line(track="sports")) for t in TRACKS)
    assert refused(line(status="rumoured")).startswith("status: ")
    assert all(s in refused(line(status="rumoured")) for s in EVENT_STATUSES)
    assert refused(line(requested_by="russia")).startswith("requested_by: ")
    assert all(r in refused(line(requested_by="russia")) for r in REQUESTERS)


@pytest.mark.parametrize("minutes", [0, 1441, -5])
def test_minutes_out_of_range(minutes: int) -> None:
    assert refused(line(minutes=minutes)) == f"minutes: {minutes} is out of range; give a number from 1 to 1440"


def test_minutes_at_the_limits() -> None:
    assert parse_line(line(minutes=1)).minutes == 1
    assert parse_line(line(minutes=1440)).minutes == 1440


@pytest.mark.parametrize("minutes", ["45", 45.5, 45.0, True])
def test_minutes_must_be_a_whole_number(minutes: object) -> None:
    assert refused(line(minutes=minutes)).startswith("minutes: must be a whole number")


@pytest.mark.parametrize("source", ["ftp://example.org/x", "www.defense.gov/News", "javascript:alert(1)", "https://"])
def test_non_http_source(source: str) -> None:
    message = refused(line(sources=["https://ok.example/", source]))
    assert message.startswith("sources[2]: ") and "http" in message


def test_over_long_source() -> None:
    message = refused(line(sources=["https://example.org/" + "a" * 500]))
    assert message.startswith("sources[1]: ") and "the limit is 500" in message


def test_sources_must_be_a_list() -> None:
    assert refused(line(sources="https://example.org/")).startswith("sources: must be a list")
    assert refused(line(sources=[42])) == "sources[1]: must be a string, not a number"


def test_over_long_summary() -> None:
    message = refused(line(summary="x" * 2001))
    assert message == "summary: is 2001 characters long; the limit is 2000"
    assert parse_line(line(summary="x" * 2000)).summary == "x" * 2000


def test_control_characters_in_summary() -> None:
    assert refused(line(summary="bell\x07")).startswith("summary: contains control characters")


def test_over_long_location() -> None:
    assert refused(line(location="x" * 201)).startswith("location: ")


def test_unknown_key() -> None:
    message = refused(line(channel="phone call"))
    assert message.startswith("unknown key 'channel'; a line may have: date, kind")


def test_unknown_keys_are_all_named() -> None:
    message = refused(line(channel="phone call", note="from memory"))
    assert "unknown keys 'channel', 'note'" in message


@pytest.mark.parametrize("key", ["us", "cn"])
def test_empty_participant_list(key: str) -> None:
    assert refused(line(**{key: []})) == (
        f"{key}: must name at least one person (only a contact that did not take place may not)"
    )


@pytest.mark.parametrize("status", ["declined", "postponed", "cancelled", "planned"])
def test_a_contact_that_did_not_take_place_may_leave_a_side_unnamed(status: str) -> None:
    event = parse_line(line(status=status, cn=[]))
    assert event.cn == [] and event.status == status
    assert parse_line(line(status=status, us=[], cn=[])).us == []


def test_sources_with_title_publisher_or_note() -> None:
    event = parse_line(
        line(
            sources=[
                {"url": "https://www.defense.gov/r", "title": "Readout", "publisher": "Department of Defense"},
                {"note": "forexlive, 27 March 2020"},
                "https://example.org/x",
            ]
        )
    )
    assert event.sources == [
        Source("https://www.defense.gov/r", "Readout", "Department of Defense"),
        Source(None, note="forexlive, 27 March 2020"),
        Source("https://example.org/x"),
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"title": "no link"}, "sources[1]: needs a url, or a note for a citation without a link"),
        ({"url": "ftp://x.example/"}, "sources[1].url: 'ftp://x.example/' is not a link"),
        ({"url": "https://x.example/", "by": "me"}, "sources[1]: unknown key 'by'; a source has: url, title"),
        ({"url": "https://x.example/", "title": 5}, "title: must be a string, not a number"),
    ],
)
def test_bad_source_objects_are_refused(source: dict[str, Any], message: str) -> None:
    assert refused(line(sources=[source])).startswith(message)


def test_confidence_and_its_note() -> None:
    event = parse_line(line(confidence="partial", confidence_note="China's topics are unconfirmed."))
    assert (event.confidence, event.confidence_note) == ("partial", "China's topics are unconfirmed.")
    assert refused(line(confidence="sure")).startswith("confidence: 'sure' is not one of: verified, partial")


def test_participant_aliases() -> None:
    event = parse_line(line(us=[{"name": "Pete Hegseth", "aliases": ["Hegseth", "Hegseth", "Pete"]}]))
    assert event.us[0].aliases == ("Hegseth", "Pete")
    assert refused(line(us=[{"name": "X", "aliases": "Y"}])) == "us[1].aliases: must be a list of names, not a string"
    too_many = [f"a{i}" for i in range(21)]
    assert refused(line(us=[{"name": "X", "aliases": too_many}])) == "us[1].aliases: 21 aliases; at most 20"


def test_participants_must_be_a_list_of_objects() -> None:
    assert refused(line(us="Lloyd J. Austin III")).startswith("us: must be a list of people")
    assert refused(line(us=["Lloyd J. Austin III"])).startswith("us[1]: must be an object")


def test_participant_without_a_name() -> None:
    assert refused(line(cn=[{"name": "Wei Fenghe"}, {"title": "Minister"}])) == "cn[2].name: is required"
    assert refused(line(cn=[{"name": "  "}])).startswith("cn[1].name: must not be empty")


def test_participant_unknown_key() -> None:
    message = refused(line(us=[{"name": "Austin", "side": "us"}]))
    assert message == "us[1]: unknown key 'side'; a person has: name, title, aliases"


def test_participant_name_and_title_limits() -> None:
    assert refused(line(us=[{"name": "x" * 101}])).startswith("us[1].name: is 101 characters long")
    assert refused(line(us=[{"name": "A", "title": "x" * 201}])).startswith("us[1].title: is 201 characters")
    assert refused(line(us=[{"name": "A", "title": 7}])) == "us[1].title: must be a string, not a number"


def test_participant_listed_twice() -> None:
    message = refused(line(us=[{"name": "Austin"}, {"name": "austin"}]))
    assert message == "us: 'austin' is listed twice"


def test_raised_errors() -> None:
    assert refused(line(raised=["taiwan"])).startswith("raised: must be an object")
    assert refused(line(raised={"russia": ["ukraine"]})).startswith("raised: unknown side 'russia'")
    assert refused(line(raised={"cn": ["taiwan"], "china": ["trade"]})).startswith(
        "raised: China's issues are given under both 'cn' and 'china'"
    )
    assert refused(line(raised={"us": "taiwan"})).startswith("raised.us: must be a list")
    assert refused(line(raised={"us": ["taiwan", 3]})) == "raised.us[2]: must be a string, not a number"
    assert refused(line(raised={"us": ["--"]})).startswith("raised.us[1]: '--' has no letters or digits")
    assert refused(line(raised={"us": [""]})).startswith("raised.us[1]: must not be empty")


def test_bad_time_and_timezone() -> None:
    assert refused(line(time="25:00")).startswith("time: ")
    assert refused(line(timezone="Mars/Olympus")).startswith("timezone: ")


# --- export ----------------------------------------------------------------------------------------


def make_event(**changes: Any) -> Event:
    fields: dict[str, Any] = {
        "id": 7,
        "day": dt.date(2022, 6, 10),
        "kind": "meeting",
        "track": "defense",
        "status": "held",
        "minutes": 55,
        "requested_by": "china",
        "location": "Singapore (Shangri-La Dialogue)",
        "summary": 'Wei asked for the meeting; "most of it" on Taiwan.\nSecond line.',
        "sources": (Source("https://www.defense.gov/a"), Source("https://example.org/b")),
        "participants": (
            Participant(3, "Wei Fenghe", "china", "Minister of National Defense", "china:minister-of-national-defense"),
            Participant(1, "Lloyd J. Austin III", "us", "Secretary of Defense", "us:secretary-of-defense"),
            Participant(2, "Ely Ratner", "us", None, None),
        ),
    }
    fields.update(changes)
    return Event(**fields)


def test_export_keys_follow_the_design_order() -> None:
    d = event_to_dict(make_event(), {"us": ["taiwan"], "china": ["taiwan"]})
    assert list(d) == list(KEY_ORDER[:12])
    assert d["us"] == [
        {"name": "Lloyd J. Austin III", "title": "Secretary of Defense"},
        {"name": "Ely Ratner"},
    ]
    assert d["cn"] == [{"name": "Wei Fenghe", "title": "Minister of National Defense"}]
    assert d["raised"] == {"us": ["taiwan"], "china": ["taiwan"]}


def test_time_and_timezone_only_when_set() -> None:
    d = event_to_dict(make_event(time="08:33", timezone="America/New_York"), {})
    assert list(d)[-2:] == ["time", "timezone"]
    assert "time" not in event_to_dict(make_event(), {})


def test_raised_side_keys_are_us_and_china() -> None:
    d = event_to_dict(make_event(), {"cn": ["trade"], "us": ["taiwan", "taiwan"]})
    assert d["raised"] == {"us": ["taiwan"], "china": ["trade"]}
    with pytest.raises(ValueError):
        event_to_dict(make_event(), {"other": ["trade"]})


@pytest.mark.parametrize(
    "event",
    [
        make_event(),
        make_event(minutes=None, location=None, summary=None, sources=(), requested_by="unknown"),
        make_event(time="21:05", timezone="Asia/Shanghai", status="planned", kind="talks", track="other"),
    ],
)
def test_round_trip(event: Event) -> None:
    raised = {"us": ["taiwan", "north-korea"], "china": ["taiwan"]}
    back = parse_line(dump_line(event_to_dict(event, raised)))
    assert back.day == event.day
    assert back.kind == event.kind
    assert back.track == event.track
    assert [(p.name, p.side, p.title) for p in (*back.us, *back.cn)] == [
        (p.name, p.side, p.title) for p in (*event.side("us"), *event.side("china"))
    ]
    assert back.minutes == event.minutes
    assert back.requested_by == event.requested_by
    assert back.location == event.location
    assert back.status == event.status
    assert back.summary == event.summary
    assert tuple(back.sources) == event.sources
    assert back.raised == raised
    assert (back.time, back.timezone) == (event.time, event.timezone)


def test_round_trip_without_raised_issues() -> None:
    assert parse_line(dump_line(event_to_dict(make_event(), {}))).raised == {}


def test_dump_line_is_one_line_of_readable_utf8_in_format_order() -> None:
    text = dump_line({"raised": {}, "summary": "a\nb — 魏", "date": "2022-04-20", "extra": 1, "kind": "call"})
    assert "\n" not in text
    assert "魏" in text and "—" in text
    assert list(json.loads(text)) == ["date", "kind", "summary", "raised", "extra"]


# --- the shipped sample ----------------------------------------------------------------------------


def sample_lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def test_sample_has_the_contacts_of_2020_to_2026() -> None:
    lines = sample_lines()
    assert len(lines) == 113
    statuses = [json.loads(raw)["status"] for raw in lines]
    assert statuses.count("held") == 94
    assert {s for s in statuses if s != "held"} == {"declined", "postponed", "cancelled"}
    assert json.loads(lines[-1])["date"] == "2026-05-14"


@pytest.mark.parametrize("number", range(1, 114))
def test_every_sample_line_parses(number: int) -> None:
    raw = sample_lines()[number - 1]
    event = parse_line(raw)
    # What parse_line normalizes is already normal in the sample, so importing it changes nothing.
    data = json.loads(raw)
    assert list(data)[:12] == list(KEY_ORDER[:12])
    assert event.raised == {side: slugs for side, slugs in data["raised"].items() if slugs}
    assert [s.as_json() for s in event.sources] == data["sources"]
    assert event.confidence == data.get("confidence")


def test_sample_marks_what_is_unconfirmed() -> None:
    by_date = {json.loads(raw)["date"]: json.loads(raw) for raw in sample_lines() if '"held"' in raw}
    assert by_date["2022-05-18"]["confidence"] == "unconfirmed"
    assert by_date["2022-11-22"]["confidence"] == "partial" and "Taiwan" in by_date["2022-11-22"]["confidence_note"]
    assert "confidence" not in by_date["2022-04-20"]
    assert by_date["2022-06-10"]["requested_by"] == "china"
    assert by_date["2020-06-17"]["requested_by"] == "unknown"  # disputed
    assert by_date["2021-11-15"]["kind"] == "summit"
    for line in sample_lines():
        assert "from memory" not in line.split('"sources"')[0]
    assert by_date["2022-11-14"]["kind"] == "meeting"
