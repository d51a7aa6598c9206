"""/readout and its draft's commands through the command surface and the console: what a draft shows, that
nothing is written before Record, Record's one transaction, the other side's readout, Edit, Discard, refusals."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.console.console import Console
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.errors import Forbidden, NotFound, UserError
from commands.reply import Reply, render_text
from commands.surface import dispatch
from storage.contract import StoreContract
from tests.backends import event_count, refusing_inserts
from tests.conftest import NOW, OTHER_WS, WS, snapshot
from tests.readout_site import Site, dev_rows, serve

ROWS = dev_rows()
US = "dod-austin-wei-call-2022-04-20"
CN = "mnd-wei-austin-call-2022-04-20"
RECORD_TABLES = ("event", "participant", "concern", "person")


class Run:
    def __init__(self, store: StoreContract, workspace: str = WS, editor: bool = True) -> None:
        settings = CoreSettings(fetch_allow_loopback=True)
        caller = Caller(workspace, "u1", "Ann Analyst", editor)
        self.ctx = Ctx(store, caller, FixedClock(NOW), settings, channel="c1")

    async def __call__(self, command: str, /, **args: Any) -> Reply:
        return await dispatch(self.ctx, command, args)


@pytest.fixture
def run(store: StoreContract) -> Run:
    return Run(store)


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async with serve(ROWS) as s:
        yield s


async def paste(run: Run, rid: str, *, with_url: bool = True) -> Reply:
    row = ROWS[rid]
    return await run("readout", text=row["text"], url=row["url"] if with_url else None, published=row["published"])


async def record_tables(store: StoreContract) -> dict[str, Any]:
    return {k: v for k, v in (await snapshot(store)).items() if k in RECORD_TABLES}


async def test_a_draft_shows_what_was_read_and_writes_nothing_to_the_record(run: Run, store: StoreContract) -> None:
    before = await record_tables(store)
    reply = await paste(run, US)
    text = render_text(reply)
    assert reply.title[0] == "Readout draft #1"
    assert "Apr 20, 2022 (yesterday) · phone call" in text
    assert "Lloyd J. Austin III (Secretary of Defense) — new" in text and "Wei Fenghe" in text
    assert "US positions" in text and "Russia–Ukraine: Secretary Austin and General Wei discussed" in text
    assert "Could not tell" in text and "who asked for the contact: the text does not say" in text
    assert [(a.label, a.command, a.args) for a in reply.actions] == [
        ("Record", "readout record", {"draft": 1}),
        ("Edit", "readout edit", {"draft": 1}),
        ("Discard", "readout discard", {"draft": 1}),
    ]
    assert "[Record] /readout record draft:1" in text  # the console's way of pressing it
    assert await record_tables(store) == before


async def test_record_writes_the_event_its_positions_and_its_source_together(run: Run, store: StoreContract) -> None:
    await paste(run, US)
    done = await run("readout record", draft=1)
    assert done.title[0] == "Recorded event #1 from draft #1"
    event = await store.event(WS, 1)
    assert event is not None and event.kind == "call" and event.track == "defense"
    assert [s.url for s in event.sources] == [ROWS[US]["url"]]
    concerns = [c for issue in await store.issues(WS) for c in await store.concerns_on(WS, issue.slug)]
    assert {(c.side, c.issue) for c in concerns} == {("us", "russia-ukraine"), ("china", "russia-ukraine")}
    assert all(c.text and c.source == ROWS[US]["url"] and c.event_id == 1 for c in concerns)
    draft = await store.draft(WS, 1)
    assert draft is not None and draft.status == "recorded" and draft.event_id == 1
    with pytest.raises(UserError, match=r"draft #1 was already recorded as event #1 by Ann Analyst"):
        await run("readout record", draft=1)


async def test_a_failing_record_leaves_nothing_half_written(run: Run, store: StoreContract) -> None:
    """The event is written, then its concern fails: the event, the people and the draft's state roll back."""
    await paste(run, US)
    before = await snapshot(store)
    async with refusing_inserts(store, "concern"):
        with pytest.raises(Exception, match="refused"):
            await run("readout record", draft=1)
    assert await snapshot(store) == before


