"""A held reply as JSON (bot/slack/held_json.py) and the HeldReplies over the store (bot/slack/held.py):
what is written reads back exactly, what cannot be held is refused, and a stored text that is not this
form reads as expired."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest

from bot.runtime.runner import Invocation
from bot.slack import held_json, render
from bot.slack.held import Held, HeldReplies, well_formed
from commands.context import Caller, FixedClock
from commands.reply import At, Code, Confirm, Field, Link, Page, Ref, Reply, UserText, When, line
from storage.sqlite.store import SqliteStore

NOW = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)
WS = "slack:T0HQ"
ZONE = dt.timezone(dt.timedelta(hours=-4))

PROMPT = line(
    "Delete ",
    UserText('Austin <!channel> *bold* & "quotes" \ud800 \x00 中文'),
    " on ",
    When(dt.date(2022, 4, 20), "1 day ago"),
    When(dt.date(2022, 4, 19)),
    " at ",
    At(dt.datetime(2022, 4, 20, 9, 30, 15, 123456, tzinfo=ZONE)),
    Link("https://example.org/a?b=1&c=<2>", "the readout"),
    Link("https://example.org/plain"),
    Ref("channel", "C0GENERAL"),
    Ref("role", "S0EDITORS"),
    Code("/hotline event show id:1"),
    "?",
)
CONFIRM = Confirm(PROMPT, "event delete", {"id": 12, "note": "x", "ratio": 0.1, "flag": True, "none": None})
INVOCATION = Invocation(
    Caller(WS, "U0OWNER", "Owner Ö", False), "event delete", {"id": "12", "count": 3}, channel="C0GENERAL"
)


def long_reply() -> Reply:
    pages = [Page(lines=tuple(line(f"item {p}.{i} ", UserText("<@U123> typed")) for i in range(12))) for p in range(4)]
    return Reply(
        title=line("A long list"),
        fields=[Field(line("Field"), (line("value ", When(dt.date(2020, 1, 2))),), inline=True)],
        footer=line("100 items"),
        pages=pages,
        confirm=CONFIRM,
    )


def test_pages_an_invocation_and_a_confirm_read_back_exactly() -> None:
    pages = render.render(long_reply(), token="tok-0123456789ab")
    assert len(pages) == 4
    back = held_json.decode(held_json.encode(pages, INVOCATION, CONFIRM))
    assert back == (pages, INVOCATION, CONFIRM)
    # Equal and of the same types all the way down (a tuple is not a list, an int not a float).
    assert repr(back) == repr((pages, INVOCATION, CONFIRM))
    at = back[2]
    assert at is not None and isinstance(at.prompt[6], At) and at.prompt[6].moment.utcoffset() == ZONE.utcoffset(None)


def test_a_reply_of_pages_alone_reads_back_exactly() -> None:
    pages = render.render(Reply(title=line("Short"), lines=[line("one")]))
    assert held_json.decode(held_json.encode(pages, None, None)) == (pages, None, None)


def test_the_text_is_ascii_json_without_pickles() -> None:
    text = held_json.encode(render.render(long_reply()), INVOCATION, CONFIRM)
    assert text.isascii() and json.loads(text)["format"] == held_json.FORMAT


@pytest.mark.parametrize(
    "args",
    [{"day": dt.date(2022, 4, 20)}, {"ids": [1, 2]}, {"nan": float("nan")}, {"inf": float("inf")}, {"o": object()}],
)
def test_an_option_that_is_not_a_plain_value_is_refused(args: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="option"):
        held_json.encode([], None, Confirm(line("?"), "event delete", args))
    inv = Invocation(INVOCATION.caller, "event delete", args)
    with pytest.raises(TypeError, match="option"):
        held_json.encode([], inv, None)


def encoded() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(held_json.encode(render.render(long_reply()), INVOCATION, CONFIRM))
    return loaded


def spoiled(path: tuple[str | int, ...], value: object) -> str:
    document = encoded()
    target: object = document
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    return json.dumps(document)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        "null",
        json.dumps({"format": 2, "pages": [], "invocation": None, "confirm": None}),
        json.dumps({"pages": [], "invocation": None, "confirm": None}),
        json.dumps({"format": 1, "invocation": None, "confirm": None}),
        spoiled(("pages",), {}),
        spoiled(("pages", 0, "blocks"), ["not a block"]),
        spoiled(("pages", 0, "text"), 5),
        spoiled(("invocation", "is_editor"), "yes"),
        spoiled(("invocation", "args"), {"id": [1]}),
        spoiled(("invocation", "channel"), 7),
        spoiled(("confirm", "prompt"), [{"type": "bomb"}]),
        spoiled(("confirm", "prompt"), [{"type": "ref", "kind": "user", "id": "U1"}]),
        spoiled(("confirm", "prompt"), [{"type": "at", "moment": "2022-04-20T09:30:00"}]),
        spoiled(("confirm", "prompt"), [{"type": "when", "day": "20/04/2022", "ago": None}]),
        spoiled(("confirm", "prompt"), [42]),
        spoiled(("confirm",), "event delete"),
    ],
)
def test_a_text_not_of_this_form_is_unreadable(text: str) -> None:
    with pytest.raises(held_json.Unreadable):
        held_json.decode(text)


def test_only_tokens_new_token_could_make_are_well_formed() -> None:
    made = "Ab_-0123456789xZ"
    assert well_formed(made)
    for bad in ("", "short", made + "x", made[:-1] + "!", made[:-1] + "\x00", "a" * 5000, made[:-1] + "é"):
        assert not well_formed(bad), bad


async def test_held_replies_keep_take_once_and_refuse_other_workspaces(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "h.db")
    try:
        clock = FixedClock(NOW)
        held = HeldReplies(store, clock)
        token = held.new_token()
        assert well_formed(token) and token != held.new_token()
        pages = render.render(long_reply(), token=token)
        original = Held(pages, "U0OWNER", WS, held.timeout(True), INVOCATION, CONFIRM)
        await held.keep(token, original)
        assert original.expires == NOW + dt.timedelta(minutes=2)
        assert await held.get(token, WS) == original
        assert await held.get(token, "slack:T0OTHER") is None
        assert await held.take(token, "slack:T0OTHER") is None
        assert await held.get("forged" + token, WS) is None and await held.take(token + "x", WS) is None
        assert await held.take(token, WS) == original
        assert await held.take(token, WS) is None
        # Pages live ten minutes, on the injected clock.
        other = held.new_token()
        await held.keep(other, Held(pages, "U0OWNER", WS, held.timeout(False)))
        clock.at = NOW + dt.timedelta(minutes=9, seconds=59)
        assert await held.get(other, WS) is not None
        clock.at = NOW + dt.timedelta(minutes=10)
        assert await held.get(other, WS) is None
    finally:
        await store.close()


async def test_a_stored_reply_that_cannot_be_read_answers_as_expired(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await SqliteStore.open(tmp_path / "h.db")
    try:
        held = HeldReplies(store, FixedClock(NOW))
        token = held.new_token()
        later = NOW + dt.timedelta(minutes=5)
        await store.hold_reply(token, WS, "U0OWNER", '{"format": 99}', at=NOW, expires=later, most=10)
        with caplog.at_level(logging.WARNING, logger="hotline.slack"):
            assert await held.get(token, WS) is None
        assert "unreadable" in caplog.text and WS in caplog.text
    finally:
        await store.close()
