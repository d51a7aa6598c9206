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

How it is written, so that a million events a workspace take minutes rather than many:

- The schema comes from the store's own migrations (SqliteStore.open), into the file and into copies of it,
  one per part (PARTS): the record (people, events, participants, audit), the notes (concerns,
  questions) and the full text. Each part is written by a process of its own while this one draws
  the rows, in one transaction with no journal and no fsync: the file is a temporary one, renamed
  into place only when complete, so a crash can only leave a file that is thrown away.
- Secondary indexes are dropped first, everywhere: the parts are loaded without them.
- The full-text rows are written through the FTS5 table itself, as the store does, in rowid order,
  with FTS5's default settings (see Writer).
- Then (complete()) the notes' tables are copied into the record's file with `INSERT INTO t SELECT
  * FROM part.t`, which SQLite does by copying b-tree records as they are (its transfer optimisation,
  the one VACUUM uses); every index is built from its own SQL, once, from all its rows (sorting once
  is much faster than keeping an index up to date row by row); the full text's tables are copied in
  the same way, and the file is switched to WAL.

So every b-tree is packed as if freshly loaded (tables appended or copied in rowid order, indexes
built by one sort): tighter than ones grown by years of inserts; the figures are for a store freshly
loaded or VACUUMed. The FTS5 index has the segments FTS5's default settings make (7 at 100k events,
as before this generator wrote its parts apart). No ANALYZE: the bot never runs it, so the query
plans are the ones a real store gets.

Files are cached under bench/data/, keyed by size, seed, schema version (and a hash of the migrations'
text, since migration 1 may still change before it ships) and this generator's version; a build
goes to a temporary file renamed into place when complete.

    python -m bench.generate --size 1000000 [--seed 5]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import datetime as dt
import gc
import hashlib
import itertools
import json
import marshal
import multiprocessing
import os
import queue
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from storage.rules import name_words
from storage.sqlite.db import SEARCH_KINDS, ws_token
from storage.sqlite.schema import MIGRATIONS, SCHEMA_VERSION
from storage.sqlite.store import SqliteStore
from storage.vocab import BUILTIN_OFFICES, norm, slugify

# 2 was briefly a build whose full text had fewer segments than the store makes; 4 made the second
# workspace a Slack team's, so that the Slack end-to-end rows query a record as large as Discord's.
GENERATOR_VERSION = 4
DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SEED = 5

