"""Platform-neutral replies.

A reply is built from spans rather than finished strings so that each adapter can render
them its own way: user-typed text is marked (Discord escapes its markdown and never lets it
mention anyone), dates are marked (Discord shows them as <t:…> timestamps, the console as
ISO dates), and links keep their label apart from their URL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


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
class Link:
    url: str
    label: str | None = None


Span = str | UserText | When | Link
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
        else:
            out.append(f"{s.label} <{s.url}>" if s.label else s.url)
    return "".join(out)


def render_text(reply: Reply) -> str:
    """The whole reply as plain text, as the console prints it."""
    parts = [plain(reply.title)]
    parts.extend(plain(ln) for ln in reply.lines)
    for f in reply.fields:
        parts.append("")
        parts.append(plain(f.name))
        parts.extend("  " + plain(v) for v in f.value)
    if reply.footer:
        parts.append("")
        parts.append(plain(reply.footer))
    return "\n".join(parts)
