"""Platform-neutral replies.

A reply is built from spans rather than finished strings so that each adapter can render
them its own way: user-typed text is marked (Discord escapes its markdown and never lets it
mention anyone), dates are marked (Discord and Slack show them in each reader's own locale and
time zone, the console in one fixed style, "Nov 22, 2022"), and links keep their label apart from
their URL.

A long list comes as explicit pages (`Reply.pages`), cut by commands/paging.py; each adapter shows
one page at a time and splits a page further only when it exceeds the platform's size limits.
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
    """A calendar date; `ago` is its age as the command computed it with its clock ("4 years ago",
    commands.common.age), shown after the date as words on every platform."""

    day: dt.date
    ago: str | None = None


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_text(day: dt.date) -> str:
    """The one fixed date style ("Nov 22, 2022"): the console, and wherever a platform cannot show a
    date in the reader's locale (Discord's titles and field names, Slack's headers and fallbacks).
    Not strftime("%b"), which follows the process's locale."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def when_text(span: When) -> str:
    """A When in the fixed style, with its age: "Nov 22, 2022 (4 years ago)"."""
    return date_text(span.day) + (f" ({span.ago})" if span.ago else "")


def moment_text(moment: dt.datetime) -> str:
    """An instant in the fixed style, in UTC: "Nov 22, 2022 09:00 UTC"."""
    utc = moment.astimezone(dt.UTC)
    return f"{date_text(utc.date())} {utc:%H:%M} UTC"


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


@dataclass(frozen=True)
class Code:
    """Command syntax ("/event list [since] …"), in code formatting where the platform has it.
    Hotline's own words only: user text is UserText."""

    text: str


Span = str | UserText | When | At | Link | Ref | Code
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


@dataclass(frozen=True)
class Page:
    """One page of a list: its own lines and fields."""

    lines: tuple[Line, ...] = ()
    fields: tuple[Field, ...] = ()


@dataclass
class Reply:
    """A title, lines, fields and a footer. With `pages`, `lines` and `fields` open the first page,
    each Page follows on a page of its own, and the footer (where a list says its total) closes
    every page; the adapters add "page i/N" to it."""

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
    pages: list[Page] = field(default_factory=list)


def split_pages(reply: Reply) -> list[Reply]:
    """The reply as one Reply per page the command decided, each without pages (an adapter renders
    each as it renders any reply, then numbers the pages it shows)."""
    if not reply.pages:
        return [reply]
    out: list[Reply] = []
    for i, page in enumerate(reply.pages):
        first, last = i == 0, i == len(reply.pages) - 1
        out.append(
            Reply(
                title=reply.title,
                lines=(list(reply.lines) if first else []) + list(page.lines),
                fields=(list(reply.fields) if first else []) + list(page.fields),
                footer=reply.footer,
                ephemeral=reply.ephemeral,
                confirm=reply.confirm if last else None,
                ping_role=reply.ping_role if first else None,
                image=reply.image if first else None,
                actions=reply.actions if last else (),
                form=reply.form if first else None,
            )
        )
    return out


def page_mark(index: int, count: int) -> str:
    """ "page 2/3", the same words on every platform; nothing for a single page."""
    return f"page {index + 1}/{count}" if count > 1 else ""


def plain(spans: Line) -> str:
    """Render a line as plain text (the console, logs, tests)."""
    out: list[str] = []
    for s in spans:
        if isinstance(s, str):
            out.append(s)
        elif isinstance(s, UserText | Code):
            out.append(s.text)
        elif isinstance(s, When):
            out.append(when_text(s))
        elif isinstance(s, At):
            out.append(moment_text(s.moment))
        elif isinstance(s, Ref):
            out.append(f"#{s.id}" if s.kind == "channel" else f"role {s.id}")
        else:
            out.append(f"{s.label} <{s.url}>" if s.label else s.url)
    return "".join(out)


def render_text(reply: Reply) -> str:
    """The whole reply as plain text, as the console prints it: every page in turn, each closed by
    the footer and its page mark (a terminal scrolls; it has no buttons to turn pages)."""
    pages = split_pages(reply)
    parts = [plain(reply.title)]
    for i, page in enumerate(pages):
        parts.extend(plain(ln) for ln in page.lines)
        for f in page.fields:
            if f.inline and len(f.value) == 1:
                # A short side-by-side field reads best on one line in a terminal.
                parts.append(f"{plain(f.name)}: {plain(f.value[0])}")
                continue
            parts.append("")
            parts.append(plain(f.name))
            parts.extend("  " + plain(v) for v in f.value)
        note = " · ".join(t for t in (plain(reply.footer) if reply.footer else "", page_mark(i, len(pages))) if t)
        if note:
            parts.append("")
            parts.append(note)
        if i < len(pages) - 1 and pages[i + 1].lines:
            parts.append("")  # fields open with a blank line of their own
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
