"""The store contract (storage/contract.py) on both backends: each test runs once against a SQLite store
and once against a PostgreSQL store (the `backend` fixture of tests/conftest.py) and expects the same
answers, records, errors and audit entries."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from storage.contract import StoreContract
from storage.errors import Conflict, DraftDecided, DuplicateEvent, RecordMissing
from storage.records import (
    Actor,
    AuditEntry,
    ContactScope,
    Event,
    EventBrief,
    EventNotes,
    NewEvent,
    NewParticipant,
    NewPosition,
    Source,
)
from tests.conftest import NOW, OTHER_WS, WS, OpenStore

ACTOR = Actor(WS, "u1", "Ann Analyst")
OTHER = Actor(OTHER_WS, "u2", "Bob Other")
AUSTIN = "Lloyd J. Austin III"
WEI = "Wei Fenghe"
BLINKEN = "Antony Blinken"
WANG = "Wang Yi"
SECDEF = "Secretary of Defense"
MND = "Minister of National Defense"
LATER = NOW + dt.timedelta(hours=1)


def new_event(
    day: str = "2022-04-20",
    us: str = AUSTIN,
    cn: str = WEI,
    *,
    kind: str = "call",
    us_title: str | None = SECDEF,
    cn_title: str | None = MND,
    **more: Any,
) -> NewEvent:
    return NewEvent(
        day=dt.date.fromisoformat(day),
        kind=kind,
        track=more.pop("track", None),
        us=[NewParticipant(us, "us", us_title)],
        cn=[NewParticipant(cn, "china", cn_title)],
        **more,
    )


async def add(store: StoreContract, new: NewEvent, actor: Actor = ACTOR) -> Event:
    return (await store.add_event(actor, NOW, new)).event


async def latest_audit(store: StoreContract, workspace: str = WS) -> AuditEntry:
    entries = await store.audit_entries(workspace, limit=1)
    assert entries, "no audit entry written"
    return entries[0]


# --- events -----------------------------------------------------------------------------------------


async def test_an_added_event_reads_back_whole(backend: StoreContract) -> None:
    sources = [Source("https://example.org/a"), Source("https://example.org/b", "Readout", "DoD")]
    added = await backend.add_event(
        ACTOR,
        NOW,
        new_event(
            minutes=45,
            summary="Crisis communications",
            location="video",
            sources=sources,
            time="09:30",
            timezone="America/New_York",
            confidence="partial",
            confidence_note="length unconfirmed",
            raised={"us": ["taiwan", "maritime-incidents"], "china": ["taiwan"]},
        ),
    )
    assert sorted(added.new_people) == [AUSTIN, WEI]
    assert added.new_issues == ("maritime-incidents",)
    event = await backend.event(WS, added.event.id)
    assert event == added.event
    assert event.track == "defense" and event.status == "held" and event.minutes == 45
    assert event.sources == tuple(sources)
    assert (event.time, event.timezone, event.confidence, event.confidence_note) == (
        "09:30",
        "America/New_York",
        "partial",
        "length unconfirmed",
    )
    assert [(p.name, p.side, p.title, p.office) for p in event.participants] == [
        (AUSTIN, "us", SECDEF, "us:secretary-of-defense"),
        (WEI, "china", MND, "china:minister-of-national-defense"),
    ]
    assert await backend.raised_at(WS, [event.id]) == {
        event.id: {"us": ["taiwan", "maritime-incidents"], "china": ["taiwan"]}
    }
    assert await backend.events_by_ids(WS, [event.id, 999_999]) == [event]
    assert await backend.event(OTHER_WS, event.id) is None
    assert await backend.events_by_ids(OTHER_WS, [event.id]) == []


async def test_the_track_is_derived_from_the_offices_unless_given(backend: StoreContract) -> None:
    derived = await add(backend, new_event())
    given = await add(backend, new_event("2022-04-21", track="diplomatic"))
    unknown = await add(
        backend, new_event("2022-04-22", "Some Hobbyist", "Another One", us_title="Hobbyist", cn_title=None)
    )
    assert (derived.track, given.track, unknown.track) == ("defense", "diplomatic", "other")


async def test_a_duplicate_event_is_refused_and_leaves_nothing(backend: StoreContract) -> None:
    first = await add(backend, new_event())
    entries = len(await backend.audit_entries(WS, 100))
    with pytest.raises(DuplicateEvent) as info:
        await add(backend, new_event(summary="the same call again", raised={"us": ["new-issue"]}))
    assert info.value.event_id == first.id
    assert len(await backend.audit_entries(WS, 100)) == entries
    assert await backend.find_issue(WS, "new-issue") is None
    # another workspace may hold the same contact
    await add(backend, new_event(), OTHER)


async def test_a_participant_on_the_wrong_side_is_refused_and_leaves_nothing(backend: StoreContract) -> None:
    await add(backend, new_event())
    with pytest.raises(Conflict, match="china side"):
        await add(backend, new_event("2022-05-01", us=WEI, cn="Somebody New"))
    assert await backend.find_person(WS, "Somebody New") is None
    events, more = await backend.list_events(WS)
    assert len(events) == 1 and not more


async def test_editing_an_event(backend: StoreContract) -> None:
    event = await add(backend, new_event())
    edited = await backend.edit_event(
        ACTOR,
        LATER,
        event.id,
        {
            "summary": "Edited",
            "day": dt.date(2022, 4, 19),
            "sources": [Source("https://example.org/c")],
            "cn": [NewParticipant("Dong Jun", "china", MND)],
        },
    )
    assert edited.summary == "Edited" and edited.day == dt.date(2022, 4, 19)
    assert edited.sources == (Source("https://example.org/c"),)
    assert [p.name for p in edited.participants] == [AUSTIN, "Dong Jun"]
    assert await backend.event(WS, event.id) == edited
    entry = await latest_audit(backend)
    assert (entry.action, entry.table, entry.record_id) == ("update", "event", str(event.id))
    assert entry.before is not None and entry.before["summary"] is None
    assert entry.after is not None and entry.after["summary"] == "Edited"
    assert [h.ref for h in await backend.search(WS, "dong")] != []


async def test_an_edit_that_makes_a_duplicate_is_refused_and_changes_nothing(backend: StoreContract) -> None:
    first = await add(backend, new_event("2022-04-20"))
    second = await add(backend, new_event("2022-04-21"))
    with pytest.raises(DuplicateEvent) as info:
        await backend.edit_event(ACTOR, NOW, second.id, {"day": dt.date(2022, 4, 20), "summary": "x"})
    assert info.value.event_id == first.id
    assert await backend.event(WS, second.id) == second


async def test_editing_or_deleting_an_unknown_or_foreign_event_is_refused(backend: StoreContract) -> None:
    theirs = await add(backend, new_event(), OTHER)
    for event_id in (theirs.id, 999_999):
        with pytest.raises(RecordMissing):
            await backend.edit_event(ACTOR, NOW, event_id, {"summary": "x"})
        with pytest.raises(RecordMissing):
            await backend.delete_event(ACTOR, NOW, event_id)
    assert await backend.event(OTHER_WS, theirs.id) == theirs


async def test_deleting_an_event_removes_its_concerns_and_unlinks_its_questions(backend: StoreContract) -> None:
    event = await add(backend, new_event(summary="Taiwan", raised={"us": ["taiwan"]}))
    question = await backend.add_question(
        ACTOR, NOW, text="Will they call again?", issue=None, event_id=event.id, raised_on=NOW.date()
    )
    deleted = await backend.delete_event(ACTOR, NOW, event.id)
    assert deleted == event
    assert await backend.event(WS, event.id) is None
    assert await backend.concerns_on(WS, "taiwan") == []
    kept = await backend.question(WS, question.id)
    assert kept is not None and kept.event_id is None
    assert await backend.search(WS, "taiwan") == []
    entry = await latest_audit(backend)
    assert (entry.action, entry.before is not None, entry.after) == ("delete", True, None)


async def test_an_event_s_notes_are_its_concerns_and_questions_in_order(backend: StoreContract) -> None:
    event = await add(backend, new_event(raised={"us": ["taiwan", "north-korea"], "china": ["taiwan"]}))
    other = await add(backend, new_event("2022-06-10", kind="meeting", raised={"us": ["nuclear"]}))
    worded = await backend.add_concern(
        ACTOR,
        NOW,
        issue="taiwan",
        side="china",
        text="The Taiwan question is China's internal affair",
        by=WEI,
        day=event.day,
        event_id=event.id,
        source="https://www.mod.gov.cn/readout",
    )
    later = await backend.add_question(
        ACTOR, NOW, text="Will they talk again?", issue=None, event_id=event.id, raised_on=dt.date(2022, 5, 2)
    )
    sooner = await backend.add_question(
        ACTOR, NOW, text="Who asked?", issue="taiwan", event_id=event.id, raised_on=dt.date(2022, 4, 21)
    )
    await backend.add_question(ACTOR, NOW, text="Elsewhere?", issue=None, event_id=other.id, raised_on=NOW.date())
    notes = await backend.event_notes(WS, event.id)
    assert [(c.side, c.issue, c.text) for c in notes.concerns] == [
        ("us", "taiwan", None),
        ("us", "north-korea", None),
        ("china", "taiwan", None),
        ("china", "taiwan", worded.text),
    ]
    assert notes.concerns[-1] == worded and notes.worded() == [worded]
    assert notes.raised() == {"us": ["taiwan", "north-korea"], "china": ["taiwan"]}
    assert notes.raised() == (await backend.raised_at(WS, [event.id]))[event.id]
    assert notes.questions == (sooner, later)  # oldest raised first
    assert await backend.event_notes(OTHER_WS, event.id) == EventNotes()
    assert await backend.event_notes(WS, 987654) == EventNotes()


async def test_latest_event_and_day_by_person_side_track_and_before(backend: StoreContract) -> None:
    call = await add(backend, new_event("2022-04-20"))
    meeting = await add(backend, new_event("2022-06-10", BLINKEN, WANG, kind="meeting", us_title="Secretary of State"))
    planned = await add(backend, new_event("2022-07-01", kind="meeting", status="planned"))
    assert await backend.latest_event(WS) == meeting
    assert await backend.latest_event(WS, status="planned") == planned
    assert await backend.latest_event(WS, track="defense") == call
    austin = await backend.find_person(WS, AUSTIN)
    assert austin is not None
    assert await backend.latest_event(WS, person_id=austin.id) == call
    assert await backend.latest_event(WS, side="china") == meeting
    assert await backend.latest_event(WS, side="china", track="defense") == call
    assert await backend.latest_event(WS, before=(meeting.day, meeting.id)) == call
    assert await backend.latest_event(WS, before=(call.day, call.id)) is None
    assert await backend.latest_day(WS) == meeting.day
    assert await backend.latest_day(WS, track="defense") == call.day
    assert await backend.latest_day(WS, before=(call.day, call.id)) is None
    assert await backend.latest_event(OTHER_WS) is None
    assert await backend.last_held_by_track(WS) == {"defense": call.day, "diplomatic": meeting.day}


def ids(found: Sequence[EventBrief | None]) -> list[int | None]:
    return [brief.id if brief else None for brief in found]


async def earlier(
    backend: StoreContract, workspace: str, before: tuple[dt.date, int], scopes: list[ContactScope]
) -> tuple[EventBrief | None, ...]:
    """The earlier contacts alone (EarlierContacts.found)."""
    return (await backend.earlier_contacts(workspace, before, scopes)).found


async def not_held(
    backend: StoreContract, workspace: str, track: str, before: tuple[dt.date, int], limit: int
) -> tuple[list[int], bool]:
    """The ids of the contacts not held on `track` since its previous held one, and whether more."""
    found = await backend.earlier_contacts(workspace, before, [], track, limit)
    assert found.found == ()
    return [e.id for e in found.not_held], found.more_not_held


async def test_earlier_contacts_between_people_between_offices_and_on_a_track(backend: StoreContract) -> None:
    two_a_side = NewEvent(
        day=dt.date(2022, 4, 20),
        kind="meeting",
        track=None,
        us=[NewParticipant(AUSTIN, "us", SECDEF), NewParticipant("Ely Ratner", "us", "Assistant Secretary")],
        cn=[NewParticipant(WEI, "china", MND)],
        summary="a summary the brief leaves out",
    )
    first = await add(backend, two_a_side)
    other = await add(backend, new_event("2022-05-01", BLINKEN, WANG, us_title="Secretary of State"))
    await add(backend, new_event("2022-05-20", status="planned"))  # on the track and between them, not held
    second = await add(backend, new_event("2022-06-01", kind="meeting"))
    theirs = await add(backend, new_event("2022-04-20"), OTHER)  # the same call in another workspace
    austin, wei = await backend.find_person(WS, AUSTIN), await backend.find_person(WS, WEI)
    assert austin is not None and wei is not None
    people = ContactScope(between=(("person", austin.id), ("person", wei.id)))
    offices = ContactScope(
        between=(("office", "us:secretary-of-defense"), ("office", "china:minister-of-national-defense"))
    )
    defense, diplomatic = ContactScope(track="defense"), ContactScope(track="diplomatic")
    everything = [people, offices, defense, diplomatic]

    found = await earlier(backend, WS, (second.day, second.id), everything)
    assert ids(found) == [first.id, first.id, first.id, other.id]
    brief = found[0]
    assert brief is not None
    assert (brief.id, brief.day, brief.participants) == (first.id, first.day, first.participants)
    assert [p.name for p in brief.side("us")] == [AUSTIN, "Ely Ratner"]  # in order, both of a side
    assert [p.name for p in brief.side("china")] == [WEI]
    assert found[3] is not None and found[3].participants == other.participants
    # In the order asked, whatever the order; any subset; none at all.
    assert ids(await earlier(backend, WS, (second.day, second.id), everything[::-1])) == [
        other.id,
        first.id,
        first.id,
        first.id,
    ]
    assert ids(await earlier(backend, WS, (second.day, second.id), [diplomatic])) == [other.id]
    assert await earlier(backend, WS, (second.day, second.id), []) == ()
    # Before the first, nothing; after the last, the last (same day: by id).
    assert ids(await earlier(backend, WS, (first.day, first.id), everything)) == [None] * 4
    latest = await earlier(backend, WS, (dt.date(2030, 1, 1), 0), everything)
    assert ids(latest) == [second.id, second.id, second.id, other.id]
    assert ids(await earlier(backend, WS, (second.day, second.id + 1), [people])) == [second.id]
    # Each workspace finds its own record: there, this workspace's people are unknown.
    assert ids(await earlier(backend, OTHER_WS, (dt.date(2030, 1, 1), 0), everything)) == [
        None,
        theirs.id,
        theirs.id,
        None,
    ]
    unknown = ContactScope(between=(("person", 10**9), ("office", "china:nobody")))
    no_such_track = ContactScope(track="no such track\x00")
    assert ids(await earlier(backend, WS, (second.day, second.id), [unknown, no_such_track, defense])) == [
        None,
        None,
        first.id,
    ]


async def test_earlier_contacts_agree_with_latest_event_on_a_track(backend: StoreContract) -> None:
    for day, kind, status in (
        ("2022-01-10", "call", "held"),
        ("2022-02-10", "call", "held"),
        ("2022-02-10", "meeting", "held"),  # the same day: the later id is the later contact
        ("2022-02-20", "call", "declined"),
        ("2022-03-05", "call", "held"),
    ):
        await add(backend, new_event(day, kind=kind, status=status))
    events, _ = await backend.list_events(WS, limit=10)
    assert len(events) == 5
    for event in events:
        before = (event.day, event.id)
        latest = await backend.latest_event(WS, track="defense", before=before)
        assert ids(await earlier(backend, WS, before, [ContactScope(track="defense")])) == [
            latest.id if latest else None
        ]


def test_a_contact_scope_is_between_two_participants_or_on_a_track() -> None:
    with pytest.raises(ValueError, match="either between two participants or on a track"):
        ContactScope()
    with pytest.raises(ValueError, match="either between two participants or on a track"):
        ContactScope(between=(("person", 1), ("person", 2)), track="defense")


async def test_list_events_filters_pages_and_says_whether_more(backend: StoreContract) -> None:
    events = [await add(backend, new_event(f"2022-04-{day:02d}")) for day in range(1, 6)]
    other = await add(
        backend, new_event("2022-04-10", BLINKEN, WANG, us_title="Secretary of State", raised={"us": ["taiwan"]})
    )
    page, more = await backend.list_events(WS, limit=3)
    assert [e.id for e in page] == [other.id, events[4].id, events[3].id] and more
    page, more = await backend.list_events(WS, limit=3, offset=3)
    assert [e.id for e in page] == [events[2].id, events[1].id, events[0].id] and not more
    austin = await backend.find_person(WS, AUSTIN)
    assert austin is not None
    assert len((await backend.list_events(WS, person_id=austin.id))[0]) == 5
    assert (await backend.list_events(WS, issue="taiwan"))[0] == [other]
    assert (await backend.list_events(WS, track="diplomatic"))[0] == [other]
    assert len((await backend.list_events(WS, side="china", kind="call", status="held"))[0]) == 6
    window = await backend.list_events(WS, since=dt.date(2022, 4, 2), until=dt.date(2022, 4, 3))
    assert [e.id for e in window[0]] == [events[2].id, events[1].id]
    assert await backend.list_events(OTHER_WS) == ([], False)


async def test_contacts_not_held_since_the_last_held_one_and_events_after(backend: StoreContract) -> None:
    await add(backend, new_event("2022-03-20", status="declined"))  # before the held one: not counted
    held = await add(backend, new_event("2022-04-01"))
    declined = await add(backend, new_event("2022-04-02", status="declined"))
    asked = await add(backend, new_event("2022-04-03", kind="request", status="planned"))
    await add(backend, new_event("2022-04-04", kind="meeting", status="planned"))  # not a request
    await add(backend, new_event("2022-04-05", status="cancelled", track="diplomatic"))  # another track
    after = (dt.date(2022, 4, 30), 0)
    assert await not_held(backend, WS, "defense", after, 5) == ([asked.id, declined.id], False)
    assert await not_held(backend, WS, "defense", after, 1) == ([asked.id], True)
    # Up to before's day only; with no held contact before, nothing; another workspace has none.
    assert await not_held(backend, WS, "defense", (dt.date(2022, 4, 2), 10**6), 5) == ([declined.id], False)
    assert await not_held(backend, WS, "defense", (held.day, held.id), 5) == ([], False)
    assert await not_held(backend, OTHER_WS, "defense", after, 5) == ([], False)
    assert await not_held(backend, WS, "no such track\x00", after, 5) == ([], False)
    # Asked beside the earlier contacts, each part finds what it finds alone, the events whole.
    scopes = [ContactScope(track="diplomatic"), ContactScope(track="defense")]
    both = await backend.earlier_contacts(WS, after, scopes, "defense", 5)
    assert both.found == await earlier(backend, WS, after, scopes) and ids(both.found)[1] == held.id
    assert both.not_held == (await backend.event(WS, asked.id), await backend.event(WS, declined.id))
    assert not both.more_not_held
    assert (await backend.earlier_contacts(WS, after, scopes, None, 5)).not_held == ()
    first = await backend.events_after(WS, None, 3)
    assert [e.id for e in first[1:]] == [held.id, declined.id]
    rest = await backend.events_after(WS, (first[-1].day, first[-1].id), 10)
    assert [e.day.day for e in rest] == [3, 4, 5]


# --- people and offices -------------------------------------------------------------------------------


async def test_people_names_aliases_and_keys(backend: StoreContract) -> None:
    person = await backend.add_person(ACTOR, NOW, AUSTIN, "us", SECDEF, ["Austin"])
    assert person.aliases == ("Austin",)
    assert await backend.person(WS, person.id) == person
    assert await backend.find_person(WS, "lloyd j. AUSTIN iii") == person
    assert await backend.find_person(WS, "austin") == person
    assert await backend.person(OTHER_WS, person.id) is None
    with pytest.raises(Conflict, match="already known"):
        await backend.add_person(ACTOR, NOW, "Lloyd J Austin III", "us", None, [])
    with pytest.raises(Conflict, match="already means"):
        await backend.add_person(ACTOR, NOW, "Somebody", "us", None, ["Austin"])
    assert await backend.find_person(WS, "Somebody") is None
    added, refused = await backend.add_aliases(ACTOR, NOW, person.id, ["SecDef Austin", "austin", "Wei"])
    assert added == ["SecDef Austin", "Wei"] and refused == []
    entry = await latest_audit(backend)
    assert entry.action == "update" and entry.after is not None
    assert entry.after["aliases"] == ["Austin", "SecDef Austin", "Wei"]
    await backend.add_person(ACTOR, NOW, WEI, "china", None, [])
    added, refused = await backend.add_aliases(ACTOR, NOW, person.id, ["Wei Fenghe"])
    assert added == [] and len(refused) == 1 and "already means" in refused[0]
    with pytest.raises(RecordMissing):
        await backend.add_aliases(OTHER, NOW, person.id, ["x"])
    keys = sorted(await backend.person_keys(WS))
    assert ("austin", person.id, AUSTIN) in keys and ("secdef austin", person.id, AUSTIN) in keys


async def test_people_matching_ranks_as_typed(backend: StoreContract) -> None:
    for name in (AUSTIN, "Austin Smith", "Augustus Austerlitz", "Xie Feng", "Xi Jinping", "Dong Jun"):
        await backend.add_person(ACTOR, NOW, name, "us" if name in (AUSTIN, "Austin Smith") else "china", None, [])
    assert [p.name for p in await backend.people_matching(WS, "austin")] == ["Austin Smith", AUSTIN]
    assert [p.name for p in await backend.people_matching(WS, "aus")] == [
        "Austin Smith",
        "Augustus Austerlitz",
        AUSTIN,
    ]
    assert [p.name for p in await backend.people_matching(WS, "xi")] == ["Xi Jinping", "Xie Feng"]
    assert [p.name for p in await backend.people_matching(WS, "lloyd aus")] == [AUSTIN]
    assert [p.name for p in await backend.people_matching(WS, "", limit=2)] == ["Augustus Austerlitz", "Austin Smith"]
    assert await backend.people_matching(WS, "zzz") == []
    assert await backend.people_matching(OTHER_WS, "aus") == []


async def test_offices_builtin_and_own(backend: StoreContract) -> None:
    builtin = await backend.offices(WS)
    assert builtin and all(o.builtin for o in builtin)
    secdef = await backend.office_of(WS, "us", "Secretary of Defense")
    assert secdef is not None and secdef.slug == "us:secretary-of-defense" and secdef.builtin
    assert await backend.office_by_slug(WS, "us:secretary-of-defense") == secdef
    assert await backend.office_of(WS, "us", None) is None
    event = await add(backend, new_event(us_title="Defense boss"))
    assert event.participants[0].office == "us:defense-boss"
    office = await backend.add_office_forms(
        ACTOR, NOW, "us:secretary-of-defense", "Secretary of Defense", "defense", ["Defense boss"]
    )
    assert "Defense boss" in office.forms
    assert (await backend.office_of(WS, "us", "Defense boss")) == office
    assert await backend.office_by_slug(WS, "us:secretary-of-defense") == office
    assert await backend.office_by_slug(OTHER_WS, "us:secretary-of-defense") == secdef
    remapped = await backend.event(WS, event.id)
    assert remapped is not None and remapped.participants[0].office == "us:secretary-of-defense"
    again = await backend.add_office_forms(
        ACTOR, NOW, "us:secretary-of-defense", "Secretary of Defense", "defense", ["Pentagon head"]
    )
    assert again.forms[-2:] == ("Defense boss", "Pentagon head")
    assert [o for o in await backend.offices(WS) if o.slug == "us:secretary-of-defense"] == [again]
    entry = await latest_audit(backend)
    assert (entry.action, entry.table, entry.record_id) == ("update", "office", "us:secretary-of-defense")
    assert await backend.office_by_slug(WS, "us:nothing") is None


async def test_an_event_gives_an_untitled_person_their_first_title(backend: StoreContract) -> None:
    await backend.add_person(ACTOR, NOW, AUSTIN, "us", None, [])
    await add(backend, new_event())
    person = await backend.find_person(WS, AUSTIN)
    assert person is not None and person.title == SECDEF
    kinds = [(e.action, e.table) for e in await backend.audit_entries(WS, 10)]
    assert kinds[:3] == [("create", "event"), ("create", "person"), ("update", "person")]


# --- issues, concerns, questions -----------------------------------------------------------------------


async def test_issues_and_concerns(backend: StoreContract) -> None:
    event = await add(backend, new_event())
    concern = await backend.add_concern(
        ACTOR,
        NOW,
        issue="fentanyl-precursors",
        side="us",
        text="Precursor shipments",
        by=AUSTIN,
        day=dt.date(2022, 4, 20),
        event_id=event.id,
        source="https://example.org/r",
    )
    assert concern.issue == "fentanyl-precursors" and concern.event_id == event.id
    issue = await backend.find_issue(WS, "Fentanyl precursors")
    assert issue is not None and issue.slug == "fentanyl-precursors" and not issue.builtin
    assert any(i.builtin for i in await backend.issues(WS))
    assert await backend.find_issue(OTHER_WS, "fentanyl-precursors") is None
    assert await backend.concerns_on(WS, "fentanyl-precursors") == [concern]
    assert await backend.concerns_on(WS, "fentanyl-precursors", side="china") == []
    assert await backend.concerns_between(WS, dt.date(2022, 4, 20), dt.date(2022, 4, 21)) == [concern]
    assert await backend.concerns_between(WS, dt.date(2022, 4, 21), dt.date(2022, 4, 22)) == []
    assert await backend.concerns_by_ids(WS, [concern.id, 999]) == [concern]
    assert await backend.concerns_by_ids(OTHER_WS, [concern.id]) == []
    for event_id in (999_999, event.id):
        actor = ACTOR if event_id == 999_999 else OTHER
        with pytest.raises(RecordMissing):
            await backend.add_concern(
                actor, NOW, issue="x", side="us", text="t", by=None, day=NOW.date(), event_id=event_id, source=None
            )
    entry = await latest_audit(backend)
    assert (entry.action, entry.table, entry.record_id) == ("create", "concern", str(concern.id))
    assert entry.after is not None and entry.after["by"] == AUSTIN


async def test_questions_open_close_list(backend: StoreContract) -> None:
    event = await add(backend, new_event())
    first = await backend.add_question(
        ACTOR, NOW, text="First?", issue="taiwan", event_id=event.id, raised_on=dt.date(2022, 4, 1)
    )
    second = await backend.add_question(
        ACTOR, NOW, text="Second?", issue=None, event_id=None, raised_on=dt.date(2022, 4, 2)
    )
    assert await backend.question(WS, first.id) == first
    assert await backend.question(OTHER_WS, first.id) is None
    assert await backend.list_questions(WS) == ([first, second], False)
    assert await backend.list_questions(WS, limit=1) == ([first], True)
    assert await backend.list_questions(WS, issue="taiwan") == ([first], False)
    assert await backend.list_questions(WS, event_id=event.id) == ([first], False)
    answered = await backend.close_question(
        ACTOR, NOW, first.id, status="answered", answer="Yes", source=None, closed_on=dt.date(2022, 4, 5)
    )
    dropped = await backend.close_question(
        ACTOR, NOW, second.id, status="dropped", answer="moot", source=None, closed_on=dt.date(2022, 4, 6)
    )
    assert answered.status == "answered" and answered.closed_on == dt.date(2022, 4, 5)
    assert (await latest_audit(backend)).action == "drop"
    assert await backend.list_questions(WS, status="answered") == ([answered], False)
    assert (await backend.event_notes(WS, event.id)).questions == (answered,)
    assert await backend.questions_closed_between(WS, dt.date(2022, 4, 1), dt.date(2022, 4, 6)) == [answered]
    assert await backend.questions_by_ids(WS, [second.id, first.id, 5555]) == [dropped, answered]
    assert await backend.questions_by_ids(OTHER_WS, [first.id]) == []
    with pytest.raises(RecordMissing):
        await backend.close_question(
            OTHER, NOW, first.id, status="answered", answer="x", source=None, closed_on=NOW.date()
        )
    with pytest.raises(RecordMissing):
        await backend.add_question(OTHER, NOW, text="?", issue=None, event_id=event.id, raised_on=NOW.date())


# --- search --------------------------------------------------------------------------------------------


async def test_search_ranks_the_most_relevant_first(backend: StoreContract) -> None:
    passing = await add(
        backend,
        new_event(
            "2022-01-01",
            summary="A long review of trade, climate, fentanyl, Ukraine, export controls, visas, journalists, "
            "students, consulates, and, near the end, Taiwan.",
        ),
    )
    focused = await add(
        backend, new_event("2022-02-01", summary="Taiwan: arms sales to Taiwan, Taiwan Strait transits.")
    )
    await add(backend, new_event("2022-03-01", summary="Climate only."))
    hits = await backend.search(WS, "taiwan")
    assert [(h.kind, h.ref) for h in hits] == [("event", focused.id), ("event", passing.id)]
    assert "Taiwan" in hits[1].snippet and hits[1].snippet.startswith("…")
    assert await backend.search(OTHER_WS, "taiwan") == []


async def test_search_covers_concerns_questions_people_prefixes_and_accents(backend: StoreContract) -> None:
    concern = await backend.add_concern(
        ACTOR,
        NOW,
        issue="taiwan",
        side="china",
        text="Zhongnanhai warning",
        by=None,
        day=NOW.date(),
        event_id=None,
        source=None,
    )
    question = await backend.add_question(
        ACTOR, NOW, text="Did Zhongnanhai approve?", issue=None, event_id=None, raised_on=NOW.date()
    )
    person = await backend.add_person(ACTOR, NOW, "Zhōu Zhongnanhai", "china", None, [])
    found = {(h.kind, h.ref) for h in await backend.search(WS, "zhongnanhai")}
    assert found == {("concern", concern.id), ("question", question.id), ("person", person.id)}
    assert [h.ref for h in await backend.search(WS, "ZHOU")] == [person.id]
    assert {h.ref for h in await backend.search(WS, "zhongnan")} == {concern.id, question.id, person.id}
    assert [h.ref for h in await backend.search(WS, "warning zhong")] == [concern.id]
    assert await backend.search(WS, "zhongnan warn approve") == []


async def test_search_snippets_show_a_short_text_whole_and_cut_a_long_one_around_its_words(
    backend: StoreContract,
) -> None:
    title = "Chief of the Joint Staff Department, Central Military Commission (General, PLA)"
    person = await backend.add_person(ACTOR, NOW, "Li Zuocheng", "china", title, [])
    [hit] = await backend.search(WS, "military")
    assert (hit.ref, hit.snippet) == (person.id, f"Li Zuocheng {title}")  # 13 words: shown whole
    question = await backend.add_question(
        ACTOR,
        NOW,
        text="Did the two sides, after ninety minutes on trade, climate, visas and students, agree to keep the "
        "military channels open (as Zhōu Bo urged)?",
        issue=None,
        event_id=None,
        raised_on=NOW.date(),
    )
    # 16 words from the first hit, '…' where words are left out (not where only punctuation is)...
    [hit] = await backend.search(WS, "ninety")
    assert (hit.ref, hit.snippet) == (
        question.id,
        "…ninety minutes on trade, climate, visas and students, agree to keep the military channels open (as…",
    )
    # ...or the last 16 when the hits are near the end; a word found by its folded form is cut around too.
    tail = "…trade, climate, visas and students, agree to keep the military channels open (as Zhōu Bo urged"
    assert [h.snippet for h in await backend.search(WS, "zhou")] == [tail]
    assert [h.snippet for h in await backend.search(WS, "channels")] == [tail]


async def test_search_reads_operators_and_quotes_as_plain_words(backend: StoreContract) -> None:
    event = await add(backend, new_event(summary="Taiwan or not"))
    for query in ['taiwan" OR ws:', "NEAR(taiwan", "taiwan & !not", "*", '"', "'", "taiwan:*", "-"]:
        await backend.search(WS, query)  # no syntax error, whatever the user typed
    assert [h.ref for h in await backend.search(WS, "taiwan -or")] == [event.id]


async def test_a_lookup_by_a_text_with_a_nul_character_finds_nothing(backend: StoreContract) -> None:
    """PostgreSQL refuses the character in any text it is sent; a lookup by such a text, as a user's
    `/feed pause feed:` can ask for, finds nothing on either backend rather than failing."""
    await add(backend, new_event(raised={"us": ["taiwan"]}))
    nul = "taiwan\x00"
    day = dt.date(2022, 4, 20)
    assert await backend.search(WS, nul) == []
    # Names, titles and issues are looked up by their words, which the character is not part of.
    assert await backend.find_person(WS, f"{WEI}\x00") == await backend.find_person(WS, WEI)
    assert await backend.office_of(WS, "us", f"{SECDEF}\x00") == await backend.office_of(WS, "us", SECDEF)
    assert await backend.office_by_slug(WS, "us:secretary-of-defense\x00") is None
    assert await backend.find_issue(WS, nul) == await backend.find_issue(WS, "taiwan")
    assert await backend.concerns_on(WS, nul) == []
    assert await backend.concerns_on(WS, "taiwan", side="us\x00") == []
    assert await backend.matching_event(WS, day, f"{AUSTIN}\x00", WEI) == await backend.matching_event(
        WS, day, AUSTIN, WEI
    )
    assert await backend.feed_by_url(WS, "https://www.defense.gov/feed.xml\x00") is None
    assert await backend.list_events(WS, issue=nul) == ([], False)
    assert await backend.list_events(WS, side="us\x00") == ([], False)
    assert await backend.list_events(WS, track="defense\x00", status="held\x00", kind="call\x00") == ([], False)
    found = await backend.timeline(WS, issue=nul)
    assert (found.tallies, found.first, found.latest) == ((), None, None)
    assert (await backend.timeline(WS, side="us\x00")).tallies == ()
    assert (await backend.timeline(WS, issue="taiwan")).total == 1  # the same lookups without it do find


# --- workspaces, subscriptions, digests -------------------------------------------------------------------


async def test_workspace_settings(backend: StoreContract) -> None:
    assert (await backend.workspace_settings(WS)).timezone is None
    first = await backend.set_workspace(ACTOR, NOW, timezone="Asia/Shanghai")
    assert (first.timezone, first.editor_role) == ("Asia/Shanghai", None)
    entry = await latest_audit(backend)
    assert (entry.action, entry.before, entry.after) == (
        "create",
        None,
        {"timezone": "Asia/Shanghai", "editor_role": None},
    )
    second = await backend.set_workspace(ACTOR, NOW, editor_role="123")
    assert (second.timezone, second.editor_role) == ("Asia/Shanghai", "123")
    assert await backend.workspace_settings(WS) == second
    entry = await latest_audit(backend)
    assert entry.action == "update" and entry.before == {"timezone": "Asia/Shanghai", "editor_role": None}
    assert (await backend.workspace_settings(OTHER_WS)).editor_role is None
    assert entry.at == NOW and (entry.actor_id, entry.actor_name) == ("u1", "Ann Analyst")


async def test_subscriptions(backend: StoreContract) -> None:
    sub, created = await backend.subscribe(
        ACTOR, NOW, channel_id="c1", weekday=0, time="09:00", timezone="UTC", role_id=None
    )
    assert created and sub.chart and sub.workspace == WS and not sub.paused
    again, created = await backend.subscribe(
        ACTOR, NOW, channel_id="c1", weekday=3, time="10:00", timezone="UTC", role_id="r", chart=False
    )
    assert not created and again.id == sub.id and (again.weekday, again.chart) == (3, False)
    kept, _ = await backend.subscribe(ACTOR, NOW, channel_id="c1", weekday=3, time="10:00", timezone="UTC", role_id="r")
    assert not kept.chart
    entry = await latest_audit(backend)
    assert entry.action == "update" and entry.before is not None and entry.before["weekday"] == 3
    assert await backend.subscriptions(WS) == [kept]
    assert await backend.subscriptions(OTHER_WS) == []
    assert await backend.subscription_by_id(sub.id) == kept
    paused = await backend.set_paused(ACTOR, NOW, "c1", True, "holiday")
    assert paused.paused and paused.pause_reason == "holiday"
    with pytest.raises(Conflict):
        await backend.set_paused(ACTOR, NOW, "c1", True, "again")
    resumed = await backend.set_paused(ACTOR, NOW, "c1", False, None)
    assert not resumed.paused and resumed.pause_reason is None
    with pytest.raises(RecordMissing):
        await backend.set_paused(OTHER, NOW, "c1", True, None)
    with pytest.raises(RecordMissing):
        await backend.unsubscribe(OTHER, NOW, "c1")
    gone = await backend.unsubscribe(ACTOR, NOW, "c1")
    assert gone.id == sub.id and await backend.subscriptions() == []
    assert (await latest_audit(backend)).action == "delete"


async def test_digest_claims_finish_skip_and_pause(backend: StoreContract) -> None:
    sub, _ = await backend.subscribe(ACTOR, NOW, channel_id="c1", weekday=0, time="09:00", timezone="UTC", role_id=None)
    start, end = NOW - dt.timedelta(days=7), NOW
    assert await backend.claim_digest(sub.id, start, end, late=False, claimer="p1", at=NOW)
    assert not await backend.claim_digest(sub.id, start, end, late=False, claimer="p2", at=NOW)
    run = await backend.digest_run(sub.id, end)
    assert run is not None and (run.status, run.claimed_by, run.late) == ("claimed", "p1", False)
    await backend.finish_digest(sub.id, end, at=LATER, sent=True, detail="m1")
    run = await backend.digest_run(sub.id, end)
    assert run is not None and (run.status, run.finished_at, run.detail) == ("sent", LATER, "m1")
    after = await backend.subscription_by_id(sub.id)
    assert after is not None and after.last_period_end == end and after.last_error is None
    nxt = end + dt.timedelta(days=7)
    assert await backend.claim_digest(sub.id, end, nxt, late=True, claimer="p1", at=NOW)
    await backend.finish_digest(sub.id, nxt, at=LATER, sent=False, detail="403")
    assert (await backend.subscription_by_id(sub.id)).last_error == "403"  # type: ignore[union-attr]
    older = start - dt.timedelta(days=7)
    assert await backend.skip_digest(sub.id, older, start, at=NOW, claimer="p1", reason="too late")
    assert not await backend.skip_digest(sub.id, older, start, at=NOW, claimer="p2", reason="again")
    assert [r.period_end for r in await backend.digest_runs(sub.id)] == [nxt, end, start]
    assert [r.status for r in await backend.digest_runs(sub.id, limit=1)] == ["failed"]
    await backend.note_digest_error(sub.id, "no permission")
    assert (await backend.subscription_by_id(sub.id)).last_error == "no permission"  # type: ignore[union-attr]
    await backend.pause_for_failure(sub.id, at=NOW, reason="channel gone")
    paused = await backend.subscription_by_id(sub.id)
    assert paused is not None and paused.paused and paused.pause_reason == "channel gone"
    entry = await latest_audit(backend)
    assert (entry.action, entry.actor_id) == ("pause", "scheduler")
    assert not await backend.claim_digest(sub.id, nxt, nxt + dt.timedelta(days=7), late=False, claimer="p", at=NOW)
    assert not await backend.claim_digest(999_999, start, end, late=False, claimer="p", at=NOW)
    await backend.pause_for_failure(999_999, at=NOW, reason="none")  # nothing to pause: no error
    assert await backend.digest_run(sub.id, NOW + dt.timedelta(days=365)) is None


async def test_a_claim_left_past_its_lease_is_taken_over_once(backend: StoreContract) -> None:
    sub, _ = await backend.subscribe(ACTOR, NOW, channel_id="c1", weekday=0, time="09:00", timezone="UTC", role_id=None)
    start, end, lease = NOW - dt.timedelta(days=7), NOW, dt.timedelta(minutes=10)
    assert await backend.claim_digest(sub.id, start, end, late=False, claimer="dead", at=NOW)
    within = NOW + dt.timedelta(minutes=9)
    assert not await backend.claim_digest(sub.id, start, end, late=True, claimer="p2", at=within, lease=lease)
    past = NOW + dt.timedelta(minutes=11)
    assert not await backend.claim_digest(sub.id, start, end, late=True, claimer="p2", at=past)  # no lease: no
    assert await backend.claim_digest(sub.id, start, end, late=True, claimer="p2", at=past, lease=lease)
    run = await backend.digest_run(sub.id, end)
    assert run is not None and (run.status, run.claimed_by, run.claimed_at, run.late) == ("claimed", "p2", past, True)
    # The new holder's claim is fresh: a third process finds nothing to take over.
    assert not await backend.claim_digest(sub.id, start, end, late=True, claimer="p3", at=past, lease=lease)
    await backend.finish_digest(sub.id, end, at=past, sent=True, detail="m1")
    later = past + dt.timedelta(hours=1)
    assert not await backend.claim_digest(sub.id, start, end, late=True, claimer="p3", at=later, lease=lease)


# --- installations -------------------------------------------------------------------------------------


async def test_installations(backend: StoreContract) -> None:
    assert await backend.installation("app", None, "T1") is None
    await backend.save_installation("app", None, "T1", '{"token": "a"}', at=NOW)
    await backend.save_installation("app", None, "T1", '{"token": "b"}', at=LATER)
    await backend.save_installation("app", "E1", None, '{"token": "e"}', at=NOW)
    assert await backend.installation("app", None, "T1") == '{"token": "b"}'
    assert await backend.installation("app", "E1", None) == '{"token": "e"}'
    await backend.delete_installation("app", None, "T1")
    assert await backend.installation("app", None, "T1") is None
    assert await backend.installation("app", "E1", None) == '{"token": "e"}'


# --- import -------------------------------------------------------------------------------------------


async def test_import_skips_duplicates_and_refuses_only_the_bad_line(backend: StoreContract) -> None:
    existing = await add(backend, new_event("2022-04-01"))
    lines = [
        (1, new_event("2022-04-01")),  # a duplicate of the store's
        (2, new_event("2022-04-02", raised={"us": ["new-issue"]})),
        (3, new_event("2022-04-02")),  # a duplicate of line 2
        (4, new_event("2022-04-03", us=WEI, cn="Brand New Person")),  # Wei is on the china side
        (5, new_event("2022-04-04", us="Newcomer One", cn="Newcomer Two")),
    ]
    result = await backend.import_events(ACTOR, NOW, lines)
    assert result.added == 2 and result.new_people == 2
    assert result.duplicates[0] == (1, existing.id) and [n for n, _ in result.duplicates] == [1, 3]
    assert [n for n, _ in result.refused] == [4] and "china side" in result.refused[0][1]
    assert await backend.find_person(WS, "Brand New Person") is None
    assert await backend.find_issue(WS, "new-issue") is not None
    again = await backend.import_events(ACTOR, NOW, lines)
    assert again.added == 0 and len(again.duplicates) == 4


# --- timeline -----------------------------------------------------------------------------------------


async def test_timeline_counts_gaps_and_latest(backend: StoreContract) -> None:
    await add(backend, new_event("2022-01-03"))
    await add(backend, new_event("2022-01-03", kind="meeting"))
    await add(backend, new_event("2022-03-01"))
    await add(backend, new_event("2022-03-02", BLINKEN, WANG, us_title="Secretary of State", raised={"us": ["taiwan"]}))
    declined = await add(backend, new_event("2022-04-01", status="declined"))
    timeline = await backend.timeline(WS)
    assert timeline.grain == "day" and timeline.lanes == ("diplomatic", "defense")
    assert timeline.total == 5 and (timeline.first, timeline.last) == (dt.date(2022, 1, 3), declined.day)
    assert {(t.lane, t.bucket.isoformat(), t.kind, t.status, t.count) for t in timeline.tallies} >= {
        ("defense", "2022-01-03", "call", "held", 1),
        ("defense", "2022-04-01", "call", "declined", 1),
    }
    assert [(g.lane, g.start.isoformat(), g.end.isoformat()) for g in timeline.gaps] == [
        ("defense", "2022-01-03", "2022-03-01")
    ]
    assert timeline.latest is not None and timeline.latest.day == dt.date(2022, 3, 2)
    monthly = await backend.timeline(WS, grain="month", track="defense")
    assert {(t.bucket.isoformat(), t.count) for t in monthly.tallies if t.status == "held"} == {
        ("2022-01-01", 1),
        ("2022-03-01", 1),
    } or sum(t.count for t in monthly.tallies) == 4
    assert sum(t.count for t in monthly.tallies) == 4
    austin = await backend.find_person(WS, AUSTIN)
    assert austin is not None
    pairs = await backend.timeline(WS, person_id=austin.id)
    assert (
        pairs.pairs
        and pairs.lanes == ("us:secretary-of-defense|china:minister-of-national-defense",)
        and pairs.total == 4
    )
    issue = await backend.timeline(WS, issue="taiwan", since=dt.date(2022, 2, 1))
    assert issue.total == 1 and issue.lanes == ("diplomatic",)
    weeks = await backend.timeline(WS, grain="week", side="china")
    assert {t.bucket for t in weeks.tallies} >= {dt.date(2022, 1, 3), dt.date(2022, 2, 28)}
    quarters = await backend.timeline(WS, grain="half-year")
    assert {t.bucket for t in quarters.tallies} == {dt.date(2022, 1, 1)}
    await backend.delete_event(ACTOR, NOW, declined.id)
    assert (await backend.timeline(WS)).total == 4
    empty = await backend.timeline(OTHER_WS)
    assert (empty.total, empty.first, empty.latest) == (0, None, None)


# --- drafts of readouts ------------------------------------------------------------------------------

DOD = Source("https://www.defense.gov/readout-1", "Readout of the call", "DoD")
MFA = Source("https://www.mfa.gov.cn/readout-1", "Wei Fenghe spoke with Austin", "MFA")


async def a_draft(store: StoreContract, url: str | None = DOD.url, actor: Actor = ACTOR) -> int:
    made = await store.add_draft(
        actor,
        NOW,
        url=url,
        title="Readout",
        publisher="DoD",
        published=dt.date(2022, 4, 20),
        extracted={"is_us_china_contact": True, "summary": "台湾 and the Strait"},
    )
    return made.id


async def test_a_draft_reads_back_is_corrected_and_is_kept_per_workspace(backend: StoreContract) -> None:
    draft_id = await a_draft(backend)
    draft = await backend.draft(WS, draft_id)
    assert draft is not None
    assert (draft.status, draft.url, draft.published, draft.created_at, draft.event_id) == (
        "pending",
        DOD.url,
        dt.date(2022, 4, 20),
        NOW,
        None,
    )
    assert draft.extracted == {"is_us_china_contact": True, "summary": "台湾 and the Strait"}
    assert (await latest_audit(backend)).action == "create"
    updated = await backend.update_draft(ACTOR, LATER, draft_id, {"summary": "corrected"})
    assert updated.extracted == {"summary": "corrected"} and updated.status == "pending"
    entry = await latest_audit(backend)
    assert (entry.action, entry.table, entry.before and entry.before["extracted"]) == (
        "update",
        "draft",
        {"is_us_china_contact": True, "summary": "台湾 and the Strait"},
    )
    assert await backend.draft(OTHER_WS, draft_id) is None
    with pytest.raises(RecordMissing):
        await backend.discard_draft(OTHER, NOW, draft_id)
    with pytest.raises(RecordMissing):
        await backend.update_draft(ACTOR, NOW, draft_id + 100, {})


async def test_recording_a_draft_writes_the_event_positions_source_and_status_at_once(backend: StoreContract) -> None:
    draft_id = await a_draft(backend)
    new = new_event(sources=[DOD], raised={"us": ["taiwan", "maritime-incidents"], "china": ["taiwan"]})
    positions = [NewPosition("china", "taiwan", "The Taiwan question bears on the foundation of relations")]
    recorded = await backend.record_draft(ACTOR, LATER, draft_id, new, positions)
    assert (recorded.attached, recorded.positions, recorded.issues, recorded.source_added) == (False, 1, 2, True)
    assert sorted(recorded.new_people) == [AUSTIN, WEI] and recorded.new_issues == ("maritime-incidents",)
    event = recorded.event
    assert [s.url for s in event.sources] == [DOD.url]
    notes = await backend.event_notes(WS, event.id)
    assert [(c.side, c.issue, c.source) for c in notes.worded()] == [("china", "taiwan", DOD.url)]
    raised = {"us": ["taiwan", "maritime-incidents"], "china": ["taiwan"]}
    assert (await backend.raised_at(WS, [event.id]))[event.id] == raised == notes.raised()
    assert len(notes.concerns) == 3 and notes.questions == ()
    draft = await backend.draft(WS, draft_id)
    assert draft is not None and (draft.status, draft.event_id, draft.decided_by, draft.decided_at) == (
        "recorded",
        event.id,
        "Ann Analyst",
        LATER,
    )
    assert [d.id for d in await backend.event_drafts(WS, event.id)] == [draft_id]
    assert await backend.event_drafts(OTHER_WS, event.id) == []
    entry = await latest_audit(backend)
    assert (entry.action, entry.table, entry.after and entry.after["status"]) == ("record", "draft", "recorded")
    # Decided once: neither a second Record nor a Discard nor an edit changes anything.
    for attempt in (
        backend.record_draft(ACTOR, LATER, draft_id, new, positions),
        backend.discard_draft(ACTOR, LATER, draft_id),
        backend.update_draft(ACTOR, LATER, draft_id, {}),
    ):
        with pytest.raises(DraftDecided, match=f"draft #{draft_id} was already recorded as event #{event.id}"):
            await attempt
    assert len((await backend.event_notes(WS, event.id)).worded()) == 1
    assert (await latest_audit(backend)).action == "record"


async def test_the_other_sides_readout_joins_the_recorded_event(backend: StoreContract) -> None:
    ours = await backend.record_draft(
        ACTOR,
        NOW,
        await a_draft(backend),
        new_event(sources=[DOD], raised={"us": ["taiwan"]}),
        [NewPosition("us", "taiwan", "We oppose unilateral changes to the status quo")],
    )
    day_after = dt.date(2022, 4, 21)
    assert await backend.matching_event(WS, day_after, "Austin", WEI) is None  # not a name or alias of his
    assert await backend.matching_event(WS, day_after, AUSTIN, WEI) == ours.event.id
    assert await backend.matching_event(WS, dt.date(2022, 4, 23), AUSTIN, WEI) is None  # more than a day apart
    assert await backend.matching_event(WS, day_after, WEI, AUSTIN) is None  # sides matter
    assert await backend.matching_event(OTHER_WS, day_after, AUSTIN, WEI) is None
    theirs_id = await a_draft(backend, MFA.url)
    theirs = await backend.record_draft(
        ACTOR,
        LATER,
        theirs_id,
        new_event("2022-04-21", sources=[MFA], raised={"china": ["taiwan", "south-china-sea"]}),
        [
            NewPosition("china", "taiwan", "Taiwan is China's Taiwan"),
            NewPosition("us", "taiwan", "We oppose unilateral changes to the status quo"),
        ],
    )
    assert (theirs.attached, theirs.event.id, theirs.positions, theirs.issues, theirs.source_added) == (
        True,
        ours.event.id,
        2,  # the same words from another source are another position
        1,  # south-china-sea; taiwan has the position's words
        True,
    )
    assert [s.url for s in theirs.event.sources] == [DOD.url, MFA.url]
    assert [d.id for d in await backend.event_drafts(WS, ours.event.id)] == [
        (await backend.event_drafts(WS, ours.event.id))[0].id,
        theirs_id,
    ]
    assert len((await backend.event_notes(WS, ours.event.id)).worded()) == 3
    people = {p.name: p for p in await backend.people_of(WS)}
    assert set(people) == {AUSTIN, WEI} and await backend.people_of(OTHER_WS) == []


async def test_a_draft_is_decided_once_by_two_stores_at_once(backend_opener: OpenStore) -> None:
    first, second = await backend_opener(), await backend_opener()
    records = [await a_draft(first) for _ in range(2)]
    discard = await a_draft(first)
    new = new_event(sources=[DOD])
    results = await asyncio.gather(
        *(s.record_draft(ACTOR, NOW, d, new, []) for d in records[:1] for s in (first, second)),
        *(s.discard_draft(ACTOR, NOW, discard) for s in (first, second)),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results].count("DraftDecided") == 2, results
    assert not any(isinstance(r, Exception) and not isinstance(r, DraftDecided) for r in results), results
    listed, _ = await first.list_events(WS)
    assert len(listed) == 1  # recorded once: one event
    # The second draft of the same contact joins the event rather than duplicating it.
    joined = await second.record_draft(ACTOR, NOW, records[1], new, [])
    assert joined.attached and joined.event.id == listed[0].id and not joined.source_added


# --- watched feeds --------------------------------------------------------------------------------------

FEED_URL = "https://www.defense.gov/feed.xml"


async def a_feed(store: StoreContract, baseline: list[str] | None = None, actor: Actor = ACTOR) -> int:
    feed = await store.add_feed(
        actor,
        NOW,
        url=FEED_URL,
        channel_id="c1",
        next_poll_at=NOW,
        etag='"v1"',
        last_modified=None,
        baseline=baseline or [],
    )
    return feed.id


async def test_a_feed_is_watched_once_paused_resumed_and_removed(backend: StoreContract) -> None:
    feed_id = await a_feed(backend, ["old", "old", "older"])
    feed = await backend.feed(WS, feed_id)
    assert feed is not None and (feed.url, feed.paused, feed.etag, feed.next_poll_at, feed.created_at) == (
        FEED_URL,
        False,
        '"v1"',
        NOW,
        NOW,
    )
    assert [(k, o) for k, o, _, _ in await backend.feed_items(feed_id)] == [("old", "baseline"), ("older", "baseline")]
    with pytest.raises(Conflict, match=f"already watched as feed #{feed_id}"):
        await a_feed(backend)
    other_id = await a_feed(backend, actor=OTHER)  # another workspace may watch it too
    assert [f.id for f in await backend.feeds()] == [feed_id, other_id]
    assert [f.id for f in await backend.feeds(WS)] == [feed_id]
    assert (await backend.feed_by_url(WS, FEED_URL)) == feed and await backend.feed(OTHER_WS, feed_id) is None
    paused = await backend.set_feed_paused(ACTOR, NOW, feed_id, True, NOW)
    assert paused.paused and [f.id for f in await backend.due_feeds(LATER)] == [other_id]
    assert not await backend.lease_feed(feed_id, LATER, LATER)  # a paused feed is not polled
    await backend.feed_failed(feed_id, NOW, "HTTP 500", NOW)
    resumed = await backend.set_feed_paused(ACTOR, NOW, feed_id, False, LATER)
    assert (resumed.paused, resumed.failures, resumed.next_poll_at, resumed.last_error) == (False, 0, LATER, "HTTP 500")
    assert (await latest_audit(backend)).action == "resume"
    draft = await backend.item_draft(
        ACTOR, NOW, feed_id, "old", url=None, title=None, publisher=None, published=None, extracted={}
    )
    removed = await backend.remove_feed(ACTOR, NOW, feed_id)
    assert removed.id == feed_id and await backend.feed(WS, feed_id) is None
    assert await backend.feed_items(feed_id) == []
    kept = await backend.draft(WS, draft.id)
    assert kept is not None and kept.feed_id is None  # its drafts stay
    with pytest.raises(RecordMissing):
        await backend.remove_feed(ACTOR, NOW, feed_id)
    with pytest.raises(RecordMissing):
        await backend.set_feed_paused(OTHER, NOW, other_id + 100, True, NOW)


async def test_polls_record_validators_failures_and_errors(backend: StoreContract) -> None:
    feed_id = await a_feed(backend)
    await backend.feed_failed(feed_id, NOW, "timed out", LATER)
    await backend.feed_failed(feed_id, NOW, "HTTP 503", LATER, count=False)
    feed = await backend.feed(WS, feed_id)
    assert feed is not None and (feed.failures, feed.last_error, feed.last_error_at) == (1, "HTTP 503", NOW)
    assert await backend.due_feeds(NOW) == [] and [f.id for f in await backend.due_feeds(LATER)] == [feed_id]
    await backend.feed_polled(feed_id, LATER, etag='"v2"', last_modified="Thu, 21 Apr 2022", next_poll_at=LATER)
    feed = await backend.feed(WS, feed_id)
    assert feed is not None and (feed.etag, feed.last_modified, feed.failures, feed.last_success_at) == (
        '"v2"',
        "Thu, 21 Apr 2022",
        0,
        LATER,
    )
    await backend.note_feed_error(feed_id, LATER, "the channel is gone")
    feed = await backend.feed(WS, feed_id)
    assert feed is not None and (feed.last_error, feed.failures) == ("the channel is gone", 0)


async def test_items_are_claimed_once_and_polls_leased_once_across_two_stores(backend_opener: OpenStore) -> None:
    first, second = await backend_opener(), await backend_opener()
    feed_id = await a_feed(first, ["old"])
    claims = await asyncio.gather(
        *(s.claim_item(feed_id, f"item-{i}", NOW, name) for i in range(10) for s, name in ((first, "a"), (second, "b")))
    )
    assert sum(claims) == 10  # each of the ten items claimed by exactly one of the two
    assert not await second.claim_item(feed_id, "old", NOW, "b")  # in the feed when it was added
    leases = await asyncio.gather(
        first.lease_feed(feed_id, NOW, LATER), second.lease_feed(feed_id, NOW, LATER), return_exceptions=True
    )
    assert sorted(leases) == [False, True]  # type: ignore[type-var]
    assert not await first.lease_feed(feed_id, NOW, LATER)  # no longer due at NOW
    assert await second.lease_feed(feed_id, LATER, LATER + dt.timedelta(minutes=5))
    made = await first.item_draft(
        ACTOR, NOW, feed_id, "item-0", url="https://x.test/0", title="t", publisher=None, published=None, extracted={}
    )
    for key, outcome in (("item-0", "posted"), ("item-1", "skipped"), ("item-2", "failed")):
        await second.finish_item(feed_id, key, outcome, "why" if outcome == "failed" else None)
    with pytest.raises(ValueError, match="unknown outcome 'lost'"):
        await first.finish_item(feed_id, "item-3", "lost")
    feed = await first.feed(WS, feed_id)
    assert feed is not None
    assert (feed.items_seen, feed.items_posted, feed.items_skipped, feed.items_failed) == (10, 1, 1, 1)
    items = {k: (o, d, why) for k, o, d, why in await first.feed_items(feed_id)}
    assert items["item-0"] == ("posted", made.id, None) and items["item-2"] == ("failed", None, "why")
    assert items["item-3"] == ("claimed", None, None) and items["old"][0] == "baseline"
    assert made.feed_id == feed_id
    await first.remove_feed(ACTOR, NOW, feed_id)
    assert not await second.claim_item(feed_id, "new", NOW, "b")  # a removed feed claims nothing
