"""A fake Discord: the REST API and the gateway websocket, on 127.0.0.1, for the real discord.py client.

It answers what discord.py 2.7 asks when a `commands.Bot` logs in, connects, syncs commands,
answers interactions and posts in channels (../shared/notes/fake-discord.md), records every
request, and refuses what real Discord would refuse (limits.py), so a test that passes here
would not be rejected there for length, a double response or a late answer.

Tests drive it from the other side: `dispatch()` sends a gateway event (INTERACTION_CREATE),
`wait_until()` waits for what the bot sends back.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web

from tests.discord.fake import attachments, limits
from tests.discord.fake.attachments import FILE_SIZE_LIMIT, Upload
from tests.discord.fake.world import FakeGuild, FakeUser, iso_now, snowflake

T = TypeVar("T")
API = "/api/v10"
EPHEMERAL = 1 << 6
LOADING = 1 << 7
# Discord gives a bot three seconds to answer an interaction; after that the token is unknown.
INTERACTION_DEADLINE = 3.0


@dataclass
class Recorded:
    """One request the bot made."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any
    authorized: bool
    status: int = 200
    files: list[Upload] = field(default_factory=list)  # the files[n] parts of a multipart request


@dataclass
class Fault:
    """Answer the next `times` matching requests with `status` instead of handling them."""

    method: str
    path: re.Pattern[str]
    status: int
    body: dict[str, Any]
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # with status 0: handle the request, then answer this many seconds late


@dataclass
class FakeInteraction:
    """An interaction the test sent, and everything the bot answered on its token."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    created: float
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    followups: list[int] = field(default_factory=list)  # message ids
    edits: list[dict[str, Any]] = field(default_factory=list)  # bodies of PATCH .../messages/...
    deleted: list[int] = field(default_factory=list)
    original_id: int | None = None  # the message @original names

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel"]["id"])


class Gateway:
    """One bot's websocket connection."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request | None = None) -> None:
        self.ws = ws
        self.request = request
        self.seq = 0
        self.identified = False
        self.intents = 0
        self.shard: tuple[int, int] | None = None  # (id, count) from IDENTIFY; None: every guild

    def receives(self, guild_id: int | None) -> bool:
        """Discord sends a guild's events on the connection of its shard: (guild_id >> 22) % count."""
        if self.shard is None or guild_id is None:
            return self.shard is None or self.shard[0] == 0  # events of no guild (DMs) go to shard 0
        return (guild_id >> 22) % self.shard[1] == self.shard[0]

    async def send(self, op: int, d: Any, t: str | None = None) -> None:
        frame: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
        if op == 0:
            self.seq += 1
            frame["s"] = self.seq
        # Plain JSON text frames: discord.py accepts them although it asks for zlib-stream.
        await self.ws.send_str(json.dumps(frame))


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": with "; charset=utf-8" discord.py reads the body as text.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _error(status: int, code: int, message: str, **extra: Any) -> web.Response:
    return _json({"code": code, "message": message, **extra}, status)


