"""The converter that builds samples/us-china-contacts.jsonl from the research files in samples/research."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from storage.records import Source
from tools import convert_shared_contacts as conv
from tools import sample_text


def test_the_committed_sample_matches_the_converter() -> None:
    notices: list[str] = []
    text = conv.convert_files(conv.DEFAULT_DATA, notices)
    assert text == conv.DEFAULT_OUTPUT.read_text(encoding="utf-8")
    assert text.count("\n") == 33 + 34 + 27 + 19  # every record of the three contact files and the declined one
    dates = [json.loads(line)["date"] for line in text.splitlines()]
    assert dates == sorted(dates)


def copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(conv.DEFAULT_DATA, data)
    for path in data.iterdir():
        path.chmod(0o644)
    return data


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        (conv.CONTACT_FILES[1], "{not json", "us-china-contacts-2023-2024.jsonl line 35: not JSON"),
        (conv.CONTACT_FILES[2], "[1, 2]", "line 28: not a JSON object"),
        (conv.DECLINED_FILE, json.dumps({"date": "2026-06-01", "us": [], "cn": []}), "no summary written"),
    ],
)
def test_an_unconvertible_line_stops_the_conversion(tmp_path: Path, name: str, line: str, message: str) -> None:
    data = copy_data(tmp_path)
    with (data / name).open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    with pytest.raises(conv.ConversionError, match=message):
        conv.convert_files(data, [])


def test_a_missing_research_file_stops_the_conversion(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    (data / conv.DECLINED_FILE).unlink()
    assert conv.main(["--data", str(data), "--output", str(tmp_path / "out.jsonl")]) == 2


def test_a_record_without_its_text_stops_the_conversion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sample_text.CONTACTS, "2024-04-16 Dong Jun")
    with pytest.raises(conv.ConversionError, match="2024-04-16 Dong Jun: no summary written"):
        conv.convert_files(conv.DEFAULT_DATA, [])


def test_a_text_for_no_record_stops_the_conversion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sample_text.CONTACTS, "2030-01-01 Nobody", sample_text.Text("A call."))
    with pytest.raises(conv.ConversionError, match="texts for records not in the files: 2030-01-01 Nobody"):
        conv.convert_files(conv.DEFAULT_DATA, [])


RECORD: dict[str, Any] = {
    "date": "2022-05-18",
    "us": [{"name": "Jake Sullivan", "title": "National Security Advisor"}],
    "cn": [{"name": "Yang Jiechi", "title": "Director, Office of the Central Foreign Affairs Commission"}],
    "channel": "phone call",
    "source": "example.org/a",
    "confidence": "verified-in-source",
    "note": "",
}


@pytest.mark.parametrize(
    ("changes", "text", "message"),
    [
        ({"confidence": "from-memory"}, sample_text.Text("A call."), "must give it a confidence"),
        ({"note": "Topics from memory."}, sample_text.Text("A call."), "must give it a confidence"),
        ({}, sample_text.Text("A call, from memory."), "holds a research note"),
        ({}, sample_text.Text("Per project convention, a call."), "holds a research note"),
        ({}, sample_text.Text("A call.", "partial"), "needs a note"),
        ({"channel": "carrier pigeon"}, sample_text.Text("A call."), "carrier pigeon"),
        ({"cn": []}, sample_text.Text("A call."), "names someone on each side"),
    ],
)
def test_what_a_record_needs(changes: dict[str, Any], text: sample_text.Text, message: str) -> None:
    with pytest.raises(conv.ConversionError, match=message):
        conv.Converter([]).convert({**RECORD, **changes}, text, declined=False)


def test_a_partly_verified_record_carries_its_confidence() -> None:
    text = sample_text.Text("A call.", "partial", "China's topics are not confirmed.")
    line = conv.Converter([]).convert({**RECORD, "confidence": "partially-verified"}, text, declined=False)
    assert (line["confidence"], line["confidence_note"]) == ("partial", "China's topics are not confirmed.")


def test_declined_records() -> None:
    record = {**RECORD, "status": "declined", "requested_by": "us", "cn": []}
    text = sample_text.Text("Refused.", track="diplomatic")
    line = conv.Converter([]).convert(record, text, declined=True)
    assert (line["status"], line["requested_by"], line["cn"], line["track"]) == ("declined", "us", [], "diplomatic")
    with pytest.raises(conv.ConversionError, match="needs its track"):
        conv.Converter([]).convert(record, sample_text.Text("Refused."), declined=True)
    with pytest.raises(conv.ConversionError, match="status 'held'"):
        conv.Converter([]).convert({**record, "status": "held"}, text, declined=True)


def test_names_titles_and_aliases() -> None:
    converter = conv.Converter([])
    record = {
        **RECORD,
        "us": [{"name": "Lloyd Austin", "title": "Secretary of Defense (styled Secretary of War from Sept. 2025)"}],
        "cn": [{"name": "Xi Jinping", "title": "President"}],
    }
    line = converter.convert(record, sample_text.Text("A call."), declined=False)
    assert line["us"] == [
        {"name": "Lloyd J. Austin III", "title": "Secretary of War", "aliases": ["Austin", "Lloyd Austin"]}
    ]
    assert line["cn"] == [{"name": "Xi Jinping", "title": "President of the PRC", "aliases": ["President Xi", "Xi"]}]
    again = converter.convert(record, sample_text.Text("A call."), declined=False)
    assert again["us"] == [{"name": "Lloyd J. Austin III", "title": "Secretary of War"}]  # aliases: first line only


@pytest.mark.parametrize(
    "title",
    [
        "Minister of National Defense (General, PLA)",
        "State Councilor and Minister of National Defense (General, PLA)",
        "Defense Minister",
    ],
)
def test_wei_fenghe_titles_map_to_the_defense_minister(title: str) -> None:
    assert conv.office_of("china", title) == ("china:minister-of-national-defense", False)


def test_a_compound_title_matches_by_its_first_part_and_says_so() -> None:
    title = "Vice Premier; lead of a dialogue the table does not list"
    assert conv.office_of("china", title) == ("china:vice-premier", True)


def test_an_unknown_title_stops_the_conversion() -> None:
    with pytest.raises(conv.ConversionError, match="matches no office form"):
        conv.office_of("us", "Court Astrologer")


def test_the_same_form_differs_by_side() -> None:
    assert conv.office_of("us", "President")[0] == "us:president"
    assert conv.office_of("china", "President")[0] == "china:president"


@pytest.mark.parametrize(
    ("us", "cn", "track"),
    [
        ({"us:president"}, {"china:president"}, "leaders"),
        ({"us:chairman-joint-chiefs"}, {"china:chief-joint-staff"}, "defense"),
        ({"us:secretary-of-the-treasury"}, {"china:vice-premier"}, "economic"),
        ({"us:climate-envoy"}, {"china:vice-premier"}, "climate"),
        ({"us:climate-envoy"}, {"china:foreign-minister"}, "climate"),
        ({"us:secretary-of-state"}, {"china:foreign-minister"}, "diplomatic"),
        ({"us:secretary-of-defense"}, {"china:foreign-minister"}, "diplomatic"),
    ],
)
def test_track_from_offices(us: set[str], cn: set[str], track: str) -> None:
    assert conv.track_for(us, cn) == track


@pytest.mark.parametrize(
    ("initiated_by", "side"),
    [
        (None, "unknown"),
        ("US (Milley)", "us"),
        ("China (Wei requested the meeting earlier that week, per DoD)", "china"),
        ("disputed: Xinhua said at Pompeo's request; Bloomberg source said China requested", "unknown"),
    ],
)
def test_requester(initiated_by: str | None, side: str) -> None:
    assert conv.requester(initiated_by) == side


def test_an_unclear_requester_stops_the_conversion() -> None:
    with pytest.raises(conv.ConversionError):
        conv.requester("probably the Americans")


@pytest.mark.parametrize(
    ("topic", "slug"),
    [
        ("taiwan", "taiwan"),
        ("south-china-sea", "south-china-sea"),
        ("ukraine", "russia-ukraine"),
        ("tariffs", "trade"),
        ("russia-ukraine-economic-impact", "russia-ukraine-economic-impact"),
        ("material-support-to-russia", "russia-ukraine"),  # sample_text.TOPICS: one of the built-in issues
        ("one-china-principle", "taiwan"),
        ("pla-activity-near-taiwan", "pla-activity-near-taiwan"),
        ("1.5C", "1-5c"),
    ],
)
def test_issue_slug(topic: str, slug: str) -> None:
    assert conv.issue_slug(topic) == slug


def test_sources_official_first_then_links_with_a_path_then_words() -> None:
    record = {
        "official_sources": [
            {"url": "https://www.defense.gov/r", "title": "[title not captured] Readout", "publisher": "DoD"}
        ],
        "source": (
            "defense.gov/r (the same page); whtc.com / upnewsinfo.com Reuters 'Title'; "
            "artsakh.news/en/news/249380 (text; more); forexlive.com 2020-03-27 'Trump tweets'"
        ),
    }
    assert conv.sources(record) == [
        Source("https://www.defense.gov/r", "Readout", "DoD"),
        Source(None, note="whtc.com / upnewsinfo.com Reuters 'Title'"),
        Source("https://artsakh.news/en/news/249380", note="text; more"),
        Source(None, note="forexlive.com 2020-03-27 'Trump tweets'"),
    ]


def test_check_mode_reports_a_stale_sample(tmp_path: Path) -> None:
    stale = tmp_path / "out.jsonl"
    stale.write_text("{}\n", encoding="utf-8")
    assert conv.main(["--check", "--quiet", "--output", str(stale)]) == 1
    assert conv.main(["--quiet", "--output", str(stale)]) == 0
    assert conv.main(["--check", "--quiet", "--output", str(stale)]) == 0
