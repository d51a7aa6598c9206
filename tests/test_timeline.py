"""/timeline and the digest's chart: the store's counts against a plain count in Python, the command
on the sample record, its refusals, the console's file, and the subscription's chart setting."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.attachments import attachment_note, save_image
from bot.console.console import Console, run_console
from bot.transfer_cli import import_file, sample_path
from charts.timeline import bucket_start
from commands.context import CoreSettings, FixedClock
from commands.errors import UserError
from commands.reply import Image, Reply, render_text
from storage.contract import StoreContract
from storage.records import Actor, Grain, NewEvent, NewParticipant
from storage.rules import GAPS_PER_LANE, LONG_GRAINS, MONTH_GAP_DAYS
from storage.sqlite.store import SqliteStore
from storage.vocab import KINDS, TRACKS
from tests.conftest import WS, Preload, Runner, snapshot
from tests.test_timeline_chart import png_facts

D = dt.date
ACTOR = Actor(WS, "u1", "Ann Analyst")
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


# The figures below (gaps, counts, lanes) are those of the 2020–2022 record, kept as a fixed file so
# that they do not move as the shipped sample grows; the shipped sample has a test of its own.
RECORD_2020_2022 = Path(__file__).parent / "data" / "old-sample-2020-2022.jsonl"


@pytest.fixture
async def sample(store: StoreContract, clock: FixedClock, preload: Preload) -> StoreContract:
    async def load() -> None:
        summary = await import_file(store, clock, WS, RECORD_2020_2022)
        assert summary.added == 33 and not summary.errors

    await preload(store, "sample-2020-2022", load)
    return store


async def test_timeline_of_the_shipped_sample(store: StoreContract, clock: FixedClock, run: Runner) -> None:
    clock.at = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)  # the sample runs to 2026
    summary = await import_file(store, clock, WS, sample_path())
    assert summary.added > 100 and not summary.errors
    found = await store.timeline(WS)
    assert {"leaders", "diplomatic", "defense", "economic"} <= set(found.lanes)
    assert found.latest is not None and found.latest.day.year == 2026
    reply = await run("timeline")
    assert reply.image is not None and reply.image.data.startswith(b"\x89PNG")


# -- the store's counts ------------------------------------------------------------------------------

EVENT = st.tuples(
    st.dates(D(2018, 1, 1), D(2023, 12, 31)),
    st.sampled_from(KINDS),
    st.sampled_from(TRACKS[:3]),
    st.sampled_from(("held", "held", "planned", "declined")),
)


def expected(
    rows: list[tuple[dt.date, str, str, str]], since: dt.date | None, until: dt.date | None, grain: Grain
) -> tuple[dict[tuple[str, dt.date, str, str], int], dict[str, list[int]]]:
    counts: dict[tuple[str, dt.date, str, str], int] = {}
    held: dict[str, set[dt.date]] = {}
    for day, kind, track, status in rows:
        if (since and day < since) or (until and day > until):
            continue
        bucket = bucket_start(day, grain)
        counts[(track, bucket, kind, status)] = counts.get((track, bucket, kind, status), 0) + 1
        if status == "held":
            held.setdefault(track, set()).add(day)
    gaps = {}
    for track, days in held.items():
        ordered = sorted(days)
        gaps[track] = sorted(((b - a).days for a, b in itertools.pairwise(ordered)), reverse=True)
    return counts, gaps


async def write_events(store: StoreContract, rows: list[tuple[dt.date, str, str, str]], actor: Actor = ACTOR) -> None:
    people = [NewParticipant(f"Person {i}", "us") for i in range(len(rows))]
    for i, (day, kind, track, status) in enumerate(rows):
        await store.add_event(
            actor, AT, NewEvent(day, kind, track, [people[i]], [NewParticipant("Counterpart", "china")], status=status)
        )


# Each example of the test below writes into a workspace of its own, in the one store of the test: a new
# store per example would cost a new PostgreSQL database (tenths of a second) each time.
EXAMPLE_WORKSPACES = (f"console:tally-{n}" for n in itertools.count())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(EVENT, max_size=25),
    since=st.none() | st.dates(D(2018, 1, 1), D(2023, 12, 31)),
    until=st.none() | st.dates(D(2018, 1, 1), D(2023, 12, 31)),
    grain=st.sampled_from(("day", "week", "month", "quarter", "half-year", "year")),
    edit=st.booleans(),
)
async def test_the_counts_and_gaps_are_a_plain_count_of_the_events(
    store: StoreContract,
    rows: list[tuple[dt.date, str, str, str]],
    since: dt.date | None,
    until: dt.date | None,
    grain: Grain,
    edit: bool,
) -> None:
    ws = next(EXAMPLE_WORKSPACES)
    actor = Actor(ws, ACTOR.user_id, ACTOR.display_name)
    await write_events(store, rows, actor)
    if edit and rows:
        # Edits and deletions keep the counts: the first event moves, the last goes.
        first = min((await store.list_events(ws, limit=1000))[0], key=lambda e: e.id)  # rows[0]'s
        await store.edit_event(actor, AT, first.id, {"day": D(2019, 6, 1), "kind": "visit", "status": "held"})
        rows[0] = (D(2019, 6, 1), "visit", rows[0][2], "held")
        latest = (await store.list_events(ws, limit=1))[0][0]
        await store.delete_event(actor, AT, latest.id)
        index = next(
            i
            for i in range(len(rows) - 1, -1, -1)
            if rows[i][0] == latest.day
            and rows[i][1] == latest.kind
            and rows[i][2] == latest.track
            and rows[i][3] == latest.status
        )
        rows.pop(index)
    found = await store.timeline(ws, since=since, until=until, grain=grain)
    counts, gaps = expected(rows, since, until, grain)
    assert {(t.lane, t.bucket, t.kind, t.status): t.count for t in found.tallies} == counts
    assert len(found.tallies) == len(counts)
    shortest = MONTH_GAP_DAYS if grain in LONG_GRAINS else 1  # a picture by month shows two months or more
    for track in TRACKS:
        got = [g.days for g in found.gaps if g.lane == track]
        assert got == [d for d in gaps.get(track, []) if d >= shortest][:GAPS_PER_LANE], track
    shown = [r for r in rows if not ((since and r[0] < since) or (until and r[0] > until))]
    assert found.first == (min(r[0] for r in shown) if shown else None)
    assert found.last == (max(r[0] for r in shown) if shown else None)
    held = [r for r in shown if r[3] == "held"]
    assert (found.latest.day if found.latest else None) == (max(r[0] for r in held) if held else None)
    # The same with a side filter goes through the events themselves: the same counts.
    by_side = await store.timeline(ws, since=since, until=until, grain=grain, side="us")
    assert sorted(by_side.tallies, key=repr) == sorted(found.tallies, key=repr)
    assert sorted(by_side.gaps, key=repr) == sorted(found.gaps, key=repr)


async def test_the_sqlite_tally_migration_counts_what_was_there_before(tmp_path: Path) -> None:
    path = tmp_path / "hotline.db"
    store = await SqliteStore.open(path)
    await write_events(store, [(D(2020, 1, 1), "call", "defense", "held"), (D(2020, 1, 9), "call", "defense", "held")])
    await store.close()
    db = sqlite3.connect(path)
    db.executescript(
        # Back to version 4: the tally's migration (5) undone, and the ones after it (6: drafts and feeds;
        # 7: held replies and OAuth states).
        "DROP TABLE held_reply; DROP TABLE slack_oauth_state;"
        "DROP TABLE draft; DROP TABLE feed_item; DROP TABLE feed;"
        "DROP TRIGGER event_tally_insert; DROP TRIGGER event_tally_delete; DROP TRIGGER event_tally_update;"
        "DROP TABLE event_tally; ALTER TABLE subscription DROP COLUMN chart; PRAGMA user_version = 4;"
    )
    db.close()
    store = await SqliteStore.open(path)  # migration 5 again, over a record that has events
    try:
        found = await store.timeline(WS, grain="month")
        assert [(t.lane, t.bucket, t.count) for t in found.tallies] == [("defense", D(2020, 1, 1), 2)]
    finally:
        await store.close()


async def test_a_person_gets_a_lane_per_pair_of_offices(sample: SqliteStore) -> None:
    austin = await sample.find_person(WS, "Lloyd J. Austin III")
    assert austin is not None
    found = await sample.timeline(WS, person_id=austin.id)
    assert found.pairs and found.lanes == ("us:secretary-of-defense|china:minister-of-national-defense",)
    assert [g.days for g in found.gaps] == [165, 51]
    assert found.latest is not None and found.latest.day == D(2022, 11, 22)


async def test_an_issue_filter_counts_only_the_events_where_it_was_raised(sample: SqliteStore) -> None:
    found = await sample.timeline(WS, issue="covid-19")
    events, _ = await sample.list_events(WS, limit=1000)
    raised = await sample.raised_at(WS, [e.id for e in events])
    n = sum(1 for sides in raised.values() if any("covid-19" in slugs for slugs in sides.values()))
    assert found.total == n > 0


# -- the command ------------------------------------------------------------------------------------


async def test_timeline_of_the_sample_record(sample: SqliteStore, run: Runner) -> None:
    reply = await run("timeline")
    text = render_text(reply)
    assert text.startswith("Contacts by track, Feb 6, 2020 to Nov 22, 2022")
    assert "33 contacts (33 held)" in text
    assert "Longest gap: economic, 680 days without a held contact, from Aug 24, 2020 to Jul 5, 2022." in text
    assert "Latest held contact: Nov 22, 2022 · meeting · defense — Lloyd J. Austin III ↔ Wei Fenghe" in text
    assert reply.image is not None and reply.image.filename == "timeline.png"
    assert png_facts(reply.image.data)[0] == 1000
    assert "680 days" in reply.image.alt


async def test_timeline_filters_are_in_the_title(sample: SqliteStore, run: Runner) -> None:
    reply = await run("timeline", track="defense", since="2021-01-01", until="2022-12-31", **{"with": "us"})
    text = render_text(reply)
    assert text.startswith("Contacts by track · US side · defense track, Jan 1, 2021 to Dec 31, 2022")
    assert "467 days" in text
    austin = render_text(await run("timeline", **{"with": "austin"}))
    assert austin.startswith("Contacts by pair of offices · with Lloyd J. Austin III")
    assert "Secretary of Defense ↔ Minister of National Defense, 165 days" in austin
    taiwan = render_text(await run("timeline", issue="taiwan"))
    assert "on Taiwan" in taiwan.splitlines()[0]


async def test_timeline_with_nothing_to_show_says_so_without_a_picture(run: Runner) -> None:
    reply = await run("timeline")
    assert reply.image is None and reply.ephemeral
    assert "No contact recorded matches" in render_text(reply)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"with": "Nobody Atall"}, "with: nobody called 'Nobody Atall' is recorded"),
        ({"since": "2022-05-01", "until": "2022-04-01"}, "since: since (2022-05-01) is after until (2022-04-01)"),
        ({"since": "2022-13-01"}, "since: '2022-13-01' is not a real calendar date"),
        ({"until": "last spring"}, "until: 'last spring' is not a date"),
        ({"track": "navy"}, "track"),
        ({"issue": "no such issue at all"}, "issue:"),
    ],
)
async def test_timeline_refuses_bad_input_clearly(
    sample: SqliteStore, run: Runner, args: dict[str, Any], message: str
) -> None:
    before = await snapshot(sample)
    with pytest.raises(UserError) as caught:
        await run("timeline", **args)
    assert message in str(caught.value)
    assert await snapshot(sample) == before


# -- the digest's chart -----------------------------------------------------------------------------


async def test_the_digest_carries_a_chart_of_the_last_twelve_months(sample: SqliteStore, run: Runner) -> None:
    reply = await run("digest preview", days=7)  # the clock stands on 2022-04-21
    assert reply.image is not None and reply.image.filename == "contacts-12-months.png"
    assert png_facts(reply.image.data)[0] == 800
    assert "Apr 22, 2021 to Apr 21, 2022" in reply.image.alt
    without = await run("digest preview", days=7, chart=False)
    assert without.image is None and render_text(without) == render_text(reply)


async def test_a_subscription_can_leave_the_chart_out(run: Runner) -> None:
    await run("digest subscribe", channel="123")
    status = render_text(await run("digest status"))
    assert "Chart: the last twelve months" in status
    reply = await run("digest subscribe", channel="123", chart="no")
    assert "Chart: none" in render_text(reply)
    assert "Chart: none" in render_text(await run("digest status"))
    await run("digest subscribe", channel="123", weekday="friday")  # a reschedule keeps the setting
    assert "Chart: none" in render_text(await run("digest status"))
    with pytest.raises(UserError, match="chart: 'maybe' is not yes or no"):
        await run("digest subscribe", channel="123", chart="maybe")


# -- the console ------------------------------------------------------------------------------------


async def test_the_console_writes_the_picture_and_prints_its_path(
    sample: SqliteStore, clock: FixedClock, tmp_path: Path
) -> None:
    out = io.StringIO()
    folder = tmp_path / "pictures"
    console = Console(sample, clock, CoreSettings(), WS, out, charts_dir=folder)
    failures = await run_console(console, io.StringIO("/timeline\n/timeline track:defense\n"), interactive=False)
    assert failures == 0
    paths = [line.removeprefix("Chart: ") for line in out.getvalue().splitlines() if line.startswith("Chart: ")]
    assert len(paths) == 2 and len(set(paths)) == 2
    for path in paths:
        assert Path(path).parent == folder
        assert png_facts(Path(path).read_bytes())[0] == 1000  # noqa: ASYNC240 (a test's small file)


async def test_the_console_keeps_pictures_beside_the_store_by_default(sample: SqliteStore, clock: FixedClock) -> None:
    console = Console(sample, clock, CoreSettings(), WS, io.StringIO())
    # Beside the SQLite file; a PostgreSQL store is no file, so under the working folder's data/.
    beside = sample.path.parent if isinstance(sample, SqliteStore) else Path("data")
    assert console.charts_dir == beside / "charts"


def test_a_picture_that_cannot_be_saved_is_said_and_the_text_stays(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    reply = Reply(title=("Title",), image=Image("timeline.png", b"\x89PNG", "what it shows"))
    note = attachment_note(reply, blocker / "charts")
    assert "The chart could not be saved in" in note and "what it shows" in note
    assert attachment_note(Reply(title=("t",)), blocker) == ""
    saved = save_image(Image("noextension", b"x", "alt"), tmp_path / "new")
    assert saved.name.startswith("noextension-") and saved.suffix == ".png" and saved.read_bytes() == b"x"
