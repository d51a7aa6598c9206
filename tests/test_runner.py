"""The shared Runner: what every adapter gets from it, whatever the platform."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from bot.discord.info import DISCORD
from bot.runtime.runner import Invocation, Runner
from commands.context import Caller, CoreSettings, FixedClock
from commands.platform import PLAIN
from storage.contract import StoreContract
from tests.conftest import WS

EDITOR = Caller(WS, "u1", "Ann Analyst", True)
READER = Caller(WS, "u2", "Rex Reader", False)


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("command workspace=")]


async def test_a_command_that_succeeds_gives_its_reply_and_one_log_line(
    store: StoreContract, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    runner = Runner(store, clock, CoreSettings(), PLAIN)
    outcome = await runner.run(Invocation(READER, "hotline help", {}, channel="c9"))
    assert outcome.ok and outcome.reply is not None and outcome.error is None and outcome.ref is None
    [line] = lines(caplog)
    assert re.fullmatch(rf"command workspace={WS} user=u2 command=/hotline help duration_ms=\d+ outcome=ok", line)
    assert all(r.name == "hotline.console" for r in caplog.records)


async def test_a_user_error_is_the_private_text_as_it_is(
    store: StoreContract, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    runner = Runner(store, clock, CoreSettings(), PLAIN)
    outcome = await runner.run(Invocation(EDITOR, "event show", {"id": "99"}))
    assert not outcome.ok and outcome.error and "no event #99" in outcome.error and outcome.ref is None
    [line] = lines(caplog)
    assert line.endswith("outcome=refused (NotFound)")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_platform_words_the_refusal_of_a_write(store: StoreContract, clock: FixedClock) -> None:
    discord = await Runner(store, clock, CoreSettings(), DISCORD).run(Invocation(READER, "person add", {}))
    console = await Runner(store, clock, CoreSettings(), PLAIN).run(Invocation(READER, "person add", {}))
    assert discord.error and "Manage Server" in discord.error and "/hotline editors" in discord.error
    assert console.error and "only editors" in console.error and "Manage Server" not in console.error


async def test_an_unexpected_error_is_logged_with_a_reference_the_caller_reads(
    store: StoreContract, clock: FixedClock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "list_events", broken)
    runner = Runner(store, clock, CoreSettings(), DISCORD)
    outcome = await runner.run(Invocation(READER, "event list", {"track": "defense"}, channel="c7"))
    assert not outcome.ok and outcome.ref is not None and re.fullmatch(r"[0-9a-f]{8}", outcome.ref)
    assert outcome.error == f"Something went wrong (ref {outcome.ref}). It has been logged for whoever runs Hotline."
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.name == "hotline.discord"
    message = error.getMessage()
    assert f"ref={outcome.ref}" in message and "command=/event list" in message and "'track': 'defense'" in message
    assert f"workspace={WS}" in message and "user=u2" in message and "channel=c7" in message
    assert error.exc_info and "disk on fire" in str(error.exc_info[1])
    [line] = lines(caplog)
    assert line.endswith(f"outcome=failed ref={outcome.ref}")


async def test_the_resolved_caller_is_the_one_that_runs_and_its_errors_are_reported(
    store: StoreContract, clock: FixedClock
) -> None:
    runner = Runner(store, clock, CoreSettings(), PLAIN)

    async def promote(caller: Caller) -> Caller:
        return Caller(caller.workspace, caller.user_id, caller.display_name, True)

    async def refuse(caller: Caller) -> Caller:
        from commands.errors import UserError

        raise UserError("use its commands in a server channel")

    added = await runner.run(Invocation(READER, "person add", {"name": "Wang Yi", "side": "china"}), resolve=promote)
    assert added.ok
    refused = await runner.run(Invocation(READER, "hotline help", {}), resolve=refuse)
    assert refused.error == "use its commands in a server channel"


async def test_after_write_runs_after_writes_only_and_its_failure_keeps_the_reply(
    store: StoreContract, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    async def after(inv: Invocation) -> None:
        seen.append(inv.name)
        if inv.name == "hotline timezone":
            raise RuntimeError("jobs unavailable")

    runner = Runner(store, clock, CoreSettings(), PLAIN, after_write=after)
    assert (await runner.run(Invocation(EDITOR, "hotline help", {}))).ok
    assert (await runner.run(Invocation(EDITOR, "event show", {"id": "1"}))).error  # a read, refused
    assert (await runner.run(Invocation(EDITOR, "person add", {"name": "Wang Yi", "side": "china"}))).ok
    assert not (await runner.run(Invocation(EDITOR, "person add", {"name": "", "side": "china"}))).ok
    outcome = await runner.run(Invocation(EDITOR, "hotline timezone", {"timezone": "Asia/Shanghai"}))
    assert outcome.ok  # committed: the caller hears so even though what follows failed
    assert seen == ["person add", "hotline timezone"]
    assert any("updating what follows it failed" in r.getMessage() for r in caplog.records)


async def test_confirm_reruns_the_command_confirmed_by_the_same_caller(store: StoreContract, clock: FixedClock) -> None:
    runner = Runner(store, clock, CoreSettings(), PLAIN)
    add = {"date": "2022-04-20", "us": "Austin", "cn": "Wei", "kind": "call"}
    assert (await runner.run(Invocation(EDITOR, "event add", add))).ok
    ask = await runner.run(Invocation(EDITOR, "event delete", {"id": "1"}))
    assert ask.reply is not None and ask.reply.confirm is not None
    assert await store.event(WS, 1) is not None  # asking changed nothing
    done = await runner.confirm(Invocation(EDITOR, "event delete", {"id": "1"}), ask.reply.confirm)
    assert done.ok and await store.event(WS, 1) is None
    # A reader's confirmation is refused like the command itself.
    assert (await runner.run(Invocation(EDITOR, "event add", add))).ok
    [event], _ = await store.list_events(WS)
    ask = await runner.run(Invocation(EDITOR, "event delete", {"id": str(event.id)}))
    assert ask.reply is not None and ask.reply.confirm is not None
    refused = await runner.confirm(Invocation(READER, "event delete", {"id": str(event.id)}), ask.reply.confirm)
    assert refused.error and "only editors" in refused.error and await store.event(WS, event.id) is not None


async def test_the_console_takes_no_pasted_discord_reference(store: StoreContract, clock: FixedClock) -> None:
    console = Runner(store, clock, CoreSettings(), PLAIN)
    refused = await console.run(Invocation(EDITOR, "digest subscribe", {"channel": "<#123>"}))
    assert refused.error and "is not a channel" in refused.error
    discord = console.for_platform(DISCORD)
    assert (await discord.run(Invocation(EDITOR, "digest subscribe", {"channel": "<#123>"}))).ok
    [sub] = await store.subscriptions(WS)
    assert sub.channel_id == "123"
