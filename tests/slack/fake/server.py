"""A fake Slack on 127.0.0.1: Web API, response_url, file uploads and a Socket Mode websocket.

One instance per test (pytest-asyncio gives each test its own loop). The test side of the fake
(sending slash commands and interactions to the app over HTTP or Socket Mode) is in
interactions.py; the Web API methods are in webapi.py.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import secrets
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from aiohttp import ClientSession, WSMsgType, web

from tests.slack.fake.blocks import check_message
from tests.slack.fake.records import ApiCall, Fault, Message, ResponsePost, Trigger
from tests.slack.fake.webapi import METHODS, SCOPES, ApiError, now_ts, require_scope
from tests.slack.fake.world import FakeTeam, new_team, slack_id

T = TypeVar("T")

# Arguments that a form-encoded call carries as JSON text.
_JSON_ARGS = ("blocks", "view", "attachments", "files")


class SocketConnection:
    """One Socket Mode websocket the app opened, and the app-level token it was opened with."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, app_token: str | None) -> None:
        self.ws = ws
        self.request = request
        self.app_token = app_token
        self.closed = False


class FakeSlack:
    def __init__(
        self,
        *,
        signing_secret: str = "fake-signing-secret-8f2c",
        app_token: str = "xapp-1-A0FAKEAPP-1-fake",
        trigger_ttl: float = 3.0,
    ) -> None:
        self.signing_secret = signing_secret
        self.app_token = app_token
        self.app_id = "A0FAKEAPP"
        self.trigger_ttl = trigger_ttl
        self.teams: dict[str, FakeTeam] = {}
        self.calls: list[ApiCall] = []
        self.faults: list[Fault] = []
        self.upload_delay = 0.0  # seconds the upload URL takes to answer (a stalled upload)
        self.messages: list[Message] = []
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.triggers: dict[str, Trigger] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.responses: dict[str, list[ResponsePost]] = {}
        self.rejections: list[str] = []  # responses Slack would have refused (e.g. bad blocks)
        self.sockets: list[SocketConnection] = []
        # Slack lets an app have several app-level tokens (add_app_token); the URL apps.connections.open
        # gives is remembered with the token that asked for it, so each connection knows its token.
        self.extra_app_tokens: list[str] = []
        self._socket_tokens: dict[str, str] = {}
        self.acks: list[dict[str, Any]] = []  # every Socket Mode frame the app sent, in order
        self.app_url = ""  # where the app serves HTTP mode (set by the test)
        # OAuth: the app's client credentials, and the codes an install redirect carries, per team.
        self.client_id = "1234.5678"
        self.client_secret = "client-secret"
        self.oauth_codes: dict[str, str] = {}
        self._ts = itertools.count(1)
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self.session: ClientSession | None = None

    # ---- set-up -------------------------------------------------------------------------------

    def add_team(self, name: str, domain: str) -> FakeTeam:
        team = new_team(name, domain)
        self.teams[team.id] = team
        return team

    async def start(self) -> None:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket/{n}", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        for sock in self._runner.addresses:
            self._port = int(sock[1])
        # trust_env=False: the test's own requests never go through a proxy either.
        self.session = ClientSession(trust_env=False)

    async def stop(self) -> None:
        for conn in self.sockets:
            if not conn.closed:
                await conn.ws.close()
        if self.session is not None:
            await self.session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """What AsyncWebClient(base_url=…) takes."""
        return f"{self.url}/api/"

    # ---- failures -----------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with an error instead.

        `fail("chat.postMessage", error="not_in_channel")` gives HTTP 200 {"ok": false, "error": …};
        `fail(m, status=429, retry_after=0)` a rate limit (Retry-After in seconds);
        `fail(m, status=503)` a server error; `fail("upload", status=500)` makes the upload URL of
        files.getUploadURLExternal refuse the bytes.
        """
        if status == 200 and error is None:
            raise ValueError("give an error code or a status")
        if status == 429 and retry_after is None:
            retry_after = 1
        self.faults.append(Fault(method, error, status, retry_after, times))

    def _fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    # ---- reading what happened -----------------------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def posts(self, channel_id: str) -> list[Message]:
        """The messages in a channel now (deleted ones left out), oldest first."""
        return [m for m in self.messages if m.channel == channel_id and not m.deleted]

    def responded(self, response_url_id: str | None) -> list[ResponsePost]:
        return list(self.responses.get(response_url_id or "", []))

    async def wait_until(self, predicate: Callable[[], T | None], within: float = 5.0) -> T:
        """Wait until `predicate()` is truthy: checked whenever the fake records something."""
        assert self._changed is not None, "start() the fake first"
        deadline = time.monotonic() + within
        async with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out after {within}s; last calls: "
                        + "; ".join(f"{c.method} -> {c.status} {c.error or 'ok'}" for c in self.calls[-8:])
                        + (f"; rejected: {self.rejections}" if self.rejections else "")
                    )
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(left, 0.05))

    async def wait_for_call(self, method: str, count: int = 1, within: float = 5.0) -> list[ApiCall]:
        """The first `count` calls of `method` (answered), once there are that many."""

        def enough() -> list[ApiCall] | None:
            calls = self.calls_to(method)
            return calls[:count] if len(calls) >= count else None

        return await self.wait_until(enough, within)

    async def wait_for_responses(
        self, response_url_id: str | None, count: int = 1, within: float = 5.0
    ) -> list[ResponsePost]:
        """The first `count` posts to a response_url, once there are that many."""

        def enough() -> list[ResponsePost] | None:
            posts = self.responded(response_url_id)
            return posts[:count] if len(posts) >= count else None

        return await self.wait_until(enough, within)

    async def notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    # ---- state used by the Web API ---------------------------------------------------------------

    def next_ts(self) -> str:
        return now_ts(next(self._ts))

    def add_message(self, team: FakeTeam, channel: str, args: dict[str, Any]) -> Message:
        message = Message(
            channel=channel,
            ts=self.next_ts(),
            user=team.bot_user.id,
            team_id=team.id,
            text=str(args.get("text") or ""),
            blocks=list(args.get("blocks") or []),
            thread_ts=args.get("thread_ts"),
        )
        self.messages.append(message)
        return message

    def message_payload(self, team: FakeTeam, message: Message) -> dict[str, Any]:
        return {
            "type": "message",
            "text": message.text,
            "user": message.user,
            "bot_id": team.bot_id,
            "ts": message.ts,
            "team": team.id,
            "blocks": message.blocks,
        }

    def new_trigger(self, team: FakeTeam, user_id: str, view_id: str | None = None) -> str:
        trigger_id = f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(team.id, user_id, time.monotonic(), view_id=view_id)
        return trigger_id

    def use_trigger(self, trigger_id: str, team: FakeTeam) -> Trigger:
        """Slack's trigger ids are single-use and expire after 3 seconds."""
        trigger = self.triggers.get(trigger_id)
        if trigger is None or trigger.team_id != team.id:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger

    def store_view(self, team: FakeTeam, user_id: str, view: dict[str, Any], root: str | None) -> dict[str, Any]:
        view_id = slack_id("V")
        stored = {
            **view,
            "id": view_id,
            "team_id": team.id,
            "app_id": self.app_id,
            "bot_id": team.bot_id,
            "user_id": user_id,
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": secrets.token_hex(8),
            "root_view_id": root or view_id,
            "previous_view_id": None,
        }
        self.views[view_id] = stored
        return stored

    def replace_view(self, current: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
        keep = {k: current[k] for k in ("id", "team_id", "app_id", "bot_id", "user_id", "root_view_id")}
        current.clear()
        current.update({**view, **keep, "state": {"values": {}}, "hash": secrets.token_hex(8)})
        current.setdefault("callback_id", "")
        current.setdefault("private_metadata", "")
        return current

    def new_response_url(self) -> tuple[str, str]:
        rid = secrets.token_hex(8)
        self.responses[rid] = []
        return rid, f"{self.url}/response/{rid}"

    # ---- HTTP handlers --------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            raw = await request.read()
            if ctype == "application/json":
                body = json.loads(raw or b"{}")
                if isinstance(body, dict):
                    args.update(body)
            elif ctype == "application/x-www-form-urlencoded":
                args.update(parse_qsl(raw.decode(), keep_blank_values=True))
            elif ctype.startswith("multipart/"):
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in _JSON_ARGS:
            if isinstance(args.get(key), str) and args[key]:
                with suppress(ValueError):
                    args[key] = json.loads(args[key])
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else args.pop("token", None)
        args.pop("token", None)
        team = next((t for t in self.teams.values() if t.bot_token == token), None)
        call = ApiCall(method, args, token, team.id if team else None, request.method)
        self.calls.append(call)
        headers: dict[str, str] = {}
        try:
            fault = self._fault(method)
            if fault is not None:
                call.status = fault.status
                call.response = {"ok": False, "error": fault.error or _STATUS_ERROR.get(fault.status, "fatal_error")}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
            elif method == "apps.connections.open":
                call.response = self._connections_open(token)
            elif method == "oauth.v2.access":
                call.response = self._oauth_access(args, header)
            elif not token:
                raise ApiError("not_authed")
            elif team is None:
                raise ApiError("invalid_auth")
            elif method not in METHODS:
                raise ApiError("unknown_method")
            else:
                scope = SCOPES[method]
                if scope is not None:
                    require_scope(team, scope)
                call.response = {"ok": True, **METHODS[method](self, call, team)}
                if method == "auth.test":
                    headers["X-OAuth-Scopes"] = ",".join(sorted(team.scopes))
        except ApiError as exc:
            call.response = {"ok": False, "error": exc.code, **exc.extra}
        await self.notify()
        return web.json_response(call.response, status=call.status, headers=headers)

    def add_app_token(self) -> str:
        """Another app-level token of the same app: several processes of one app each open their own
        connections with theirs, and a test tells the connections apart by it (socket_of)."""
        token = f"xapp-1-{self.app_id}-{len(self.extra_app_tokens) + 2}-{secrets.token_hex(8)}"
        self.extra_app_tokens.append(token)
        return token

    def _connections_open(self, token: str | None) -> dict[str, Any]:
        if token is None or (token != self.app_token and token not in self.extra_app_tokens):
            raise ApiError("invalid_auth" if token else "not_authed")
        n = secrets.token_hex(6)
        self._socket_tokens[n] = token
        return {"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket/{n}"}

    def new_oauth_code(self, team: FakeTeam) -> str:
        """The code Slack puts on the redirect after a member approved installing into `team`."""
        code = secrets.token_hex(8)
        self.oauth_codes[code] = team.id
        return code

    def _oauth_access(self, args: dict[str, Any], authorization: str) -> dict[str, Any]:
        """oauth.v2.access: the client id and secret as HTTP Basic auth (or arguments), a single-use code."""
        client_id, client_secret = args.get("client_id"), args.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            raise ApiError("invalid_client_id" if client_id != self.client_id else "bad_client_secret")
        team_id = self.oauth_codes.pop(str(args.get("code")), None)
        if team_id is None:
            raise ApiError("invalid_code")
        team = self.teams[team_id]
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": next(u for u in team.users.values() if not u.is_bot).id},
            "scope": ",".join(sorted(team.scopes)),
            "token_type": "bot",
            "access_token": team.bot_token,
            "bot_user_id": team.bot_user.id,
            "team": {"id": team.id, "name": team.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    async def _response_url(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        if rid not in self.responses:
            return web.Response(status=404, text="no_response_url")
        body = await request.json()
        problems = check_message(body)
        if problems:
            self.rejections.append(f"response_url: {problems}")
            await self.notify()
            return web.json_response({"ok": False, "error": "invalid_blocks"}, status=400)
        self.responses[rid].append(ResponsePost(body))
        await self.notify()
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        record = self.files.get(request.match_info["file_id"])
        if record is None:
            return web.Response(status=404, text="file not found")
        fault = self._fault("upload")
        if fault is not None:
            await request.read()
            return web.Response(status=fault.status, text=fault.error or "upload failed")
        if self.upload_delay:
            await asyncio.sleep(self.upload_delay)
        record["data"] = await request.read()
        await self.notify()
        return web.Response(text=f"OK - {len(record['data'])}")

    # ---- Socket Mode --------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        conn = SocketConnection(ws, request, self._socket_tokens.get(request.match_info["n"]))
        self.sockets.append(conn)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": sum(1 for c in self.sockets if not c.closed),
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                "connection_info": {"app_id": self.app_id},
            }
        )
        await self.notify()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.acks.append(json.loads(msg.data))
                    await self.notify()
        finally:
            conn.closed = True
            await self.notify()
        return ws

    def open_sockets(self) -> list[SocketConnection]:
        return [c for c in self.sockets if not c.closed and not c.ws.closed]

    async def wait_socket(self, count: int = 1, within: float = 5.0) -> SocketConnection:
        """Wait until the app has opened `count` Socket Mode connections in all and one is open."""
        return await self.wait_until(
            lambda: self.open_sockets()[-1] if len(self.sockets) >= count and self.open_sockets() else None, within
        )

    async def socket_of(self, app_token: str, within: float = 5.0) -> SocketConnection:
        """The newest open connection opened with `app_token` (waiting until there is one): where a test
        sends what Slack would deliver to that process, as Slack spreads requests over all of them."""
        return await self.wait_until(
            lambda: next((c for c in reversed(self.open_sockets()) if c.app_token == app_token), None), within
        )

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every open connection to reconnect, as Slack does before it recycles a connection."""
        for conn in self.open_sockets():
            await conn.ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}})

    async def close_sockets(self) -> None:
        """Close every open connection with a close frame: slack_sdk reconnects at once."""
        for conn in self.open_sockets():
            await conn.ws.close()

    async def drop_sockets(self) -> None:
        """Cut every open connection without a close frame (a network failure): slack_sdk notices it
        at its next ping, `ping_interval` seconds later."""
        for conn in self.open_sockets():
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
            conn.closed = True
        await self.notify()


_STATUS_ERROR = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}
