"""Slack as a platform of the runtime: check the token, receive requests, stop promptly.

Two transports, chosen by the settings (config/settings.py): Socket Mode (SLACK_BOT_TOKEN and
SLACK_APP_TOKEN; Hotline connects out, no public URL) and HTTP (SLACK_BOT_TOKEN and
SLACK_SIGNING_SECRET; Slack POSTs to /slack/events on HOTLINE_SLACK_PORT, served with aiohttp on the
running loop; slack-bolt verifies each request's signature and timestamp). With SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET, Hotline is installed into many teams through OAuth (HTTP, /slack/install), and
each team's token is kept in Hotline's database (installations.py).

Start asks auth.test whether Slack accepts the bot token and grants every scope the manifest asks
for; each failure is one StartupError line naming what to check. HOTLINE_SLACK_API_URL points the
Web API (and Socket Mode's connections.open) elsewhere.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from yarl import URL

from bot.runtime.logs import keep_tokens_out_of_logs
from bot.runtime.platform import StartupError
from bot.slack.app import HotlineSlack
from bot.slack.editors import Editors
from bot.slack.held import HeldReplies
from bot.slack.info import SLACK
from bot.slack.installations import OAuthStates, StoredInstallations
from bot.slack.poster import SlackPoster
from commands.delivery import DeliveryError, Poster
from config.settings import SlackSettings
from storage.contract import StoreContract

if TYPE_CHECKING:
    from bot.runtime.service import Runtime

log = logging.getLogger("hotline.slack")

EVENTS_PATH = "/slack/events"
MANIFEST = Path(__file__).with_name("manifest.json")
CLOSE_BOUND = 3.0
CONNECT_BOUND = 15.0
REJECTED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})


def needed_scopes() -> frozenset[str]:
    """The bot scopes the app manifest asks for: what the code uses."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


