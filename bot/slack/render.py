"""A platform-neutral Reply as Slack messages (Block Kit), within Slack's limits, nothing cut silently.

A reply becomes one or more pages, each one message: the title as a header block (or a bold section
when it holds characters a header would show raw), the lines as mrkdwn sections, the fields as
sections (short inline ones side by side in a section's `fields`), the footer as a context block,
and, when the adapter gives a token, buttons to turn pages or to confirm. A list comes with its pages
decided by the command (`Reply.pages`, commands/paging.py): each is its own message. What does not
fit goes onto the next page; a line or field too long for one block is split at a space and continued,
never truncated. Only a title or footer too long for its place is shortened, and then shown in
full among the lines.

Every piece of user text is escaped for mrkdwn (`&`, `<`, `>`), so `<!channel>`, `<!here>` or
`<@U…>` typed by someone shows as typed and pings nobody, and its formatting characters are fenced
with zero-width spaces so they format nothing. Every mrkdwn text object is `verbatim`, so Slack
does not turn bare names or URLs into links or mentions either. The only ping this module ever
writes is a digest's opt-in user group (`Reply.ping_role`).

A date is `<!date^…^{date_short}|Nov 22, 2022>` (each reader's own locale and time zone) followed by
its age in words; where Slack shows no dates (headers, the notification text) it is the console's
fixed style.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple
from urllib.parse import urlsplit

from commands.reply import (
    At,
    Code,
    Line,
    Link,
    Ref,
    Reply,
    UserText,
    When,
    date_text,
    page_mark,
    plain,
    split_pages,
    when_text,
)

# Slack's Block Kit limits.
MESSAGE_BLOCKS_MAX = 50
HEADER_TEXT_MAX = 150
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
FIELD_TEXT_MAX = 2000
CONTEXT_TEXT_MAX = 3000
BUTTON_VALUE_MAX = 2000
# Slack refuses very long block sets (msg_blocks_too_long) without saying where the line is, and a
# page of more than a few screens is no longer read as one: a page holds at most this much text.
PAGE_TEXT_MAX = 12_000
# The notification text: what a phone shows for the message; the blocks carry the content.
FALLBACK_TEXT_MAX = 300
# Blocks kept free on every page for the header, the footer, one row of buttons and a digest's ping.
RESERVED_BLOCKS = 4
CONTINUED = " (continued)"
ZWSP = "\u200b"

# Buttons. The adapter looks these action_ids up; values carry what it needs to act.
ACTIONS_BLOCK = "hotline_buttons"
ACTION_PAGE_PREVIOUS = "hotline_page_previous"  # value: "<token>:<page index to show>"
ACTION_PAGE_NEXT = "hotline_page_next"  # value: "<token>:<page index to show>"
ACTION_CONFIRM = "hotline_confirm"  # value: "<token>"
ACTION_CANCEL = "hotline_cancel"  # value: "<token>"
PAGE_ACTIONS = (ACTION_PAGE_PREVIOUS, ACTION_PAGE_NEXT)

Where = Literal["rich", "heading", "plain"]

_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,20}")
_USERGROUP_ID = re.compile(r"S[A-Z0-9]{2,20}")
_FORMATTING = re.compile(r"[*_~`]")
_NEEDS_ESCAPE = re.compile(r"[&<>*_~`]")


def escape_text(text: str) -> str:
    """Text that must not be read as markup: `&`, `<` and `>` as Slack's entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_user_text(text: str) -> str:
    """User-typed text shown as typed in mrkdwn: no mention, link or date markup, no formatting.

    Slack's mrkdwn has no escape character; a formatting character fenced by zero-width spaces is
    neither the start nor the end of a word, so it opens and closes nothing. A `>` at a line start
    would quote the line; the fence before it keeps it text.
    """
    if not _NEEDS_ESCAPE.search(text):
        return text
    escaped = _FORMATTING.sub(lambda m: ZWSP + m.group(0) + ZWSP, escape_text(text))
    return re.sub(r"^(\s*)&gt;", "\\1" + ZWSP + "&gt;", escaped, flags=re.MULTILINE)


def day_timestamp(day: dt.date) -> int:
    """The instant a `<!date^…>` shows for a calendar date: noon UTC, the same day for readers
    from UTC-11 to UTC+11 (Slack shows dates in each reader's own time zone)."""
    return int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp())


