"""Each extraction rule on real sentences of the dev readouts (short quotes of public official texts)."""

from __future__ import annotations

import datetime as dt

import pytest

from extraction.draft import Readout
from extraction.extract import extract
from extraction.issues import issues_in
from extraction.mentions import clean_title, find, side_marker
from extraction.people import People, looks_chinese, name_key
from extraction.sentences import paragraphs, split
from extraction.speakers import phrase_references, speaker


def readout(text: str, publisher: str = "US State", published: str = "2023-10-14", rid: str = "t") -> Readout:
    return Readout(rid, text, publisher=publisher, published=dt.date.fromisoformat(published))


# -- sentences -------------------------------------------------------------------------------------------------


def test_sentences_keep_abbreviations_and_initials_whole() -> None:
    text = "On August 6, 2020, Secretary of Defense Mark T. Esper held a telephone call. Dr. Esper expressed it."
    assert [s.text for s in split(text)] == [
        "On August 6, 2020, Secretary of Defense Mark T. Esper held a telephone call.",
        "Dr. Esper expressed it.",
    ]


def test_a_paragraph_ending_on_a_comma_goes_on_in_the_next() -> None:
    text = "By adhering to the concept of a community with shared future for mankind,\n\nChina has been reporting."
    assert paragraphs(text) == [
        "By adhering to the concept of a community with shared future for mankind, China has been reporting."
    ]


# -- people and titles ---------------------------------------------------------------------------------------


def test_a_name_with_its_title_as_written(people: People) -> None:
    sentence = (
        "On October 31, 2022, Member of the Political Bureau of the CPC Central Committee, State Councilor and"
        " Foreign Minister Wang Yi spoke with U.S. Secretary of State Antony Blinken on the phone."
    )
    found = find(sentence, people)
    assert [(m.name, m.title) for m in found] == [
        (
            "Wang Yi",
            "Member of the Political Bureau of the CPC Central Committee, State Councilor and Foreign Minister",
        ),
        ("Antony Blinken", "Secretary of State"),
    ]


def test_country_words_and_ranks_leave_the_title() -> None:
    assert clean_title("Chinese State Councilor and Defense Minister General") == "State Councilor and Defense Minister"
    assert clean_title("the People’s Republic of China’s (PRC) Minister of National Defense") == (
        "Minister of National Defense"
    )
    assert clean_title("Vice Premier of the People’s Republic of China") == "Vice Premier"
    assert clean_title("US Secretary of Defense Dr.") == "Secretary of Defense"
    # "Chinese Communist Party" is part of the title, not a country word.
    assert clean_title("Chinese Communist Party Politburo Member") == "Chinese Communist Party Politburo Member"


def test_a_title_after_the_name_between_commas(people: People) -> None:
    sentence = (
        "Secretary Austin had his first engagement with Admiral Dong Jun, Minister of National Defense of the PRC."
    )
    dong = find(sentence, people)[1]
    assert (dong.name, dong.title) == ("Dong Jun", "Minister of National Defense")


def test_a_surname_alone_counts_after_a_title_or_before_a_speech_verb(people: People) -> None:
    found = find("Wei stressed China's stance on South China Sea and Taiwan.", people)
    assert [(m.name, m.evidence) for m in found] == [("Wei", "verb"), ("Sea", "surname?"), ("Taiwan", "surname?")]
    assert [m.name for m in find("He expressed his willingness to enhance dialogue.", people)] == []
    assert [m.evidence for m in find("Secretary Raimondo noted it.", people)] == ["title"]


def test_side_markers_name_the_side() -> None:
    assert side_marker("Philippine Officer in Charge of the Department of National Defense") == "other"
    assert side_marker("Russian counterpart") == "other"
    assert side_marker("PRC State Councilor and Foreign Minister") == "cn"
    assert side_marker("U.S. Secretary of Defense") == "us"
    # The subject of an office is not its side.
    assert side_marker("Deputy Assistant Secretary of Defense for China") is None


def test_names_compare_without_initials_and_suffixes() -> None:
    assert name_key("Lloyd J. Austin III") == name_key("Lloyd Austin")
    assert name_key("Joseph R. Biden, Jr.") == name_key("Joseph Biden")
    assert looks_chinese("He Lifeng") and looks_chinese("Dong Jun")
    assert not looks_chinese("Carlito Galvez") and not looks_chinese("Andrei Belousov")


# -- who spoke -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "meaning"),
    [
        ("The two leaders discussed proposals to deepen operational cooperation.", "both"),
        ("The United States noted the importance of peace and stability across the Taiwan Strait.", "us"),
        ("The Secretary raised Russia’s war against Ukraine.", "us"),
        ("They also exchanged views on global and domestic macroeconomic outlooks.", "both"),
        ("He also underscored the importance of respect for high seas freedom of navigation.", "previous"),
    ],
)
def test_the_reference_before_a_speech_verb_speaks(sentence: str, meaning: str) -> None:
    chain = speaker(sentence, phrase_references(sentence))
    assert chain is not None and [r.meaning for r in chain] == [meaning]


