"""Every command of the surface under arbitrary input, through commands.surface.dispatch with a real
store (hypothesis).

Each generated call either succeeds or raises UserError with a clear message; no other exception
escapes. After each call the database passes integrity_check and foreign_key_check, and a refused call
changed nothing (every row of every table compared before and after).

The values aim at what breaks things: any unicode (lone surrogates and control characters included),
markdown, mentions, SQL and full-text-query fragments, 10,000-character text, dates from year 1 to
9999 and every malformed form, numbers past 64 bits, unicode digits, ids of this workspace, of another
and of none, and now and then a value of the wrong Python type as a buggy adapter might pass.

One store per hypothesis run (a fresh one every RENEW_AFTER calls), seeded with a
small record so that ids and names hit something; the generation is derandomized so CI is
reproducible. Sizes: CALLS_PER_COMMAND and SEQUENCES below (HOTLINE_STRESS=1 for the bigger ones).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.discord.info import DISCORD
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.errors import UserError
from commands.reply import render_text
from commands.surface import COMMANDS, Command, Option, dispatch
from storage.contract import StoreContract
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore
from storage.vocab import KINDS
from tests.backends import ScratchDatabase, pg_problems, pg_rows
from tests.reliability.support import FIGURES, checker, file_integrity, problems, rows, size

NOW = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)
WS = "console:fuzz"
OTHER_WS = "console:fuzz-other"

# One call per example in the per-command runs; SEQUENCES runs of up to 12 calls of any commands.
CALLS_PER_COMMAND = size(340, 3_400)
SEQUENCES = size(250, 2_500)
MIN_CALLS = size(10_000, 100_000)  # what the CI run must have tried in all (checked at the end)
RENEW_AFTER = size(1_000, 2_000)
# PostgreSQL: fewer (see the tests at the end), and the whole run stays within seconds on CI.
PG_CALLS_PER_COMMAND = size(12, 340)
PG_SEQUENCES = size(25, 250)
PG_MIN_CALLS = size(500, 10_000)  # calls on one store before the next starts fresh
MESSAGE_LIMIT = 600  # an error must stay readable: it may quote the value, not echo 10,000 characters

FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,  # the same calls on every run: CI is reproducible
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # on purpose: one store per hypothesis run
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)

# --- the record every run starts from --------------------------------------------------------------

AUSTIN = "Lloyd J. Austin III"
SEED: list[tuple[str, str, dict[str, Any]]] = [
    (WS, "person add", {"name": AUSTIN, "side": "us", "title": "Secretary of Defense", "aliases": "Austin, SecDef"}),
    (WS, "person add", {"name": "Wei Fenghe", "side": "china", "title": "Minister of National Defense"}),
    (
        WS,
        "event add",
        {
            "date": "2022-04-20",
            "us": "Austin",
            "cn": "Wei Fenghe",
            "kind": "call",
            "minutes": "45",
            "us_raised": "taiwan, south-china-sea",
            "cn_raised": "taiwan",
            "summary": "The defense chiefs' first call; **Taiwan** came up. @everyone",
            "source": "https://www.defense.gov/News/Releases/",
        },
    ),
    (
        WS,
        "event add",
        {"date": "2021-12-01", "us": "Antony Blinken (Secretary of State)", "cn": "Wang Yi", "kind": "video"},
    ),
    (
        WS,
        "event add",
        {
            "date": "2022-06-10",
            "us": "Austin",
            "cn": "Wei",
            "kind": "meeting",
            "status": "planned",
            "location": "Singapore",
        },
    ),
    (WS, "concern add", {"issue": "taiwan", "side": "china", "text": "Red line.", "event": "1", "by": "Wei Fenghe"}),
    (WS, "question add", {"text": "Will the militaries talk again?", "issue": "crisis-communications", "event": "1"}),
    (WS, "question add", {"text": "Who asked for the call?"}),
    (WS, "question answer", {"id": "2", "answer": "The US did.", "source": "https://example.org/readout"}),
    (WS, "digest subscribe", {"channel": "123456789012345678", "weekday": "friday", "timezone": "America/New_York"}),
    (WS, "digest subscribe", {"channel": "<#222>", "role": "<@&333>"}),
    (WS, "digest pause", {"channel": "222"}),
    (OTHER_WS, "event add", {"date": "2022-03-01", "us": "Wendy Sherman", "cn": "Xie Feng", "kind": "meeting"}),
    (OTHER_WS, "question add", {"text": "Theirs?"}),
]
US_NAMES = (AUSTIN, "Austin", "SecDef", "Antony Blinken", "Wendy Sherman")
CN_NAMES = ("Wei Fenghe", "Wei", "Wei Fenge", "Wang Yi")
KNOWN_NAMES = US_NAMES + CN_NAMES
KNOWN_ISSUES = ("taiwan", "Taiwan", "south-china-sea", "South China Sea", "crisis-communications", "trade", "ai")
KNOWN_CHANNELS = ("123456789012345678", "222", "<#222>", "c1", "general")

# --- values --------------------------------------------------------------------------------------

NASTY = (
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\x00",
    "a\x00b",
    "\x07",
    "\x1b[31mred",
    "\x7f",
    "\x85",
    "\u2028",
    "\u200b",
    "\u202eevil",
    "\ufeff",
    "\ud800",
    "a\udfffb",
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!1>",
    "<@&1>",
    "<#1>",
    "<:pepe:1>",
    "</lastcall:1>",
    "**bold** __u__ ~~s~~ `code` ```block``` > quote",
    "[link](https://evil.example)",
    "||spoiler||",
    "# heading",
    "'; DROP TABLE event; --",
    '" OR 1=1 --',
    "1; DELETE FROM person",
    "%",
    "_",
    "\\",
    "'",
    '"',
    "NULL",
    "None",
    "* AND ws:x",
    "NEAR(a b)",
    "a OR b NOT c",
    '"unterminated',
    "^start",
    "body:x",
    "(",
    ")",
    "-",
    "+",
    "𝕿𝖊𝖝𝖙",
    "👩‍👩‍👧‍👦",
    "e\u0301",
    "ﷺ",
    "İ",
    "ß",
    "Ⅻ",
    "²",
    "٣",
    "０",
    "汪文斌",
    "王毅 (外交部长)",
    "x" * 10_000,
    "a " * 5_000,
    "é" * 10_000,
    "\n" * 100,
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "{0}{1}",
    "%s%n",
    "../../etc/passwd",
)
nasty = st.sampled_from(NASTY)
words = st.text(max_size=30)  # any unicode except lone surrogates
surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2)
controls = st.text(st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\u2028\u2029"), min_size=1, max_size=3)
long_text = st.builds(lambda piece, n: (piece * n)[:10_000], st.text(min_size=1, max_size=8), st.integers(100, 10_000))
fragments = st.lists(st.one_of(nasty, words, surrogates, controls), min_size=1, max_size=4).map("".join)
any_text = st.one_of(nasty, words, fragments, long_text)
# Text that a careful user could type and that must go in and come out unharmed: markdown, mentions,
# SQL and query syntax, any script.
INERT = tuple(t for t in NASTY if t.strip() and len(t) < 100 and t.isprintable())
inert_text = st.one_of(
    st.sampled_from(INERT),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=40),
    st.lists(st.sampled_from(INERT), min_size=1, max_size=3).map(" ".join),
).filter(lambda t: bool(t.strip()))
wrong_type: st.SearchStrategy[Any] = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.tuples(st.integers()),
)


@dataclass(frozen=True)
class Values:
    """An option's values: `good` are of the shape it expects (so that the code past the first check
    runs), `bad` are anything else."""

    good: st.SearchStrategy[Any]
    bad: st.SearchStrategy[Any]


def values(good: st.SearchStrategy[Any], *bad: st.SearchStrategy[Any]) -> Values:
    return Values(good, st.one_of(*bad, any_text, wrong_type))


def numbers(low: int | None, high: int | None) -> Values:
    lo, hi = (low if low is not None else -100), (high if high is not None else 10_000)
    in_range = st.integers(lo, hi)
    edges = st.sampled_from(
        [lo - 1, hi + 1, 0, -1, 2**31, 2**62, 2**62 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**100]
    )
    forms = st.sampled_from(["+5", " 7 ", "5.0", "1e3", "0x10", "1_000", "٣", "²", "０", "-0", "", "NaN", "inf"])
    return values(st.one_of(in_range, in_range.map(str)), edges, edges.map(str), forms, st.booleans())


DATES = values(
    st.one_of(
        st.dates(dt.date(2019, 1, 1), dt.date(2023, 12, 31)).map(dt.date.isoformat),
        st.sampled_from(["today", "yesterday", "Wednesday", "MONDAY", " sunday "]),
    ),
    st.dates().map(dt.date.isoformat),
    st.sampled_from(
        [
            "tomorrow",
            "last week",
            "2022-02-29",
            "2022-13-01",
            "0000-00-00",
            "0001-01-01",
            "9999-12-31",
            "2022-4-5",
            "20220405",
            "2022-04-20T10:00",
            "2022/04/20",
            "２０２２-０４-２０",
            "٢٠٢٢-٠٤-٢٠",
            "-2022-04-20",
            "2022-04-20\x00",
        ]
    ),
)
EVENT_IDS = values(
    st.one_of(st.integers(1, 8), st.integers(1, 8).map(str), st.integers(1, 8).map(lambda n: f" #{n} ")),
    st.sampled_from(["²", "٣", "#", "#-1", "0", "-3", "3.0", "1e2", str(2**62), str(2**63), str(10**30), "#0x1"]),
    st.sampled_from(["0" * 4_301, "1" * 5_000, "#" + "9" * 4_400]),  # found by the big run: int() refuses
    st.integers(-(2**70), 2**70),
)
known_names = st.sampled_from(KNOWN_NAMES)
new_names = st.one_of(inert_text, st.from_regex(r"[A-Z][a-z]{1,8} [A-Z][a-z]{1,10}", fullmatch=True))


def people(known: tuple[str, ...]) -> Values:
    """Names separated by commas, each maybe with a title in parentheses; `known` are of this side."""
    name = st.one_of(st.sampled_from(known), new_names)
    titled = st.builds(lambda n, t: f"{n} ({t})", name, inert_text)
    return values(
        st.lists(st.one_of(name, titled), min_size=1, max_size=3).map(", ".join),
        st.lists(st.one_of(any_text, titled, st.sampled_from(KNOWN_NAMES)), max_size=12).map(", ".join),
        st.sampled_from(["((", "a (b", "(Secretary)", "x (a, b), y", ",,,", "a,(,),b", ")(", "A (B (C))"]),
    )


ISSUES = values(
    st.lists(st.one_of(st.sampled_from(KNOWN_ISSUES), inert_text), min_size=1, max_size=3).map(", ".join),
    st.lists(any_text, max_size=6).map(", ".join),
)
ONE_ISSUE = values(
    st.one_of(st.sampled_from(KNOWN_ISSUES), inert_text), st.sampled_from(["-", "--", "taiwann", "a" * 61])
)
URLS = values(
    st.one_of(
        st.sampled_from(["https://example.org/readout", "http://www.mfa.gov.cn/eng/", "https://例え.jp/パス?q=1#x"]),
        st.builds(lambda h, p: f"https://{h}.example/{p}", st.text("abc-", min_size=1, max_size=10), st.text("xyz/_%")),
        st.just("https://a.example https://b.example, https://c.example"),
    ),
    st.sampled_from(
        [
            "http://",
            "https://[::1",
            "http://a b",
            "javascript:alert(1)",
            "HTTPS://EXAMPLE.ORG",
            "http://x.example:99999",
            "http://user:pw@x.example",
            "http://x.example/" + "a" * 600,
            "data:text/html,<b>x</b>",
            "file:///etc/passwd",
        ]
    ),
)
REFERENCES = values(
    st.one_of(
        st.sampled_from(KNOWN_CHANNELS),
        st.integers(0, 2**64).map(str),
        st.integers(0, 2**64).map(lambda n: f"<#{n}>"),
        st.integers(0, 2**64).map(lambda n: f"<@&{n}>"),
    ),
    st.sampled_from(["<#>", "<@&x>", "<#1", "#general", "c" * 101, "<@everyone>"]),
)
WHO = values(st.one_of(known_names, st.sampled_from(["us", "china", "cn", "prc", "US ", "other"])), new_names)
CLOCK_TIMES = values(
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
    st.sampled_from(["24:00", "9:5", "09:60", "9am", "-1:00", "٠٩:٠٠", "09:00:00"]),
)
ZONES = values(
    st.sampled_from(["UTC", "America/New_York", "Asia/Shanghai", "Etc/GMT+5", "Europe/Berlin", "Pacific/Kiritimati"]),
    st.sampled_from(["America", "../../etc/passwd", "/etc/localtime", "localtime", "Asia/Tokyo\x00", "Mars/Base"]),
    st.sampled_from(["a/" * 3_000 + "b", "Europe/" + "x" * 300]),  # found by the big run: RecursionError, OSError
)
BOOLS = values(st.booleans(), st.sampled_from(["yes", "no", "true", "FALSE", "1", "0", "Y", "oui", ""]))
TEXT = values(inert_text, long_text, controls, surrogates, st.sampled_from(["", " ", "\n\t"]))


def choices(option: Option) -> Values:
    plain = st.sampled_from(option.choices)
    return values(st.one_of(plain, plain.map(str.upper), plain.map(lambda c: f" {c} ")))


@functools.cache
def values_for(command: Command, option: Option) -> Values:
    if (command.name, option.name) == ("event edit", "value"):
        # Checked by the field it changes: try every kind of value.
        kinds = (
            TEXT,
            DATES,
            numbers(1, 1440),
            people(KNOWN_NAMES),
            URLS,
            CLOCK_TIMES,
            choices(Option("x", "choice", "", choices=KINDS)),
        )
        return Values(st.one_of(*(k.good for k in kinds)), st.one_of(*(k.bad for k in kinds)))
    special = {
        ("digest subscribe", "time"): CLOCK_TIMES,
        ("digest subscribe", "timezone"): ZONES,
        ("hotline timezone", "timezone"): ZONES,
        ("event add", "us"): people(US_NAMES),
        ("event add", "cn"): people(CN_NAMES),
    }
    if (command.name, option.name) in special:
        return special[(command.name, option.name)]
    if option.type == "choice":
        return choices(option)
    if option.type == "int":
        return numbers(option.min, option.max)
    return {
        "text": TEXT,
        "date": DATES,
        "channel": REFERENCES,
        "role": REFERENCES,
        "person": WHO,
        "people": people(KNOWN_NAMES),
        "issue": ONE_ISSUE,
        "issues": ISSUES,
        "event": EVENT_IDS,
        "url": URLS,
        "bool": BOOLS,
    }[option.type]


@functools.cache
def call_args(command: Command) -> st.SearchStrategy[dict[str, Any]]:
    return _call_args(command)


@st.composite
def _call_args(draw: st.DrawFn, command: Command) -> dict[str, Any]:
    """Arguments for one call. Usually every required option and some optional ones, all well-formed
    (so the deeper code runs) or with one or several malformed; sometimes a required option missing,
    options given as None (not given), or an option the command does not have."""
    options = [o for o in command.options]
    names = [o.name for o in options]
    mode = draw(st.integers(0, 19), label="mode")
    bad: set[str] = set()
    if names and 8 <= mode < 16:
        bad = {draw(st.sampled_from(names), label="malformed")}
    elif names and mode >= 16:
        bad = set(draw(st.lists(st.sampled_from(names), unique=True), label="malformed"))
    args: dict[str, Any] = {}
    for option in options:
        given = option.name in bad or (option.required and mode != 19) or draw(st.booleans())
        if given:
            kind = values_for(command, option)
            args[option.name] = draw(kind.bad if option.name in bad else kind.good, label=option.name)
    if mode == 19:
        for name in draw(st.lists(st.sampled_from([*names, "colour", "ID", "", "__class__", "with "]), max_size=3)):
            args[name] = draw(st.one_of(st.none(), any_text, EVENT_IDS.good), label=f"extra {name!r}")
    return args


CALLERS = {
    "editor": Caller(WS, "u1", "Ann Analyst", True),
    "member": Caller(WS, "u2", "Rick Reader", False),
    "other workspace": Caller(OTHER_WS, "u3", "Olga Other", True),
}
callers = st.sampled_from(["editor"] * 18 + ["member", "other workspace"])

# --- running and checking one call -----------------------------------------------------------------


@dataclass
class World:
    """A seeded store and the event loop that drives it, kept for a whole hypothesis run: a SQLite file
    (a new one at each renewal) or, with `scratch`, the session's PostgreSQL database (emptied at each)."""

    runner: asyncio.Runner
    folder: Path
    clock: FixedClock
    scratch: ScratchDatabase | None = None
    store: StoreContract | None = None
    db: sqlite3.Connection | None = None  # the test's own look at a SQLite file
    stores: int = 0
    calls: int = 0  # on the current store

    @property
    def figures(self) -> str:
        """The prefix of this backend's figures (the SQLite ones keep the names docs/RELIABILITY.md uses)."""
        return "fuzz" if self.scratch is None else "fuzz on postgresql"

    def ctx(self, caller: str) -> Ctx:
        assert self.store is not None
        return Ctx(self.store, CALLERS[caller], self.clock, CoreSettings(), DISCORD)

    async def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every committed row of every table."""
        if isinstance(self.store, PostgresStore):
            return await pg_rows(self.store.pool)
        assert self.db is not None
        return rows(self.db)

    async def problems(self) -> list[str]:
        """What is wrong with the committed database: [] when it is sound."""
        if isinstance(self.store, PostgresStore):
            return await pg_problems(self.store.pool)
        assert self.db is not None
        return problems(self.db)

    def renew(self) -> None:
        """Check and close the current store, then open a new one and seed it."""
        self.close()
        self.stores += 1
        if self.scratch is not None:
            self.store = self.runner.run(PostgresStore.open(self.runner.run(self.scratch.emptied())))
        else:
            path = self.folder / f"fuzz-{self.stores}.db"
            self.store = self.runner.run(SqliteStore.open(path))
            self.db = checker(path)
        self.calls = 0
        for workspace, name, args in SEED:
            caller = "editor" if workspace == WS else "other workspace"
            self.runner.run(dispatch(self.ctx(caller), name, args))

    def close(self) -> None:
        store, self.store = self.store, None
        if isinstance(store, PostgresStore):
            try:
                assert self.runner.run(pg_problems(store.pool)) == []
            finally:
                self.runner.run(store.close())
        elif isinstance(store, SqliteStore):
            assert self.db is not None
            self.db.close()
            self.db = None
            self.runner.run(store.close())
            assert file_integrity(store.path) == []  # the full-text index agrees with its rows too


@contextmanager
def running(folder: Path, scratch: ScratchDatabase | None) -> Iterator[World]:
    with asyncio.Runner() as runner:
        w = World(runner, folder, FixedClock(NOW), scratch)
        w.renew()
        try:
            yield w
        finally:
            w.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """SQLite: a file of its own."""
    with running(tmp_path, None) as w:
        yield w


@pytest.fixture
def pg_world(tmp_path: Path, pg_scratch: ScratchDatabase) -> Iterator[World]:
    """PostgreSQL: the session's scratch database, emptied (tests/backends.py)."""
    with running(tmp_path, pg_scratch) as w:
        yield w


