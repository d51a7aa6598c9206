"""Platform-neutral replies.

A reply is built from spans rather than finished strings so that each adapter can render
them its own way: user-typed text is marked (Discord escapes its markdown and never lets it
mention anyone), dates are marked (Discord shows them as <t:…> timestamps, the console as
ISO dates), and links keep their label apart from their URL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class UserText:
    """Text that a user typed: shown exactly as typed, never as markup or a mention."""

    text: str


@dataclass(frozen=True)
class When:
    """A calendar date; `ago` is the "N days ago" the command computed with its clock."""

    day: dt.date
    ago: str | None = None


@dataclass(frozen=True)
class At:
    """An instant (aware datetime): Discord shows it in each reader's own time zone."""

    moment: dt.datetime


@dataclass(frozen=True)
class Link:
    url: str
    label: str | None = None


@dataclass(frozen=True)
class Ref:
    """A channel or a role, by id (Discord) or name (the console). Shown, never pinging."""

    kind: Literal["channel", "role"]
    id: str


Span = str | UserText | When | At | Link | Ref
Line = tuple[Span, ...]


def line(*spans: Span | None) -> Line:
    """A line from spans, dropping Nones so callers can write optional parts inline."""
    return tuple(s for s in spans if s is not None and s != "")


@dataclass(frozen=True)
class Field:
    name: Line
    value: tuple[Line, ...]
    inline: bool = False


@dataclass(frozen=True)
class Confirm:
    """The command wants the caller to confirm; the adapter re-runs it with confirmed=True."""

    prompt: Line
    command: str
    args: dict[str, object]


@dataclass(frozen=True)
class Image:
    """A picture that goes with a reply (a PNG): Discord attaches it to the message and shows it in
    the embed, Slack uploads it into the reply's channel or thread, the console writes it to a file.
    The reply's text stands without it; `alt` says what it shows, for screen readers and logs."""

    filename: str  # e.g. "timeline.png"
    data: bytes
    alt: str
    media_type: str = "image/png"


ActionStyle = Literal["primary", "secondary", "danger"]


@dataclass(frozen=True)
class Action:
    """A button under a reply. Pressing it runs the (hidden) command `command` with `args` through the
    adapter's Runner as whoever pressed it, so permissions, errors and logging are those of any command.
    Adapters keep nothing in memory for it: all it needs is the command and its args, which fit a
    Discord custom_id or a Slack action value, so a button works after a restart and in any process.

    `editors_only` is a hint for rendering (the command itself refuses non-editors).
    """

    label: str
    command: str  # "readout record"
    args: dict[str, str | int]  # {"draft": 12}
    style: ActionStyle = "secondary"
    editors_only: bool = False


@dataclass(frozen=True)
class FormField:
    name: str  # the option of the form's command that it fills
    label: str
    value: str = ""  # shown filled in
    multiline: bool = False
    required: bool = False
    max_length: int = 1000  # an adapter lowers it to its platform's own limit
    placeholder: str = ""


@dataclass(frozen=True)
class Form:
    """The command asks for values typed into fields (a modal on Discord and Slack). On submit the adapter
    runs `command` with `args` and every field's value as typed (an empty field as ""), as the submitter."""

    title: str
    command: str
    args: dict[str, str | int]
    fields: tuple[FormField, ...]


@dataclass
class Reply:
    title: Line
    lines: list[Line] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    footer: Line | None = None
    ephemeral: bool = False
    confirm: Confirm | None = None
    # A digest may opt in to pinging one role; everything else pings nobody.
    ping_role: str | None = None
    image: Image | None = None
    # Buttons under the reply (Record, Edit, Discard of a readout's draft).
    actions: tuple[Action, ...] = ()
    # Set: the adapter opens this form instead of showing the reply (whose text is for adapters without
    # forms: the console prints it with the command line to type).
    form: Form | None = None


def plain(spans: Line) -> str:
    """Render a line as plain text (the console, logs, tests)."""
    out: list[str] = []
    for s in spans:
        if isinstance(s, str):
            out.append(s)
        elif isinstance(s, UserText):
            out.append(s.text)
        elif isinstance(s, When):
            out.append(s.day.isoformat() + (f" ({s.ago})" if s.ago else ""))
        elif isinstance(s, At):
            out.append(s.moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
        elif isinstance(s, Ref):
            out.append(f"#{s.id}" if s.kind == "channel" else f"role {s.id}")
        else:
            out.append(f"{s.label} <{s.url}>" if s.label else s.url)
    return "".join(out)


def render_text(reply: Reply) -> str:
    """The whole reply as plain text, as the console prints it."""
    parts = [plain(reply.title)]
    parts.extend(plain(ln) for ln in reply.lines)
    for f in reply.fields:
        if f.inline and len(f.value) == 1:
            # A short side-by-side field reads best on one line in a terminal.
            parts.append(f"{plain(f.name)}: {plain(f.value[0])}")
            continue
        parts.append("")
        parts.append(plain(f.name))
        parts.extend("  " + plain(v) for v in f.value)
    if reply.footer:
        parts.append("")
        parts.append(plain(reply.footer))
    if reply.actions:
        parts.append("")
        parts.extend(f"[{a.label}] {command_text(a.command, a.args)}" for a in reply.actions)
    if reply.form is not None:
        form = reply.form
        values = {**form.args, **{f.name: f.value for f in form.fields}}
        parts.append("")
        parts.append(command_text(form.command, values))
    return "\n".join(parts)


def command_text(command: str, args: Mapping[str, object]) -> str:
    """A command as one typed line (commands/command_line.py reads it back): /readout record draft:12."""
    out = [f"/{command}"]
    for key, value in args.items():
        text = str(value)
        if text == "":
            continue
        if any(c.isspace() for c in text) or '"' in text or not text:
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        out.append(f"{key}:{text}")
    return " ".join(out)
