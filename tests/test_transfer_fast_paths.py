"""commands/transfer.py checks the common case of a line at C speed (issue 5) and hands anything else
to validate: for any input, each fast path must give what the full check gives, value or message."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.transfer_cli import sample_path
from commands import transfer, validate
from commands.errors import UserError
from storage.vocab import EVENT_STATUSES, KINDS, REQUESTERS, SIDE_ALIASES, TRACKS, slugify


def outcome(check: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return ("value", check(*args, **kwargs))
    except UserError as exc:
        return ("refused", str(exc))


# Text near the edges the checks care about: spaces around, control characters, tabs and newlines,
# DEL, accents, and lengths around the limits.
EDGY = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from([" ", "\t", "\n", "\r", "\x00", "\x1f", "\x7f", "a", "é", "-", "_"])),
    st.integers(min_value=0, max_value=600).map(lambda n: " " + "x" * n + " "),
)
URLS = st.one_of(
    EDGY,
    st.from_regex(
        r"\s?(?i:https?|ftp)://[A-Za-z0-9._\[\]:@ -]{0,12}(:[0-9]{0,6})?([/?#][ -~é]{0,20})?\s?", fullmatch=True
    ),
    st.integers(min_value=480, max_value=520).map(lambda n: "https://example.org/" + "a" * (n - 20)),
)


@settings(max_examples=500)
@given(EDGY, st.sampled_from(["summary", "location", "title", "name"]), st.booleans())
def test_text(value: str, limit_key: str, required: bool) -> None:
    assert outcome(transfer.checked_text, "f", value, limit_key=limit_key, required=required) == outcome(
        validate.text, "f", value, limit_key=limit_key, required=required
    )


@settings(max_examples=500)
@given(URLS)
def test_url(value: str) -> None:
    assert outcome(transfer.checked_url, "sources[1]", value) == outcome(validate.url, "sources[1]", value)


PARTICIPANT_VALUES = st.one_of(st.none(), EDGY, st.integers(), st.lists(st.text(), max_size=1))


@settings(max_examples=500)
@given(
    st.one_of(
        st.dictionaries(st.sampled_from(["name", "title", "other"]), PARTICIPANT_VALUES, max_size=3),
        PARTICIPANT_VALUES,
    )
)
def test_participant(item: object) -> None:
    plain = transfer.plain_participant(item, "china")
    checked = outcome(transfer.checked_participant, "cn", "china", 1, item)
    assert plain is None or checked == ("value", plain)


@settings(max_examples=500)
@given(EDGY)
def test_issue(item: str) -> None:
    def full(text: str) -> str | None:
        return slugify(validate.required_text("raised.us[1]", text, limit_key=transfer.ISSUE_LIMIT_KEY)) or None

    plain = transfer.plain_issue(item)
    assert plain is None or outcome(full, item) == ("value", plain)


JSON_TEXT = st.one_of(
    st.text(),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=3),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    ).map(json.dumps),
    st.sampled_from(['{"a": 1, "a": 2}', '{"a": {"b": 1, "b": 1}}', "\ufeff{}", "[1,", "{'a': 1}"]),
)


@settings(max_examples=500)
@given(JSON_TEXT)
def test_decode(text: str) -> None:
    def loads(decode: Callable[[str], Any]) -> tuple[str, Any]:
        try:
            return ("value", decode(text))
        except transfer.DuplicateKey as dup:
            return ("duplicate", dup.key)
        except json.JSONDecodeError as exc:
            return ("invalid", (exc.msg, exc.colno))

    def one_key_at_a_time(pairs: list[tuple[str, Any]]) -> dict[str, Any]:  # the hook as it was first written
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise transfer.DuplicateKey(key)
            result[key] = value
        return result

    assert loads(transfer.decode_json) == loads(lambda t: json.loads(t, object_pairs_hook=one_key_at_a_time))


WORDS = st.one_of(
    EDGY,
    st.sampled_from([*KINDS, *EVENT_STATUSES, *REQUESTERS, *SIDE_ALIASES]).flatmap(
        lambda word: st.sampled_from([word, word.upper(), f" {word} ", word.title()])
    ),
)


@settings(max_examples=500)
@given(WORDS, st.sampled_from([KINDS, EVENT_STATUSES, TRACKS]))
def test_choice(value: str, allowed: tuple[str, ...]) -> None:
    assert outcome(transfer.checked_choice, "f", value, allowed) == outcome(validate.choice, "f", value, allowed)


@settings(max_examples=500)
@given(WORDS)
def test_requester(value: str) -> None:
    def full(word: str) -> str:
        return validate.choice("requested_by", SIDE_ALIASES.get(word.strip().lower(), word), REQUESTERS)

    assert outcome(transfer.parse_requester, value) == outcome(full, value)


@given(st.integers(min_value=-5, max_value=1500))
def test_minutes(value: int) -> None:
    full = outcome(validate.integer, "minutes", value, low=1, high=1440)
    assert outcome(transfer.parse_minutes, value) == full


# Whole lines: a line of the sample file with some of its values replaced, by values near what each
# field allows (valid or not) or by anything at all.
SAMPLE_LINES = [json.loads(line) for line in sample_path().read_text(encoding="utf-8").splitlines()]
ANY = st.one_of(st.none(), EDGY, st.integers(min_value=-2, max_value=1500), st.booleans(), st.just([]), st.just({}))


def near(*values: Any) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(values), ANY)


PEOPLE = near(
    [{"name": "A"}, {"name": "a"}],
    [{"name": "A"}, {"name": "B"}],
    [{"name": "A", "title": ""}],
    [{"name": "A", "title": None}],
    [{"name": " B ", "title": " T "}],
    [{"name": "C", "extra": 1}],
    [{"name": "D\x01"}],
    [{"name": "x" * 101}],
    [{"title": "T"}],
    ["A"],
)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "date": near("2022-04-20", " 2022-04-20 ", "2022-02-30", "1899-12-31", "2022-4-20", "today"),
    "kind": near(*KINDS, "Call", " call", "chat"),
    "track": near(*TRACKS, "Defense", "trade"),
    "status": near(*EVENT_STATUSES, " held", "HELD", "done"),
    "requested_by": near(*REQUESTERS, "cn", "CN", "us ", "prc", "them"),
    "us": PEOPLE,
    "cn": PEOPLE,
    "minutes": near(1, 1440, 0, 1441, 45.0, "45", True),
    "location": near("Geneva", " Geneva ", "", "x" * 201, "a\x7fb"),
    "summary": near("Talks.", "", "line\nbreak", "tab\there", "x" * 2001),
    "sources": near(
        ["https://example.org/a", "https://example.org/a "],
        ["https://example.org/a", "https://example.org/b"],
        ["HTTPS://EXAMPLE.ORG/X"],
        ["ftp://example.org"],
        ["https://a b"],
        [1],
        "https://example.org",
    ),
    "raised": near(
        {"us": ["taiwan", "Taiwan"], "cn": []},
        {"china": ["x"], "cn": ["y"]},
        {"cn": ["x"], "china": []},
        {"us": ["!!!"]},
        {"us": [""]},
        {"us": ["x" * 101]},
        {"them": ["x"]},
        {"us": "taiwan"},
        {"us": [1]},
        {"us": ["new issue", "New-Issue"]},
    ),
    "time": near("09:30", "9:30", "25:00", " 09:30 ", "0930"),
    "timezone": near("UTC", "Asia/Shanghai", " UTC ", "Mars/Base", "America"),
    "extra": ANY,
}


# One or two fields replaced at a time: with more, hardly a line stays plain enough to reach the later
# checks of the fast path.
REPLACED = st.lists(st.sampled_from(list(FIELDS)), min_size=1, max_size=2, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({key: FIELDS[key] for key in keys})
)


@settings(max_examples=1500)
@given(st.sampled_from(SAMPLE_LINES), REPLACED, st.sets(st.sampled_from(transfer.KEY_ORDER), max_size=1))
def test_plain_line(line: dict[str, Any], replaced: dict[str, Any], removed: set[str]) -> None:
    data = {key: value for key, value in {**line, **replaced}.items() if key not in removed}
    plain = transfer.plain_line(data)
    assert plain is None or outcome(transfer.checked_line, data) == ("value", plain)


OLD_SAMPLE_LINES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "old-sample-2020-2022.jsonl").read_text(encoding="utf-8").splitlines()
]


def _rich(line: dict[str, Any]) -> bool:
    """Whether a line uses what the fast path leaves to the full checks: aliases, source objects, a
    confidence, or a side left empty."""
    people = [*line["us"], *line["cn"]]
    return (
        "confidence" in line
        or any(isinstance(source, dict) for source in line["sources"])
        or any("aliases" in person for person in people)
        or not line["us"]
        or not line["cn"]
    )


def test_every_plain_line_takes_the_plain_path() -> None:
    """The fast path is the one a file of plain lines takes (the old sample, the benchmark's files):
    were it never taken, imports would be slow again with every test passing. The current sample's
    lines with aliases, source objects or a confidence take the full checks, and only those."""
    assert all(transfer.plain_line(line) is not None for line in OLD_SAMPLE_LINES)
    for line in SAMPLE_LINES:
        assert (transfer.plain_line(line) is None) == _rich(line), line["date"]