def call(world: World, caller: str, name: str, args: dict[str, Any]) -> None:
    """One call and its checks. Before it, a fresh store once this one has had RENEW_AFTER calls, so
    that comparing every row stays cheap in long runs (the big size); outside the event loop, which
    opening and closing a store need."""
    if world.calls >= RENEW_AFTER:
        world.renew()
    world.runner.run(checked_call(world, caller, name, args))


async def checked_call(world: World, caller: str, name: str, args: dict[str, Any]) -> None:
    """One call through dispatch, with every check; raises whatever a bug raises. A reply that asks
    to confirm (/event delete) is confirmed, as an adapter does, and that is a call of its own."""
    pending: tuple[str, dict[str, Any]] | None = (name, args)
    while pending is not None:
        name, args = pending
        pending = None
        world.calls += 1
        before = await world.rows()
        FIGURES[f"{world.figures}: calls tried"] += 1
        try:
            reply = await dispatch(world.ctx(caller), name, args)
            render_text(reply)
        except UserError as exc:
            FIGURES[f"{world.figures}: refused with a user error"] += 1
            assert_clear(exc, COMMANDS.get(name))
            assert await world.rows() == before, f"/{name} was refused ({exc}) but changed the record"
        else:
            FIGURES[f"{world.figures}: succeeded"] += 1
            if reply.confirm is not None:
                pending = (reply.confirm.command, {**reply.confirm.args, "confirmed": True})
        assert await world.problems() == []


