"""Synthetic workspaces for the benchmarks: seeded, reproducible, written with bulk SQL.

A database of size N holds two workspaces of N contact events each: WS, which the benchmarks query,
and OTHER_WS, a copy of it under other ids (written by SQL alone, see clone()), so that every name,
word, office and date looked for in WS is just as common in the other workspace: a query that forgot
the workspace, or filtered it late, pays for it. Each workspace has:

- about 2,100 people (1,050 a side), each the holder of one office for a tenure; an office is held by
  a succession of people over the 30 years, so "the previous contact between these offices" spans
  holders; every person has one to three aliases (short forms, the other name order, a misspelling);
- about 100 offices a side: the built-in ones plus custom offices (rows of the office table with
  their common forms), each on a track;
- N events over 30 years ending at END, denser in recent years; kinds, tracks, statuses (a few
  planned ahead, requests declined or pending), minutes, who asked, locations, summaries, sources;
- 1 to 5 concerns per event (one in seven with quoted words, which are full-text indexed);
- one question per 20 events, open or answered;
- 36 digest subscriptions; an audit entry for every record created, as the store would write it.

The schema comes from the store's own migrations (Store.open). Rows then go in with executemany in one
transaction; secondary indexes are dropped first and rebuilt from their own SQL afterwards, which is
much faster than keeping them up to date row by row (the rebuilt b-trees are packed tighter than ones
grown by years of inserts; the figures are for a store freshly loaded or VACUUMed). The full-text rows
are written through the FTS5 table itself, as the store does. No ANALYZE: the bot never runs it, so
the query plans are the ones a real store gets.

Files are cached under bench/data/, keyed by size, seed, schema version (and a hash of the migrations'
text, since migration 1 may still change before it ships) and this generator's version; a build
goes to a temporary file renamed into place when complete.

    python -m bench.generate --size 1000000 [--seed 5]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime as dt
import hashlib
import itertools
import json
import multiprocessing
import os
import queue
import random
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.base import search_rowid, ws_token
from storage.schema import MIGRATIONS, SCHEMA_VERSION
from storage.store import Store
from storage.vocab import BUILTIN_OFFICES, norm, slugify

GENERATOR_VERSION = 1
DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SEED = 5

GUILD_A = 900000000000000001
GUILD_B = 900000000000000002
WS = f"discord:{GUILD_A}"  # the workspace the benchmarks query
OTHER_WS = f"discord:{GUILD_B}"  # the second workspace of the same size
END = dt.date(2026, 6, 30)  # the last day of held contacts; the benchmarks' clock stands on it
NOW = dt.datetime(2026, 6, 30, 15, 0, tzinfo=dt.UTC)
YEARS = 30
START = END - dt.timedelta(days=365 * YEARS + YEARS // 4)
SPAN = (END - START).days
CREATED_AT = "2026-06-01T12:00:00+00:00"
QUESTION_EVERY = 20
SUBSCRIPTIONS = 36
CHUNK = 20_000  # events per executemany batch
PARALLEL_FROM = 20_000  # from this size a second process writes while this one draws

TRACK_WEIGHTS = {"leaders": 4, "diplomatic": 30, "defense": 20, "economic": 26, "climate": 6, "other": 14}
KIND_WEIGHTS = {"call": 30, "video": 12, "meeting": 30, "visit": 8, "talks": 13, "request": 5}
LEADER_KIND_WEIGHTS = {"call": 40, "video": 20, "summit": 25, "meeting": 15}
CUSTOM_OFFICES = {"diplomatic": 30, "defense": 25, "economic": 25, "climate": 8, "other": 12}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


US_RANKS = (
    "Assistant Secretary",
    "Deputy Assistant Secretary",
    "Under Secretary",
    "Senior Director",
    "Director",
    "Special Envoy",
    "Deputy Special Representative",
    "Senior Advisor",
    "Coordinator",
    "Principal Deputy Assistant Secretary",
)
CN_RANKS = (
    "Vice Minister",
    "Assistant Minister",
    "Director-General",
    "Deputy Director-General",
    "Special Representative",
    "Deputy Chief",
    "Counselor",
    "Senior Official",
    "Deputy Director",
    "Special Envoy",
)
AREAS = {
    "diplomatic": (
        "East Asian and Pacific Affairs",
        "North American Affairs",
        "Arms Control",
        "International Organizations",
        "Consular Affairs",
        "Policy Planning",
        "Boundary and Ocean Affairs",
        "Nonproliferation",
        "Public Diplomacy",
        "Korean Peninsula Affairs",
    ),
    "defense": (
        "Indo-Pacific Security Affairs",
        "Military Maritime Safety",
        "Strategy and Plans",
        "Maritime Security",
        "Nuclear Policy",
        "Space Policy",
        "Cyber Policy",
        "International Military Cooperation",
    ),
    "economic": (
        "Trade Enforcement",
        "Export Controls",
        "International Finance",
        "Investment Review",
        "Agricultural Trade",
        "Industry and Security",
        "Energy Resources",
        "Financial Regulation",
    ),
    "climate": ("Climate Diplomacy", "Clean Energy", "Methane Reduction", "Oceans and Environment"),
    "other": (
        "Public Health",
        "Education and Culture",
        "Law Enforcement Cooperation",
        "Science and Technology",
        "Aviation Safety",
    ),
}
US_FIRST = _words(
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony "
    "Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan "
    "Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander "
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra "
    "Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia "
    "Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine Debra Rachel "
    "Catherine Carolyn Janet Ruth Maria Heather Diane Virginia Julie Joyce Victoria Kelly Christina Lauren Joan"
)
US_LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall "
    "Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes "
    "Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard "
    "Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price "
    "Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell "
    "Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton "
    "Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar "
    "Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas "
    "Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw "
    "Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox "
    "Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne"
)
CN_SURNAMES = _words(
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo Zheng Liang Xie Song "
    "Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Yuan Pan Cai Jiang Yu Du Ye Cheng Wei Su Lu Ding Ren Shen "
    "Yao Fu Zhong Jiang Cui Tan Lu Fan Jin Shi Liao Jia Xia Wei Fu Fang Bai Zou Meng Xiong Qin Qiu Hou"
)
CN_SYLLABLES = _words(
    "wei fang min jun jie hua ming qiang lei yang yong jian hong ping gang xin li na jing ying yan hui tao bin "
    "hao yu chen peng fei bo kai dong xiao guo zhi hai qing lan mei xia yun feng long sheng cheng an rui xuan "
    "zhen kun liang tian song bing ning lin yi shan wen ke hu le"
)
CITIES = (
    "Beijing",
    "Washington",
    "New York",
    "Singapore",
    "Bali",
    "Geneva",
    "Zurich",
    "Rome",
    "San Francisco",
    "Shanghai",
    "Honolulu",
    "Vienna",
    "Munich",
    "Anchorage",
    "Tianjin",
    "Hangzhou",
    "Bangkok",
    "Jakarta",
    "Kuala Lumpur",
    "Vientiane",
    "Phnom Penh",
    "Stockholm",
    "London",
    "Paris",
    "Osaka",
    "Hanoi",
    "Manila",
    "Canberra",
    "Lima",
    "Woodside",
)
PHRASES: dict[str, tuple[str, ...]] = {
    "taiwan": ("Taiwan", "the Taiwan Strait", "arms sales to Taiwan", "cross-strait tensions"),
    "south-china-sea": ("the South China Sea", "freedom of navigation", "the Second Thomas Shoal", "reclamation"),
    "east-china-sea": ("the East China Sea", "the Senkaku islands", "air defense identification zones"),
    "north-korea": ("North Korea", "the Korean Peninsula", "missile launches by Pyongyang", "sanctions enforcement"),
    "russia-ukraine": ("the war in Ukraine", "support for Russia's defense industry", "a ceasefire in Ukraine"),
    "nuclear": ("nuclear arms control", "strategic stability", "the nuclear buildup", "no-first-use"),
    "space": ("space debris", "conduct in outer space", "satellite safety"),
    "cyber": ("cyber intrusions", "ransomware", "critical infrastructure hacking"),
    "crisis-communications": ("the military hotline", "crisis communication channels", "unsafe intercepts"),
    "human-rights": ("human rights", "detained citizens", "exit bans"),
    "hong-kong": ("Hong Kong", "the national security law in Hong Kong"),
    "xinjiang": ("Xinjiang", "forced labor in Xinjiang"),
    "tibet": ("Tibet", "the succession of the Dalai Lama"),
    "trade": ("tariffs", "the trade deficit", "market access", "the phase one agreement", "export controls"),
    "fentanyl": ("fentanyl precursors", "counternarcotics cooperation", "money laundering"),
    "climate": ("methane emissions", "climate finance", "coal power", "the climate working group"),
    "ai": ("artificial intelligence risks", "AI in nuclear command and control", "chips for AI"),
    "covid-19": ("the pandemic", "the origins of COVID-19", "travel restrictions"),
    "semiconductors": ("semiconductors", "chip export controls", "lithography tools"),
    "students": ("student visas", "journalist visas", "people-to-people exchanges"),
}
ISSUE_WEIGHTS = {
    "taiwan": 16,
    "south-china-sea": 10,
    "trade": 12,
    "north-korea": 7,
    "russia-ukraine": 6,
    "nuclear": 5,
    "crisis-communications": 6,
    "fentanyl": 5,
    "climate": 5,
    "human-rights": 4,
    "east-china-sea": 3,
    "cyber": 4,
    "hong-kong": 2,
    "xinjiang": 2,
    "tibet": 1,
    "ai": 3,
    "space": 1,
    "covid-19": 2,
    "semiconductors": 4,
    "students": 2,
}
CUSTOM_ISSUES = {
    "semiconductors": ("Semiconductors", ["chips", "chip controls"]),
    "students": ("Students and visas", []),
}
CLOSINGS = (
    "Both sides agreed to keep channels of communication open.",
    "They agreed to follow up at the working level.",
    "The readouts differed on what was agreed.",
    "No joint statement was issued.",
    "The two sides described the talks as candid and constructive.",
    "Officials said the call lasted longer than planned.",
    "A further round was scheduled for next month.",
    "The Chinese side urged Washington to stop provocations.",
    "The US side said it would continue to fly, sail and operate wherever international law allows.",
    "Both sides stressed the need to manage competition responsibly.",
)
STANCES = (
    "is a red line",
    "must be handled with care",
    "needs concrete steps",
    "is not negotiable",
    "calls for restraint",
    "deserves a working group",
    "shows the need for dialogue",
)
TIMEZONES = ("America/New_York", "Asia/Shanghai", "UTC", "Europe/Brussels")


def schema_fingerprint() -> str:
    return hashlib.sha256("\x00".join(MIGRATIONS).encode()).hexdigest()[:10]


def data_path(size: int, seed: int = DEFAULT_SEED, folder: Path = DATA_DIR) -> Path:
    return folder / f"hotline-{size}-seed{seed}-v{SCHEMA_VERSION}-{schema_fingerprint()}-g{GENERATOR_VERSION}.db"


def ensure(size: int, seed: int = DEFAULT_SEED, folder: Path = DATA_DIR, log: Any = None) -> Path:
    """The cached database of that size and seed, built first if missing."""
    path = data_path(size, seed, folder)
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    stats = build(tmp, size, seed)
    tmp.rename(path)
    if log:
        log(
            f"generated {path.name}: {stats['events']:,} events, {stats['concerns']:,} concerns, "
            f"{stats['people']:,} people in 2 workspaces, {path.stat().st_size / 1e6:,.0f} MB "
            f"in {time.perf_counter() - started:.1f} s"
        )
    return path


# -- the people and their offices ----------------------------------------------------------------


@dataclass
class Office:
    slug: str
    title: str
    track: str
    side: str
    forms: list[str]
    weight: float
    builtin: bool
    holders: list[tuple[int, int]] = field(default_factory=list)  # (first day offset, person id), sorted

    def holder(self, offset: int) -> int:
        i = bisect.bisect_right(self.holders, (offset, 1 << 62)) - 1
        return self.holders[max(i, 0)][1]


@dataclass
class Person:
    id: int
    name: str
    side: str
    title: str
    last: str  # the name reports shorten to
    aliases: list[str]


@dataclass
class Workspace:
    id: str
    token: str  # the full-text token of the workspace
    people: list[Person]
    offices: dict[str, list[Office]]  # "<side>:<track>" -> offices on that track
    custom_offices: list[Office]
    seen_keys: set[str] = field(default_factory=set)


def _offices_for(side: str, rng: random.Random) -> list[Office]:
    out: list[Office] = []
    for o in BUILTIN_OFFICES:
        if o.side == side:
            out.append(Office(o.slug, o.title, o.track, side, list(o.forms), 4.0, True))
    ranks = US_RANKS if side == "us" else CN_RANKS
    taken = {o.slug for o in out}
    for track, count in CUSTOM_OFFICES.items():
        combos = [(r, a) for r in ranks for a in AREAS[track]]
        rng.shuffle(combos)
        made = 0
        for rank, area in combos:
            if made == count:
                break
            title = f"{rank} for {area}"
            slug = f"{side}:{slugify(title)}"
            if slug in taken:
                continue
            taken.add(slug)
            short = "".join(w[0] for w in rank.split()) + " " + area.split()[0]
            # Zipf-like: a few posts carry most of a track's contacts.
            out.append(Office(slug, title, track, side, [short], 3.0 / (made + 1) ** 0.9, False))
            made += 1
    return out


def _misspell(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _people(ws: str, first_id: int, rng: random.Random) -> Workspace:
    people: list[Person] = []
    used_keys: set[str] = set()
    offices: dict[str, list[Office]] = {}
    custom: list[Office] = []
    for side in ("us", "china"):
        for office in _offices_for(side, rng):
            offices.setdefault(f"{side}:{office.track}", []).append(office)
            if not office.builtin:
                custom.append(office)
            # Top posts change hands every ~4 years, others every ~3: 8 or 10 holders in 30 years.
            holders = 8 if office.builtin else 10
            starts = sorted([0, *rng.sample(range(1, SPAN), holders - 1)])
            for start in starts:
                pid = first_id + len(people)
                person = _new_person(pid, side, office.title, used_keys, rng)
                people.append(person)
                office.holders.append((start, pid))
    return Workspace(ws, ws_token(ws), people, offices, custom)


def _new_person(pid: int, side: str, title: str, used: set[str], rng: random.Random) -> Person:
    while True:
        if side == "us":
            first, last = rng.choice(US_FIRST), rng.choice(US_LAST)
            middle = f" {rng.choice('ABCDEFGHJKLMNPRSTW')}." if rng.random() < 0.3 else ""
            name = f"{first}{middle} {last}"
            alias_pool = [last, f"{first} {last}", f"{first[0]}. {last}", f"{first} {_misspell(last, rng)}"]
        else:
            last = rng.choice(CN_SURNAMES)
            given = rng.choice(CN_SYLLABLES).capitalize() + (rng.choice(CN_SYLLABLES) if rng.random() < 0.7 else "")
            name = f"{last} {given}"
            alias_pool = [f"{given} {last}", f"{last} {_misspell(given, rng)}", f"{last}{given}"]
        if norm(name) not in used:
            break
    used.add(norm(name))
    aliases: list[str] = []
    for alias in rng.sample(alias_pool, k=min(len(alias_pool), rng.randint(1, 3))):
        key = norm(alias)
        if key and key not in used:
            used.add(key)
            aliases.append(alias)
    return Person(pid, name, side, title, last, aliases)


# -- rows ----------------------------------------------------------------------------------------

SQL = {
    "event": "INSERT INTO event (id, workspace, day, time, timezone, kind, track, status, minutes, requested_by,"
    " location, summary, sources, dedupe_key, created_at, created_by)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "participant": "INSERT INTO participant (event_id, person_id, workspace, side, title, office, position, day,"
    " status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "concern": "INSERT INTO concern (id, workspace, issue, side, text, by_name, day, event_id, source, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "question": "INSERT INTO question (id, workspace, text, issue, event_id, status, raised_on, answer,"
    " answer_source, closed_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "search": "INSERT INTO search_index (rowid, body, ws, kind, ref) VALUES (?, ?, ?, ?, ?)",
    "audit": "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id, before, after)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
    "workspace": "INSERT INTO workspace (id, timezone, editor_role, created_at) VALUES (?, ?, ?, ?)",
    "office": "INSERT INTO office (workspace, slug, title, track, forms) VALUES (?, ?, ?, ?, ?)",
    "issue": "INSERT INTO issue (workspace, slug, title, aliases) VALUES (?, ?, ?, ?)",
    "person": "INSERT INTO person (id, workspace, name, side, title, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    "person_key": "INSERT INTO person_key (workspace, key, person_id, alias) VALUES (?, ?, ?, ?)",
    "subscription": "INSERT INTO subscription (workspace, channel_id, weekday, time, timezone, paused, role_id,"
    " last_period_end, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
}
Chunk = list[tuple[str, list[tuple[Any, ...]]]]  # (table, rows), written in that order


class Writer:
    """The SQLite side: every chunk of rows and its copy into the second workspace, in one transaction.

    Secondary indexes are dropped first and rebuilt from their own SQL at the end: sorting once is
    much faster than keeping them up to date row by row.
    """

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA cache_size = -2000000")
        self.db.execute("BEGIN")
        found = self.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        self.indexes = [(str(name), str(sql)) for name, sql in found.fetchall()]
        for name, _sql in self.indexes:
            self.db.execute(f"DROP INDEX {name}")
        self.token_b = ws_token(OTHER_WS)

    def write(self, chunk: Chunk) -> None:
        audit_from = self.db.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]
        search: list[tuple[Any, ...]] = []
        for table, rows in chunk:
            if table == "clone":
                ranges = Ranges(*rows[0])
                clone(self.db, ranges, audit_from)
                # The copies' full-text rows, in rowid order with the first workspace's (one FTS5 flush).
                b = self.token_b
                search += [
                    (ranges.shift(kind, ref) * 4 + rowid % 4, body, b, kind, ranges.shift(kind, ref))
                    for rowid, body, _ws, kind, ref in search
                ]
                search.sort()
                self.db.executemany(SQL["search"], search)
            elif table == "search":
                search = rows
            elif rows:
                self.db.executemany(SQL[table], rows)

    def finish(self) -> None:
        for _name, sql in self.indexes:
            self.db.execute(sql)
        self.db.execute("COMMIT")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.close()


def _writer_process(path: Path, chunks: Any) -> None:
    writer = Writer(path)
    while (chunk := chunks.get()) is not None:
        writer.write(chunk)
    writer.finish()


@dataclass(frozen=True)
class Ranges:
    """The first workspace's ids written in one chunk, and what its copies add to them.

    The copies take the ids just after each range, so both workspaces' rows are interleaved, chunk
    by chunk, as two teams' writes would be, and every table is still only appended to.
    """

    people: tuple[int, int]  # first, last (0, -1 when none)
    events: tuple[int, int]
    concerns: tuple[int, int]
    questions: tuple[int, int]
    person_shift: int  # the copy of person i is person i + person_shift

    def add(self, kind: str) -> int:
        if kind == "person":
            return self.person_shift
        first, last = {"event": self.events, "concern": self.concerns, "question": self.questions}[kind]
        return last - first + 1

    def shift(self, kind: str, ref: int) -> int:
        return ref + self.add(kind)


def clone(db: sqlite3.Connection, r: Ranges, audit_from: int) -> None:
    """Copy one chunk of the first workspace into the second with SQL alone."""
    params = {
        "a": WS,
        "b": OTHER_WS,
        "p": r.add("person"),
        "p0": r.people[0],
        "p1": r.people[1],
        "e": r.add("event"),
        "e0": r.events[0],
        "e1": r.events[1],
        "c": r.add("concern"),
        "c0": r.concerns[0],
        "c1": r.concerns[1],
        "q": r.add("question"),
        "q0": r.questions[0],
        "q1": r.questions[1],
        "audit": audit_from,
    }
    statements: list[str] = []
    if r.people[1] >= r.people[0]:
        statements += [
            "INSERT INTO workspace (id, timezone, editor_role, created_at)"
            " SELECT :b, 'Asia/Shanghai', editor_role, created_at FROM workspace WHERE id = :a",
            "INSERT INTO office (workspace, slug, title, track, forms)"
            " SELECT :b, slug, title, track, forms FROM office WHERE workspace = :a",
            "INSERT INTO issue (workspace, slug, title, aliases)"
            " SELECT :b, slug, title, aliases FROM issue WHERE workspace = :a",
            "INSERT INTO person (id, workspace, name, side, title, created_at)"
            " SELECT id + :p, :b, name, side, title, created_at FROM person WHERE id BETWEEN :p0 AND :p1",
            "INSERT INTO person_key (workspace, key, person_id, alias)"
            " SELECT :b, key, person_id + :p, alias FROM person_key WHERE workspace = :a",
            "INSERT INTO subscription (workspace, channel_id, weekday, time, timezone, paused, role_id,"
            " last_period_end, created_at) SELECT :b, CAST(CAST(channel_id AS INTEGER) + 1000 AS TEXT), weekday,"
            " time, timezone, paused, role_id, last_period_end, created_at FROM subscription WHERE workspace = :a"
            " ORDER BY id",
        ]
    statements += [
        # The duplicate rule's key (day|kind|sorted person ids) with the copy's person ids: the
        # participant table's primary key (event_id, person_id) gives the ids in order.
        "INSERT INTO event (id, workspace, day, time, timezone, kind, track, status, minutes, requested_by,"
        " location, summary, sources, dedupe_key, created_at, created_by)"
        " SELECT id + :e, :b, day, time, timezone, kind, track, status, minutes, requested_by, location, summary,"
        " sources, day || '|' || kind || '|' || (SELECT group_concat(person_id + :p, ',') FROM participant"
        " WHERE event_id = event.id), created_at, created_by FROM event WHERE id BETWEEN :e0 AND :e1 ORDER BY id",
        "INSERT INTO participant (event_id, person_id, workspace, side, title, office, position, day, status)"
        " SELECT event_id + :e, person_id + :p, :b, side, title, office, position, day, status"
        " FROM participant WHERE event_id BETWEEN :e0 AND :e1 ORDER BY event_id, person_id",
        "INSERT INTO concern (id, workspace, issue, side, text, by_name, day, event_id, source, created_at)"
        " SELECT id + :c, :b, issue, side, text, by_name, day, event_id + :e, source, created_at FROM concern"
        " WHERE id BETWEEN :c0 AND :c1 ORDER BY id",
        "INSERT INTO question (id, workspace, text, issue, event_id, status, raised_on, answer, answer_source,"
        " closed_on, created_at) SELECT id + :q, :b, text, issue, event_id + :e, status, raised_on, answer,"
        " answer_source, closed_on, created_at FROM question WHERE id BETWEEN :q0 AND :q1 ORDER BY id",
        "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id, before, after)"
        " SELECT :b, at, actor_id, actor_name, action, tbl, CAST(CAST(record_id AS INTEGER) + CASE tbl"
        " WHEN 'event' THEN :e WHEN 'question' THEN :q WHEN 'person' THEN :p ELSE 0 END AS TEXT), before, after"
        " FROM audit WHERE id > :audit ORDER BY id",
    ]
    for sql in statements:
        db.execute(sql, params)


class Rows:
    """Rows waiting for the next batch, table by table."""

    def __init__(self) -> None:
        self.event: list[tuple[Any, ...]] = []
        self.participant: list[tuple[Any, ...]] = []
        self.concern: list[tuple[Any, ...]] = []
        self.question: list[tuple[Any, ...]] = []
        self.search: list[tuple[Any, ...]] = []
        self.audit: list[tuple[Any, ...]] = []

    def take(self) -> Chunk:
        # FTS5 flushes its pending terms whenever a rowid is lower than the previous one: in rowid
        # order a batch is one flush instead of thousands of tiny segments.
        self.search.sort()
        chunk: Chunk = [
            ("event", self.event),
            ("participant", self.participant),
            ("concern", self.concern),
            ("question", self.question),
            ("search", self.search),
            ("audit", self.audit),
        ]
        self.__init__()  # type: ignore[misc]
        return chunk


_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _event_days(n: int, rng: random.Random) -> list[int]:
    """Day offsets from START, denser in recent years (a third uniform, the rest rising linearly)."""
    r = rng.random
    days = [int(SPAN * (r() if r() < 0.33 else r() ** 0.5)) for _ in range(n)]
    return sorted(min(d, SPAN) for d in days)


def _cumulative(weights: Iterable[float]) -> list[float]:
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


class Weighted:
    """A weighted choice: faster than random.choices for one draw at a time."""

    def __init__(self, items: Sequence[Any], weights: Iterable[float]) -> None:
        self.items = list(items)
        self.cum = _cumulative(weights)
        self.total = self.cum[-1]

    def draw(self, r: Any) -> Any:
        return self.items[bisect.bisect_right(self.cum, r() * self.total)]


class Generator:
    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.issues = Weighted(list(ISSUE_WEIGHTS), ISSUE_WEIGHTS.values())
        self.tracks = Weighted(list(TRACK_WEIGHTS), TRACK_WEIGHTS.values())
        self.kinds = Weighted(list(KIND_WEIGHTS), KIND_WEIGHTS.values())
        self.leader_kinds = Weighted(list(LEADER_KIND_WEIGHTS), LEADER_KIND_WEIGHTS.values())
        self.requesters = Weighted(("us", "china", "unknown"), (40, 35, 25))
        self.workspaces: list[Workspace] = []
        self.pools: list[dict[str, Weighted]] = []
        self.person_shift = 0
        self.next_concern = 1
        self.next_question = 1
        self.people_by_id: dict[int, Person] = {}
        self.counts = {"events": 0, "concerns": 0, "people": 0, "questions": 0}

    def chunks(self) -> Iterator[Chunk]:
        w = _people(WS, 1, self.rng)
        self.workspaces.append(w)
        self.pools.append({key: Weighted(offs, _weights(key, offs)) for key, offs in w.offices.items()})
        for p in w.people:
            self.people_by_id[p.id] = p
        # The copies of the people take the ids right after them; events and the rest follow.
        self.person_shift = len(w.people)
        yield [*self._workspace_rows(w), ("clone", [((1, len(w.people)), (0, -1), (0, -1), (0, -1), len(w.people))])]
        self.next_event = self.next_concern = self.next_question = 1
        rows = Rows()
        first = (1, 1, 1)
        for n, offset in enumerate(_event_days(self.size, self.rng), start=1):
            self._event(rows, 0, self.next_event, offset, n % QUESTION_EVERY == 0)
            self.next_event += 1
            if len(rows.event) >= CHUNK or n == self.size:
                yield self._take(rows, first)
                first = (self.next_event, self.next_concern, self.next_question)
        self.counts = {k: 2 * v for k, v in self.counts.items()}
        self.counts["events"] = 2 * self.size

    def _take(self, rows: Rows, first: tuple[int, int, int]) -> Chunk:
        """The chunk's rows and its copy; the ids after it are left for the copy."""
        e0, c0, q0 = first
        e1, c1, q1 = self.next_event - 1, self.next_concern - 1, self.next_question - 1
        self.next_event += e1 - e0 + 1
        self.next_concern += c1 - c0 + 1
        self.next_question += q1 - q0 + 1
        return [*rows.take(), ("clone", [((0, -1), (e0, e1), (c0, c1), (q0, q1), self.person_shift)])]

    def _workspace_rows(self, w: Workspace) -> Chunk:
        rng = self.rng
        token = ws_token(w.id)
        zones = ("America/New_York", "Asia/Shanghai", "Europe/London", "UTC", "America/Los_Angeles")
        self.counts["people"] += len(w.people)
        return [
            ("workspace", [(w.id, "America/New_York" if w.id == WS else "Asia/Shanghai", "1000", CREATED_AT)]),
            ("office", [(w.id, o.slug, o.title, o.track, json.dumps(o.forms)) for o in w.custom_offices]),
            ("issue", [(w.id, slug, title, json.dumps(al)) for slug, (title, al) in CUSTOM_ISSUES.items()]),
            ("person", [(p.id, w.id, p.name, p.side, p.title, CREATED_AT) for p in w.people]),
            (
                "person_key",
                [(w.id, norm(p.name), p.id, None) for p in w.people]
                + [(w.id, norm(a), p.id, a) for p in w.people for a in p.aliases],
            ),
            (
                "search",
                [
                    (search_rowid("person", p.id), " ".join([p.name, p.title, *p.aliases]), token, "person", p.id)
                    for p in w.people
                ],
            ),
            (
                "audit",
                [
                    (
                        w.id,
                        CREATED_AT,
                        "u1",
                        "Ann Analyst",
                        "create",
                        "person",
                        str(p.id),
                        _ENCODE({"name": p.name, "side": p.side, "title": p.title, "aliases": p.aliases}),
                    )
                    for p in w.people
                ],
            ),
            (
                "subscription",
                [
                    (
                        w.id,
                        str(910000000000000000 + i + (0 if w.id == WS else 1000)),
                        rng.randrange(7),
                        f"{rng.randrange(6, 19):02d}:{rng.choice((0, 15, 30, 45)):02d}",
                        rng.choice(zones),
                        int(rng.random() < 0.1),
                        None,
                        "2026-06-22T13:00:00+00:00",
                        CREATED_AT,
                    )
                    for i in range(SUBSCRIPTIONS)
                ],
            ),
        ]

    def _event(self, rows: Rows, wi: int, event_id: int, offset: int, question: bool) -> None:
        rng = self.rng
        r = rng.random
        w = self.workspaces[wi]
        pools = self.pools[wi]
        people = self.people_by_id
        for _attempt in range(50):
            track = self.tracks.draw(r)
            kind = (self.leader_kinds if track == "leaders" else self.kinds).draw(r)
            status = "held"
            day_offset = offset
            if kind == "request":
                status = "declined" if r() < 0.7 else "planned"
            elif offset > SPAN - 30 and r() < 0.15:
                status = "planned"  # a contact announced for the coming months
                day_offset = offset + rng.randint(1, 180)
            us_pool, cn_pool = pools["us:" + track], pools["china:" + track]
            o = us_pool.draw(r)
            us = [(o, people[o.holder(offset)])]
            o = cn_pool.draw(r)
            cn = [(o, people[o.holder(offset)])]
            for side_list, pool in ((us, us_pool), (cn, cn_pool)):
                while len(side_list) < 3 and r() < 0.25:
                    o = pool.draw(r)
                    extra = people[o.holder(offset)]
                    if all(extra.id != p.id for _, p in side_list):
                        side_list.append((o, extra))
            day = (START + dt.timedelta(days=day_offset)).isoformat()
            ids = sorted([p.id for _, p in us] + [p.id for _, p in cn])
            key = f"{day}|{kind}|{','.join(map(str, ids))}"
            if key not in w.seen_keys:
                w.seen_keys.add(key)
                break
        else:
            raise RuntimeError("could not draw a unique event")
        us_lead, cn_lead = us[0][1], cn[0][1]
        k = rng.randint(1, 5)
        issues: list[str] = []
        while len(issues) < k:
            issue = self.issues.draw(r)
            if issue not in issues:
                issues.append(issue)
        raised: dict[str, list[str]] = {}
        for issue in issues:
            raised.setdefault("us" if r() < 0.55 else "china", []).append(issue)
        location = None if kind in ("call", "video", "request") else rng.choice(CITIES)
        summary = None
        if r() < 0.92:
            phrases = [rng.choice(PHRASES[i]) for i in issues[:3]]
            topic = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
            verb = rng.choice(("discussed", "exchanged views on", "spoke about", "met to discuss", "clashed over"))
            summary = f"{us_lead.last} and {cn_lead.last} {verb} {topic}. {rng.choice(CLOSINGS)}"
        minutes = None
        if kind in ("call", "video"):
            if r() < 0.7:
                minutes = rng.choice((30, 45, 60, 75, 90, 120))
        elif kind in ("meeting", "summit", "talks") and r() < 0.5:
            minutes = rng.choice((60, 90, 120, 180, 240, 360))
        time_ = tz = None
        if r() < 0.2:
            time_, tz = f"{rng.randrange(0, 24):02d}:{rng.choice((0, 30)):02d}", rng.choice(TIMEZONES)
        requested = self.requesters.draw(r)
        sources = [f"https://www.state.gov/readout-{event_id}"]
        if r() < 0.5:
            sources.append(f"https://www.fmprc.gov.cn/eng/{event_id}.html")
        ws_id = w.id
        rows.event.append(
            (
                event_id,
                ws_id,
                day,
                time_,
                tz,
                kind,
                track,
                status,
                minutes,
                requested,
                location,
                summary,
                json.dumps(sources),
                key,
                CREATED_AT,
                "import",
            )
        )
        participants = []
        names = []
        for side, members, start in (("us", us, 0), ("china", cn, 100)):
            for position, (office, person) in enumerate(members, start=start):
                rows.participant.append(
                    (event_id, person.id, ws_id, side, office.title, office.slug, position, day, status)
                )
                participants.append({"name": person.name, "side": side, "title": office.title})
                names.append(f"{person.name} {office.title}")
        token = w.token
        body = " ".join(filter(None, (summary, location, " ".join(names))))
        rows.search.append((event_id * 4, body, token, "event", event_id))
        for side, side_issues in raised.items():
            speaker = us_lead if side == "us" else cn_lead
            for issue in side_issues:
                cid = self.next_concern
                self.next_concern += 1
                text = by = source = None
                if r() < 1 / 7:
                    text = f"{rng.choice(PHRASES[issue]).capitalize()} {rng.choice(STANCES)}."
                    by = speaker.name
                    source = sources[0]
                    rows.search.append((cid * 4 + 1, f"{text} {by} {issue}", token, "concern", cid))
                rows.concern.append((cid, ws_id, issue, side, text, by, day, event_id, source, CREATED_AT))
        self.counts["concerns"] += k
        if question:
            self._question(rows, w, event_id, offset, day, kind, issues[0], us_lead, cn_lead, sources[0])
        after = {
            "day": day,
            "kind": kind,
            "location": location,
            "minutes": minutes,
            "participants": participants,
            "raised": raised,
            "requested_by": requested,
            "sources": sources,
            "status": status,
            "summary": summary,
            "time": time_,
            "timezone": tz,
            "track": track,
        }
        rows.audit.append((ws_id, CREATED_AT, "import", "import", "create", "event", str(event_id), _ENCODE(after)))

    def _question(
        self,
        rows: Rows,
        w: Workspace,
        event_id: int,
        offset: int,
        day: str,
        kind: str,
        issue: str,
        us_lead: Person,
        cn_lead: Person,
        source: str,
    ) -> None:
        rng = self.rng
        qid = self.next_question
        self.next_question += 1
        phrase = rng.choice(PHRASES[issue])
        text = rng.choice(
            (
                f"Did {us_lead.last} and {cn_lead.last} agree on {phrase}?",
                f"Who asked for the {kind} and why now?",
                f"Will there be a follow-up on {phrase}?",
                f"What did {cn_lead.last} mean about {phrase}?",
            )
        )
        answered = rng.random() < 0.5 and offset < SPAN - 1
        closed = answer = None
        if answered:
            closed = (START + dt.timedelta(days=min(SPAN, offset + rng.randint(1, 300)))).isoformat()
            answer = f"Yes, according to the readout: {rng.choice(CLOSINGS)}"
        rows.question.append(
            (
                qid,
                w.id,
                text,
                issue,
                event_id,
                "answered" if answered else "open",
                day,
                answer,
                source if answered else None,
                closed,
                CREATED_AT,
            )
        )
        body = f"{text} {answer}" if answer else text
        rows.search.append((search_rowid("question", qid), body, w.token, "question", qid))
        rows.audit.append(
            (w.id, CREATED_AT, "u1", "Ann Analyst", "create", "question", str(qid), _ENCODE({"text": text}))
        )
        self.counts["questions"] += 1


