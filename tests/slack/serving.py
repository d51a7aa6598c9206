"""Run an unmodified slack-bolt AsyncApp against the fake Slack, in either transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from tests.slack.fake import FakeSlack, Transport

EVENTS_PATH = "/slack/events"


@asynccontextmanager
async def serve_http(app: AsyncApp, fake: FakeSlack) -> AsyncIterator[str]:
    """Serve the app's HTTP endpoint on 127.0.0.1 and point the fake's sender at it."""
    runner = web.AppRunner(app.web_app(path=EVENTS_PATH))
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        fake.app_url = f"http://{host}:{port}{EVENTS_PATH}"
        yield fake.app_url
    finally:
        await runner.cleanup()


@asynccontextmanager
async def connect_socket(
    app: AsyncApp, fake: FakeSlack, *, ping_interval: float = 10, app_token: str | None = None
) -> AsyncIterator[AsyncSocketModeHandler]:
    """Connect the app over Socket Mode (the handler must be built inside the running loop), with the
    fake's app token or `app_token` (one of fake.add_app_token's).

    `ping_interval` is also how often slack_sdk notices a connection that died without a close
    frame, so a test that drops connections makes it short.
    """
    token = app_token or fake.app_token
    handler = AsyncSocketModeHandler(app, token, ping_interval=ping_interval)
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]  # slack_bolt leaves it unannotated
        await fake.socket_of(token)
        yield handler
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


@asynccontextmanager
async def running(app: AsyncApp, fake: FakeSlack, transport: Transport) -> AsyncIterator[None]:
    if transport == "http":
        async with serve_http(app, fake):
            yield
    else:
        async with connect_socket(app, fake):
            yield