def assert_clear(exc: UserError, command: Command | None) -> None:
    message = str(exc)
    assert message.strip(), "an empty error message"
    assert len(message) <= MESSAGE_LIMIT, f"a {len(message)}-character error message: {message[:200]}…"
    for leak in ("Traceback", "sqlite3", "asyncpg", "OperationalError", "Exception", "object at 0x"):
        assert leak not in message, f"an internal detail in a user error: {message}"
    if exc.field is not None and command is not None:
        assert exc.field in {o.name for o in command.options}, f"error names no option of /{command.name}: {message}"
        assert message.startswith(f"{exc.field}: ")


# --- the tests -----------------------------------------------------------------------------------


def one_command(world: World, name: str, data: st.DataObject) -> None:
    caller = data.draw(callers, label="caller")
    args = data.draw(call_args(COMMANDS[name]), label="args")
    call(world, caller, name, args)
    FIGURES[f"{world.figures}: /{name}"] += 1


def one_sequence(world: World, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 12), label="length")):
        name = data.draw(st.sampled_from(sorted(COMMANDS)), label="command")
        caller = data.draw(callers, label="caller")
        args = data.draw(call_args(COMMANDS[name]), label="args")
        call(world, caller, name, args)
    FIGURES[f"{world.figures}: sequences"] += 1
    FIGURES[f"{world.figures}: stores"] = max(FIGURES[f"{world.figures}: stores"], world.stores)


