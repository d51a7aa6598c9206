"""Bad input through the command surface: each refusal names the field and what is accepted, and the
store is left exactly as it was. Also: ids of another workspace, non-editors, duplicates, and text that
must stay inert when shown."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from commands.errors import Forbidden, NotFound, UserError
from commands.reply import Ref, Reply, Span, UserText
from commands.surface import COMMANDS
from commands.validate import LIMITS
from storage.contract import StoreContract
from storage.records import Actor
from storage.vocab import EVENT_STATUSES, KINDS, QUESTION_STATUSES, REQUESTERS, TRACKS
from tests.conftest import NOW, WS, Preload, Runner, snapshot

AUSTIN = "Lloyd J. Austin III"
WEI = "Wei Fenghe"
# A valid /event add apart from the field a case breaks (a different day from the seeded event).
EVENT = {"date": "2022-04-19", "us": f"{AUSTIN} (Secretary of Defense)", "cn": WEI, "kind": "video"}
NEVER = 999  # an id that exists in no workspace
READOUT = (
    "Secretary of Defense Lloyd J. Austin III spoke by phone today with People's Republic of China Minister of "
    "National Defense Wei Fenghe. Secretary Austin and General Wei discussed regional security issues, and "
    "Russia's unprovoked invasion of Ukraine."
)


def event(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**EVENT, **changes}.items() if v is not None}


@pytest.fixture
async def seeded(run: Runner, store: StoreContract, preload: Preload) -> dict[str, int]:
    """console:test with one event, an open question about it, a subscription (c1) and a paused one (c3)."""

    async def load() -> None:
        await run(
            "event add", date="2022-04-20", us=f"{AUSTIN} (Secretary of Defense)", cn=WEI, kind="call", minutes="45"
        )
        await run("question add", text="How did Wei respond?", event="1")
        await run("digest subscribe", channel="c1")
        await run("digest subscribe", channel="c3")
        await run("digest pause", channel="c3")
        # A readout's draft (#1), a watched feed (#1) and a paused one (#2).
        await run("readout", text=READOUT, url="https://www.defense.gov/readout-1", published="2022-04-20")
        actor = Actor(WS, "u1", "Ann Analyst")
        for n in (1, 2):
            await store.add_feed(
                actor,
                NOW,
                url=f"https://www.defense.gov/feed{n}.xml",
                channel_id="c1",
                next_poll_at=NOW,
                etag=None,
                last_modified=None,
                baseline=[],
            )
        await store.set_feed_paused(actor, NOW, 2, True, NOW)

    await preload(store, "bad-input-seeded", load)
    latest = await store.latest_event(WS)
    questions, _ = await store.list_questions(WS)
    assert latest is not None and [q.event_id for q in questions] == [latest.id]
    return {"event": latest.id, "question": questions[0].id}


async def refused(store: StoreContract, run: Runner, command: str, args: dict[str, Any]) -> UserError:
    """Run a command that must be refused; check nothing changed; return the error."""
    before = await snapshot(store)
    with pytest.raises(UserError) as info:
        await run(command, **args)
    assert await snapshot(store) == before
    return info.value


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    command: str
    args: dict[str, Any]
    field: str | None  # the field the message must start with (None: a message about the command itself)
    says: tuple[str, ...] = ()  # what the message must also contain: the value, the accepted forms
    error: type[UserError] = UserError


def case(name: str, c: Case, *marks: pytest.MarkDecorator) -> Any:
    return pytest.param(c, id=name, marks=marks)


def too_long(key: str) -> str:
    return "x" * (LIMITS[key] + 1)


URL_SAYS = ("http://", "https://")
BAD_URLS = ("javascript:alert(1)", "ftp://x", "not a url")
ACCEPTED_DATES = ("YYYY-MM-DD", "today", "yesterday", "weekday")

CASES = [
    # dates
    case("impossible date", Case("event add", event(date="2022-02-30"), "date", ("'2022-02-30'", "YYYY-MM-DD"))),
    case("unparseable date", Case("event add", event(date="next week"), "date", ("'next week'", *ACCEPTED_DATES))),
    case(
        "held contact over a year ahead",
        Case("event add", event(date="2023-06-01"), "date", ("2023-06-01", "more than a year", "status:planned")),
    ),
    case("impossible since", Case("event list", {"since": "2022-13-01"}, "since", ("YYYY-MM-DD",))),
    case(
        "impossible concern date",
        Case(
            "concern add", {"issue": "taiwan", "side": "us", "text": "x", "date": "2022-04-31"}, "date", ("YYYY-MM-DD",)
        ),
    ),
    case(
        "edit date impossible",
        Case("event edit", {"id": 1, "field": "date", "value": "2022-02-30"}, "value", ("YYYY-MM-DD",)),
    ),
    # closed vocabularies, through the choice coercion
    case("unknown kind", Case("event add", event(kind="phonecall"), "kind", ("'phonecall'", ", ".join(KINDS)))),
    case("unknown track", Case("event add", event(track="military"), "track", ("'military'", ", ".join(TRACKS)))),
    case(
        "unknown status",
        Case("event add", event(status="called off"), "status", ("'called off'", ", ".join(EVENT_STATUSES))),
    ),
    case(
        "unknown requested_by",
        Case("event add", event(requested_by="both"), "requested_by", ("'both'", ", ".join(REQUESTERS))),
    ),
    case(
        "unknown concern side",
        Case("concern add", {"issue": "taiwan", "side": "taiwan", "text": "x"}, "side", ("'taiwan'", "us, china")),
    ),
    case("unknown person side", Case("person add", {"name": "X", "side": "martian"}, "side", ("us, china, other",))),
    case(
        "unknown question status",
        Case("questions", {"status": "closed"}, "status", ("'closed'", ", ".join(QUESTION_STATUSES))),
    ),
    case("unknown lastcall track", Case("lastcall", {"track": "army"}, "track", (", ".join(TRACKS),))),
    case("unknown edit field", Case("event edit", {"id": 1, "field": "colour", "value": "x"}, "field", ("date",))),
    case(
        "edit kind unknown",
        Case("event edit", {"id": 1, "field": "kind", "value": "phonecall"}, "value", (", ".join(KINDS),)),
    ),
    # minutes
    case("minutes 0", Case("event add", event(minutes="0"), "minutes", ("1 to 1440",))),
    case("minutes 1441", Case("event add", event(minutes="1441"), "minutes", ("1 to 1440",))),
    case("minutes abc", Case("event add", event(minutes="abc"), "minutes", ("'abc'", "whole number"))),
    case("edit minutes 0", Case("event edit", {"id": 1, "field": "minutes", "value": "0"}, "value", ("1 to 1440",))),
    # text: empty and over-long, with the limit stated
    case(
        "summary too long",
        Case("event add", event(summary=too_long("summary")), "summary", (f"limit is {LIMITS['summary']}",)),
    ),
    case(
        "location too long",
        Case("event add", event(location=too_long("location")), "location", (f"limit is {LIMITS['location']}",)),
    ),
    *[
        case(
            f"concern text {label}",
            Case("concern add", {"issue": "taiwan", "side": "us", "text": value}, "text", (str(LIMITS["text"]),)),
        )
        for label, value in (("empty", ""), ("blank", "   "), ("too long", too_long("text")))
    ],
    *[
        case(f"question text {label}", Case("question add", {"text": value}, "text", (str(LIMITS["text"]),)))
        for label, value in (("empty", ""), ("blank", " \n "), ("too long", too_long("text")))
    ],
    *[
        case(
            f"person name {label}",
            Case("person add", {"name": value, "side": "us"}, "name", (str(LIMITS["name"]),)),
        )
        for label, value in (("empty", ""), ("blank", "  "), ("too long", too_long("name")))
    ],
    case("participant name too long", Case("event add", event(us=too_long("name")), "us", (str(LIMITS["name"]),))),
    case(
        "participant title too long",
        Case("event add", event(cn=f"{WEI} ({too_long('title')})"), "cn", (str(LIMITS["title"]),)),
    ),
    case("no participants", Case("event add", event(us=" , "), "us", ("at least one name",))),
    case(
        "answer empty",
        Case("question answer", {"id": 1, "answer": "  "}, "answer", ("must not be empty", str(LIMITS["answer"]))),
    ),
    case("query too long", Case("search", {"query": too_long("query")}, "query", (str(LIMITS["query"]),))),
    # Nothing search could match: no letter or digit (an underscore is neither), refused before any store is asked.
    *[
        case(f"query without words {q!r}", Case("search", {"query": q}, "query", ("has no words to look for",)))
        for q in ("?!", "___", "— * —")
    ],
    # sources
    *[case(f"event source {u}", Case("event add", event(source=u), "source", URL_SAYS)) for u in BAD_URLS],
    *[
        case(
            f"concern source {u}",
            Case("concern add", {"issue": "taiwan", "side": "us", "text": "x", "source": u}, "source", URL_SAYS),
        )
        for u in BAD_URLS
    ],
    *[
        case(f"answer source {u}", Case("question answer", {"id": 1, "answer": "x", "source": u}, "source", URL_SAYS))
        for u in BAD_URLS
    ],
    case(
        "edit source",
        Case("event edit", {"id": 1, "field": "source", "value": "javascript:alert(1)"}, "value", URL_SAYS),
    ),
    # unknown ids
    case("show unknown event", Case("event show", {"id": NEVER}, "id", (f"no event #{NEVER}",), NotFound)),
    # A text no PostgreSQL store can be sent: not found there, as on SQLite (found by the fuzzing).
    case("feed by a NUL character", Case("feed pause", {"feed": "\x00"}, "feed", ("no feed '\\x00'",), NotFound)),
    case(
        "edit unknown event",
        Case("event edit", {"id": NEVER, "field": "summary", "value": "x"}, "id", (f"no event #{NEVER}",), NotFound),
    ),
    case("delete unknown event", Case("event delete", {"id": NEVER}, "id", (f"no event #{NEVER}",), NotFound)),
    case(
        "delete unknown event, confirmed",
        Case("event delete", {"id": NEVER, "confirmed": "yes"}, "id", (f"no event #{NEVER}",), NotFound),
    ),
    case(
        "concern on unknown event",
        Case(
            "concern add",
            {"issue": "taiwan", "side": "us", "text": "x", "event": NEVER},
            "event",
            (f"no event #{NEVER}",),
            NotFound,
        ),
    ),
    case(
        "question on unknown event",
        Case("question add", {"text": "x", "event": NEVER}, "event", (f"no event #{NEVER}",), NotFound),
    ),
    case(
        "answer unknown question",
        Case("question answer", {"id": NEVER, "answer": "x"}, "id", (f"no question #{NEVER}",), NotFound),
    ),
    case("drop unknown question", Case("question drop", {"id": NEVER}, "id", (f"no question #{NEVER}",), NotFound)),
    case("event id not a number", Case("event show", {"id": "abc"}, "id", ("'abc'", "#N"))),
    case("question id 0", Case("question drop", {"id": "0"}, "id", ("out of range",))),
    case(
        "answer unknown question id too big for SQLite",
        Case("question answer", {"id": "99999999999999999999", "answer": "x"}, "id", ("out of range",)),
    ),
    case(
        "drop unknown question id too big for SQLite",
        Case("question drop", {"id": "99999999999999999999"}, "id", ("out of range",)),
    ),
    # the option names themselves
    case("unknown option", Case("event show", {"id": 1, "colour": "red"}, None, ("'colour'", "options are: id"))),
    case("missing required option", Case("event add", event(kind=None), "kind", ("missing", "/event add"))),
    case(
        "missing answer",
        Case("question answer", {"id": 1}, "answer", ("missing", "/question answer")),
    ),
    # an already settled question
    case(
        "drop an answered question",
        Case("question drop", {"id": 2}, "id", ("already answered", "only open questions")),
    ),
    case(
        "empty editor role",
        Case("hotline editors", {"role": "  "}, "role", ("is not a role",)),
    ),
]


@pytest.mark.parametrize("c", CASES)
async def test_bad_input_is_refused_and_changes_nothing(
    c: Case, seeded: dict[str, int], run: Runner, store: StoreContract
) -> None:
    assert seeded["event"] == 1 and seeded["question"] == 1  # the ids the table uses
    await run("question add", text="Settled already?")
    await run("question answer", id="2", answer="Yes")
    error = await refused(store, run, c.command, c.args)
    assert isinstance(error, c.error)
    if c.field is not None:
        assert error.field == c.field
        assert str(error).startswith(f"{c.field}: ")
    for words in c.says:
        assert words in str(error)


async def test_an_empty_optional_text_is_left_out_rather_than_stored_empty(run: Runner, store: StoreContract) -> None:
    """An empty summary or location reads as "not given" (as `/event edit` clears with an empty value)."""
    await run("event add", **event(summary="   ", location=""))
    latest = await store.latest_event(WS)
    assert latest is not None
    assert (latest.summary, latest.location) == (None, None)


async def test_a_planned_contact_may_be_more_than_a_year_ahead(run: Runner, store: StoreContract) -> None:
    await run("event add", **event(date="2023-06-01", status="planned"))
    planned, _ = await store.list_events(WS, status="planned")
    assert [e.day.isoformat() for e in planned] == ["2023-06-01"]


# --- ids of another workspace ---------------------------------------------------------------------


@pytest.fixture
async def theirs(other: Runner, store: StoreContract) -> dict[str, int]:
    """An event and a question of console:other."""
    await other("event add", date="2022-03-01", us="Antony Blinken", cn="Wang Yi", kind="meeting")
    theirs_event = await store.latest_event("console:other")
    assert theirs_event is not None
    await other("question add", text="Theirs?")
    questions, _ = await store.list_questions("console:other")
    return {"event": theirs_event.id, "question": questions[0].id}


BY_ID: list[tuple[str, str, dict[str, Any]]] = [
    ("event show", "event", {}),
    ("event edit", "event", {"field": "summary", "value": "mine now"}),
    ("event delete", "event", {}),
    ("event delete", "event", {"confirmed": True}),
    ("concern add", "event", {"issue": "taiwan", "side": "us", "text": "x"}),
    ("question add", "event", {"text": "x"}),
    ("question answer", "question", {"answer": "x"}),
    ("question drop", "question", {}),
]


@pytest.mark.parametrize(("command", "kind", "args"), BY_ID, ids=[f"{c} {sorted(a)}" for c, _, a in BY_ID])
async def test_an_id_of_another_workspace_reads_as_never_existed(
    command: str,
    kind: str,
    args: dict[str, Any],
    seeded: dict[str, int],
    theirs: dict[str, int],
    run: Runner,
    store: StoreContract,
) -> None:
    id_option = "event" if command in ("concern add", "question add") else "id"
    their_id = theirs[kind]
    assert their_id not in (seeded["event"], seeded["question"], NEVER)
    foreign = await refused(store, run, command, {**args, id_option: their_id})
    never = await refused(store, run, command, {**args, id_option: NEVER})
    assert type(foreign) is type(never) is NotFound
    assert str(foreign).replace(f"#{their_id}", "#N") == str(never).replace(f"#{NEVER}", "#N")
    assert f"#{their_id}" in str(foreign)


# --- non-editors ----------------------------------------------------------------------------------

# For every command that writes, arguments an editor could run against `seeded`.
MINIMAL_ARGS: dict[str, dict[str, Any]] = {
    "event add": event(),
    "event edit": {"id": 1, "field": "summary", "value": "x"},
    "event delete": {"id": 1, "confirmed": True},
    "concern add": {"issue": "taiwan", "side": "china", "text": "x"},
    "question add": {"text": "x"},
    "question answer": {"id": 1, "answer": "x"},
    "question drop": {"id": 1},
    "person add": {"name": "Wang Yi", "side": "china"},
    "digest subscribe": {"channel": "c2"},
    "digest unsubscribe": {"channel": "c1"},
    "digest pause": {"channel": "c1"},
    "digest resume": {"channel": "c3"},
    "hotline editors": {"role": "123"},
    "hotline office": {"side": "us", "form": "Pentagon boss", "office": "Secretary of Defense"},
    "hotline timezone": {"timezone": "America/New_York"},
    "readout": {"text": READOUT},
    "readout record": {"draft": 1},
    "readout edit": {"draft": 1, "kind": "video"},
    "readout discard": {"draft": 1},
    # On 127.0.0.1, which these runners may not fetch from: an editor gets as far as the fetch.
    "feed add": {"url": "http://127.0.0.1:9/feed.xml", "channel": "c1"},
    "feed remove": {"feed": "1"},
    "feed pause": {"feed": "1"},
    "feed resume": {"feed": "2"},
}
WRITES = sorted(name for name, command in COMMANDS.items() if command.writes)


def test_every_command_that_writes_has_minimal_args() -> None:
    assert sorted(MINIMAL_ARGS) == WRITES


@pytest.mark.parametrize("command", WRITES)
async def test_a_non_editor_may_not_change_anything(
    command: str, seeded: dict[str, int], reader: Runner, run: Runner, store: StoreContract
) -> None:
    assert seeded == {"event": 1, "question": 1}  # the ids MINIMAL_ARGS uses
    args = MINIMAL_ARGS[command]
    error = await refused(store, reader, command, args)
    assert isinstance(error, Forbidden)
    assert "only editors" in str(error)
    # The same arguments are valid for an editor: the refusal was about who asked, not what.
    if command == "feed add":
        with pytest.raises(UserError, match=r"127\.0\.0\.1 is a loopback address"):
            await run(command, **args)
        return
    await run(command, **args)


async def test_a_non_editor_may_still_read(seeded: dict[str, int], reader: Runner) -> None:
    assert "Wei Fenghe" in await reader.text("lastcall")


# --- duplicates -----------------------------------------------------------------------------------


async def test_a_duplicate_event_names_the_existing_one(
    seeded: dict[str, int], run: Runner, store: StoreContract
) -> None:
    error = await refused(
        store, run, "event add", {"date": "2022-04-20", "us": AUSTIN, "cn": f"{WEI} (Minister)", "kind": "call"}
    )
    assert f"event #{seeded['event']}" in str(error)
    assert "same date, kind and participants" in str(error)


async def test_a_duplicate_through_aliases_names_the_existing_one(run: Runner, store: StoreContract) -> None:
    await run("person add", name=AUSTIN, side="us", aliases="Austin, SecDef Austin")
    await run("person add", name=WEI, side="china", aliases="Wei Fenge")
    await run("event add", date="2022-04-20", us=AUSTIN, cn=WEI, kind="call")
    first = await store.latest_event(WS)
    assert first is not None
    error = await refused(
        store, run, "event add", {"date": "2022-04-20", "us": "austin", "cn": "Wei Fenge", "kind": "call"}
    )
    assert f"event #{first.id}" in str(error)


async def test_a_duplicate_ignores_the_order_of_names(run: Runner, store: StoreContract) -> None:
    await run("event add", date="2022-04-20", us="Alpha One, Bravo Two", cn=WEI, kind="call")
    error = await refused(
        store, run, "event add", {"date": "2022-04-20", "us": "Bravo Two, Alpha One", "cn": WEI, "kind": "call"}
    )
    assert "already recorded as event #" in str(error)


async def test_another_kind_on_the_same_day_is_not_a_duplicate(seeded: dict[str, int], run: Runner) -> None:
    await run("event add", date="2022-04-20", us=AUSTIN, cn=WEI, kind="video")


async def test_an_edit_into_a_duplicate_names_the_existing_one(
    seeded: dict[str, int], run: Runner, store: StoreContract
) -> None:
    await run("event add", **event(kind="call"))  # the day before the seeded call
    events, _ = await store.list_events(WS)
    newer = max(e.id for e in events)
    error = await refused(store, run, "event edit", {"id": newer, "field": "date", "value": "2022-04-20"})
    assert f"event #{seeded['event']}" in str(error)


# --- user text stays inert ------------------------------------------------------------------------

TYPED = "@everyone <@123> **bold** `code`"
MARKERS = ("@everyone", "<@123>", "**bold**", "`code`")


def spans(reply: Reply) -> Iterator[Span]:
    lines = [reply.title, *reply.lines]
    for f in reply.fields:
        lines += [f.name, *f.value]
    for page in reply.pages:  # a list's items are on its pages
        lines += list(page.lines)
        for f in page.fields:
            lines += [f.name, *f.value]
    if reply.footer:
        lines.append(reply.footer)
    if reply.confirm:
        lines.append(reply.confirm.prompt)
    for ln in lines:
        yield from ln


def assert_inert(reply: Reply, typed: str = TYPED) -> None:
    """The typed text is in the reply as a UserText span, exactly, and never inside a plain str span."""
    every = list(spans(reply))
    assert UserText(typed) in every, every
    leaked = [s for s in every if isinstance(s, str) and any(m in s for m in MARKERS)]
    assert leaked == []


async def test_a_summary_is_stored_as_typed_and_shown_inert(run: Runner, store: StoreContract) -> None:
    await run("event add", **event(summary=TYPED))
    latest = await store.latest_event(WS)
    assert latest is not None and latest.summary == TYPED
    assert_inert(await run("event show", id=latest.id))
    assert_inert(await run("lastcall"))
    assert_inert(await run("event list"))


async def test_a_location_is_stored_as_typed_and_shown_inert(run: Runner, store: StoreContract) -> None:
    await run("event add", **event(location=TYPED))
    latest = await store.latest_event(WS)
    assert latest is not None and latest.location == TYPED
    assert_inert(await run("event show", id=latest.id))


async def test_a_participant_name_is_stored_as_typed_and_shown_inert(run: Runner, store: StoreContract) -> None:
    assert_inert(await run("event add", **event(us=TYPED)))
    person = await store.find_person(WS, TYPED)
    assert person is not None and person.name == TYPED
    assert_inert(await run("lastcall"))
    assert_inert(await run("person show", name=TYPED))


async def test_a_person_name_is_stored_as_typed_and_shown_inert(run: Runner, store: StoreContract) -> None:
    assert_inert(await run("person add", name=TYPED, side="other"))
    person = await store.find_person(WS, TYPED)
    assert person is not None and person.name == TYPED


async def test_a_concern_is_stored_as_typed_and_shown_inert(run: Runner, store: StoreContract) -> None:
    assert_inert(await run("concern add", issue="taiwan", side="us", text=TYPED))
    assert [c.text for c in await store.concerns_on(WS, "taiwan")] == [TYPED]
    assert_inert(await run("positions", issue="taiwan"))
    assert_inert(await run("digest preview"))


async def test_a_question_and_its_answer_are_stored_as_typed_and_shown_inert(run: Runner, store: StoreContract) -> None:
    assert_inert(await run("question add", text=TYPED))
    questions, _ = await store.list_questions(WS)
    assert [q.text for q in questions] == [TYPED]
    assert_inert(await run("questions"))
    assert_inert(await run("question answer", id=questions[0].id, answer=TYPED))
    answered = await store.question(WS, questions[0].id)
    assert answered is not None and answered.answer == TYPED
    assert_inert(await run("questions", status="answered"))


async def test_a_search_query_is_shown_inert(run: Runner) -> None:
    assert_inert(await run("search", query=TYPED))


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("digest subscribe", {"channel": TYPED}),
        ("digest subscribe", {"channel": "c9", "role": TYPED}),
        ("hotline editors", {"role": TYPED}),
    ],
)
async def test_a_channel_or_role_with_markup_is_refused(
    command: str, args: dict[str, Any], run: Runner, store: StoreContract
) -> None:
    before = await snapshot(store)
    with pytest.raises(UserError, match="give its id, its mention, or a plain name"):
        await run(command, **args)
    assert await snapshot(store) == before


async def test_a_channel_is_shown_as_a_reference_not_as_text(run: Runner) -> None:
    reply = await run("digest subscribe", channel="briefing-room")
    assert Ref("channel", "briefing-room") in reply.title