def retry_handlers() -> list[AsyncRetryHandler]:
    """Connection errors once, a rate limit after its Retry-After (twice), a server error twice."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


def web_client(settings: SlackSettings, token: str | None, handlers: Sequence[AsyncRetryHandler]) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=settings.api_url, retry_handlers=list(handlers))


def unreachable(settings: SlackSettings, exc: BaseException) -> StartupError:
    host = URL(settings.api_url).host or settings.api_url
    reason = str(exc) or type(exc).__name__
    return StartupError(
        f"slack: cannot reach Slack at {host} ({reason}): check the network connection, DNS, any proxy "
        "and HOTLINE_SLACK_API_URL"
    )


class SlackPlatform:
    name = "slack"

    def __init__(
        self,
        settings: SlackSettings,
        store: StoreContract,
        hotline: HotlineSlack,
        *,
        handlers: Sequence[AsyncRetryHandler],
        host: str = "0.0.0.0",
        port: int | None = None,
        installations: StoredInstallations | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.hotline = hotline
        self.handlers = list(handlers)
        self.host = host
        self.port = settings.port if port is None else port
        self.installations = installations
        self.team_id: str | None = None  # the one team of a bot token (None with OAuth)
        self.url: str | None = None  # where the HTTP transport listens, once started
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._stopped = asyncio.Event()

    @classmethod
    def from_runtime(
        cls,
        runtime: Runtime,
        *,
        host: str = "0.0.0.0",
        port: int | None = None,
        held: HeldReplies | None = None,
        editors: Editors | None = None,
        handlers: Sequence[AsyncRetryHandler] | None = None,
        submit_wait: float | None = None,
    ) -> SlackPlatform:
        settings = runtime.settings.slack
        keep_tokens_out_of_logs()
        handlers = retry_handlers() if handlers is None else handlers
        installations: StoredInstallations | None = None
        if settings.client_id is not None:
            installations = StoredInstallations(runtime.store, runtime.clock, settings.client_id)
            bolt = AsyncApp(
                client=web_client(settings, None, handlers),
                signing_secret=settings.signing_secret or "",
                installation_store=installations,
                oauth_settings=AsyncOAuthSettings(
                    client_id=settings.client_id,
                    client_secret=settings.client_secret,
                    scopes=sorted(needed_scopes()),
                    installation_store=installations,
                    state_store=OAuthStates(runtime.store, runtime.clock),
                ),
            )
        else:
            bolt = AsyncApp(
                # The token itself rather than a client holding it: slack-bolt warns that a token is
                # unused when SLACK_BOT_TOKEN is in the environment and a client is given.
                token=settings.bot_token,
                signing_secret=settings.signing_secret or "",
                # Socket Mode requests come over Hotline's own connection: nothing to verify.
                request_verification_enabled=settings.transport == "http",
            )
            # Every client of a request is a copy of this one: the URL and the retries carry over.
            bolt.client.base_url = settings.api_url
            bolt.client.retry_handlers = list(handlers)
        options: dict[str, Any] = {}
        if submit_wait is not None:
            options["submit_wait"] = submit_wait
        hotline = HotlineSlack(
            bolt,
            runner=runtime.runner(SLACK),
            store=runtime.store,
            clock=runtime.clock,
            editors=editors,
            held=held,
            **options,
        )
        # `/hotline editors` in another process drops this one's cache of the team at once.
        runtime.changes.on_change(hotline.editors.follow)
        return cls(
            settings, runtime.store, hotline, handlers=handlers, host=host, port=port, installations=installations
        )

    @property
    def transport(self) -> Literal["socket", "http"]:
        return "socket" if self.settings.app_token and self.settings.client_id is None else "http"

    @property
    def connected(self) -> bool:
        if self._stopped.is_set():
            return False
        if self._socket is not None:
            session = self._socket.client.current_session
            return session is not None and not session.closed
        return self._runner is not None

    async def start(self) -> None:
        if self.installations is None:
            await self._check_token()
        if self.transport == "socket":
            await self._connect_socket()
        else:
            await self._listen()
        log.info(
            "Slack ready: %s, %s",
            "Socket Mode" if self.transport == "socket" else f"HTTP on {self.url}",
            f"team {self.team_id}" if self.team_id else "teams that installed Hotline (OAuth)",
        )

    async def _check_token(self) -> None:
        client = self.hotline.bolt.client
        try:
            response = await client.auth_test()
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error in REJECTED:
                raise StartupError(
                    f"slack: Slack refused the bot token ({error} from auth.test): check SLACK_BOT_TOKEN "
                    "(the xoxb- token on the app's OAuth & Permissions page; reinstall the app if it was revoked)"
                ) from None
            raise StartupError(
                f"slack: Slack answered {exc.response.status_code} {error} to auth.test: check SLACK_BOT_TOKEN, "
                "or try again if Slack is having trouble"
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise unreachable(self.settings, exc) from None
        granted = {s.strip() for s in str(response.headers.get("x-oauth-scopes", "")).split(",") if s.strip()}
        missing = sorted(needed_scopes() - granted)
        if missing:
            raise StartupError(
                f"slack: the bot token lacks the scope{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
                "add them on the app's OAuth & Permissions page (or create the app from bot/slack/manifest.json) "
                "and reinstall it to the workspace"
            )
        self.team_id = str(response.get("team_id"))

    async def _connect_socket(self) -> None:
        # slack_sdk's connect retries for ever whatever goes wrong, so the app token is checked on
        # its own first (the URL it gives is left unused), and the connection is given a bound.
        try:
            await self.hotline.bolt.client.apps_connections_open(app_token=str(self.settings.app_token))
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            raise StartupError(
                f"slack: Slack refused the app-level token ({error} from apps.connections.open): check "
                "SLACK_APP_TOKEN (an xapp- token with connections:write, under Basic Information) and that "
                "Socket Mode is on"
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise unreachable(self.settings, exc) from None
        handler = AsyncSocketModeHandler(self.hotline.bolt, self.settings.app_token)
        self._socket = handler
        try:
            await asyncio.wait_for(handler.connect_async(), CONNECT_BOUND)  # type: ignore[no-untyped-call]
        except TimeoutError:
            await self.stop()
            raise StartupError(
                f"slack: the Socket Mode connection did not open within {CONNECT_BOUND:g} s: check that "
                "wss-primary.slack.com is reachable (firewall, proxy), or use HTTP (SLACK_SIGNING_SECRET)"
            ) from None

    async def _listen(self) -> None:
        runner = web.AppRunner(self.hotline.bolt.web_app(path=EVENTS_PATH, port=self.port))
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise StartupError(
                f"slack: cannot listen on {self.host}:{self.port} ({exc.strerror or exc}): "
                "set HOTLINE_SLACK_PORT to a free port"
            ) from None
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}{EVENTS_PATH}"

    async def wait(self) -> None:
        # slack-bolt reconnects Socket Mode by itself and the HTTP server never ends on its own.
        await self._stopped.wait()

    async def stop(self) -> None:
        self._stopped.set()
        handler, self._socket = self._socket, None
        if handler is not None:
            try:
                await asyncio.wait_for(handler.close_async(), CLOSE_BOUND)  # type: ignore[no-untyped-call]
            except TimeoutError:
                log.warning("Socket Mode did not close within %g s", CLOSE_BOUND)
        runner, self._runner = self._runner, None
        if runner is not None:
            await asyncio.wait_for(runner.cleanup(), CLOSE_BOUND)
        await self.hotline.close()

    def poster(self) -> Poster | None:
        return SlackPoster(self._client_for, serves=self._serves)

    def _serves(self, team_id: str) -> str | None:
        if self.team_id is not None and team_id != self.team_id:
            return (
                f"this Hotline holds the bot token of Slack team {self.team_id} only; "
                "install it in the other team (OAuth) to post there"
            )
        return None

    async def _client_for(self, team_id: str) -> AsyncWebClient:
        if self.installations is None:
            return self.hotline.bolt.client
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise DeliveryError(
                "forbidden",
                f"no installation for team {team_id}",
                reason="Hotline is no longer installed in this Slack team: install it again, "
                "then /hotline digest resume",
            )
        return web_client(self.settings, bot.bot_token, self.handlers)