def test_reported_speech_is_not_a_speaker() -> None:
    sentence = "The US should not underestimate China's determination and capability."
    assert speaker(sentence, phrase_references(sentence)) is None


def test_a_trailing_attribution_names_the_speaker(people: People) -> None:
    text = "At present, the positive trend of epidemic prevention and control is expanding, said Wei."
    draft = extract(readout("General Wei Fenghe held a phone talk with Dr. Mark Esper. " + text, "PRC MND"), people)
    assert [(p.side, p.issue) for p in draft.positions] == [("cn", "covid-19")]


def test_a_sentence_without_a_speaker_continues_the_last_one_in_its_paragraph(people: People) -> None:
    text = (
        "Chinese Defense Minister Admiral Dong Jun held a video call with US Secretary of Defense Lloyd Austin.\n"
        "Admiral Dong emphasized that the Taiwan question is the very core of China's core interests."
        " The current situation in the South China Sea is generally stable.\n"
        "The South China Sea was not discussed further."
    )
    draft = extract(readout(text, "PRC MND"), people)
    assert draft.raised_cn == ["taiwan", "south-china-sea"]
    assert draft.raised_us == []


def test_two_named_people_joined_by_and_speak_for_both_sides(people: People) -> None:
    text = (
        "Secretary of Defense Lloyd J. Austin III spoke today with the PRC Minister of National Defense General"
        " Wei Fenghe. Secretary Austin and General Wei discussed Russia's unprovoked invasion of Ukraine."
    )
    draft = extract(readout(text, "US DoD"), people)
    assert draft.raised_us == ["russia-ukraine"] and draft.raised_cn == ["russia-ukraine"]


# -- issues ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "issues"),
    [
        (
            "The two sides discussed key issues, Russia’s war against Ukraine, and cross-Strait issues.",
            ["russia-ukraine", "taiwan"],
        ),
        ("called on the PRC to honor obligations under the 1984 Sino-British Joint Declaration.", ["hong-kong"]),
        (
            "expressed concerns about recent provocations from the Democratic People’s Republic of Korea.",
            ["north-korea"],
        ),
        ("with a level playing field for American workers and businesses.", ["trade"]),
        ("They also exchanged views on global and domestic macroeconomic outlooks.", ["economy"]),
        (
            "concerns over U.S. curbs on semiconductor exports to China, as well as sanctions and tariffs",
            ["export-controls", "sanctions", "tariffs"],
        ),
        ("open lines of military-to-military communication between the U.S. and the PRC.", ["military-communication"]),
        ("developing the systems necessary for crisis communications and risk reduction.", ["crisis-communications"]),
        ("The Secretary discussed the need to maintain open lines of communication.", []),
        ("respect China's territorial sovereignty and maritime rights and interests", []),
    ],
)
def test_issue_phrases_and_stand_ins(sentence: str, issues: list[str]) -> None:
    assert issues_in(sentence) == issues


def test_titles_and_institutions_raise_no_issue(people: People) -> None:
    text = (
        "U.S. Secretary of Commerce Gina Raimondo met yesterday with Minister of Commerce of the PRC Wang Wentao."
        " Secretary Raimondo noted that the Department of Commerce looks forward to working with the Ministry."
    )
    assert extract(readout(text, "US Commerce", "2023-11-17"), people).raised_us == []


# -- contact, kind, requester, place ------------------------------------------------------------------------


def test_a_call_with_manila_about_the_prc_is_no_us_china_contact(people: People) -> None:
    text = (
        "Secretary of Defense Lloyd J. Austin III spoke with Philippine Officer in Charge of the Department of"
        " National Defense Carlito Galvez today to discuss concerning developments in the South China Sea."
    )
    draft = extract(readout(text, "US DoD", "2023-02-22"), people)
    assert not draft.is_us_china_contact
    assert [p.name for p in draft.us] == ["Lloyd J. Austin III"] and draft.cn == []
    assert draft.raised_us == ["south-china-sea"] and draft.raised_cn == []


