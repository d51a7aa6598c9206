"""The converter that builds samples/us-china-contacts.jsonl from the shared research file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import convert_shared_contacts as conv


def test_the_committed_sample_matches_the_converter() -> None:
    if not conv.DEFAULT_INPUT.exists():
        pytest.skip("the shared research file is not beside the repository")
    lines = conv.DEFAULT_INPUT.read_text(encoding="utf-8").splitlines()
    assert conv.convert_file(lines, []) == conv.DEFAULT_OUTPUT.read_text(encoding="utf-8")


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
        ("material-support-to-russia", "material-support-to-russia"),
        ("1.5C", "1-5c"),
    ],
)
def test_issue_slug(topic: str, slug: str) -> None:
    assert conv.issue_slug(topic) == slug


def test_sources_split_outside_parentheses_and_keep_hosts_as_given() -> None:
    field = (
        "defense.gov/News/Releases/Release/Article/2303574 (Readout; Aug. 6, 2020); "
        "whtc.com / upnewsinfo.com Reuters 'Title'; artsakh.news/en/news/249380 & m.mamul.am (text); "
        "miragenews 'No host here'; thehill.com 537641 'Title'"
    )
    urls, dropped = conv.sources(field)
    assert urls == [
        "https://defense.gov/News/Releases/Release/Article/2303574",
        "https://whtc.com",
        "https://upnewsinfo.com",
        "https://artsakh.news/en/news/249380",
        "https://m.mamul.am",
        "https://thehill.com",
    ]
    assert dropped == ["miragenews 'No host here'"]


def test_a_from_memory_record_needs_an_unconfirmed_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    record = {
        "date": "2022-05-18",
        "us": [{"name": "Jake Sullivan", "title": "National Security Advisor"}],
        "cn": [{"name": "Yang Jiechi", "title": "Director, Office of the Central Foreign Affairs Commission"}],
        "channel": "phone call",
        "source": "example.org/a",
        "confidence": "from-memory",
    }
    monkeypatch.setitem(conv.SUMMARIES, "2022-05-18", "A call.")
    with pytest.raises(conv.ConversionError, match="unconfirmed"):
        conv.convert(record, [])


def test_an_unknown_channel_stops_the_conversion() -> None:
    record = {"date": "2022-04-20", "channel": "carrier pigeon", "us": [], "cn": []}
    with pytest.raises(conv.ConversionError, match="carrier pigeon"):
        conv.convert(record, [])


def test_check_mode_reports_a_stale_sample(tmp_path: Path) -> None:
    if not conv.DEFAULT_INPUT.exists():
        pytest.skip("the shared research file is not beside the repository")
    stale = tmp_path / "out.jsonl"
    stale.write_text("{}\n", encoding="utf-8")
    assert conv.main(["--check", "--quiet", "--output", str(stale)]) == 1
    assert conv.main(["--quiet", "--output", str(stale)]) == 0
    assert conv.main(["--check", "--quiet", "--output", str(stale)]) == 0