async def test_the_other_sides_readout_joins_the_event_and_both_accounts_show(
    run: Run, store: StoreContract, site: Site
) -> None:
    await run("readout", url=site.url(US))
    await run("readout record", draft=1)
    second = await run("readout", url=site.url(CN))
    assert "Event #1 looks like the same contact" in render_text(second)
    joined = await run("readout record", draft=2)
    assert joined.title[0] == "Added the readout to event #1"
    assert "Added its source, 2 stated positions." in render_text(joined)
    assert await event_count(store, WS) == 1
    event = await store.event(WS, 1)
    assert event is not None
    assert [(s.url, s.title) for s in event.sources] == [
        (site.url(US), ROWS[US]["title"]),
        (site.url(CN), ROWS[CN]["title"]),
    ]
    shown = render_text(await run("event show", id=1))
    assert "Taiwan — each side's readout" in shown
    assert "US readout: does not mention it" in shown and "PRC readout: General Wei Fenghe said" in shown
    assert f"US readout: {ROWS[US]['title']}" in shown and f"PRC readout: {ROWS[CN]['title']}" in shown
    assert "Taiwan — each side's readout" in render_text(await run("lastcall"))
    assert "each side's readout" in render_text(await run("positions", issue="military-communication"))


async def test_lastcall_shows_accounts_only_when_both_sides_readouts_are_there(run: Run, site: Site) -> None:
    await run("readout", url=site.url(US))
    await run("readout record", draft=1)
    assert "each side's readout" not in render_text(await run("lastcall"))
    assert "US readout: Secretary Austin" in render_text(await run("event show", id=1))


async def test_edit_without_fields_answers_with_the_form_and_with_fields_corrects(
    run: Run, store: StoreContract
) -> None:
    await paste(run, "neg-dod-austin-galvez-call-2023-02-22")
    with pytest.raises(UserError, match=r"it is not a US–China contact; no Chinese participant; press Edit"):
        await run("readout record", draft=1)
    form = (await run("readout edit", draft=1)).form
    assert form is not None and form.command == "readout edit" and form.args == {"draft": 1}
    assert [f.name for f in form.fields] == ["date", "kind", "us", "cn", "details"]
    assert form.fields[0].value == "2023-02-22" and form.fields[1].value == "call"
    edited = await run(
        "readout edit",
        draft=1,
        cn="Li Shangfu (Minister of National Defense)",
        details="requested_by: china; minutes: 30",
    )
    text = render_text(edited)
    assert "requested by China · 30 minutes" in text and "Li Shangfu (Minister of National Defense) — new" in text
    done = await run("readout record", draft=1)
    event = await store.event(WS, 1)
    assert done.title[0] == "Recorded event #1 from draft #1"
    assert event is not None and event.requested_by == "china" and event.minutes == 30


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ({"details": "venue: Bali"}, "details: 'venue: Bali': write key: value"),
        ({"details": "minutes: 5000"}, "minutes: 5000 is out of range"),
        ({"kind": "lunch"}, "kind: 'lunch' is not one of"),
        ({"date": "2022-02-30"}, "date:"),
        ({"us": ", ".join(f"Person {i}" for i in range(11))}, "us: 11 names; at most 10"),
        ({"cn": "Lloyd J. Austin III"}, "cn: Lloyd J. Austin III is on the US side"),
    ],
)
async def test_a_bad_edit_is_refused_and_changes_nothing(
    run: Run, store: StoreContract, args: dict[str, str], says: str
) -> None:
    await run("event add", date="2022-04-01", us="Lloyd J. Austin III", cn="Wei Fenghe", kind="call")
    await paste(run, US)
    before = await snapshot(store)
    with pytest.raises(UserError) as info:
        await run("readout edit", draft=1, **args)
    assert says in str(info.value)
    assert await snapshot(store) == before


async def test_discard_writes_nothing_and_a_decided_draft_says_so(run: Run, store: StoreContract) -> None:
    await paste(run, US)
    before = await record_tables(store)
    assert (await run("readout discard", draft=1)).title[0] == "Discarded draft #1"
    assert await record_tables(store) == before
    for command in ("readout record", "readout discard", "readout edit"):
        with pytest.raises(UserError, match="draft #1 was already discarded by Ann Analyst"):
            await run(command, draft=1)


async def test_only_editors_record_and_other_workspaces_see_no_draft(run: Run, store: StoreContract) -> None:
    member = Run(store, editor=False)
    with pytest.raises(Forbidden):
        await paste(member, US)  # drafts are the editors' to review
    await paste(run, US)
    for command in ("readout record", "readout edit", "readout discard"):
        with pytest.raises(Forbidden):
            await member(command, draft=1)
    with pytest.raises(NotFound, match="no draft #1 in this workspace"):
        await Run(store, OTHER_WS)("readout record", draft=1)
    assert await event_count(store, WS) == 0


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://10.0.0.1/readout", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("file:///etc/passwd", "give an http:// or https:// URL"),
        ("http://localhost:1/readout", "loopback"),
    ],
)
async def test_hostile_urls_are_refused_with_a_reason(store: StoreContract, url: str, says: str) -> None:
    # Without the test setting, even 127.0.0.1 is refused.
    runner = Run(store)
    runner.ctx = Ctx(store, runner.ctx.caller, runner.ctx.clock, CoreSettings(), channel="c1")
    before = await snapshot(store)
    with pytest.raises(UserError) as info:
        await runner("readout", url=url)
    assert str(info.value).startswith("url: ") and says in str(info.value)
    assert await snapshot(store) == before


