"""A small seeded record, and one valid call of every command that changes it and of every command
that reads it: the fault tests run each under each fault."""

from __future__ import annotations

import datetime as dt
from typing import Any

from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.surface import COMMANDS, dispatch
from storage.contract import StoreContract
from storage.records import Actor

WS = "console:faults"
NOW = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)
AUSTIN = "Lloyd J. Austin III"
READOUT = (
    "Secretary of Defense Lloyd J. Austin III spoke by phone today with People's Republic of China Minister of "
    "National Defense Wei Fenghe. Secretary Austin and General Wei discussed regional security issues, and "
    "Russia's unprovoked invasion of Ukraine."
)
PASTED = {"text": READOUT, "url": "https://www.defense.gov/readout", "published": "2022-04-20"}

SEED: list[tuple[str, dict[str, Any]]] = [
    ("event add", {"date": "2022-04-20", "us": f"{AUSTIN} (Secretary of Defense)", "cn": "Wei Fenghe", "kind": "call"}),
    ("event add", {"date": "2021-12-01", "us": "Antony Blinken", "cn": "Wang Yi", "kind": "video"}),
    ("question add", {"text": "Will the militaries talk again?", "event": "1"}),
    ("question add", {"text": "Who asked for the call?"}),
    ("digest subscribe", {"channel": "c1"}),
    ("digest subscribe", {"channel": "c2"}),
    ("digest subscribe", {"channel": "c4"}),
    ("digest pause", {"channel": "c2"}),
    ("readout", PASTED),  # drafts #1, #2, #3
    ("readout", PASTED),
    ("readout", PASTED),
]

# One valid call of every command that writes, against the seeded record. Each needs space for a
# few new rows, so a full database refuses it.
WRITES: list[tuple[str, dict[str, Any]]] = [
    (
        "event add",
        {
            "date": "2022-04-19",
            "us": "Wendy Sherman",
            "cn": "Xie Feng",
            "kind": "meeting",
            "summary": "A long readout. " * 120,
            "us_raised": "taiwan, trade",
            "cn_raised": "a-new-issue",
        },
    ),
    ("event edit", {"id": "1", "field": "summary", "value": "An edited summary. " * 100}),
    ("event delete", {"id": "2", "confirmed": True}),
    ("concern add", {"issue": "taiwan", "side": "china", "text": "Red line. " * 90, "event": "1"}),
    ("question add", {"text": "What was agreed? " * 55, "issue": "crisis-communications"}),
    ("question answer", {"id": "1", "answer": "Not yet. " * 100, "source": "https://example.org/a"}),
    ("question drop", {"id": "2", "reason": "Nobody will say. " * 25}),
    ("person add", {"name": "Dong Jun", "side": "china", "title": "Minister of National Defense", "aliases": "Dong"}),
    (
        "digest subscribe",
        {"channel": "c3", "weekday": "friday", "time": "08:00", "timezone": "Asia/Shanghai", "chart": "no"},
    ),
    ("digest unsubscribe", {"channel": "c1"}),
    ("digest pause", {"channel": "c4"}),
    ("digest resume", {"channel": "c2"}),
    ("hotline editors", {"role": "555"}),
    ("hotline office", {"side": "us", "form": "Pentagon chief", "office": "Secretary of Defense"}),
    ("hotline timezone", {"timezone": "America/New_York"}),
    ("readout", PASTED),
    ("readout record", {"draft": "1"}),
    ("readout edit", {"draft": "2", "kind": "video", "details": "location: " + "Washington " * 15}),
    ("readout discard", {"draft": "3"}),
    ("feed remove", {"feed": "1"}),
    ("feed pause", {"feed": "2"}),
    ("feed resume", {"feed": "3"}),
]
# /feed add fetches the feed before it writes, from a public address: these tests have none. Its write is
# one transaction of the store like the others (storage/sqlite/feeds.py add_feed).
FETCHES_FIRST = {"feed add"}
READS: list[tuple[str, dict[str, Any]]] = [
    ("lastcall", {}),
    ("lastcall", {"with": "Austin"}),
    ("event show", {"id": "1"}),
    ("event list", {}),
    ("positions", {"issue": "taiwan"}),
    ("questions", {}),
    ("person show", {"name": "Wei Fenghe"}),
    ("search", {"query": "militaries"}),
    ("digest preview", {}),
    ("digest status", {}),
    ("timeline", {}),
    ("timeline", {"with": "Austin", "since": "2021-01-01"}),
    ("hotline offices", {}),
    ("hotline help", {}),
    ("feed list", {}),
]
assert {name for name, _ in WRITES} | FETCHES_FIRST == {c.name for c in COMMANDS.values() if c.writes}, (
    "a write command is missing"
)
assert {name for name, _ in READS} == {c.name for c in COMMANDS.values() if not c.writes}, "a read is missing"


def context(store: StoreContract) -> Ctx:
    return Ctx(store, Caller(WS, "u1", "Ann Analyst", True), FixedClock(NOW), CoreSettings())


async def seed(store: StoreContract) -> None:
    for name, args in SEED:
        await dispatch(context(store), name, args)
    actor = Actor(WS, "u1", "Ann Analyst")
    for n in (1, 2, 3):  # watched feeds #1, #2 and #3 (paused), as /feed add leaves them
        await store.add_feed(
            actor,
            NOW,
            url=f"https://www.defense.gov/feed{n}.xml",
            channel_id="c1",
            next_poll_at=NOW,
            etag=None,
            last_modified=None,
            baseline=[f"item-{n}"],
        )
    await store.set_feed_paused(actor, NOW, 3, True, NOW)
