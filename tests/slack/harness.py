"""Hotline on the fake Slack, as `python -m bot run` builds it: a Runtime with the Slack platform.

`SlackHarness` starts the runtime in either transport (or with OAuth installations in several
teams), sends what a member types, and reads what Hotline answered from the fake's records.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.runtime.service import Runtime
from bot.slack.held import HeldReplies
from bot.slack.info import SLACK
from bot.slack.installations import StoredInstallations
from bot.slack.platform import SlackPlatform
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.reply import Reply
from commands.surface import dispatch
from config.settings import Settings, SlackSettings
from storage.sqlite.store import SqliteStore
from tests.slack.fake import FakeChannel, FakeSlack, FakeTeam, FakeUser, Interaction, ResponsePost, Sender

if TYPE_CHECKING:
    from tests.slack.conftest import SlackWorld

# Thursday 2022-04-21, the day after the Austin–Wei call (the same "now" as the core tests).
NOW = dt.datetime(2022, 4, 21, 15, 0, tzinfo=dt.UTC)
CLIENT_ID = "1234.5678"
Mode = Literal["socket", "http", "oauth"]


def fast_retries() -> list[Any]:
    """The production retry handlers with short waits between server-error retries."""
    quick = FixedValueRetryIntervalCalculator(0.05)
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=quick),
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick),
    ]


def texts(blocks: list[dict[str, Any]]) -> str:
    """Every text a member sees in blocks, one per line."""
    out: list[str] = []
    for block in blocks:
        if "text" in block and isinstance(block["text"], dict):
            out.append(block["text"]["text"])
        for f in block.get("fields") or []:
            out.append(f["text"])
        for element in block.get("elements") or []:
            if isinstance(element, dict) and isinstance(element.get("text"), str):
                out.append(element["text"])
            elif isinstance(element, dict) and isinstance(element.get("text"), dict):
                out.append(element["text"]["text"])
    return "\n".join(out)


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons of a message, by label."""
    found: dict[str, dict[str, Any]] = {}
    for block in blocks:
        if block.get("type") == "actions":
            for element in block["elements"]:
                found[element["text"]["text"]] = element
    return found


@dataclass
class Shown:
    """One answer Hotline sent through a response_url."""

    post: ResponsePost

    @property
    def text(self) -> str:
        return texts(self.post.blocks)

    @property
    def title(self) -> str:
        header = next((b for b in self.post.blocks if b.get("type") == "header"), None)
        return str(header["text"]["text"]) if header else ""

    @property
    def public(self) -> bool:
        return self.post.response_type == "in_channel"

    @property
    def buttons(self) -> dict[str, dict[str, Any]]:
        return buttons(self.post.blocks)


def pings(text: str) -> list[str]:
    """Every mention Slack would turn into a notification: <!channel>, <!here>, <@U…>, <!subteam^…>."""
    return re.findall(r"<(?:!channel|!here|!everyone|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)[^>]*>", text)


