"""Dates: relative words against the publication date, ranges, and the Washington day of remote contacts."""

from __future__ import annotations

import datetime as dt

import pytest

from extraction.dates import mentions, parse_published, washington_day
from extraction.draft import Readout
from extraction.extract import extract
from extraction.people import People

D = dt.date


@pytest.mark.parametrize(
    ("sentence", "published", "day"),
    [
        ("Secretary Blinken spoke today with Wang Yi.", D(2023, 10, 14), D(2023, 10, 14)),
        ("Gina Raimondo met yesterday with Wang Wentao.", D(2023, 11, 17), D(2023, 11, 16)),
        ("The two spoke last night.", D(2022, 7, 29), D(2022, 7, 28)),
        ("Dong Jun held talks in Beijing on Monday.", D(2024, 10, 15), D(2024, 10, 14)),
        ("Wei Fenghe held a call on Wednesday.", D(2022, 4, 20), D(2022, 4, 20)),  # the day itself
        ("held a phone talk with Dr. Mark Esper on March 3, 2020.", D(2020, 3, 4), D(2020, 3, 3)),
        ("On the afternoon of 14 November local time, President Xi met.", D(2022, 11, 14), D(2022, 11, 14)),
        ("Jake Sullivan met on September 16-17 with Wang Yi in Malta.", D(2023, 9, 17), D(2023, 9, 16)),
        ("From January 26 to 27, Wang Yi held talks.", D(2024, 1, 27), D(2024, 1, 26)),
        ("They met on December 30.", D(2024, 1, 2), D(2023, 12, 30)),  # the year before a January release
        ("10/26/2023 11:52 PM EDT", D(2023, 10, 26), D(2023, 10, 26)),
    ],
)
def test_the_day_a_sentence_names(sentence: str, published: dt.date, day: dt.date) -> None:
    assert mentions(sentence, published)[0].day == day


def test_a_dateline_is_the_release_not_the_contact() -> None:
    found = mentions("BEIJING, Mar. 4 -- Wei Fenghe held a phone talk on March 3, 2020.", D(2020, 3, 4))
    assert [m.day for m in found] == [D(2020, 3, 3)]


def test_ranges_and_times_of_day_are_kept() -> None:
    (found,) = mentions("on the evening of April 16", D(2024, 4, 17))
    assert (found.day, found.part_of_day, found.is_range) == (D(2024, 4, 16), "evening", False)
    (found,) = mentions("on Thursday morning", D(2021, 9, 10))
    assert (found.day, found.part_of_day) == (D(2021, 9, 9), "morning")
    assert mentions("November 9-10", D(2022, 11, 12))[0].is_range


def test_a_relative_date_without_a_publication_date_is_unknown() -> None:
    assert mentions("They spoke today.", None)[0].day is None


def test_washington_day() -> None:
    # A Beijing morning is the previous day in Washington; an evening the same day; in person, the local day.
    assert washington_day(D(2021, 9, 10), author_side="cn", kind="call", part_of_day="morning") == D(2021, 9, 9)
    assert washington_day(D(2024, 4, 16), author_side="cn", kind="video", part_of_day="evening") == D(2024, 4, 16)
    assert washington_day(D(2023, 6, 19), author_side="cn", kind="meeting", part_of_day="morning") == D(2023, 6, 19)
    assert washington_day(D(2022, 7, 28), author_side="us", kind="call", part_of_day="morning") == D(2022, 7, 28)


def test_beijing_morning_call_in_a_chinese_text_gets_the_washington_day(people: People) -> None:
    text = (
        "BEIJING, Sept. 10 (Xinhua) -- Chinese President Xi Jinping on Friday morning had a phone conversation"
        " with U.S. President Joe Biden at the latter's request."
    )
    draft = extract(Readout("x", text, publisher="Xinhua", published=D(2021, 9, 10)), people)
    assert (draft.date, draft.kind, draft.requested_by) == (D(2021, 9, 9), "call", "us")


def test_evening_video_call_in_a_chinese_text_keeps_its_day(people: People) -> None:
    text = (
        "BEIJING, Apr. 17 -- Chinese Defense Minister Admiral Dong Jun held a video call with US Secretary of"
        " Defense Lloyd Austin on the evening of April 16."
    )
    draft = extract(Readout("x", text, publisher="PRC MND", published=D(2024, 4, 17)), people)
    assert (draft.date, draft.kind) == (D(2024, 4, 16), "video")


@pytest.mark.parametrize("value", ["2024-13-01", "17 April", 20240417, "2024/04/17"])
def test_a_malformed_publication_date_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="published"):
        parse_published(value)