@pytest.mark.parametrize("name", sorted(COMMANDS))
@settings(FUZZ_SETTINGS, max_examples=CALLS_PER_COMMAND)
@given(data=st.data())
def test_every_command_takes_any_input_safely(world: World, name: str, data: st.DataObject) -> None:
    one_command(world, name, data)


@settings(FUZZ_SETTINGS, max_examples=SEQUENCES)
@given(data=st.data())
def test_sequences_of_any_commands_keep_the_record_sound(world: World, data: st.DataObject) -> None:
    """Calls of any commands one after another on one store, so that each meets the state the others
    left: an event deleted under its concerns, a question answered twice, a paused channel resumed."""
    one_sequence(world, data)


# The same on PostgreSQL, fewer: each call there costs several times what it costs on SQLite (the look
# at every row before and after it crosses a socket, and each command makes a dozen round trips), and
# the SQLite runs have already tried the commands' own checks with the full count. These try what is
# the backend's: its SQL, types, constraints and triggers, under every kind of input.
@pytest.mark.parametrize("name", sorted(COMMANDS))
@settings(FUZZ_SETTINGS, max_examples=PG_CALLS_PER_COMMAND)
@given(data=st.data())
def test_every_command_takes_any_input_safely_on_postgresql(pg_world: World, name: str, data: st.DataObject) -> None:
    one_command(pg_world, name, data)