GUILD_A = 900000000000000001
WS = f"discord:{GUILD_A}"  # the workspace the benchmarks query
SLACK_TEAM = "T0BENCH0002"
# The second workspace of the same size: a Slack team's, which the Slack end-to-end rows query.
OTHER_WS = f"slack:{SLACK_TEAM}"
END = dt.date(2026, 6, 30)  # the last day of held contacts; the benchmarks' clock stands on it
NOW = dt.datetime(2026, 6, 30, 15, 0, tzinfo=dt.UTC)
YEARS = 30
START = END - dt.timedelta(days=365 * YEARS + YEARS // 4)
SPAN = (END - START).days
PLANNED_AHEAD = 180  # the furthest a planned contact lies beyond its announcement
CREATED_AT = "2026-06-01T12:00:00+00:00"
QUESTION_EVERY = 20
SUBSCRIPTIONS = 36
CHUNK = 20_000  # events per executemany batch
PARALLEL_FROM = 20_000  # from this size the parts are written by processes of their own
CACHE_KIB = 256 * 1024  # page cache of each writing connection
SORT_CACHE_KIB = 16 * 1024  # and while it builds indexes
SEARCH_STRIDE = len(SEARCH_KINDS)  # a full-text rowid is ref * SEARCH_STRIDE + the kind's place (storage.sqlite.db)
EVENT_ROW, CONCERN_ROW, QUESTION_ROW, PERSON_ROW = (
    SEARCH_KINDS.index(k) for k in ("event", "concern", "question", "person")
)

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
VERBS = ("discussed", "exchanged views on", "spoke about", "met to discuss", "clashed over")
SUBSCRIPTION_ZONES = ("America/New_York", "Asia/Shanghai", "Europe/London", "UTC", "America/Los_Angeles")


def schema_fingerprint() -> str:
    """A hash of the migrations' SQL text alone (not of the module that holds it, nor its path): the
    cached stores stay valid when the schema module moves, and are made anew when any migration changes."""
    return hashlib.sha256("\x00".join(MIGRATIONS).encode()).hexdigest()[:10]


def data_path(size: int, seed: int = DEFAULT_SEED, folder: Path = DATA_DIR) -> Path:
    return folder / f"hotline-{size}-seed{seed}-v{SCHEMA_VERSION}-{schema_fingerprint()}-g{GENERATOR_VERSION}.db"


def ensure(size: int, seed: int = DEFAULT_SEED, folder: Path = DATA_DIR, log: Any = None) -> Path:
    """The cached database of that size and seed, built first if missing."""
    path = data_path(size, seed, folder)
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(path)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    _remove_scratch(tmp)
    started = time.perf_counter()
    try:
        stats = build(tmp, size, seed)
        tmp.rename(path)
    finally:
        _remove_scratch(tmp)  # the parts, and the file itself if the build failed
    if log:
        log(
            f"generated {path.name}: {stats['events']:,} events, {stats['concerns']:,} concerns, "
            f"{stats['people']:,} people in 2 workspaces, {path.stat().st_size / 1e6:,.0f} MB "
            f"in {time.perf_counter() - started:.1f} s"
        )
    return path


def _remove_abandoned(path: Path) -> None:
    """Scratch files of earlier builds of this file whose process is gone (killed): up to 9 GB."""
    for file in path.parent.glob(f"{path.stem}.tmp*"):
        digits = file.name[len(path.stem) + 4 :]
        pid = int(digits[: len(digits) - len(digits.lstrip("0123456789"))] or 0)
        try:
            os.kill(pid, 0)  # still building (or not ours to judge)
        except ProcessLookupError:
            file.unlink(missing_ok=True)
        except (PermissionError, OverflowError):
            pass


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Rows are tuples of strings and numbers, which make no reference cycles: the garbage collector's
    passes over millions of them are time lost (2% of a build's CPU)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- the people and their offices ----------------------------------------------------------------


@dataclass(eq=False)
class Person:
    id: int
    name: str
    side: str
    title: str
    last: str  # the name reports shorten to
    aliases: list[str]

    def __post_init__(self) -> None:
        self.json_name = encode_basestring(self.name)


@dataclass(eq=False)
class Office:
    slug: str
    title: str
    track: str
    side: str
    forms: list[str]
    weight: float
    builtin: bool
    holders: list[tuple[int, int]] = field(default_factory=list)  # (first day offset, person id), sorted
    current: Person | None = None  # the holder on the day being drawn (Generator.advance)
    # What an event's rows say of the holder as a participant: their audit JSON and full text.
    json_participant: str = ""
    named: str = ""

    def hand_to(self, person: Person) -> None:
        self.current = person
        title = encode_basestring(self.title)
        self.json_participant = f'{{"name": {person.json_name}, "side": "{self.side}", "title": {title}}}'
        self.named = f"{person.name} {self.title}"

    def holder(self) -> Person:
        assert self.current is not None, "advance() first"
        return self.current


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


# -- drawing the rows ------------------------------------------------------------------------------
#
# A million events a workspace: the drawing is written for speed. Random draws are r() (a bound
# method) scaled by hand rather than rng.choice/randint (a Python call each), offices' holders are
# kept current as the days advance rather than looked up, dates are a table, and the audit entries'
# JSON is put together from pre-encoded pieces in the form json.dumps(sort_keys=True) gives
# (tests/test_bench_smoke.py checks it), rather than by encoding a dict per event.


def _pick(items: Sequence[Any], r: Any) -> Any:
    """A uniform choice from a draw of r()."""
    return items[int(r() * len(items))]


def _json_list(items: Sequence[str]) -> str:
    """A JSON list of strings that need no escaping (issue slugs, URLs)."""
    return '["' + '", "'.join(items) + '"]' if items else "[]"


def _json_value(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


class Rows:
    """Rows waiting for the next batch, table by table."""

    def __init__(self) -> None:
        self.event: list[tuple[Any, ...]] = []
        self.participant: list[tuple[Any, ...]] = []
        self.concern: list[tuple[Any, ...]] = []
        self.question: list[tuple[Any, ...]] = []
        self.audit: list[tuple[Any, ...]] = []
        # Full-text rows kind by kind, each in rowid order: runs that sorting merges in linear time.
        self.event_text: list[tuple[Any, ...]] = []
        self.concern_text: list[tuple[Any, ...]] = []
        self.question_text: list[tuple[Any, ...]] = []

    def take(self) -> Chunk:
        chunk: Chunk = [
            ("event", self.event),
            ("participant", self.participant),
            ("concern", self.concern),
            ("question", self.question),
            ("audit", self.audit),
            ("search", self.event_text + self.concern_text + self.question_text),
        ]
        self.__init__()  # type: ignore[misc]
        return chunk


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


def _weights(key: str, offices: list[Office]) -> list[float]:
    if key.endswith(":leaders"):
        return [8.0 if o.slug.endswith(":president") else 2.5 for o in offices]
    return [o.weight for o in offices]


class Generator:
    """The first workspace's rows, chunk by chunk; each chunk ends with the ranges its copy takes."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.r = self.rng.random
        self.issues = Weighted(list(ISSUE_WEIGHTS), ISSUE_WEIGHTS.values())
        self.tracks = Weighted(list(TRACK_WEIGHTS), TRACK_WEIGHTS.values())
        self.kinds = Weighted(list(KIND_WEIGHTS), KIND_WEIGHTS.values())
        self.leader_kinds = Weighted(list(LEADER_KIND_WEIGHTS), LEADER_KIND_WEIGHTS.values())
        self.requesters = Weighted(("us", "china", "unknown"), (40, 35, 25))
        # The ISO date of every day offset an event can fall on.
        self.days = [(START + dt.timedelta(days=d)).isoformat() for d in range(SPAN + PLANNED_AHEAD + 1)]
        self.pools: dict[str, tuple[Weighted, Weighted]] = {}  # track -> (US offices, Chinese offices)
        self.changes: list[tuple[int, Office, Person]] = []  # (first day, office, new holder), by day
        self.changed = 0  # how many of them have taken effect
        self.person_shift = 0
        self.next_event = self.next_concern = self.next_question = 1
        self.counts = {"events": 0, "concerns": 0, "people": 0, "questions": 0}

    def chunks(self) -> Iterator[Chunk]:
        w = _people(WS, 1, self.rng)
        self.workspace = w
        by_id = {p.id: p for p in w.people}
        for track in TRACK_WEIGHTS:
            us, cn = (f"{side}:{track}" for side in ("us", "china"))
            self.pools[track] = (
                Weighted(w.offices[us], _weights(us, w.offices[us])),
                Weighted(w.offices[cn], _weights(cn, w.offices[cn])),
            )
        offices = [o for offs in w.offices.values() for o in offs]
        changes = [(start, i, o, by_id[pid]) for i, o in enumerate(offices) for start, pid in o.holders]
        self.changes = [(start, o, p) for start, _i, o, p in sorted(changes, key=lambda c: c[:2])]
        # The copies of the people take the ids right after them; events and the rest follow.
        self.person_shift = len(w.people)
        people = (1, len(w.people))
        ranges = Ranges(people, (0, -1), (0, -1), (0, -1), len(w.people))
        yield [*self._workspace_rows(w), ("clone", [tuple(ranges)])]
        rows = Rows()
        first = (1, 1, 1)
        for n, offset in enumerate(_event_days(self.size, self.rng), start=1):
            self.advance(offset)
            self._event(rows, self.next_event, offset, n % QUESTION_EVERY == 0)
            self.next_event += 1
            if len(rows.event) >= CHUNK or n == self.size:
                yield self._take(rows, first)
                first = (self.next_event, self.next_concern, self.next_question)
        self.counts = {k: 2 * v for k, v in self.counts.items()}
        self.counts["events"] = 2 * self.size

    def advance(self, offset: int) -> None:
        """Hand every office to its holder on that day (days only ever move forward)."""
        changes = self.changes
        while self.changed < len(changes) and changes[self.changed][0] <= offset:
            _start, office, person = changes[self.changed]
            office.hand_to(person)
            self.changed += 1

    def _take(self, rows: Rows, first: tuple[int, int, int]) -> Chunk:
        """The chunk's rows and its copy; the ids after it are left for the copy."""
        e0, c0, q0 = first
        e1, c1, q1 = self.next_event - 1, self.next_concern - 1, self.next_question - 1
        self.next_event += e1 - e0 + 1
        self.next_concern += c1 - c0 + 1
        self.next_question += q1 - q0 + 1
        ranges = Ranges((0, -1), (e0, e1), (c0, c1), (q0, q1), self.person_shift)
        return [*rows.take(), ("clone", [tuple(ranges)])]

    def _workspace_rows(self, w: Workspace) -> Chunk:
        rng = self.rng
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
                "person_word",
                sorted(
                    {
                        (w.id, word, p.id)
                        for p in w.people
                        for name in (p.name, *p.aliases)
                        for word in name_words(norm(name))
                    }
                ),
            ),
            (
                "audit",
                [
                    (
                        "u1",
                        "Ann Analyst",
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
                        rng.choice(SUBSCRIPTION_ZONES),
                        int(rng.random() < 0.1),
                        None,
                        "2026-06-22T13:00:00+00:00",
                        CREATED_AT,
                    )
                    for i in range(SUBSCRIPTIONS)
                ],
            ),
            (
                "search",
                [
                    (
                        p.id * SEARCH_STRIDE + PERSON_ROW,
                        " ".join([p.name, p.title, *p.aliases]),
                        w.token,
                        "person",
                        p.id,
                    )
                    for p in w.people
                ],
            ),
        ]

    def _event(self, rows: Rows, event_id: int, offset: int, question: bool) -> None:
        r = self.r
        w = self.workspace
        for _attempt in range(50):
            track = self.tracks.draw(r)
            kind = (self.leader_kinds if track == "leaders" else self.kinds).draw(r)
            status = "held"
            day_offset = offset
            if kind == "request":
                status = "declined" if r() < 0.7 else "planned"
            elif offset > SPAN - 30 and r() < 0.15:
                status = "planned"  # a contact announced for the coming months
                day_offset = offset + 1 + int(r() * PLANNED_AHEAD)
            us_pool, cn_pool = self.pools[track]
            o = us_pool.draw(r)
            us = [(o, o.holder())]
            o = cn_pool.draw(r)
            cn = [(o, o.holder())]
            for side_list, pool in ((us, us_pool), (cn, cn_pool)):
                while len(side_list) < 3 and r() < 0.25:
                    o = pool.draw(r)
                    extra = o.holder()
                    if extra is not side_list[0][1] and (len(side_list) == 1 or extra is not side_list[1][1]):
                        side_list.append((o, extra))
            day = self.days[day_offset]
            ids = sorted([p.id for _, p in us] + [p.id for _, p in cn])
            key = f"{day}|{kind}|{','.join(map(str, ids))}"
            if key not in w.seen_keys:
                w.seen_keys.add(key)
                break
        else:
            raise RuntimeError("could not draw a unique event")
        us_lead, cn_lead = us[0][1], cn[0][1]
        k = 1 + int(r() * 5)
        issues: list[str] = []
        while len(issues) < k:
            issue = self.issues.draw(r)
            if issue not in issues:
                issues.append(issue)
        raised: dict[str, list[str]] = {}
        for issue in issues:
            raised.setdefault("us" if r() < 0.55 else "china", []).append(issue)
        location = None if kind in ("call", "video", "request") else _pick(CITIES, r)
        summary = None
        if r() < 0.92:
            phrases = [_pick(PHRASES[i], r) for i in issues[:3]]
            topic = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
            summary = f"{us_lead.last} and {cn_lead.last} {_pick(VERBS, r)} {topic}. {_pick(CLOSINGS, r)}"
        minutes = None
        if kind in ("call", "video"):
            if r() < 0.7:
                minutes = _pick((30, 45, 60, 75, 90, 120), r)
        elif kind in ("meeting", "summit", "talks") and r() < 0.5:
            minutes = _pick((60, 90, 120, 180, 240, 360), r)
        time_ = tz = None
        if r() < 0.2:
            time_, tz = f"{int(r() * 24):02d}:{_pick(('00', '30'), r)}", _pick(TIMEZONES, r)
        requested = self.requesters.draw(r)
        source = f"https://www.state.gov/readout-{event_id}"
        sources = [source, f"https://www.fmprc.gov.cn/eng/{event_id}.html"] if r() < 0.5 else [source]
        json_sources = _json_list(sources)
        rows.event.append(
            (
                event_id,
                day,
                time_ or "",
                tz or "",
                kind,
                track,
                status,
                minutes or 0,
                requested,
                location or "",
                summary or "",
                json_sources,
                key,
            )
        )
        participants: list[str] = []
        body = [summary] if summary else []
        if location:
            body.append(location)
        for side, members, start in (("us", us, 0), ("china", cn, 100)):
            for position, (office, person) in enumerate(members, start=start):
                rows.participant.append((event_id, person.id, side, office.title, office.slug, position, day, status))
                participants.append(office.json_participant)
                body.append(office.named)
        token = w.token
        rows.event_text.append((event_id * SEARCH_STRIDE + EVENT_ROW, " ".join(body), token, "event", event_id))
        for side, side_issues in raised.items():
            speaker = us_lead if side == "us" else cn_lead
            for issue in side_issues:
                cid = self.next_concern
                self.next_concern += 1
                if r() < 1 / 7:
                    text = f"{_pick(PHRASES[issue], r).capitalize()} {_pick(STANCES, r)}."
                    by = speaker.name
                    rows.concern_text.append(
                        (cid * SEARCH_STRIDE + CONCERN_ROW, f"{text} {by} {issue}", token, "concern", cid)
                    )
                    rows.concern.append((cid, issue, side, text, by, day, event_id, source))
                else:
                    rows.concern.append((cid, issue, side, "", "", day, event_id, ""))
        self.counts["concerns"] += k
        if question:
            self._question(rows, w, event_id, offset, day, kind, issues[0], us_lead, cn_lead, source)
        # The audit entry's JSON, keys in sorted order, as json.dumps(after, sort_keys=True) writes it.
        json_raised = ", ".join(f'"{side}": {_json_list(raised[side])}' for side in sorted(raised))
        after = (
            f'{{"day": "{day}", "kind": "{kind}", "location": {_json_value(location)}, '
            f'"minutes": {"null" if minutes is None else minutes}, "participants": [{", ".join(participants)}], '
            f'"raised": {{{json_raised}}}, "requested_by": "{requested}", "sources": {json_sources}, '
            f'"status": "{status}", "summary": {_json_value(summary)}, "time": {_json_value(time_)}, '
            f'"timezone": {_json_value(tz)}, "track": "{track}"}}'
        )
        rows.audit.append(("import", "import", "event", str(event_id), after))

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
        r = self.r
        qid = self.next_question
        self.next_question += 1
        phrase = _pick(PHRASES[issue], r)
        text = _pick(
            (
                f"Did {us_lead.last} and {cn_lead.last} agree on {phrase}?",
                f"Who asked for the {kind} and why now?",
                f"Will there be a follow-up on {phrase}?",
                f"What did {cn_lead.last} mean about {phrase}?",
            ),
            r,
        )
        answered = r() < 0.5 and offset < SPAN - 1
        closed = answer = None
        if answered:
            closed = self.days[min(SPAN, offset + 1 + int(r() * 300))]
            answer = f"Yes, according to the readout: {_pick(CLOSINGS, r)}"
        rows.question.append(
            (
                qid,
                text,
                issue,
                event_id,
                "answered" if answered else "open",
                day,
                answer or "",
                source if answered else "",
                closed or "",
            )
        )
        body = f"{text} {answer}" if answer else text
        rows.question_text.append((qid * SEARCH_STRIDE + QUESTION_ROW, body, w.token, "question", qid))
        rows.audit.append(("u1", "Ann Analyst", "question", str(qid), f'{{"text": {encode_basestring(text)}}}'))
        self.counts["questions"] += 1


_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


# -- writing them ----------------------------------------------------------------------------------

# The first workspace's rows. Values the same in every row are part of the statement, and NULLs are
# sent as '' (0 for minutes) and turned back by NULLIF: Python's sqlite3 binds a None several times
# slower than a string, and a million events have millions of them.
SQL = {
    "event": "INSERT INTO event (id, workspace, day, time, timezone, kind, track, status, minutes, requested_by,"
    " location, summary, sources, dedupe_key, created_at, created_by)"
    f" VALUES (?, '{WS}', ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?, NULLIF(?, 0), ?, NULLIF(?, ''), NULLIF(?, ''),"
    f" ?, ?, '{CREATED_AT}', 'import')",
    "participant": "INSERT INTO participant (event_id, person_id, workspace, side, title, office, position, day,"
    f" status) VALUES (?, ?, '{WS}', ?, ?, ?, ?, ?, ?)",
    "concern": "INSERT INTO concern (id, workspace, issue, side, text, by_name, day, event_id, source, created_at)"
    f" VALUES (?, '{WS}', ?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?, NULLIF(?, ''), '{CREATED_AT}')",
    "question": "INSERT INTO question (id, workspace, text, issue, event_id, status, raised_on, answer,"
    " answer_source, closed_on, created_at)"
    f" VALUES (?, '{WS}', ?, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), '{CREATED_AT}')",
    "search": "INSERT INTO search_index (rowid, body, ws, kind, ref) VALUES (?, ?, ?, ?, ?)",
    "audit": "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id, before, after)"
    f" VALUES ('{WS}', '{CREATED_AT}', ?, ?, 'create', ?, ?, NULL, ?)",
    "workspace": "INSERT INTO workspace (id, timezone, editor_role, created_at) VALUES (?, ?, ?, ?)",
    "office": "INSERT INTO office (workspace, slug, title, track, forms) VALUES (?, ?, ?, ?, ?)",
    "issue": "INSERT INTO issue (workspace, slug, title, aliases) VALUES (?, ?, ?, ?)",
    "person": "INSERT INTO person (id, workspace, name, side, title, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    "person_key": "INSERT INTO person_key (workspace, key, person_id, alias) VALUES (?, ?, ?, ?)",
    "person_word": "INSERT INTO person_word (workspace, word, person_id) VALUES (?, ?, ?)",
    "subscription": "INSERT INTO subscription (workspace, channel_id, weekday, time, timezone, paused, role_id,"
    " last_period_end, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
}
# (table, rows), written in that order, then ("clone", [the Ranges as a tuple]): plain data, which
# marshal carries to the writer processes at about twice pickle's speed.
Chunk = list[tuple[str, list[Any]]]


@dataclass(frozen=True)
class Part:
    """Tables written together, by one process into one file ("search" is the FTS5 table)."""

    name: str
    tables: frozenset[str]


# The first part is written into the store's own file and the others are copied into it at the end,
# so it takes the most bytes for the least work: the audit (a quarter of the file) goes with the
# events and participants (an event's copy takes its key from its participants) and the small tables.
# The full text is about as much work as drawing the rows, or as the record.
PARTS = (
    Part(
        "record",
        frozenset(
            {
                "workspace",
                "office",
                "issue",
                "person",
                "person_key",
                "person_word",
                "subscription",
                "event",
                "participant",
                "audit",
            }
        ),
    ),
    Part("notes", frozenset({"concern", "question"})),
    Part("text", frozenset({"search"})),
)
MMAP_SIZE = 1 << 31  # reads of the files through memory maps (SQLite's default build caps it at 2 GB)


def _part_paths(path: Path) -> list[Path]:
    return [path] + [path.with_name(f"{path.name}.{part.name}") for part in PARTS[1:]]


def _remove_scratch(path: Path) -> None:
    for file in _part_paths(path):
        for leftover in (file, Path(f"{file}-wal"), Path(f"{file}-shm"), Path(f"{file}-journal")):
            leftover.unlink(missing_ok=True)


def _connect_for_load(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    # A one-off load of a temporary file, renamed into place only when complete: no journal, no fsync.
    # Memory-mapped reads save a system call a page when indexes are built and parts copied.
    for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{CACHE_KIB}", f"mmap_size = {MMAP_SIZE}"):
        db.execute(f"PRAGMA {pragma}")
    return db


class Writer:
    """One part's tables: every chunk of rows and its copy into the second workspace, in one transaction.

    The file's secondary indexes are dropped first; complete() builds them once all rows are in.
    """

    def __init__(self, path: Path, part: Part) -> None:
        self.tables = part.tables
        self.db = _connect_for_load(path)
        self.db.execute("BEGIN")
        for name, _sql in _indexes(self.db):
            self.db.execute(f"DROP INDEX {name}")
        self.token_b = ws_token(OTHER_WS)
        # FTS5's settings stay the defaults, as in the store: a bigger buffer of pending terms would
        # load a sixth faster, but into fewer, bigger segments than the defaults make, which answer
        # searches up to twice as fast (3 segments instead of 7 at 100k events).

    def write(self, chunk: Chunk) -> None:
        audit_from = 0
        if "audit" in self.tables:
            audit_from = self.db.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]
        search: list[tuple[Any, ...]] = []
        for table, rows in chunk:
            if table == "clone":
                ranges = Ranges(*rows[0])
                clone(self.db, ranges, audit_from, self.tables)
                if search:
                    self._search(search, ranges)
            elif table == "search":
                search = rows
            elif rows:
                self.db.executemany(SQL[table], rows)

    def _search(self, rows: list[tuple[Any, ...]], ranges: Ranges) -> None:
        # The copies' full-text rows, then all in rowid order: FTS5 flushes its pending terms whenever
        # a rowid is lower than the one before, so a sorted batch is one flush, not thousands of tiny
        # segments.
        b = self.token_b
        add = {kind: ranges.add(kind) for kind in SEARCH_KINDS}
        copies = [
            (rowid + add[kind] * SEARCH_STRIDE, body, b, kind, ref + add[kind]) for rowid, body, _ws, kind, ref in rows
        ]
        both = rows + copies
        both.sort(key=itemgetter(0))
        self.db.executemany(SQL["search"], both)

    def finish(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()


def _indexes(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """The secondary indexes of the main database: name, SQL."""
    found = db.execute("SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    return [(str(name), str(sql)) for name, sql in found.fetchall()]


def _route(chunk: Chunk, part: Part) -> Chunk:
    return [(table, rows) for table, rows in chunk if table in part.tables or table == "clone"]


def _writer_process(path: Path, part: Part, chunks: Any) -> None:
    gc.disable()  # see _collector_paused
    writer = Writer(path, part)
    while (chunk := chunks.get()) is not None:
        writer.write(marshal.loads(chunk))
    writer.finish()


class Ranges(NamedTuple):
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


# The copy of one chunk, table by table, with SQL alone. Statements of the people's tables run with
# the first chunk only (the one with people).
CLONE_PEOPLE = {
    "workspace": "INSERT INTO workspace (id, timezone, editor_role, created_at)"
    " SELECT :b, 'Asia/Shanghai', editor_role, created_at FROM workspace WHERE id = :a",
    "office": "INSERT INTO office (workspace, slug, title, track, forms)"
    " SELECT :b, slug, title, track, forms FROM office WHERE workspace = :a",
    "issue": "INSERT INTO issue (workspace, slug, title, aliases)"
    " SELECT :b, slug, title, aliases FROM issue WHERE workspace = :a",
    "person": "INSERT INTO person (id, workspace, name, side, title, created_at)"
    " SELECT id + :p, :b, name, side, title, created_at FROM person WHERE id BETWEEN :p0 AND :p1",
    "person_key": "INSERT INTO person_key (workspace, key, person_id, alias)"
    " SELECT :b, key, person_id + :p, alias FROM person_key WHERE workspace = :a",
    "person_word": "INSERT INTO person_word (workspace, word, person_id)"
    " SELECT :b, word, person_id + :p FROM person_word WHERE workspace = :a",
    "subscription": "INSERT INTO subscription (workspace, channel_id, weekday, time, timezone, paused, role_id,"
    " last_period_end, created_at) SELECT :b, CAST(CAST(channel_id AS INTEGER) + 1000 AS TEXT), weekday,"
    " time, timezone, paused, role_id, last_period_end, created_at FROM subscription WHERE workspace = :a"
    " ORDER BY id",
}
CLONE = {
    # The duplicate rule's key (day|kind|sorted person ids) with the copy's person ids: the
    # participant table's primary key (event_id, person_id) gives the ids in order.
    "event": "INSERT INTO event (id, workspace, day, time, timezone, kind, track, status, minutes, requested_by,"
    " location, summary, sources, dedupe_key, created_at, created_by)"
    " SELECT id + :e, :b, day, time, timezone, kind, track, status, minutes, requested_by, location, summary,"
    " sources, day || '|' || kind || '|' || (SELECT group_concat(person_id + :p, ',') FROM participant"
    " WHERE event_id = event.id), created_at, created_by FROM event WHERE id BETWEEN :e0 AND :e1 ORDER BY id",
    "participant": "INSERT INTO participant (event_id, person_id, workspace, side, title, office, position, day,"
    " status) SELECT event_id + :e, person_id + :p, :b, side, title, office, position, day, status"
    " FROM participant WHERE event_id BETWEEN :e0 AND :e1 ORDER BY event_id, person_id",
    "concern": "INSERT INTO concern (id, workspace, issue, side, text, by_name, day, event_id, source, created_at)"
    " SELECT id + :c, :b, issue, side, text, by_name, day, event_id + :e, source, created_at FROM concern"
    " WHERE id BETWEEN :c0 AND :c1 ORDER BY id",
    "question": "INSERT INTO question (id, workspace, text, issue, event_id, status, raised_on, answer, answer_source,"
    " closed_on, created_at) SELECT id + :q, :b, text, issue, event_id + :e, status, raised_on, answer,"
    " answer_source, closed_on, created_at FROM question WHERE id BETWEEN :q0 AND :q1 ORDER BY id",
    "audit": "INSERT INTO audit (workspace, at, actor_id, actor_name, action, tbl, record_id, before, after)"
    " SELECT :b, at, actor_id, actor_name, action, tbl, CAST(CAST(record_id AS INTEGER) + CASE tbl"
    " WHEN 'event' THEN :e WHEN 'question' THEN :q WHEN 'person' THEN :p ELSE 0 END AS TEXT), before, after"
    " FROM audit WHERE id > :audit ORDER BY id",
}


def clone(db: sqlite3.Connection, r: Ranges, audit_from: int, tables: frozenset[str]) -> None:
    """Copy one chunk of the first workspace's rows of `tables` into the second with SQL alone."""
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
    statements = [sql for table, sql in CLONE_PEOPLE.items() if table in tables] if r.people[1] >= r.people[0] else []
    statements += [sql for table, sql in CLONE.items() if table in tables]
    for sql in statements:
        db.execute(sql, params)


def complete(
    path: Path, others: Sequence[tuple[Path, Part]], indexes: list[str], ready: Callable[[Part], None]
) -> None:
    """The store's file once its own part is written: the other parts copied in, the indexes built, WAL.

    `INSERT INTO t SELECT * FROM part.t` into an empty table of the same definition (no indexes on
    either side here) is SQLite's transfer optimisation: b-tree records are copied as they are, in
    order. The tables come first, so that each index is built once from all its rows; the full text
    (FTS5's own tables, copied whole after emptying the ones its creation filled) comes last, so
    that its writer, the slowest, has until then to finish. `ready(part)` waits for a part's writer.
    """
    db = _connect_for_load(path)
    try:
        for part_path, part in others:
            if "search" not in part.tables:
                ready(part)
                _copy(db, part_path, part)
        # CREATE INDEX sorts in runs of up to the page cache's size: small runs that fit the CPU's
        # caches, merged, are faster than one big sort in memory. With a worker thread, the runs are
        # sorted and merged there while this thread reads the table: about half the work moves off
        # this thread for no more in all (it needs the runs in temporary files, the default).
        db.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
        db.execute("PRAGMA threads = 1")
        db.execute("BEGIN")
        for sql in indexes:
            db.execute(sql)
        db.execute("COMMIT")
        db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        for part_path, part in others:
            if "search" in part.tables:
                ready(part)
                _copy(db, part_path, part)
        db.execute("PRAGMA journal_mode = WAL")  # as the store keeps it
    finally:
        db.close()


def _copy(db: sqlite3.Connection, part_path: Path, part: Part) -> None:
    db.execute("ATTACH DATABASE ? AS part", (str(part_path),))
    db.execute(f"PRAGMA part.mmap_size = {MMAP_SIZE}")
    db.execute("BEGIN")
    for table in sorted(part.tables):
        if table == "search":
            found = db.execute(
                "SELECT name FROM main.sqlite_master WHERE type = 'table'"
                " AND name LIKE 'search\\_index\\_%' ESCAPE '\\'"
            )
            for (shadow,) in found.fetchall():
                db.execute(f"DELETE FROM main.{shadow}")
                db.execute(f"INSERT INTO main.{shadow} SELECT * FROM part.{shadow}")
        else:
            db.execute(f"INSERT INTO main.{table} SELECT * FROM part.{table}")
    db.execute("COMMIT")
    db.execute("DETACH DATABASE part")


def build(path: Path, size: int, seed: int) -> dict[str, int]:
    """Write a database of two workspaces of `size` events each at `path` (a new file)."""

    async def migrate() -> None:
        store = await SqliteStore.open(path)  # the store's own migrations, journal mode WAL
        await store.close()

    asyncio.run(migrate())
    db = sqlite3.connect(path)
    try:
        indexes = [sql for _name, sql in _indexes(db)]
    finally:
        db.close()
    paths = _part_paths(path)
    for copy in paths[1:]:
        shutil.copyfile(path, copy)  # the same schema, for every part
    gen = Generator(size, seed)
    others = list(zip(paths[1:], PARTS[1:], strict=True))
    with _collector_paused():
        if size < PARALLEL_FROM:
            writers = [Writer(p, part) for p, part in zip(paths, PARTS, strict=True)]
            for chunk in gen.chunks():
                for writer, part in zip(writers, PARTS, strict=True):
                    writer.write(_route(chunk, part))
            for writer in writers:
                writer.finish()
            complete(path, others, indexes, ready=lambda part: None)
        else:
            with _WriterProcesses(paths) as procs:
                procs.feed(gen.chunks())
                procs.ready(PARTS[0])
                complete(path, others, indexes, ready=procs.ready)
    return gen.counts


class _WriterProcesses:
    """One process a part, writing what this process draws (the SQLite side is most of the work)."""

    def __init__(self, paths: list[Path]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.queues = [ctx.Queue(maxsize=3) for _ in PARTS]
        self.procs = [
            ctx.Process(target=_writer_process, args=(p, part, q), daemon=True)
            for p, part, q in zip(paths, PARTS, self.queues, strict=True)
        ]

    def __enter__(self) -> _WriterProcesses:
        for proc in self.procs:
            proc.start()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            return
        for proc, q in zip(self.procs, self.queues, strict=True):
            if proc.is_alive():
                proc.kill()
                proc.join()
            # Nobody will read what is left in the queue: do not wait at exit for it to be sent.
            q.cancel_join_thread()

    def feed(self, chunks: Iterable[Chunk]) -> None:
        """Every chunk to every part's writer, then the end."""
        chunk: Chunk | None
        for chunk in itertools.chain(chunks, [None]):
            for q, proc, part in zip(self.queues, self.procs, PARTS, strict=True):
                item = None if chunk is None else marshal.dumps(_route(chunk, part))
                while True:
                    try:
                        q.put(item, timeout=1)
                        break
                    except queue.Full:
                        if not proc.is_alive():
                            raise RuntimeError(f"the {part.name} writer stopped (exit code {proc.exitcode})") from None

    def ready(self, part: Part) -> None:
        """Wait for that part's writer to have committed its file and exited."""
        proc = self.procs[PARTS.index(part)]
        proc.join()
        if proc.exitcode:
            raise RuntimeError(f"the {part.name} writer failed (exit code {proc.exitcode})")


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