class FakeDiscord:
    def __init__(self, *, token: str = "fake-bot-token-Zq9") -> None:
        self.token = token
        self.app_id = snowflake()
        self.bot_user = FakeUser(self.app_id, "Hotline", bot=True)
        self.guilds: dict[int, FakeGuild] = {}
        self.requests: list[Recorded] = []
        self.rejections: list[str] = []  # what real Discord would have refused, and unknown routes
        self.faults: list[Fault] = []
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.attachment_data: dict[str, bytes] = {}  # the bytes of each attachment, by its id
        self.channel_posts: dict[int, list[int]] = {}  # channel id -> message ids posted there
        self.interactions: dict[str, FakeInteraction] = {}
        self.gateways: list[Gateway] = []
        self.enforce_deadline = True
        self.resumes = 0  # sessions resumed after a drop
        self.recommended_shards = 1  # what GET /gateway/bot advises
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        # Room for files over Discord's limit, so that the fake can refuse them as Discord does.
        app = web.Application(client_max_size=4 * FILE_SIZE_LIMIT)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for gw in list(self.gateways):
            await gw.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Point discord.py at this fake; both are process-wide class attributes, so restore them."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    def reset(self) -> None:
        """Forget what earlier tests did; keep the server, the guilds and the app id."""
        self.requests.clear()
        self.rejections.clear()
        self.faults.clear()
        self.global_commands.clear()
        self.guild_commands.clear()
        self.messages.clear()
        self.attachment_data.clear()
        self.channel_posts.clear()
        self.interactions.clear()
        self.enforce_deadline = True
        self.resumes = 0  # sessions resumed after a drop

    # -- what tests call -------------------------------------------------------------------

    def add_guild(self, guild: FakeGuild) -> FakeGuild:
        self.guilds[guild.id] = guild
        return guild

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        code: int = 0,
        message: str = "fault injected",
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Make the next `times` requests matching `method` and the path regex answer `status`."""
        self.faults.append(
            Fault(method, re.compile(path), status, body or {"code": code, "message": message}, times, headers or {})
        )

    def slow(self, method: str, path: str, seconds: float, *, times: int = 1) -> None:
        """Make the next `times` matching requests take effect but answer `seconds` late."""
        self.faults.append(Fault(method, re.compile(path), 0, {}, times, {}, seconds))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the most recently identified connection that receives its guild's
        events (the connection of the guild's shard, when bots identify with shards)."""
        guild = data.get("guild_id")
        gateway = next(
            (g for g in reversed(self.gateways) if g.identified and g.receives(int(guild) if guild else None)), None
        )
        if gateway is None:
            raise AssertionError(f"no bot is connected to the fake gateway for guild {guild}")
        await gateway.send(0, data, event)

    async def send_interaction(self, payload: dict[str, Any]) -> FakeInteraction:
        record = FakeInteraction(int(payload["id"]), payload["token"], payload["type"], payload, time.monotonic())
        if "message" in payload:
            record.original_id = int(payload["message"]["id"])
        self.interactions[record.token] = record
        await self.dispatch("INTERACTION_CREATE", payload)
        return record

    async def wait_until(self, predicate: Callable[[], T | None], within: float = 5.0) -> T:
        """Wait until `predicate()` is truthy: checked after every request the bot makes, and every
        50 ms for conditions that change without one (the bot's own state)."""
        deadline = time.monotonic() + within
        async with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out after {within}s; the bot's last requests: "
                        + "; ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[-8:])
                        + (f"; rejected: {self.rejections}" if self.rejections else "")
                    )
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(left, 0.05))

    async def drop_gateways(self, code: int) -> None:
        """Drop every bot's gateway connection: with a close frame carrying `code`, or for 1006 (an
        abnormal closure, which has no close frame) by cutting the TCP connection."""
        for gw in list(self.gateways):
            gw.identified = False
            if code == 1006 and gw.request is not None and gw.request.transport is not None:
                gw.request.transport.abort()
            else:
                await gw.ws.close(code=code, message=b"dropped by the test")
        await self._notify()

    async def wait_identified(self, within: float = 5.0) -> None:
        await self.wait_until(lambda: any(g.identified for g in self.gateways), within)

    def commands_for(self, guild_id: int | None) -> list[dict[str, Any]]:
        if guild_id is not None and guild_id in self.guild_commands:
            return self.guild_commands[guild_id]
        return self.global_commands

    def posts(self, channel_id: int) -> list[dict[str, Any]]:
        return [self.messages[m] for m in self.channel_posts.get(channel_id, []) if m in self.messages]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        gw = Gateway(ws, request)
        self.gateways.append(gw)
        try:
            await gw.send(10, {"heartbeat_interval": 41250})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op = frame.get("op")
                if op == 1:
                    await gw.send(11, None)
                elif op == 2:
                    await self._identify(gw, frame["d"])
                elif op == 6:
                    # A resumed session goes on receiving events, as an identified one does.
                    await gw.send(0, {}, "RESUMED")
                    gw.identified = True
                    self.resumes += 1
                    await self._notify()
        finally:
            self.gateways.remove(gw)
            await self._notify()
        return ws

    async def _identify(self, gw: Gateway, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await gw.ws.close(code=4004, message=b"Authentication failed.")
            return
        gw.intents = int(data.get("intents", 0))
        shard = data.get("shard")
        if shard is not None:
            shard_id, count = int(shard[0]), int(shard[1])
            if not 0 <= shard_id < count:
                await gw.ws.close(code=4010, message=b"Invalid shard.")
                return
            gw.shard = (shard_id, count)
        guilds = [g for g in self.guilds.values() if gw.receives(g.id)]
        await gw.send(
            0,
            {
                "v": 10,
                "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": f"session-{snowflake()}",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.app_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                **({"shard": list(gw.shard)} if gw.shard else {}),
            },
            "READY",
        )
        for guild in guilds:
            await gw.send(0, guild.payload(), "GUILD_CREATE")
        gw.identified = True
        await self._notify()

    # -- REST ------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: list[Upload] = []
        form_problems: list[str] = []
        if request.content_type == "multipart/form-data":
            # Files: the JSON body travels in payload_json beside them, as discord.py sends it.
            body, files, form_problems = await attachments.read_multipart(request)
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                if request.content_type == "application/json":
                    body = json.loads(raw)
                else:
                    self.rejections.append(f"{request.method} {path}: unexpected body type {request.content_type}")
        rec = Recorded(
            request.method,
            path,
            dict(request.query),
            body,
            request.headers.get("Authorization") == f"Bot {self.token}",
            files=files,
        )
        self.requests.append(rec)
        try:
            slow = self._slow(rec)
            response = self.injected_fault(rec) or self._reject("form", form_problems) or await self._route(rec)
            if slow:
                # The request took effect; only the answer is late, as when a connection stalls.
                await asyncio.sleep(slow)
        except Exception as exc:  # a bug in the fake: make it visible, not a hang
            self.rejections.append(f"{rec.method} {rec.path}: fake crashed: {exc!r}")
            response = _error(500, 0, f"fake crashed: {exc!r}")
        rec.status = response.status
        await self._notify()
        return response

    def _slow(self, rec: Recorded) -> float:
        for fault in self.faults:
            if fault.status == 0 and fault.times > 0 and fault.method == rec.method and fault.path.search(rec.path):
                fault.times -= 1
                return fault.delay
        return 0.0

    def injected_fault(self, rec: Recorded) -> web.Response | None:
        for fault in self.faults:
            if fault.status == 0:
                continue
            if fault.times > 0 and fault.method == rec.method and fault.path.search(rec.path):
                fault.times -= 1
                return _json(fault.body, fault.status, fault.headers)
        return None

    async def _route(self, rec: Recorded) -> web.Response:
        for method, pattern, handler, needs_auth in self._routes():
            m = re.fullmatch(pattern, rec.path)
            if m and method == rec.method:
                if needs_auth and not rec.authorized:
                    self.rejections.append(f"{rec.method} {rec.path}: no valid Authorization")
                    return _error(401, 0, "401: Unauthorized")
                result: web.Response = handler(rec, *m.groups())
                return result
        self.rejections.append(f"unknown route {rec.method} {rec.path}")
        return _error(404, 0, "404: Not Found")

    def _routes(self) -> list[tuple[str, str, Callable[..., web.Response], bool]]:
        wh = r"/webhooks/(\d+)/([^/]+)"
        return [
            ("GET", r"/users/@me", self._me, True),
            ("GET", r"/oauth2/applications/@me", self._application, True),
            ("GET", r"/gateway(?:/bot)?", self._gateway_info, False),
            ("PUT", r"/applications/(\d+)/commands", self._put_global_commands, True),
            ("GET", r"/applications/(\d+)/commands", lambda r, a: _json(self.global_commands), True),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self._put_guild_commands, True),
            (
                "GET",
                r"/applications/(\d+)/guilds/(\d+)/commands",
                lambda r, a, g: _json(self.guild_commands.get(int(g), [])),
                True,
            ),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback, False),
            ("POST", wh, self._followup, False),
            ("GET", wh + r"/messages/(@original|\d+)", self._get_webhook_message, False),
            ("PATCH", wh + r"/messages/(@original|\d+)", self._edit_webhook_message, False),
            ("DELETE", wh + r"/messages/(@original|\d+)", self._delete_webhook_message, False),
            ("GET", r"/channels/(\d+)", self._get_channel, True),
            ("POST", r"/channels/(\d+)/messages", self.post_channel_message, True),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self._edit_channel_message, True),
            ("DELETE", r"/channels/(\d+)/messages/(\d+)", self._delete_channel_message, True),
        ]

    def _me(self, rec: Recorded) -> web.Response:
        return _json({**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0})

    def _application(self, rec: Recorded) -> web.Response:
        return _json(
            {
                "id": str(self.app_id),
                "name": "Hotline",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "00" * 32,
                "owner": {**self.bot_user.payload(), "bot": False, "username": "owner"},
                "flags": 0,
                "team": None,
                "summary": "",
            }
        )

    def _gateway_info(self, rec: Recorded) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
            }
        )

    def _register(self, rec: Recorded, guild_id: int | None) -> tuple[list[dict[str, Any]], web.Response]:
        commands = rec.body or []
        problems = limits.check_commands(commands)
        if problems:
            self.rejections.extend(f"command registration: {p}" for p in problems)
            return [], _error(400, 50035, "Invalid Form Body", errors=problems)
        echoed = [
            {
                **c,
                "id": str(snowflake()),
                "application_id": str(self.app_id),
                "version": str(snowflake()),
                **({"guild_id": str(guild_id)} if guild_id else {}),
            }
            for c in commands
        ]
        return echoed, _json(echoed)

    def _put_global_commands(self, rec: Recorded, app: str) -> web.Response:
        echoed, response = self._register(rec, None)
        if response.status == 200:
            self.global_commands = echoed
        return response

    def _put_guild_commands(self, rec: Recorded, app: str, guild: str) -> web.Response:
        echoed, response = self._register(rec, int(guild))
        if response.status == 200:
            self.guild_commands[int(guild)] = echoed
        return response

    # -- messages --------------------------------------------------------------------------

    def _new_message(
        self, channel_id: int, body: dict[str, Any], *, flags: int = 0, interaction: FakeInteraction | None = None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "type": 0 if interaction is None else 20,
            "author": self.bot_user.payload(),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "flags": flags | (int(body.get("flags") or 0) & EPHEMERAL),
            # Not part of Discord's message object: what the bot asked for, kept for assertions.
            "allowed_mentions": body.get("allowed_mentions"),
        }
        if interaction is not None:
            guild_id = interaction.payload.get("guild_id")
            if guild_id:
                message["guild_id"] = guild_id
            user = (interaction.payload.get("member") or {}).get("user") or interaction.payload.get("user")
            message["interaction_metadata"] = {"id": str(interaction.id), "type": interaction.type, "user": user}
        self.messages[int(message["id"])] = message
        return message

    def _apply_edit(self, message: dict[str, Any], body: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        message["flags"] = int(message.get("flags", 0)) & ~LOADING
        message["edited_timestamp"] = iso_now()

    def _attachments(
        self,
        rec: Recorded,
        body: dict[str, Any],
        where: str,
        message: dict[str, Any] | None = None,
        size_limit: int = FILE_SIZE_LIMIT,
    ) -> tuple[list[dict[str, Any]], web.Response | None]:
        """The attachments `message` (None: a new one) has after `body`, or the 400 Discord answers."""
        large = attachments.too_large(rec.files, size_limit)
        if large:
            self.rejections.extend(f"{where}: {p}" for p in large)
            return [], _error(413, 40005, "Request entity too large")
        existing = list((message or {}).get("attachments") or [])
        embeds = body["embeds"] if "embeds" in body else (message or {}).get("embeds")
        found, data, problems = attachments.resolve(
            body,
            rec.files,
            existing,
            list(embeds or []),
            new_id=snowflake,
            base_url=f"http://127.0.0.1:{self.port}",
        )
        bad = self._reject(where, problems)
        if bad is None:
            self.attachment_data.update(data)
        return found, bad

    def attachment(self, message: dict[str, Any], filename: str) -> tuple[dict[str, Any], bytes]:
        """A message's attachment of that name and its bytes (an AssertionError if it has none)."""
        for found in message.get("attachments") or []:
            if found["filename"] == filename:
                return found, self.attachment_data[found["id"]]
        names = [a["filename"] for a in message.get("attachments") or []]
        raise AssertionError(f"message {message.get('id')} has no attachment {filename!r}; it has {names}")

    def _reject(self, where: str, problems: list[str]) -> web.Response | None:
        if not problems:
            return None
        self.rejections.extend(f"{where}: {p}" for p in problems)
        # Discord nests its errors by field; discord.py reads `_errors` lists of {code, message}.
        errors = {"_errors": [{"code": "INVALID_FORM_BODY", "message": p} for p in problems]}
        return _error(400, 50035, "Invalid Form Body", errors={"message": errors})

    def _callback(self, rec: Recorded, interaction_id: str, token: str) -> web.Response:
        ix = self.interactions.get(token)
        if ix is None or ix.id != int(interaction_id):
            self.rejections.append(f"callback for an unknown interaction {interaction_id}")
            return _error(404, 10062, "Unknown interaction")
        late = time.monotonic() - ix.created
        if self.enforce_deadline and late > INTERACTION_DEADLINE:
            self.rejections.append(f"callback {late:.1f}s after the interaction: Discord forgets it after 3s")
            return _error(404, 10062, "Unknown interaction")
        if ix.callbacks:
            self.rejections.append(f"second callback for interaction {interaction_id}")
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = rec.body or {}
        kind = body.get("type")
        data = body.get("data") or {}
        resource: dict[str, Any] = {"type": kind}
        size_limit = int(ix.payload.get("attachment_size_limit") or FILE_SIZE_LIMIT)
        if kind == 4:
            bad = self._reject("callback message", limits.check_message(data))
            if bad:
                return bad
            files, bad = self._attachments(rec, data, "callback message", size_limit=size_limit)
            if bad:
                return bad
            message = self._new_message(ix.channel_id, data, interaction=ix)
            message["attachments"] = files
            ix.original_id = int(message["id"])
            resource["message"] = message
        elif kind == 5:
            message = self._new_message(
                ix.channel_id, {}, flags=LOADING | (int(data.get("flags") or 0) & EPHEMERAL), interaction=ix
            )
            ix.original_id = int(message["id"])
            resource["message"] = message
        elif kind == 7:
            bad = self._reject("callback update", limits.check_message(data, require_content=False))
            if bad:
                return bad
            if ix.original_id is None or ix.original_id not in self.messages:
                return _error(404, 10008, "Unknown Message")
            message = self.messages[ix.original_id]
            files, bad = self._attachments(rec, data, "callback update", message, size_limit)
            if bad:
                return bad
            self._apply_edit(message, data)
            message["attachments"] = files
            resource["message"] = message
        elif kind == 8:
            bad = self._reject("autocomplete", limits.check_autocomplete(data.get("choices") or []))
            if bad:
                return bad
        elif kind not in (6, 9):
            return _error(400, 50035, f"unknown callback type {kind}")
        ix.callbacks.append(body)
        answer: dict[str, Any] = {"interaction": {"id": str(ix.id), "type": ix.type}, "resource": resource}
        if "message" in resource:
            answer["interaction"]["response_message_id"] = resource["message"]["id"]
            answer["interaction"]["response_message_loading"] = kind == 5
            answer["interaction"]["response_message_ephemeral"] = bool(resource["message"]["flags"] & EPHEMERAL)
        return _json(answer)

    def _webhook_target(self, app: str, token: str, which: str) -> tuple[FakeInteraction | None, int | None]:
        ix = self.interactions.get(token)
        if ix is None or app != str(self.app_id):
            return None, None
        return ix, (ix.original_id if which == "@original" else int(which))

    def _followup(self, rec: Recorded, app: str, token: str) -> web.Response:
        ix = self.interactions.get(token)
        if ix is None or app != str(self.app_id):
            self.rejections.append(f"followup for unknown webhook token {token[:8]}")
            return _error(404, 10015, "Unknown Webhook")
        if not ix.callbacks:
            self.rejections.append("followup before the interaction was answered")
            return _error(404, 10015, "Unknown Webhook")
        body = rec.body or {}
        bad = self._reject("followup", limits.check_message(body))
        if bad:
            return bad
        size_limit = int(ix.payload.get("attachment_size_limit") or FILE_SIZE_LIMIT)
        files, bad = self._attachments(rec, body, "followup", size_limit=size_limit)
        if bad:
            return bad
        original = self.messages.get(ix.original_id or 0)
        if original is not None and original["flags"] & LOADING and not ix.followups:
            # After a defer, the first followup takes the place of the "thinking..." message and
            # keeps the defer's visibility, whatever flags it asks for.
            self._apply_edit(original, body)
            message = original
        else:
            message = self._new_message(ix.channel_id, body, interaction=ix)
        message["attachments"] = files
        ix.followups.append(int(message["id"]))
        return _json(message)

    def _get_webhook_message(self, rec: Recorded, app: str, token: str, which: str) -> web.Response:
        _, mid = self._webhook_target(app, token, which)
        if mid is None or mid not in self.messages:
            return _error(404, 10008, "Unknown Message")
        return _json(self.messages[mid])

    def _edit_webhook_message(self, rec: Recorded, app: str, token: str, which: str) -> web.Response:
        ix, mid = self._webhook_target(app, token, which)
        if ix is None or mid is None or mid not in self.messages:
            self.rejections.append(f"edit of unknown message {which}")
            return _error(404, 10008, "Unknown Message")
        body = rec.body or {}
        bad = self._reject("edit", limits.check_message(body, require_content=False))
        if bad:
            return bad
        files, bad = self._attachments(rec, body, "edit", self.messages[mid])
        if bad:
            return bad
        ix.edits.append(body)
        self._apply_edit(self.messages[mid], body)
        self.messages[mid]["attachments"] = files
        return _json(self.messages[mid])

    def _delete_webhook_message(self, rec: Recorded, app: str, token: str, which: str) -> web.Response:
        ix, mid = self._webhook_target(app, token, which)
        if ix is None or mid is None or mid not in self.messages:
            return _error(404, 10008, "Unknown Message")
        del self.messages[mid]
        ix.deleted.append(mid)
        return web.Response(status=204)

    def _find_channel(self, channel_id: int) -> tuple[FakeGuild, dict[str, Any]] | None:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild, guild.channels[channel_id].payload()
        return None

    def _get_channel(self, rec: Recorded, channel: str) -> web.Response:
        found = self._find_channel(int(channel))
        if found is None:
            return _error(404, 10003, "Unknown Channel")
        return _json(found[1])

    def post_channel_message(self, rec: Recorded, channel: str) -> web.Response:
        if self._find_channel(int(channel)) is None:
            return _error(404, 10003, "Unknown Channel")
        body = rec.body or {}
        bad = self._reject("channel post", limits.check_message(body))
        if bad:
            return bad
        files, bad = self._attachments(rec, body, "channel post")
        if bad:
            return bad
        message = self._new_message(int(channel), body)
        message["attachments"] = files
        self.channel_posts.setdefault(int(channel), []).append(int(message["id"]))
        return _json(message)

    def _edit_channel_message(self, rec: Recorded, channel: str, mid: str) -> web.Response:
        message = self.messages.get(int(mid))
        if message is None:
            return _error(404, 10008, "Unknown Message")
        body = rec.body or {}
        bad = self._reject("channel edit", limits.check_message(body, require_content=False))
        if bad:
            return bad
        files, bad = self._attachments(rec, body, "channel edit", message)
        if bad:
            return bad
        self._apply_edit(message, body)
        message["attachments"] = files
        return _json(message)

    def _delete_channel_message(self, rec: Recorded, channel: str, mid: str) -> web.Response:
        if self.messages.pop(int(mid), None) is None:
            return _error(404, 10008, "Unknown Message")
        return web.Response(status=204)