@dataclass
class SlackHarness:
    fake: FakeSlack
    world: SlackWorld
    sender: Sender
    store: SqliteStore
    clock: FixedClock
    mode: Mode
    runtimes: list[Runtime] = field(default_factory=list)
    held: HeldReplies | None = None
    fetch_allow_loopback: bool = False  # readouts and feeds served by the test on 127.0.0.1

    @property
    def runtime(self) -> Runtime:
        return self.runtimes[-1]

    @property
    def platform(self) -> SlackPlatform:
        [platform] = self.runtime.platforms
        assert isinstance(platform, SlackPlatform)
        return platform

    def settings(self) -> Settings:
        hq = self.world.hq
        if self.mode == "socket":
            slack = SlackSettings(bot_token=hq.bot_token, app_token=self.fake.app_token, api_url=self.fake.base_url)
        elif self.mode == "http":
            slack = SlackSettings(
                bot_token=hq.bot_token, signing_secret=self.fake.signing_secret, api_url=self.fake.base_url
            )
        else:
            slack = SlackSettings(
                client_id=CLIENT_ID,
                client_secret="client-secret",
                signing_secret=self.fake.signing_secret,
                api_url=self.fake.base_url,
            )
        return Settings(db_path=Path("unused"), slack=slack, fetch_allow_loopback=self.fetch_allow_loopback)

    async def install(self, *teams: FakeTeam) -> None:
        """Record installations of Hotline in these teams, as the OAuth flow would."""
        installations = StoredInstallations(self.store, self.clock, CLIENT_ID)
        for team in teams:
            await installations.async_save(
                Installation(
                    app_id=self.fake.app_id,
                    team_id=team.id,
                    team_name=team.name,
                    bot_token=team.bot_token,
                    bot_id=team.bot_id,
                    bot_user_id=team.bot_user.id,
                    bot_scopes=sorted(team.scopes),
                    user_id=next(iter(team.users)),
                    token_type="bot",
                )
            )

    async def start(self, *, submit_wait: float | None = None) -> Runtime:
        runtime = Runtime(self.settings(), self.store, self.clock)
        platform = SlackPlatform.from_runtime(
            runtime, host="127.0.0.1", port=0, held=self.held, handlers=fast_retries(), submit_wait=submit_wait
        )
        await runtime.start([platform])
        self.runtimes.append(runtime)
        if platform.url is not None:
            self.fake.app_url = platform.url
        else:
            await self.fake.wait_socket()
        return runtime

    async def stop(self) -> None:
        await self.runtimes.pop().stop()

    # -- what a member does ----------------------------------------------------------------------

    async def slash(
        self,
        text: str = "",
        *,
        command: str = "/hotline",
        user: FakeUser | None = None,
        channel: FakeChannel | None = None,
        team: FakeTeam | None = None,
    ) -> Interaction:
        team = team or self.world.hq
        if user is None:
            user = self.world.owner if team is self.world.hq else self.world.stranger
        channel = channel or (self.world.general if team is self.world.hq else team.channel("general"))
        ix = await self.sender.slash(team, user, channel, command, text, transport=self.transport)
        assert ix.ack.ok and ix.ack.payload is None, ix.ack  # acked at once, with nothing in the ack
        return ix

    @property
    def transport(self) -> Literal["socket", "http"]:
        return "socket" if self.mode == "socket" else "http"

    async def run(self, text: str = "", **kw: Any) -> Shown:
        """Send `/hotline text` (or `command=`) and return Hotline's answer."""
        ix = await self.slash(text, **kw)
        [post] = await self.sender.responses(ix)
        return Shown(post)

    async def press(
        self, shown: Shown, label: str, *, user: FakeUser | None = None, team: FakeTeam | None = None
    ) -> Interaction:
        """Press a button of a message Hotline sent through a response_url."""
        team = team or self.world.hq
        user = user or self.world.owner
        button = shown.buttons[label]
        message = {"ts": "1650553200.000100", "text": shown.post.text or "", "blocks": shown.post.blocks}
        ix = await self.sender.press(
            team,
            user,
            button["action_id"],
            button["value"],
            block_id="hotline_buttons",
            channel=self.world.general,
            message=message,
            transport=self.transport,
        )
        assert ix.ack.ok, ix.ack
        return ix

    async def answer(self, ix: Interaction, count: int = 1) -> list[Shown]:
        return [Shown(p) for p in await self.sender.responses(ix, count)]

    async def direct(self, command: str, /, *, team: FakeTeam | None = None, **args: Any) -> Reply:
        """Run a command through commands/ directly, as an editor: quick set-up, no Slack."""
        team = team or self.world.hq
        caller = Caller(f"slack:{team.id}", "setup", "Set-up", is_editor=True)
        return await dispatch(Ctx(self.store, caller, self.clock, CoreSettings(), SLACK), command, args)

    def workspace(self, team: FakeTeam | None = None) -> str:
        return f"slack:{(team or self.world.hq).id}"