async def test_no_option_answers_with_a_form_and_bad_text_is_refused(run: Run) -> None:
    reply = await run("readout")
    assert reply.form is not None and [f.name for f in reply.form.fields] == ["text", "url", "published"]
    with pytest.raises(UserError, match="text: contains control characters"):
        await run("readout", text="Secretary Austin spoke\x00 with Wei")
    with pytest.raises(UserError, match="text: is 200,001 characters"):
        await run("readout", text="x" * 200_001)


async def test_the_console_reads_a_readout_from_a_file_and_records_it(store: StoreContract, tmp_path: Path) -> None:
    path = tmp_path / "readout.txt"
    path.write_text(ROWS[US]["text"], encoding="utf-8")
    out = io.StringIO()
    console = Console(store, FixedClock(NOW), CoreSettings(), WS, out)

    async def no_answer() -> str | None:
        return None

    await console.run_line(f"/readout --file {path} published:2022-04-20", no_answer)
    await console.run_line("/readout record draft:1", no_answer)
    await console.run_line(f"/readout --file {tmp_path / 'missing.txt'}", no_answer)
    await console.run_line(f"/lastcall --file {path}", no_answer)
    text = out.getvalue()
    assert "Readout draft #1: Lloyd J. Austin III ↔ Wei Fenghe" in text and "[Record] /readout record draft:1" in text
    assert "Recorded event #1 from draft #1" in text
    assert "Error: cannot read" in text and "Error: --file is for /readout" in text
    assert console.failures == 2 and await event_count(store, WS) == 1


def test_python_m_bot_extract_resolves_against_a_workspace(tmp_path: Path) -> None:
    """Without a workspace the sample's people; with one, that workspace's names for them."""
    rid = "dod-austin-dong-video-2024-04-16"  # "Secretary Austin" only: the full name is a known person's
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(ROWS[rid]) + "\n", encoding="utf-8")
    db = tmp_path / "h.db"
    subprocess.run(
        [sys.executable, "-m", "bot", "console", "--empty", "--workspace", "team"],
        input='/person add name:"Lloyd James Austin" side:us\n',
        text=True,
        check=True,
        capture_output=True,
        env={"HOTLINE_DB": str(db), "PATH": "/usr/bin:/bin"},
    )

    def extract(*extra: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "extract", str(path), *extra],
            text=True,
            capture_output=True,
            env={"HOTLINE_DB": str(db), "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, done.stderr
        line: dict[str, Any] = json.loads(done.stdout)
        return line

    assert extract()["us"][0]["name"] == "Lloyd J. Austin III"
    with_team = extract("--workspace", "team")
    assert with_team["id"] == rid and with_team["us"][0]["name"] == "Lloyd James Austin"
    assert with_team["cn"][0]["name"] == "Dong Jun" and "positions" in with_team


async def test_readout_slugs_become_the_workspaces_own_issues(run: Run) -> None:
    from commands.drafts import issue_slug

    assert [await issue_slug(run.ctx, s) for s in ("nuclear-weapons", "tariffs", "taiwan", "export-controls")] == [
        "nuclear",
        "trade",
        "taiwan",
        "export-controls",
    ]


async def test_a_draft_with_many_long_positions_is_one_discord_message(run: Run, store: StoreContract) -> None:
    from bot.discord import render
    from storage.records import Actor

    positions = [
        {"side": side, "issue": f"issue-{i}", "sentence": f"{side} said {i}: " + "words " * 200}
        for i in range(12)
        for side in ("us", "cn")
    ]
    extracted: dict[str, object] = {
        "is_us_china_contact": True,
        "date": "2022-04-20",
        "kind": "call",
        "us": [{"name": "Lloyd J. Austin III", "title": None, "known": False}],
        "cn": [{"name": "Wei Fenghe", "title": None, "known": False}],
        "positions": positions,
        "unknowns": [],
    }
    await store.add_draft(
        Actor(WS, "u1", "Ann"), NOW, url=None, title=None, publisher=None, published=None, extracted=extracted
    )
    reply = await run("readout edit", draft=1, kind="video")
    assert len(render.render(reply)) == 1 and len(reply.actions) == 3
    assert "more, recorded in full with Record" in render_text(reply)
