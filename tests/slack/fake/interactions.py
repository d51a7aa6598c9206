"""The test's side of the fake Slack: send what a member does to the app, over either transport.

HTTP mode POSTs the request to `fake.app_url`, signed as Slack signs it (knobs for a wrong secret,
an old timestamp and the retry headers of a redelivery); Socket Mode pushes an envelope on the
app's newest open websocket, or on the connection given as `via` (Slack spreads requests over every
connection an app has open: with several processes, any of them may get a request), and waits for the
ack frame. Either way the result is an `Interaction` whose `ack` reads the same.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientTimeout

from tests.slack.fake import payloads
from tests.slack.fake.records import Ack, ApiCall, Interaction, ResponsePost, Transport
from tests.slack.fake.server import FakeSlack, SocketConnection
from tests.slack.fake.world import FakeChannel, FakeTeam, FakeUser

# Slack gives up on an ack after 3 s; a little more, so a late ack shows as late rather than missing.
ACK_WAIT = 3.5


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature over the exact bytes sent."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class HttpKnobs:
    """How an HTTP request is signed: `secret` None signs with the fake's own secret; `age` makes the
    timestamp that many seconds old; `signed=False` leaves both headers out."""

    secret: str | None = None
    age: int = 0
    signed: bool = True


class Sender:
    def __init__(self, fake: FakeSlack, transport: Transport = "http") -> None:
        self.fake = fake
        self.transport: Transport = transport  # the default; every method takes transport= too

    # ---- what a member does ---------------------------------------------------------------------

    async def slash(
        self,
        team: FakeTeam,
        user: FakeUser,
        channel: FakeChannel,
        command: str,
        text: str = "",
        *,
        transport: Transport | None = None,
        http: HttpKnobs = HttpKnobs(),
        within: float = ACK_WAIT,
        via: SocketConnection | None = None,
    ) -> Interaction:
        rid, url = self.fake.new_response_url()
        trigger = self.fake.new_trigger(team, user.id)
        body = payloads.slash_command(self.fake.app_id, team, user, channel, command, text, url, trigger)
        ix = await self.send("slash_commands", body, transport=transport, http=http, within=within, via=via)
        ix.response_url_id, ix.trigger_id = rid, trigger
        return ix

    async def press(
        self,
        team: FakeTeam,
        user: FakeUser,
        action_id: str,
        value: str,
        *,
        block_id: str = "actions",
        channel: FakeChannel | None = None,
        message: dict[str, Any] | None = None,
        view_id: str | None = None,
        transport: Transport | None = None,
        within: float = ACK_WAIT,
        via: SocketConnection | None = None,
    ) -> Interaction:
        """A button press: on `message` (a dict with at least ts, text, blocks) in `channel`, or in a
        modal when `view_id` is given (then no response_url, as in Slack)."""
        view = self.fake.views[view_id] if view_id else None
        trigger = self.fake.new_trigger(team, user.id, view_id=view_id)
        rid, url = self.fake.new_response_url() if view is None else (None, None)
        action = {"action_id": action_id, "block_id": block_id, "type": "button", "value": value}
        body = payloads.block_actions(
            self.fake.app_id, team, user, action, trigger, channel=channel, message=message, view=view, response_url=url
        )
        ix = await self.send("interactive", body, transport=transport, within=within, via=via)
        ix.response_url_id, ix.trigger_id = rid, trigger
        return ix

    async def submit(
        self,
        team: FakeTeam,
        user: FakeUser,
        view_id: str,
        answers: dict[str, Any],
        *,
        transport: Transport | None = None,
        within: float = ACK_WAIT,
    ) -> Interaction:
        """Submit an open modal with `answers` per block_id (see payloads.state_values)."""
        view = self.fake.views[view_id]
        values = payloads.state_values(view, answers)
        trigger = self.fake.new_trigger(team, user.id, view_id=view_id)
        body = payloads.view_submission(self.fake.app_id, team, user, view, values, trigger)
        ix = await self.send("interactive", body, transport=transport, within=within)
        ix.trigger_id = trigger
        return ix

    async def suggest(
        self,
        team: FakeTeam,
        user: FakeUser,
        action_id: str,
        value: str,
        *,
        block_id: str,
        view_id: str | None = None,
        transport: Transport | None = None,
        within: float = ACK_WAIT,
    ) -> Interaction:
        """What an external select asks while `value` is typed: the ack's payload holds the options."""
        view = self.fake.views[view_id] if view_id else None
        body = payloads.block_suggestion(self.fake.app_id, team, user, action_id, block_id, value, view)
        return await self.send("interactive", body, transport=transport, within=within)

    # ---- after the ack ------------------------------------------------------------------------

    async def responses(self, ix: Interaction, count: int = 1, within: float = 5.0) -> list[ResponsePost]:
        """The first `count` posts the app made to the interaction's response_url."""
        return await self.fake.wait_for_responses(ix.response_url_id, count, within)

    async def calls(self, method: str, count: int = 1, within: float = 5.0) -> list[ApiCall]:
        return await self.fake.wait_for_call(method, count, within)

    # ---- transports -----------------------------------------------------------------------------

    async def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        transport: Transport | None = None,
        http: HttpKnobs = HttpKnobs(),
        within: float = ACK_WAIT,
        via: SocketConnection | None = None,
    ) -> Interaction:
        """Send a payload ("slash_commands" or "interactive") and wait for the app's ack; in Socket Mode on
        `via` if given, else on the newest open connection."""
        how = transport or self.transport
        if how == "socket":
            ack = await self._envelope(kind, payload, within, via=via)
            return Interaction(kind, payload, how, ack)
        if kind == "slash_commands":
            body, ctype = urlencode(payload).encode(), "application/x-www-form-urlencoded"
        else:
            body, ctype = urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
        ack = await self.post(body, ctype, http=http, within=within)
        return Interaction(kind, payload, how, ack, body=body, content_type=ctype)

    async def redeliver(self, ix: Interaction, num: int = 1, reason: str = "http_timeout") -> Ack:
        """Send a request again, as Slack does when the first got no ack in time: over HTTP the same
        bytes with X-Slack-Retry-Num/-Reason, over Socket Mode a new envelope with retry_attempt and
        retry_reason (which Bolt turns into the same headers)."""
        if ix.transport == "socket":
            return await self._envelope(ix.kind, ix.payload, ACK_WAIT, retry=(num, reason))
        retry = {"X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": reason}
        return await self.post(ix.body, ix.content_type, extra_headers=retry)

    async def post(
        self,
        body: bytes,
        content_type: str,
        *,
        http: HttpKnobs = HttpKnobs(),
        extra_headers: dict[str, str] | None = None,
        within: float = ACK_WAIT,
    ) -> Ack:
        """POST exact bytes to the app's URL, signed (or not) per `http`."""
        assert self.fake.app_url, "set fake.app_url to where the app serves HTTP"
        assert self.fake.session is not None
        headers = {"Content-Type": content_type, **(extra_headers or {})}
        if http.signed:
            timestamp = str(int(time.time()) - http.age)
            headers["X-Slack-Request-Timestamp"] = timestamp
            headers["X-Slack-Signature"] = sign(http.secret or self.fake.signing_secret, timestamp, body)
        # Bolt itself answers 404 after its 3 s ack timeout: give it room to say so.
        timeout = ClientTimeout(total=max(within, 3.0) + 2.0)
        async with self.fake.session.post(self.fake.app_url, data=body, headers=headers, timeout=timeout) as resp:
            raw = await resp.text()
            payload: dict[str, Any] | None = None
            if raw and resp.content_type == "application/json":
                payload = json.loads(raw)
            elif raw:
                payload = {"text": raw}
            return Ack(resp.status == 200, resp.status, payload, raw)

    async def _envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        within: float,
        retry: tuple[int, str] = (0, ""),
        via: SocketConnection | None = None,
    ) -> Ack:
        conn = via or await self.fake.wait_socket()
        envelope_id = secrets.token_hex(12)
        await conn.ws.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry[0],
                "retry_reason": retry[1],
            }
        )

        def answered() -> dict[str, Any] | None:
            return next((a for a in self.fake.acks if a.get("envelope_id") == envelope_id), None)

        try:
            frame = await self.fake.wait_until(answered, within)
        except AssertionError:
            return Ack(False, None)
        body = frame.get("payload")
        return Ack(True, 200, body if body else None, json.dumps(frame))