@settings(FUZZ_SETTINGS, max_examples=PG_SEQUENCES)
@given(data=st.data())
def test_sequences_of_any_commands_keep_the_record_sound_on_postgresql(pg_world: World, data: st.DataObject) -> None:
    one_sequence(pg_world, data)


@pytest.mark.parametrize(
    ("backend", "least"), [("sqlite", MIN_CALLS), ("postgresql", PG_MIN_CALLS)], ids=["sqlite", "postgresql"]
)
def test_the_fuzzers_tried_enough_calls(request: pytest.FixtureRequest, backend: str, least: int) -> None:
    """Run last in this module: the figures docs/RELIABILITY.md promises (skipped when a subset ran)."""
    suffix = "" if backend == "sqlite" else "_on_postgresql"
    tests = {
        f"test_every_command_takes_any_input_safely{suffix}",
        f"test_sequences_of_any_commands_keep_the_record_sound{suffix}",
    }
    ran = [item.name.split("[")[0] for item in request.session.items]
    if not tests <= set(ran):
        pytest.skip("only part of the fuzzing ran")
    if ran.count(f"test_every_command_takes_any_input_safely{suffix}") < len(COMMANDS):
        pytest.skip("only some commands were fuzzed")
    assert FIGURES[f"{'fuzz' if backend == 'sqlite' else 'fuzz on postgresql'}: calls tried"] >= least
