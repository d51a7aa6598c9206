"""The figures measured through commands/ (the platform-neutral core) on a generated store.

Each command runs the way an adapter runs it: `commands.surface.dispatch` with the values a member
typed, as an editor of the benchmark workspace, with the clock standing on the generated data's
last day. Samples run one after another; the concurrent figure is in bench/e2e.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.generate import NOW, WS
from bench.measure import Stat, timed, timed_sync
from commands import autocomplete
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.reply import Reply
from commands.surface import dispatch
from storage.contract import StoreContract
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore

TRACK = "defense"
# The office whose holder /lastcall asks about: a busy post, whose holder changes over the 30 years.
PERSON_OFFICE = "us:secretary-of-state"
SEARCHES = (
    "taiwan",  # in about a third of all summaries
    "fentanyl precursors",
    "beijing",
    "military hotline",
    "semicond",  # a prefix, as typed so far
    "{surname}",  # the surname of the person /lastcall asks about
    "{name}",  # and the whole name
    "exit bans",
)
# "{sur}": the start of a surname, a word inside most names ("aus" for Lloyd J. Austin III).
PEOPLE_PREFIXES = ("w", "wa", "wang", "li", "s", "smi", "j", "zh", "{first}", "{sur}", "{first} {sur}")
EVENT_PREFIXES = ("", "#", "12", "{eid}", "{surname}", "wang y")


@dataclass(frozen=True)
class Target:
    """Who and what the figures ask about, taken from the store itself."""

    person_id: int
    name: str

    @property
    def surname(self) -> str:
        return self.name.split()[-1]


async def open_store(path: Path, url: str | None = None) -> StoreContract:
    """The generated store at `path`, or its copy in PostgreSQL at `url` (bench/pgstore.py)."""
    if url is not None:
        return await PostgresStore.open(url)
    store: StoreContract = await SqliteStore.open(path)
    return store


def context(store: StoreContract) -> Ctx:
    return Ctx(store, Caller(WS, "bench", "Bench Analyst", is_editor=True), FixedClock(NOW), CoreSettings())


def find_target(path: Path, office: str = PERSON_OFFICE) -> Target:
    """The latest holder of `office` in the benchmark workspace with a held contact."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = db.execute(
            "SELECT pa.person_id, p.name FROM participant pa JOIN person p ON p.id = pa.person_id"
            " WHERE pa.workspace = ? AND pa.office = ? AND pa.status = 'held'"
            " ORDER BY pa.day DESC, pa.event_id DESC LIMIT 1",
            (WS, office),
        ).fetchone()
    finally:
        db.close()
    if row is None:
        raise RuntimeError(f"no held contact of {office} in {path}")
    return Target(int(row[0]), str(row[1]))


async def run(ctx: Ctx, name: str, **args: Any) -> Reply:
    return await dispatch(ctx, name, args)


# -- /lastcall --------------------------------------------------------------------------------------

LASTCALL_FLOORS = {
    "plain": "SELECT id FROM event WHERE workspace = ? AND status = 'held' ORDER BY day DESC, id DESC LIMIT 1",
    "with a person": "SELECT event_id FROM participant WHERE workspace = ? AND person_id = ? AND status = 'held'"
    " ORDER BY day DESC, event_id DESC LIMIT 1",
    "with a track": "SELECT id FROM event WHERE workspace = ? AND status = 'held' AND track = ?"
    " ORDER BY day DESC, id DESC LIMIT 1",
}


# The same on PostgreSQL, on one connection of its own with the statement prepared once.
LASTCALL_FLOORS_PG = {
    variant: sql.replace("= ?", "= $1", 1).replace("= ?", "= $2") for variant, sql in LASTCALL_FLOORS.items()
}


@dataclass(frozen=True)
class LastcallFigures:
    command: dict[str, Stat]  # variant -> /lastcall through dispatch
    floor: dict[str, Stat]  # variant -> the bare SQL query that finds the same event
    same_event: dict[str, bool]


async def lastcall(path: Path, n: int, warmup: int, url: str | None = None) -> LastcallFigures:
    """/lastcall's three variants on the store at `path` (or its PostgreSQL copy at `url`), and the bare
    query that finds each one's event on the same database."""
    return (await lastcall_sizes([path], n, warmup, [url]))[0]


# How many turns lastcall_sizes takes through the sizes and variants.
TURNS = 6