def _safe_url(url: str) -> str | None:
    """A URL fit for `<url|label>`: http(s) only, and nothing that would end the link early."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return None
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def _link_label(link: Link) -> str:
    if link.label:
        return link.label
    host = urlsplit(link.url).netloc
    return host.removeprefix("www.") or link.url


class _Piece(NamedTuple):
    text: str
    breakable: bool  # may be split at a space; links and dates may not


def _pieces(spans: Line, where: Where) -> list[_Piece]:
    out: list[_Piece] = []
    user = escape_text if where == "plain" else escape_user_text
    for s in spans:
        if isinstance(s, str):
            # The command's own words: trusted to format nothing, but `&`, `<`, `>` are still entities.
            out.append(_Piece(escape_text(s), True))
        elif isinstance(s, UserText):
            out.append(_Piece(user(s.text), True))
        elif isinstance(s, Code):
            text = escape_text(s.text.replace("`", ""))
            out.append(_Piece(text if where == "plain" else f"`{text}`", False))
        elif isinstance(s, When):
            if where == "rich" and s.day.year >= 1970:
                ago = f" ({s.ago})" if s.ago else ""
                tag = f"<!date^{day_timestamp(s.day)}^{{date_short}}|{date_text(s.day)}>" + ago
            else:  # before 1970 Slack's dates are not reliable; titles and the fallback: the fixed style
                tag = when_text(s)
            out.append(_Piece(tag, False))
        elif isinstance(s, At):
            fallback = plain((s,))
            if where == "rich" and s.moment.year >= 1970:
                out.append(_Piece(f"<!date^{int(s.moment.timestamp())}^{{date_short}} {{time}}|{fallback}>", False))
            else:
                out.append(_Piece(fallback, False))
        elif isinstance(s, Ref):
            out.append(_Piece(_ref(s, where), False))
        else:
            label = user(_link_label(s))
            url = _safe_url(s.url)
            if where != "rich":
                out.append(_Piece(label, True))
            elif url is not None:
                out.append(_Piece(f"<{url}|{label}>", False))
            else:  # not a link Slack would follow safely: shown as text
                out.append(_Piece(f"{label} ({user(s.url)})" if s.label else user(s.url), True))
    return out


def _ref(ref: Ref, where: Where) -> str:
    """A channel links to itself (a channel link pings nobody); a user group is named, never mentioned."""
    if ref.kind == "channel" and where == "rich" and _CHANNEL_ID.fullmatch(ref.id):
        return f"<#{ref.id}>"
    if ref.kind == "channel":
        return "#" + (escape_text(ref.id) if where == "plain" else escape_user_text(ref.id))
    return "user group " + (escape_text(ref.id) if where == "plain" else escape_user_text(ref.id))


def render_line(spans: Line, where: Where = "rich") -> str:
    return "".join(p.text for p in _pieces(spans, where))


def _cut_point(text: str, limit: int) -> int:
    """Where to split text that has no space within `limit`: never inside an entity or a fence."""
    cut = limit
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    while 0 < cut < len(text) and (text[cut - 1] == ZWSP or text[cut] == ZWSP):
        cut -= 1
    return max(cut, 1)


def _wrap(pieces: list[_Piece], limit: int) -> list[str]:
    """Join pieces into chunks of at most `limit` characters, splitting text at spaces."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        text = piece.text
        while text:
            if len(current) + len(text) <= limit:
                current += text
                break
            room = limit - len(current)
            if current and (not piece.breakable or text.rfind(" ", 0, room + 1) <= 0):
                chunks.append(current.rstrip())
                current = ""
                continue
            if piece.breakable:
                space = text.rfind(" ", 0, room + 1)
                cut = space if space > 0 else _cut_point(text, room)
            else:
                cut = limit  # an unbreakable piece longer than a whole chunk: split rather than lose it
            chunks.append((current + text[:cut]).rstrip())
            current = ""
            text = text[cut:].lstrip(" ")
    if current or not chunks:
        chunks.append(current.rstrip())
    return [c for c in chunks if c] or [""]


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: _cut_point(text, limit - 1)].rstrip() + "…"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _weight(block: dict[str, Any]) -> int:
    if "fields" in block:
        return sum(len(f["text"]) for f in block["fields"])
    return len(block["text"]["text"])


