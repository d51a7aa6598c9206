"""What the fake Slack records: Web API calls, injected faults, posted messages, acks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Transport = Literal["http", "socket"]


@dataclass
class ApiCall:
    """One Web API request as the fake saw and answered it."""

    method: str  # "chat.postMessage"
    args: dict[str, Any]  # query, form and JSON merged; JSON-in-form values (blocks, view) decoded
    token: str | None
    team_id: str | None  # the team the token belongs to (None: unknown token or the app token)
    http_method: str
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.response.get("error"))


@dataclass
class Fault:
    """An answer the fake gives instead of the real one, `times` times (then it answers normally)."""

    method: str
    error: str | None  # a Slack error code answered with HTTP 200 (or with `status`)
    status: int  # 200 with an error code; 429 with Retry-After; 500, 503…
    retry_after: int | None
    times: int


@dataclass
class Message:
    """A message in a channel, as the bot left it (after updates)."""

    channel: str
    ts: str
    user: str
    team_id: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    deleted: bool = False
    files: list[str] = field(default_factory=list)
    edits: int = 0


@dataclass
class ResponsePost:
    """What the app POSTed to a response_url (through `respond()`)."""

    body: dict[str, Any]

    @property
    def text(self) -> str | None:
        value = self.body.get("text")
        return None if value is None else str(value)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.body.get("blocks") or [])

    @property
    def response_type(self) -> str:
        """ "ephemeral" (Slack's default) or "in_channel"."""
        return str(self.body.get("response_type") or "ephemeral")

    @property
    def replace_original(self) -> bool:
        return bool(self.body.get("replace_original"))

    @property
    def delete_original(self) -> bool:
        return bool(self.body.get("delete_original"))


@dataclass
class Ack:
    """How the app answered a request it was sent, the same shape for both transports.

    `payload` is the acknowledgement's body: None for a bare `ack()`, `{"text": …}` for `ack("…")`,
    `{"options": […]}` or `{"response_action": …}` for the others. `status` is the HTTP status (200
    for a Socket Mode ack frame, None when no ack came in time).
    """

    ok: bool
    status: int | None
    payload: dict[str, Any] | None = None
    raw: str = ""


@dataclass
class Interaction:
    """One request sent to the app: what was sent, how, and the ids Slack issued with it."""

    kind: str  # "slash_commands" or "interactive"
    payload: dict[str, Any]
    transport: Transport
    ack: Ack
    response_url_id: str | None = None
    trigger_id: str | None = None
    body: bytes = b""  # the exact bytes of an HTTP request (for redelivery)
    content_type: str = ""


@dataclass
class Trigger:
    team_id: str
    user_id: str
    issued: float  # time.monotonic()
    used: bool = False
    view_id: str | None = None  # set when issued from inside a modal (views.push)
