"""A SQLite store with a row in every table, for the tests of `python -m bot migrate`: two workspaces, built
through the commands and the store's own methods as the bot would build it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from commands.context import FixedClock
from storage.records import Actor
from storage.sqlite.store import SqliteStore
from tests.conftest import NOW, OTHER_WS, WS, Runner
from tests.test_commands import seed

ACTOR = Actor(WS, "u1", "Ann Analyst")
CLIENT_ID = "111.222"
INSTALLATION = '{"bot_token": "xoxb-not-a-real-token", "team_id": "T1"}'


async def fill(path: Path) -> None:
    """Every table of the SQLite schema gets rows, with a deleted event, a discarded draft, an answered
    question, an empty string and a NULL where the schema allows them."""
    store = await SqliteStore.open(path)
    try:
        run = Runner(store, FixedClock(NOW), WS)
        other = Runner(store, FixedClock(NOW), OTHER_WS)
        await seed(run)
        await run(
            "event add",
            date="2022-06-10",
            us="Austin",
            cn="Wei Fenghe",
            kind="meeting",
            location="Singapore",
            summary='Shangri-La talks: "guardrails", a comma, and a line\nbreak.',
            source="https://example.org/readout",
        )
        await run("event add", date="2022-06-11", us="Austin", cn="Wei Fenghe", kind="call", summary="To be deleted.")
        await run("event delete", id=5, confirmed=True)
        await run("concern add", issue="fentanyl precursors", side="us", text="Precursors must be stopped.", event=1)
        await run("question add", text="Will the defense talks resume?", issue="taiwan", event=3)
        await run("question add", text="Who leads the working group?")
        await run("question answer", id=1, answer="Yes, in June.", source="https://example.org/answer")
        await run("person add", name="Nicholas Burns", side="us", title="Ambassador", aliases="Nick Burns")
        await run("hotline office", side="china", form="Defense chief", office="Minister of National Defense")
        await run("hotline timezone", timezone="Asia/Shanghai")
        await run("digest subscribe", channel="100", weekday="friday", time="08:30", timezone="America/New_York")
        subscription = (await store.subscriptions(WS))[0]
        period_end = dt.datetime(2022, 4, 15, 12, 30, tzinfo=dt.UTC)
        assert await store.claim_digest(
            subscription.id, period_end - dt.timedelta(days=7), period_end, late=False, claimer="p1", at=NOW
        )
        await store.finish_digest(subscription.id, period_end, at=NOW, sent=True, detail="posted 1")
        await store.save_installation(CLIENT_ID, None, "T1", INSTALLATION, at=NOW)
        # Short-lived rows, which the move leaves behind (from_sqlite.NOT_COPIED).
        later = NOW + dt.timedelta(minutes=10)
        await store.hold_reply("tok-live", WS, "u1", '{"pages": []}', at=NOW, expires=later, most=10)
        await store.issue_oauth_state("state-live", at=NOW, expires=later, most=10)
        feed = await store.add_feed(
            ACTOR,
            NOW,
            url="https://www.defense.gov/feed.xml",
            channel_id="100",
            next_poll_at=NOW + dt.timedelta(minutes=30),
            etag='W/"abc"',
            last_modified="",
            baseline=["old-item"],
        )
        assert await store.claim_item(feed.id, "new-item", NOW, "p1")
        await store.item_draft(
            ACTOR,
            NOW,
            feed.id,
            "new-item",
            url="https://www.defense.gov/readout-1",
            title="Readout of a call",
            publisher="DoD",
            published=dt.date(2022, 4, 20),
            extracted={"date": "2022-04-20", "us": ["Lloyd J. Austin III"], "cn": ["Wei Fenghe"]},
        )
        draft = await store.add_draft(
            ACTOR,
            NOW,
            url=None,
            title=None,
            publisher=None,
            published=None,
            extracted={"date": None, "summary": "pasted text"},
        )
        await store.discard_draft(ACTOR, NOW, draft.id)
        await other("hotline timezone", timezone="America/New_York")
        await other("event add", date="2021-10-06", us="Sullivan", cn="Yang Jiechi", kind="meeting", summary="Zurich.")
        await other("event add", date="2022-03-14", us="Sullivan", cn="Yang Jiechi", kind="meeting", summary="Rome.")
    finally:
        await store.close()