async def lastcall_sizes(
    paths: Sequence[Path], n: int, warmup: int, urls: Sequence[str | None] | None = None
) -> list[LastcallFigures]:
    """lastcall's figures for each store of `paths` (or their PostgreSQL copies at `urls`), the stores and
    variants measured in TURNS turns of n / TURNS runs each rather than one after another: the target
    "≤ 2x its 1k cost" compares two stores, and the machine's speed drifts by a third within minutes
    (another machine's work on the same host), which one store measured minutes after the other would
    take for the store's."""
    urls = list(urls) if urls is not None else [None] * len(paths)
    targets = [find_target(path) for path in paths]
    variants = [
        {"plain": {}, "with a person": {"with": target.name}, "with a track": {"track": TRACK}} for target in targets
    ]
    stores = [await open_store(path, url) for path, url in zip(paths, urls, strict=True)]
    samples: list[dict[str, list[float]]] = [{v: [] for v in LASTCALL_FLOORS} for _ in paths]
    footers: list[dict[str, str]] = [{} for _ in paths]
    try:
        contexts = [context(store) for store in stores]
        for ctx, asked, said in zip(contexts, variants, footers, strict=True):
            for variant, args in asked.items():
                reply = await run(ctx, "lastcall", **args)
                said[variant] = "".join(str(s) for s in reply.footer or ()).removeprefix("Event #")
                await timed(lambda c=ctx, a=args: run(c, "lastcall", **a), 0, warmup)  # type: ignore[misc]
        for turn in range(TURNS):
            runs = n // TURNS + (1 if turn < n % TURNS else 0)
            for ctx, asked, got in zip(contexts, variants, samples, strict=True):
                for variant, args in asked.items():
                    got[variant] += await timed(lambda c=ctx, a=args: run(c, "lastcall", **a), runs, 0)  # type: ignore[misc]
    finally:
        for store in stores:
            await store.close()
    figures = []
    for path, url, target, got, said in zip(paths, urls, targets, samples, footers, strict=True):
        floor, same = await _floors(path, url, target, said, n, warmup)
        figures.append(LastcallFigures({v: Stat.of(xs) for v, xs in got.items()}, floor, same))
    return figures


async def _floors(
    path: Path, url: str | None, target: Target, footers: dict[str, str], n: int, warmup: int
) -> tuple[dict[str, Stat], dict[str, bool]]:
    """The bare query of each variant on the same database, and whether it finds the event /lastcall found."""
    floor_params: dict[str, tuple[Any, ...]] = {
        "plain": (WS,),
        "with a person": (WS, target.person_id),
        "with a track": (WS, TRACK),
    }
    floor: dict[str, Stat] = {}
    same: dict[str, bool] = {}
    if url is not None:
        conn = await asyncpg.connect(url)
        try:
            for variant, sql in LASTCALL_FLOORS_PG.items():
                params = floor_params[variant]
                same[variant] = str(await conn.fetchval(sql, *params)) == footers[variant]
                floor[variant] = Stat.of(await timed(lambda q=sql, p=params: conn.fetchval(q, *p), n, warmup))  # type: ignore[misc]
        finally:
            await conn.close()
        return floor, same
    same = {variant: _floor_event(path, variant, floor_params[variant]) == footers[variant] for variant in floor_params}
    db = sqlite3.connect(path)
    try:
        for variant, sql in LASTCALL_FLOORS.items():
            params = floor_params[variant]
            floor[variant] = Stat.of(timed_sync(lambda s=sql, p=params: db.execute(s, p).fetchone(), n, warmup))  # type: ignore[misc]
    finally:
        db.close()
    return floor, same


def _floor_event(path: Path, variant: str, params: tuple[Any, ...]) -> str:
    db = sqlite3.connect(path)
    try:
        row = db.execute(LASTCALL_FLOORS[variant], params).fetchone()
    finally:
        db.close()
    return str(row[0]) if row else ""


# -- digest, search, autocomplete -----------------------------------------------------------------


@dataclass(frozen=True)
class ReadFigures:
    digest: Stat
    search: Stat
    search_by_query: dict[str, Stat]
    people: Stat
    events: Stat
    events_by_prefix: dict[str, Stat]
    people_by_prefix: dict[str, Stat]


async def reads(path: Path, n: int, warmup: int, url: str | None = None) -> ReadFigures:
    target = find_target(path)
    store = await open_store(path, url)
    try:
        ctx = context(store)
        latest = await store.latest_event(WS)
        values = {"surname": target.surname, "name": target.name, "first": target.name.split()[0].lower()}
        values["sur"] = target.surname[:3].lower()
        values["eid"] = str(latest.id // 10 if latest else 1)
        # The digest's text: its chart is drawn and measured with the timeline's figures.
        digest = Stat.of(await timed(lambda: run(ctx, "digest preview", chart=False), n, warmup))
        search_samples, by_query = await _each(
            SEARCHES, values, lambda q: run(ctx, "search", query=q), max(n // len(SEARCHES), 5)
        )
        people_samples, people_by = await _each(
            PEOPLE_PREFIXES, values, lambda p: autocomplete.people(store, WS, p), max(n // len(PEOPLE_PREFIXES), 5)
        )
        event_samples, events_by = await _each(
            EVENT_PREFIXES, values, lambda p: autocomplete.events(store, WS, p), max(n // len(EVENT_PREFIXES), 5)
        )
    finally:
        await store.close()
    return ReadFigures(
        digest,
        Stat.of(search_samples),
        by_query,
        Stat.of(people_samples),
        Stat.of(event_samples),
        events_by,
        people_by,
    )


async def _each(
    templates: tuple[str, ...], values: dict[str, str], call: Callable[[str], Awaitable[object]], n: int
) -> tuple[list[float], dict[str, Stat]]:
    """Time `call` on each input in turn (templates filled from `values`): every sample, and a Stat by input."""
    samples: list[float] = []
    by_input: dict[str, Stat] = {}
    for template in templates:
        text = template.format(**values)
        timings = await timed(lambda t=text: call(t), n, 2)  # type: ignore[misc]
        by_input[text] = Stat.of(timings)
        samples += timings
    return samples, by_input
