"""Replies and errors name other commands as the caller's platform types them: "/hotline event show"
on Slack, "/event show" on Discord and the console (commands/platform.py, PlatformInfo.usage)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from bot.discord.info import DISCORD
from bot.runtime.service import Runtime
from bot.slack.info import SLACK
from bot.slack.modals import event_add_view
from commands.command_line import parse_command_line
from commands.common import store_errors
from commands.context import CoreSettings, FixedClock
from commands.delivery import DeliveryError, DigestDelivery, FailureKind
from commands.digest import SHOWN
from commands.errors import UserError
from commands.options import coerce_args
from commands.platform import PLAIN, PlatformInfo
from commands.reply import Reply, render_text
from commands.surface import COMMANDS, named_for
from config.settings import Settings
from storage.contract import StoreContract
from storage.errors import Conflict
from tests.conftest import Runner
from tests.test_bad_input import READOUT

AUSTIN = "Lloyd J. Austin III (Secretary of Defense)"
WEI = "Wei Fenghe (Minister of National Defense)"
# Each platform's runner works in a workspace of its own prefix, as the adapters' do.
WORKSPACES = {"slack": "slack:T1", "discord": "discord:1", "console": "console:test"}
PLATFORMS = {"slack": SLACK, "discord": DISCORD, "console": PLAIN}


def runner_on(store: StoreContract, clock: FixedClock, platform: PlatformInfo) -> Runner:
    run = Runner(store, clock, WORKSPACES[platform.name])
    run.ctx = dataclasses.replace(run.ctx, platform=platform)
    return run


def typed(platform: PlatformInfo, command: str) -> str:
    """What the test expects: Slack puts every command but /lastcall after /hotline."""
    return f"/hotline {command}" if platform is SLACK else f"/{command}"


@pytest.fixture(params=["slack", "discord", "console"])
def platform(request: pytest.FixtureRequest) -> PlatformInfo:
    return PLATFORMS[request.param]


async def add_event(run: Runner) -> Reply:
    return await run("event add", date="2022-04-20", us=AUSTIN, cn=WEI, kind="call", minutes=45)


async def test_replies_name_commands_the_platforms_way(
    store: StoreContract, clock: FixedClock, platform: PlatformInfo
) -> None:
    run = runner_on(store, clock, platform)
    # Empty lists point at the command that fills them.
    assert f"{typed(platform, 'question add')} records one." in await run.text("questions")
    assert f"{typed(platform, 'feed add')} url:…" in await run.text("feed list")
    assert f"{typed(platform, 'digest subscribe')} channel:…" in await run.text("digest status")
    assert f"{typed(platform, 'concern add')} records" in await run.text("positions", issue="taiwan")
    assert f"{typed(platform, 'event add')} records one." in await run.text("event list")
    assert f"Add one with {typed(platform, 'event add')}." in await run.text("lastcall")
    # A recorded event's footer, a concern's, a question's, a subscription's pause.
    recorded = render_text(await add_event(run))
    assert f"{typed(platform, 'event show')} id:1" in recorded
    assert f"{typed(platform, 'person add')} can give them titles" in recorded
    assert f"{typed(platform, 'event show')} id:1" in await run.text("event edit", id=1, field="minutes", value="50")
    concern = await run.text("concern add", issue="taiwan", side="us", text="Stability across the Strait.", event=1)
    assert f"{typed(platform, 'positions')} issue:taiwan" in concern
    assert f"{typed(platform, 'question answer')} id:1" in await run.text("question add", text="How did Wei respond?")
    await run("digest subscribe", channel="c1")
    assert f"{typed(platform, 'digest resume')} channel:c1" in await run.text("digest pause", channel="c1")
    status = await run.text("digest status")
    assert f"{typed(platform, 'digest resume')} channel:" in status
    assert f"{typed(platform, 'digest subscribe')} chart:" in status
    # /hotline commands are /hotline everywhere; /lastcall is its own slash command on Slack too.
    with pytest.raises(UserError) as exc:
        await run("hotline office", side="us", form="Big Boss", office="Chief of Everything")
    assert "(/hotline offices lists the known ones)" in str(exc.value)
    assert "/hotline office adds a way" in await run.text("hotline offices")
    assert "/hotline hotline" not in await run.text("hotline offices")


async def test_a_readout_names_the_event_it_recorded(
    store: StoreContract, clock: FixedClock, platform: PlatformInfo
) -> None:
    run = runner_on(store, clock, platform)
    await run("readout", text=READOUT, url="https://www.defense.gov/readout-1", published="2022-04-20")
    recorded = await run.text("readout record", draft=1)
    assert f"{typed(platform, 'event show')} id:" in recorded
    with pytest.raises(UserError) as exc:
        await run("readout record", draft=1)
    assert f"already recorded as event #1 by Ann Analyst; {typed(platform, 'event show')} id:1" in str(exc.value)
    form = await run.text("readout")
    assert f"{typed(platform, 'readout')} text:…" in form


async def test_errors_name_commands_the_platforms_way(
    store: StoreContract, clock: FixedClock, platform: PlatformInfo
) -> None:
    run = runner_on(store, clock, platform)
    await add_event(run)
    with pytest.raises(UserError) as exc:  # store_errors: the same contact twice
        await add_event(run)
    assert f"see {typed(platform, 'event show')} id:1" in str(exc.value)
    with pytest.raises(UserError) as exc:  # a person lookup
        await run("lastcall", **{"with": "Nobody Atall"})
    assert f"{typed(platform, 'person add')} adds someone" in str(exc.value)
    with pytest.raises(UserError) as exc:  # an issue lookup
        await run("positions", issue="zzqx")
    assert "/hotline help lists how to add one" in str(exc.value)
    with pytest.raises(UserError) as exc:  # a feed lookup
        await run("feed remove", feed="7")
    assert f"{typed(platform, 'feed list')} shows the feeds" in str(exc.value)
    with pytest.raises(UserError) as exc:  # dispatch of a name the surface does not have
        await run("event frobnicate")
    assert f"unknown command {typed(platform, 'event frobnicate')}; try /hotline help" == str(exc.value)


@pytest.mark.parametrize(
    ("line", "slack", "other"),
    [
        ("", "/lastcall or /hotline help", "/lastcall or /hotline help"),
        ("with:Austin", "for example /lastcall with:Austin", "for example /lastcall with:Austin"),
        ("evnt show", "did you mean /hotline event show", "did you mean /event show"),
        (
            "event show idd:3",
            "/hotline event show has no option 'idd'. /hotline event show takes: id.",
            "/event show has no option 'idd'. /event show takes: id.",
        ),
        ("questions open", "/hotline questions takes: status", "/questions takes: status"),
        ("zzzzzz", "unknown command /hotline zzzzzz; try /hotline help", "unknown command /zzzzzz; try /hotline help"),
    ],
)
def test_command_line_errors_name_commands_the_platforms_way(line: str, slack: str, other: str) -> None:
    for platform, expected in ((SLACK, slack), (DISCORD, other), (PLAIN, other)):
        with pytest.raises(UserError) as exc:
            parse_command_line(line, platform=platform)
        assert expected in str(exc.value), (platform.name, str(exc.value))
    with pytest.raises(UserError) as exc:  # the console's default
        parse_command_line(line)
    assert other in str(exc.value)


class FailingPoster:
    """Refuses every post as told, with no reason of its own (the generic words apply)."""

    def __init__(self, kind: FailureKind) -> None:
        self.kind = kind

    def unavailable(self, workspace: str) -> str | None:
        return None

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        raise DeliveryError(self.kind, "HTTP 403 from the fake")


class TakingPoster:
    def __init__(self) -> None:
        self.posts: list[Reply] = []

    def unavailable(self, workspace: str) -> str | None:
        return None

    async def post(self, workspace: str, channel_id: str, reply: Reply) -> list[str]:
        self.posts.append(reply)
        return [str(len(self.posts))]


async def no_sleep(seconds: float) -> None:
    return None


@pytest.mark.parametrize(
    ("kind", "fix"),
    [("forbidden", "then {} channel:"), ("missing", "then {} this one")],
)
@pytest.mark.parametrize("known", [True, False])
async def test_digest_failure_reasons_use_the_subscriptions_platform(
    store: StoreContract, clock: FixedClock, platform: PlatformInfo, kind: FailureKind, fix: str, known: bool
) -> None:
    run = runner_on(store, clock, platform)
    await run("digest subscribe", channel="c1")
    (sub,) = await store.subscriptions(run.ctx.caller.workspace)
    platforms = {platform.name: platform} if known else {}
    d = DigestDelivery(store, clock, CoreSettings(), FailingPoster(kind), "p1", sleep=no_sleep, platforms=platforms)
    clock.at = dt.datetime(2022, 4, 25, 9, 0, 1, tzinfo=dt.UTC)
    assert await d.run_due(sub.id) == "failed"
    (sub,) = await store.subscriptions(run.ctx.caller.workspace)
    reason = sub.last_error or ""
    command = "digest resume" if kind == "forbidden" else "digest unsubscribe"
    if known:
        assert fix.format(typed(platform, command)).removesuffix(" channel:") in reason
    else:
        # No platform known for the workspace: plain words, no command of a platform it may not be.
        assert "/" not in reason.split("then", 1)[1]
        assert ("resume the digest" if kind == "forbidden" else "then unsubscribe this one") in reason


async def test_a_scheduled_digest_names_commands_the_platforms_way(
    store: StoreContract, clock: FixedClock, platform: PlatformInfo
) -> None:
    run = runner_on(store, clock, platform)
    await add_event(run)
    for n in range(SHOWN + 1):
        await run("question add", text=f"Open question number {n}?")
    await run("digest subscribe", channel="c1")
    (sub,) = await store.subscriptions(run.ctx.caller.workspace)
    poster = TakingPoster()
    d = DigestDelivery(store, clock, CoreSettings(), poster, "p1", sleep=no_sleep, platforms={platform.name: platform})
    clock.at = dt.datetime(2022, 4, 25, 9, 0, 1, tzinfo=dt.UTC)
    assert await d.run_due(sub.id) == "sent"
    (digest,) = poster.posts
    assert f"1 more: {typed(platform, 'questions')}" in render_text(digest)


async def test_the_runtime_tells_delivery_each_platform_that_asks_for_a_runner(
    store: StoreContract, clock: FixedClock
) -> None:
    runtime = Runtime(Settings(db_path=Path("unused")), store, clock)
    assert runtime.delivery.platforms == {}
    runtime.runner(SLACK)
    runtime.runner(DISCORD)
    assert runtime.delivery.platforms == {"slack": SLACK, "discord": DISCORD}


# A command named the way Discord and the console type it: a slash, then a command family that
# Slack types after /hotline.
DISCORD_NAMED = re.compile(
    r"(?<![\w/:.<])/("
    + "|".join(sorted({n.split()[0] for n in COMMANDS} - {"hotline", "lastcall"}, key=len, reverse=True))
    + r")\b"
)


def slack_visible_texts() -> dict[str, str]:
    """The surface's shared text as Slack members read it: each command's and option's description,
    the event add modal's hints, and every missing option's error."""
    seen: dict[str, str] = {}
    for command in COMMANDS.values():
        seen[f"{command.name}: description"] = named_for(SLACK, command.description)
        for option in command.options:
            seen[f"{command.name} {option.name}: description"] = named_for(SLACK, option.description)
            if option.required:
                with pytest.raises(UserError) as exc:
                    coerce_args(command, {}, SLACK)
                seen[f"{command.name}: missing option"] = str(exc.value)
        with pytest.raises(UserError) as exc:
            coerce_args(command, {"zz": "1"}, SLACK)
        seen[f"{command.name}: unknown option"] = str(exc.value)
    for block in event_add_view()["blocks"]:
        seen[f"event add modal: {block['block_id']}"] = block["hint"]["text"]
    return seen


def test_no_slack_visible_text_names_a_command_the_discord_way() -> None:
    texts = slack_visible_texts()
    assert "(from /hotline feed list)" in texts["feed remove feed: description"]
    assert texts["event show: missing option"] == "id: missing; /hotline event show needs it (Event id)"
    wrong = {where: text for where, text in texts.items() if DISCORD_NAMED.search(text)}
    assert wrong == {}


@pytest.mark.parametrize(
    ("text", "slack"),
    [
        ("The feed's number (from /feed list) or its URL", "The feed's number (from /hotline feed list) or its URL"),
        (
            "see /event show id:1, then /positions issue:taiwan",
            "see /hotline event show id:1, then /hotline positions issue:taiwan",
        ),
        ("every /digest command", "every /hotline digest command"),
        # Named the Slack way already, or not a command: left as it is.
        ("/hotline feed list and /lastcall with:Austin", "/hotline feed list and /lastcall with:Austin"),
        ("https://example.org/feed list and/or /tmp /events", "https://example.org/feed list and/or /tmp /events"),
    ],
)
def test_named_for_names_commands_in_shared_text_as_each_platform_types_them(text: str, slack: str) -> None:
    assert named_for(SLACK, text) == slack
    assert named_for(SLACK, slack) == slack
    assert named_for(DISCORD, text) == text and named_for(PLAIN, text) == text


async def test_help_option_and_store_texts_name_commands_the_platforms_way(
    store: StoreContract, clock: FixedClock, platform: PlatformInfo
) -> None:
    run = runner_on(store, clock, platform)
    assert f"(from {typed(platform, 'feed list')})" in await run.text("hotline help", command="feed")
    with pytest.raises(UserError) as exc:
        await run("event show")
    assert str(exc.value) == f"id: missing; {typed(platform, 'event show')} needs it (Event id)"
    with pytest.raises(UserError) as exc:
        await run("event show", id=1, idd=3)
    assert str(exc.value).startswith(f"{typed(platform, 'event show')} has no option 'idd'")
    # What the store refuses may name a command too (a feed watched twice).
    with pytest.raises(UserError) as exc, store_errors(platform):
        raise Conflict("this feed is already watched as feed #3; /feed list shows it")
    assert str(exc.value) == f"this feed is already watched as feed #3; {typed(platform, 'feed list')} shows it"