def _weights(key: str, offices: list[Office]) -> list[float]:
    if key.endswith(":leaders"):
        return [8.0 if o.slug.endswith(":president") else 2.5 for o in offices]
    return [o.weight for o in offices]


def build(path: Path, size: int, seed: int) -> dict[str, int]:
    """Write a database of two workspaces of `size` events each at `path` (a new file)."""

    async def migrate() -> None:
        store = await Store.open(path)  # the store's own migrations, journal mode WAL
        await store.close()

    asyncio.run(migrate())
    gen = Generator(size, seed)
    if size < PARALLEL_FROM:
        writer = Writer(path)
        for rows in gen.chunks():
            writer.write(rows)
        writer.finish()
        return gen.counts
    # Two cores: this process draws the rows while a second one writes them.
    ctx = multiprocessing.get_context("spawn")
    chunks = ctx.Queue(maxsize=4)
    proc = ctx.Process(target=_writer_process, args=(path, chunks), daemon=True)
    proc.start()
    try:
        chunk: Chunk | None
        for chunk in itertools.chain(gen.chunks(), [None]):
            while True:
                try:
                    chunks.put(chunk, timeout=1)
                    break
                except queue.Full:
                    if not proc.is_alive():
                        raise RuntimeError(f"the writer process stopped (exit code {proc.exitcode})") from None
        proc.join()
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"the writer process failed (exit code {proc.exitcode})")
    return gen.counts


def _iter_sizes(text: str) -> Iterator[int]:
    for part in text.split(","):
        yield int(float(part))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1000", help="events per workspace; several separated by commas")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--folder", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    for size in _iter_sizes(args.size):
        print(ensure(size, args.seed, args.folder, log=lambda m: print(m, file=sys.stderr)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
