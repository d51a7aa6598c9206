"""The shipped sample record (2020–2026) as a new user meets it on 2026-12-01: /lastcall, names as people
type them, suggestions, near names, refused contacts, and a team moving up from the old sample."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from bot.transfer_cli import export, import_file, import_lines, sample_path, update_samples
from commands import autocomplete, names
from commands.context import FixedClock
from commands.digest import compose_digest
from commands.reply import render_text
from storage.contract import StoreContract
from storage.records import Source
from tests.backends import event_count
from tests.conftest import OTHER_WS, WS, Preload, Runner

TODAY = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
OLD_SAMPLE = Path(__file__).resolve().parent / "data" / "old-sample-2020-2022.jsonl"


@pytest.fixture
def today() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
async def sample(store: StoreContract, today: FixedClock, preload: Preload) -> Runner:
    async def load() -> None:
        summary = await import_file(store, today, WS, sample_path())
        assert summary.added == 113 and not summary.errors

    await preload(store, "sample", load)
    return Runner(store, today)


async def event_id(store: StoreContract, day: str, name: str) -> int:
    found, _ = await store.list_events(WS, since=dt.date.fromisoformat(day), until=dt.date.fromisoformat(day))
    ids = [e.id for e in found if any(p.name == name for p in e.participants)]
    assert len(ids) == 1, (day, name, found)
    return ids[0]


# -- /lastcall over the sample ----------------------------------------------------------------------


async def test_lastcall_answers_the_latest_contact_of_2026(sample: Runner) -> None:
    text = await sample.text("lastcall")
    assert "Latest contact: Donald J. Trump ↔ Xi Jinping" in text
    assert "When: May 14, 2026 (6 months ago)" in text
    # The previous contact of the two presidents is also their offices' and the track's: said once.
    assert (
        "previous contact between Trump and Xi Jinping, between their offices and on the leaders track:"
        " Feb 4, 2026, 99 days earlier · #107\n" in text
    )
    assert text.count("Feb 4, 2026") == 1
    # The state visit put off in March lies between the two.
    assert "1 contact postponed in between:" in text
    assert "Mar 16, 2026 · visit (China asked) · Trump ↔ Xi Jinping — postponed" in text


async def test_lastcall_on_the_defense_track_gives_the_previous_one(sample: Runner) -> None:
    text = await sample.text("lastcall", track="defense")
    assert "Latest contact on the defense track: Pete Hegseth ↔ Dong Jun" in text
    assert "When: Oct 31, 2025 (13 months ago)" in text
    assert "US: Pete Hegseth — Secretary of War" in text
    # Secretary of War is the defense office: the offices' previous contact is the people's, and the track's.
    assert (
        "previous contact between Hegseth and Dong Jun, between their offices and on the defense track:"
        " Sep 9, 2025, 52 days earlier · #95\n" in text
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("Joe Biden", "Latest contact with Joseph R. Biden Jr.: "),
        ("hegseth", "Latest contact with Pete Hegseth: meeting with Dong Jun\n"),
        ("wang yi", "Latest contact with Wang Yi: meeting with Marco Rubio\n"),
        ("Wang", "Latest contact with Wang Yi: "),
        ("Austin", "Latest contact with Lloyd J. Austin III: meeting with Dong Jun\n"),
        ("Tony Blinken", "Latest contact with Antony Blinken: "),
        ("JD Vance", "Latest contact with JD Vance: meeting with Han Zheng\n"),
        ("Pete Hegseth", "Latest contact with Pete Hegseth: "),
        ("Dong Jun", "Latest contact with Dong Jun: meeting with Pete Hegseth\n"),
    ],
)
async def test_names_as_people_type_them_resolve(sample: Runner, who: str, expected: str) -> None:
    assert expected in await sample.text("lastcall", **{"with": who})


async def test_participants_keep_the_title_they_held_then(sample: Runner, store: StoreContract) -> None:
    hegseth = await store.event(WS, await event_id(store, "2025-09-09", "Pete Hegseth"))
    austin = await store.event(WS, await event_id(store, "2024-04-16", "Lloyd J. Austin III"))
    assert hegseth is not None and austin is not None
    assert (hegseth.participants[0].title, hegseth.participants[0].office) == (
        "Secretary of War",
        "us:secretary-of-defense",
    )
    assert austin.participants[0].title == "Secretary of Defense"
    titles = {}
    for day in ("2021-03-18", "2023-02-18", "2024-01-26"):
        event = await store.event(WS, await event_id(store, day, "Wang Yi"))
        assert event is not None
        titles[day] = next(p.title for p in event.participants if p.name == "Wang Yi")
    assert titles["2021-03-18"] == "State Councilor and Foreign Minister"
    assert titles["2023-02-18"] == "Director, Office of the Central Foreign Affairs Commission"
    assert (titles["2024-01-26"] or "").endswith("; Foreign Minister")  # both posts again from July 2023


async def test_refused_requests_are_counted_between_contacts(sample: Runner, store: StoreContract) -> None:
    brown = await event_id(store, "2023-12-21", "Charles Q. 'CQ' Brown Jr.")
    text = await sample.text("event show", id=brown)
    assert "previous contact on the defense track: Nov 22, 2022, 394 days earlier (Austin ↔ Wei Fenghe)" in text
    assert "3 requests refused in between:" in text
    assert "May 29, 2023 · meeting (US asked) · Austin ↔ Li Shangfu — declined" in text


async def test_a_declined_request_reads_as_one(sample: Runner, store: StoreContract) -> None:
    text = await sample.text("event show", id=await event_id(store, "2024-11-20", "Lloyd J. Austin III"))
    assert "meeting · defense track · requested by US · declined" in text
    assert (
        "latest held contact between Austin and Dong Jun, and between their offices: May 31, 2024, 173 days before"
        in text
    )
    assert "latest held contact on the defense track: Sep 9, 2024, 72 days before (Paparo ↔ Wu Yanan)" in text
    unnamed = await sample.text("event show", id=await event_id(store, "2020-06-22", "Marshall Billingslea"))
    assert "China: not named" in unnamed


async def test_a_contact_the_same_day_as_the_previous_one(sample: Runner, store: StoreContract) -> None:
    text = await sample.text("event show", id=await event_id(store, "2023-06-19", "Xi Jinping"))
    assert "first recorded contact between Blinken and Xi Jinping, and between their offices" in text
    assert "previous contact on the diplomatic track: Jun 19, 2023, the same day (Blinken ↔ Wang Yi)" in text


async def test_a_planned_contact_reads_as_one(sample: Runner) -> None:
    reply = await sample("event add", date="2027-03-01", us="Rubio", cn="Wang Yi", kind="meeting", status="planned")
    event_id_ = int(render_text(reply).split("#")[1].split()[0])
    text = await sample.text("event show", id=event_id_)
    assert (
        "latest held contact between Rubio and Wang Yi, and on the diplomatic track: Feb 13, 2026, 381 days before"
        in text
    )
    assert "in between" not in text


async def test_event_list_and_the_digest_show_refused_contacts(sample: Runner) -> None:
    listed = await sample.text("event list", status="declined", since="2024-01-01")
    assert "3 events, newest first (since 2024-01-01, status declined)" in listed
    assert "#83 · Austin ↔ Dong Jun\n  Nov 20, 2024 · meeting · defense · declined — " in listed
    assert "DiNanno ↔ not named" in listed
    assert "held" not in listed.replace("latest held", "")
    digest = render_text(
        await compose_digest(sample.ctx, dt.date(2024, 11, 14), dt.date(2024, 11, 20), dt.date(2024, 11, 20), "D")
    )
    assert "1 contact: leaders meeting, Biden, Blinken, Sullivan ↔ Xi Jinping," in digest
    assert "Nov 16, 2024. Also 1 request refused.\n" in digest
    assert (
        "Did not take place (1), newest first\n  Nov 20, 2024 · meeting (US asked) · Austin ↔ Dong Jun — declined"
        in digest
    )


async def test_confidence_and_sources_read_right(sample: Runner, store: StoreContract) -> None:
    text = await sample.text("event show", id=await event_id(store, "2022-05-18", "Jake Sullivan"))
    assert "phone call · diplomatic track · unconfirmed" in text
    assert "Confidence: unconfirmed — The call is known only from later mentions" in text
    for phrase in ("from memory", "per project convention", "breaks off"):
        assert phrase not in text
    hegseth = await store.event(WS, await event_id(store, "2025-10-31", "Pete Hegseth"))
    assert hegseth is not None
    official = hegseth.sources[0]
    assert official.url and official.title and official.publisher == "CNA"
    assert official.title.startswith("US will 'stoutly defend its interests'")  # no annotator's [bracket]
    # A citation with a path is a link; a bare host is words, never a link.
    assert Source("https://taipeitimes.com/News/front/archives/2025/11/01/2003846455", note=None) not in hegseth.sources
    assert any(s.url == "https://taipeitimes.com/News/front/archives/2025/11/01/2003846455" for s in hegseth.sources)
    bare = [s for s in hegseth.sources if s.note and s.note.startswith("trtworld.com")]
    assert bare and bare[0].url is None
    shown = await sample.text("event show", id=hegseth.id)
    assert "— CNA" in shown and "https://trtworld.com" not in shown


async def test_issue_titles_keep_their_acronyms(sample: Runner) -> None:
    text = await sample.text("event show", id=await event_id(sample.ctx.store, "2024-05-31", "Lloyd J. Austin III"))
    assert "PLA activity near Taiwan" in text and "Pla " not in text


# -- suggestions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("Aus", "Lloyd J. Austin III"),
        ("bli", "Antony Blinken"),
        ("xi", "Xi Jinping"),
        ("dong", "Dong Jun"),
        ("heg", "Pete Hegseth"),
        ("lloyd aus", "Lloyd J. Austin III"),
        ("joe", "Joseph R. Biden Jr."),
        ("wang", "Wang Yi"),  # the alias "Wang" is exactly what was typed
        ("wang y", "Wang Yi"),
    ],
)
async def test_suggestions_match_any_word_by_its_start(sample: Runner, typed: str, first: str) -> None:
    choices = await autocomplete.people(sample.ctx.store, WS, typed)
    assert choices and choices[0][1] == first, choices


async def test_suggestions_rank_exact_then_start_of_name_then_words(sample: Runner) -> None:
    xi = [value for _, value in await autocomplete.people(sample.ctx.store, WS, "xi")]
    assert xi[:3] == ["Xi Jinping", "Xie Feng", "Xie Zhenhua"]
    wang = [value for _, value in await autocomplete.people(sample.ctx.store, WS, "wang")]
    assert wang[0] == "Wang Yi" and set(wang[1:]) == {"Wang Wentao", "Wang Xiubin"}
    assert await autocomplete.people(sample.ctx.store, WS, "zzz") == []


# -- near names -------------------------------------------------------------------------------------


async def test_a_name_taken_by_its_spelling_says_so(sample: Runner) -> None:
    reply = await sample.text("event add", date="2026-11-30", us="Pete Hegset", cn="Wei Fenge", kind="call")
    assert "Pete Hegset → taken as Pete Hegseth" in reply
    assert "Wei Fenge → taken as Wei Fenghe" in reply
    assert "New people" not in reply
    # A name or alias as it is known is no news.
    exact = await sample.text("event add", date="2026-11-30", us="Hegseth", cn="Dong Jun", kind="call")
    assert "taken as" not in exact


async def test_near_identical_new_names_are_two_people(sample: Runner, store: StoreContract) -> None:
    await sample("event add", date="2026-11-29", us="Kill00001 Us", cn="Dong Jun", kind="call")
    reply = await sample.text("event add", date="2026-11-30", us="Kill00002 Us", cn="Dong Jun", kind="call")
    assert "New people: Kill00002 Us" in reply and "taken as" not in reply
    one, two = await store.find_person(WS, "Kill00001 Us"), await store.find_person(WS, "Kill00002 Us")
    assert one is not None and two is not None and one.id != two.id


@pytest.mark.parametrize(
    ("side", "typed", "known"),
    [
        ("cn", "Li Keqiang", "Li Qiang"),
        ("cn", "Wang Yang", "Wang Yi"),
        ("cn", "Xie Zhenhua", "Xie Feng"),
        ("us", "John Kirby", "John Kerry"),
    ],
)
async def test_real_near_names_stay_apart(run: Runner, side: str, typed: str, known: str) -> None:
    first = {"us": "Janet Yellen", "cn": "Wei Fenghe", side: known}
    await run("event add", date="2022-04-01", kind="call", **first)
    reply = await run.text("event add", date="2022-04-02", kind="call", **{**first, side: typed})
    assert f"New people: {typed}" in reply and "taken as" not in reply


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("wei fenge", "wei fenghe", True),
        ("antony blinkin", "antony blinken", True),
        ("li qiang", "li keqiang", False),  # another first letter in the second word
        ("wang yi", "wang yang", False),  # a short word must be nearly exact
        ("xie feng", "xie zhenhua", False),
        ("john kerry", "john kirby", False),  # 0.6 alike as words
        ("kill00001 us", "kill00002 us", False),  # another number
        ("xi", "xi jinping", False),  # another number of words
    ],
)
def test_the_matching_rule_at_its_edges(a: str, b: str, close: bool) -> None:
    for cutoff in (names.LOOKUP_CUTOFF, names.RECORD_CUTOFF):
        assert (names.close_keys(a, [b], cutoff) == [b]) is close
    assert names.close_keys("", [b], names.LOOKUP_CUTOFF) == []


def test_recording_asks_closer_spelling_than_looking_up() -> None:
    # "Austen Loyd" is 0.85 alike "austin lloyd": found when looking someone up, not when recording.
    assert 0.8 <= names.similarity("austen loyd", "austin lloyd") < 0.9
    assert names.close_keys("austen loyd", ["austin lloyd"], names.LOOKUP_CUTOFF) == ["austin lloyd"]
    assert names.close_keys("austen loyd", ["austin lloyd"], names.RECORD_CUTOFF) == []


# -- moving up from the old sample, and round trips ---------------------------------------------------


async def test_a_sample_update_adds_only_the_new_contacts(store: StoreContract, today: FixedClock) -> None:
    old = await import_file(store, today, WS, OLD_SAMPLE)
    assert old.added == 33
    update = await update_samples(store, today, WS)
    assert update.imported.added == 80 and len(update.imported.duplicates) == 33
    assert not update.imported.errors and not update.aliases_refused
    assert update.aliases_added > 0  # the 2020–2022 people get the sample's aliases too
    assert await event_count(store, WS) == 113
    biden = await store.find_person(WS, "Joe Biden")
    assert biden is not None and biden.name == "Joseph R. Biden Jr."
    again = await update_samples(store, today, WS)
    assert again.imported.added == 0 and again.aliases_added == 0
    assert again.lines("sample")[-1] == "sample: 0 aliases added to people already recorded"


async def test_export_of_the_sample_round_trips(store: StoreContract, today: FixedClock) -> None:
    original = sample_path().read_text(encoding="utf-8").splitlines()
    await import_lines(store, today, WS, original, "sample")
    out = io.StringIO()
    assert await export(store, WS, out) == 113
    exported = out.getvalue().splitlines()
    assert exported == original  # aliases, confidence and sources included, line for line
    second = await import_lines(store, today, OTHER_WS, exported, "export")
    assert second.added == 113 and not second.errors
    out2 = io.StringIO()
    await export(store, OTHER_WS, out2)
    assert out2.getvalue().splitlines() == exported