@dataclass(frozen=True)
class SlackMessage:
    """One message: `text` is the notification fallback, `blocks` the content."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_args(self) -> dict[str, Any]:
        """Keyword arguments for chat.postMessage / chat.update / respond()."""
        return {"text": self.text, "blocks": self.blocks}


def _line_chunks(texts: list[tuple[str, Line | None]]) -> list[str]:
    """Lines packed into section texts of at most 3000 characters, a too-long line split at spaces."""
    chunks: list[str] = []
    for text, spans in texts:
        if len(text) > SECTION_TEXT_MAX:
            parts = _wrap(_pieces(spans, "rich") if spans else [_Piece(text, True)], SECTION_TEXT_MAX)
        else:
            parts = [text]
        for part in parts:
            if chunks and len(chunks[-1]) + 1 + len(part) <= SECTION_TEXT_MAX:
                chunks[-1] += "\n" + part
            else:
                chunks.append(part)
    return chunks


def _field_blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    side_by_side: list[dict[str, Any]] = []

    def flush() -> None:
        for start in range(0, len(side_by_side), SECTION_FIELDS_MAX):
            blocks.append({"type": "section", "fields": side_by_side[start : start + SECTION_FIELDS_MAX]})
        side_by_side.clear()

    for f in reply.fields:
        name = render_line(f.name, "heading").strip()
        values = [render_line(v) for v in f.value]
        joined = "\n".join(values)
        head = f"*{name}*" if name else ""
        short = f"{head}\n{joined}" if head and joined else head or joined
        if f.inline and short and len(short) <= FIELD_TEXT_MAX:
            side_by_side.append(_mrkdwn(short))
            continue
        flush()
        budget = SECTION_TEXT_MAX - len(head) - len(CONTINUED) - 1
        if budget < SECTION_TEXT_MAX // 2:  # a name longer than half a section opens the value instead
            texts: list[tuple[str, Line | None]] = [(name, f.name)]
            head = f"*{_shorten(name, SECTION_TEXT_MAX // 4)}*"
            budget = SECTION_TEXT_MAX - len(head) - len(CONTINUED) - 1
        else:
            texts = []
        texts.extend((text, spans) for text, spans in zip(values, f.value, strict=True))
        parts = _value_chunks(texts, budget) or [""]
        for i, part in enumerate(parts):
            shown = head if i == 0 else (head[:-1] + CONTINUED + "*" if head else CONTINUED.strip())
            text = f"{shown}\n{part}" if shown and part else shown or part
            if text:
                blocks.append(_section(text))
    flush()
    return blocks


def _value_chunks(texts: list[tuple[str, Line | None]], budget: int) -> list[str]:
    chunks: list[str] = []
    for text, spans in texts:
        pieces = _pieces(spans, "rich") if spans and len(text) > budget else [_Piece(text, True)]
        parts = _wrap(pieces, budget)
        for part in parts:
            if chunks and len(chunks[-1]) + 1 + len(part) <= budget:
                chunks[-1] += "\n" + part
            else:
                chunks.append(part)
    return chunks


def _title(reply: Reply) -> tuple[dict[str, Any] | None, str | None]:
    """The title block, and the full title when it had to be shortened (it then opens the lines)."""
    raw = plain(reply.title).strip()
    if not raw:
        return None, None
    if len(raw) <= HEADER_TEXT_MAX and not re.search(r"[&<>]", raw):
        # plain_text shows everything as typed: no escaping needed, none wanted.
        return {"type": "header", "text": {"type": "plain_text", "text": raw, "emoji": False}}, None
    text = render_line(reply.title, "heading").strip()
    if len(text) + 2 <= SECTION_TEXT_MAX:
        return _section(f"*{text}*"), None
    return _section(f"*{_shorten(text, SECTION_TEXT_MAX - 2)}*"), text


def render(reply: Reply, *, token: str | None = None) -> list[SlackMessage]:
    """The reply as pages, one message each; every page fits one Slack message. The pages a command
    decided come in order, each split further only if it does not fit.

    With a `token` (the adapter's key for this reply), a reply of several pages gets Previous/Next
    buttons and a reply that asks to confirm gets Confirm/Cancel on its last page.
    """
    title_block, full_title = _title(reply)
    footer = render_line(reply.footer).strip() if reply.footer else ""
    footer_room = CONTEXT_TEXT_MAX - len(" · page 999/999")
    pages: list[list[dict[str, Any]]] = []
    for i, part in enumerate(split_pages(reply)):
        texts: list[tuple[str, Line | None]] = []
        if full_title and i == 0:
            texts.append((f"*{full_title}*", None))
        texts.extend((render_line(ln), ln) for ln in part.lines)
        if len(footer) > footer_room and i == 0:
            texts.append((footer, reply.footer))
        pages.extend(_pack([_section(chunk) for chunk in _line_chunks(texts) if chunk] + _field_blocks(part)))
    if len(footer) > footer_room:
        footer = _shorten(footer, footer_room)

    fallback = _fallback(reply)
    ping = ping_text(reply)
    messages: list[SlackMessage] = []
    for i, page in enumerate(pages):
        blocks: list[dict[str, Any]] = []
        if ping and i == 0:
            blocks.append(_section(ping))
        if title_block:
            blocks.append(title_block)
        blocks.extend(page)
        mark = page_mark(i, len(pages))
        note = " · ".join(t for t in (footer, mark) if t)
        if note:
            blocks.append({"type": "context", "elements": [_mrkdwn(note)]})
        buttons = _buttons(reply, token, i, len(pages))
        if buttons:
            blocks.append({"type": "actions", "block_id": ACTIONS_BLOCK, "elements": buttons})
        if not blocks:
            blocks.append(_section(ZWSP))  # a message must show something
        text = fallback + (f" ({mark})" if mark else "")
        if ping and i == 0:
            text = f"{ping} {text}"
        messages.append(SlackMessage(text, blocks))
    return messages


def _pack(content: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Blocks onto as few pages as Slack's block count and the page text budget allow."""
    pages: list[list[dict[str, Any]]] = [[]]
    size = 0
    for block in content:
        weight = _weight(block)
        if pages[-1] and (len(pages[-1]) >= MESSAGE_BLOCKS_MAX - RESERVED_BLOCKS or size + weight > PAGE_TEXT_MAX):
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += weight
    return pages


def _fallback(reply: Reply) -> str:
    parts = [render_line(reply.title, "plain").strip()]
    if reply.lines:
        parts.append(render_line(reply.lines[0], "plain").strip())
    text = " — ".join(p for p in parts if p)
    return _shorten(text, FALLBACK_TEXT_MAX) or "Hotline"


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _buttons(reply: Reply, token: str | None, index: int, count: int) -> list[dict[str, Any]]:
    if token is None:
        return []
    if len(token) > BUTTON_VALUE_MAX - 8 or ":" in token:
        raise ValueError("a button token must be short and hold no ':'")
    buttons: list[dict[str, Any]] = []
    if index > 0:
        buttons.append(_button("◀ Previous", ACTION_PAGE_PREVIOUS, page_value(token, index - 1)))
    if index < count - 1:
        buttons.append(_button("Next ▶", ACTION_PAGE_NEXT, page_value(token, index + 1)))
    if reply.confirm is not None and index == count - 1:
        buttons.append(_button("Confirm", ACTION_CONFIRM, token, "danger"))
        buttons.append(_button("Cancel", ACTION_CANCEL, token))
    return buttons


def page_value(token: str, index: int) -> str:
    return f"{token}:{index}"


def parse_page_value(value: str) -> tuple[str, int] | None:
    """(token, page index) from a paging button's value, or None for a value this module did not write."""
    token, sep, index = value.rpartition(":")
    if not sep or not token or not index.isdecimal() or len(index) > 4:
        return None
    return token, int(index)


def ping_text(reply: Reply) -> str | None:
    """The digest's opt-in user-group mention, or None. Only a user group id is ever mentioned."""
    if reply.ping_role and _USERGROUP_ID.fullmatch(reply.ping_role):
        return f"<!subteam^{reply.ping_role}>"
    return None


def error_message(message: str) -> SlackMessage:
    """A private error reply. The message may quote what the user typed, so it is escaped."""
    text = _shorten(escape_user_text(message), SECTION_TEXT_MAX - 2)
    return SlackMessage(_shorten(escape_text(message), FALLBACK_TEXT_MAX), [_section(f"⚠ {text}")])