def test_a_contact_named_in_passing_is_not_the_contact(people: People) -> None:
    text = (
        "Following President Joseph R. Biden, Jr.’s summit on Wednesday with President Xi Jinping of the"
        " People’s Republic of China (PRC) in Woodside, California, U.S. Secretary of Commerce Gina Raimondo"
        " met yesterday with Minister of Commerce of the PRC Wang Wentao to discuss the relationship."
    )
    draft = extract(readout(text, "US Commerce", "2023-11-17"), people)
    assert [p.name for p in draft.us] == ["Gina Raimondo"] and [p.name for p in draft.cn] == ["Wang Wentao"]
    assert (draft.kind, draft.date, draft.location) == ("meeting", dt.date(2023, 11, 16), None)


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Wei Fenghe held a phone talk with US Secretary of Defense Dr. Mark Esper on March 3, 2020.", "call"),
        ("Secretary Austin had his first engagement with Admiral Dong Jun via teleconference.", "video"),
        (
            "Chinese Defense Minister Dong Jun held talks with U.S. Defense Secretary Lloyd Austin in Beijing.",
            "meeting",
        ),
        ("President Xi Jinping had a meeting with U.S. President Joe Biden in Bali, Indonesia.", "summit"),
        (
            "National Security Advisor Jake Sullivan met on September 16-17 with Foreign Minister Wang Yi in Malta.",
            "talks",
        ),
    ],
)
def test_kinds(people: People, sentence: str, kind: str) -> None:
    assert extract(readout(sentence, "US State", "2024-04-16"), people).kind == kind


def test_a_trip_with_several_counterparts_is_a_visit(people: People) -> None:
    text = (
        "Secretary of the Treasury Janet L. Yellen concluded her visit to China today. During the trip, she met"
        " with Premier Li Qiang, Vice Premier He Lifeng, and Governor Pan Gongsheng of the People’s Bank of China."
    )
    draft = extract(readout(text, "US Treasury", "2024-04-08"), people)
    assert draft.kind == "visit" and [p.name for p in draft.cn] == ["Li Qiang", "He Lifeng", "Pan Gongsheng"]


@pytest.mark.parametrize(
    ("phrase", "requester"),
    [
        ("at the latter's request", "us"),
        ("at the request of the latter", "us"),
        ("upon request", "us"),
        ("at the request of the Chinese side", "china"),
    ],
)
def test_who_asked(people: People, phrase: str, requester: str) -> None:
    text = f"Wang Yi spoke with U.S. Secretary of State Antony Blinken on the phone {phrase}."
    assert extract(readout(text, "PRC MFA", "2022-10-31"), people).requested_by == requester


def test_invitation_and_taking_a_call(people: People) -> None:
    invited = (
        "At the invitation of his U.S. counterpart, Chinese National Defense Minister Wei Fenghe had a phone"
        " call with U.S. Secretary of Defense Mark Esper on Thursday."
    )
    assert extract(readout(invited, "CGTN", "2020-08-07"), people).requested_by == "us"
    took = "Chinese President Xi Jinping took a phone call from U.S. President Joe Biden on Friday."
    assert extract(readout(took, "Xinhua", "2021-09-10"), people).requested_by == "us"
    # US texts almost never say: no request is read into them.
    plain = "Secretary of State Antony J. Blinken spoke today with PRC Foreign Minister Wang Yi."
    assert extract(readout(plain), people).requested_by is None


def test_a_surname_only_participant_is_the_known_person(people: People) -> None:
    text = "This morning, Secretary Austin had his first engagement with Admiral Dong Jun via teleconference."
    draft = extract(readout(text, "US DoD", "2024-04-16"), people)
    austin = draft.us[0]
    assert austin.person is not None and austin.name == "Lloyd J. Austin III"
    assert austin.title == "Secretary of Defense"
    # The 2020–2026 sample knows Dong Jun: "Admiral Dong Jun" is taken as him, not proposed as someone new.
    dong = draft.cn[0]
    assert dong.person is not None and dong.person.name == "Dong Jun" and not dong.proposed_new


def test_a_side_named_by_no_one_is_a_group(people: People) -> None:
    text = (
        "Deputy Assistant Secretary of Defense for China Michael Chase led the U.S. delegation to the Military"
        " Maritime Consultative Agreement talks held virtually November 30-December 1. The two sides discussed"
        " maritime and air safety."
    )
    draft = extract(readout(text, "US DoD", "2021-12-01"), people)
    assert draft.is_us_china_contact and draft.kind == "talks"
    assert draft.cn[0].name is None and draft.date == dt.date(2021, 11, 30)


def test_durations(people: People) -> None:
    text = "President Biden spoke with President Xi Jinping today. The call lasted two hours and twenty minutes."
    assert extract(readout(text, "White House"), people).minutes == 140
    text = "President Biden held a 90-minute video call with President Xi Jinping today."
    assert extract(readout(text, "White House"), people).minutes == 90


def test_what_could_not_be_told_is_said(people: People) -> None:
    text = "Secretary of State Marco Rubio met with China’s Foreign Minister Wang Yi."
    draft = extract(readout(text, "US State", "2025-07-11"), people)
    assert draft.date == dt.date(2025, 7, 11)
    assert any("publication date" in u for u in draft.unknowns)
    assert any("who asked" in u for u in draft.unknowns)
