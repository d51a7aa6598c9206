"""A platform-neutral Reply as Discord embeds, within Discord's limits, nothing cut silently.

A reply becomes one or more pages, each one embed that fits one message: 256 characters of
title, 4096 of description, 25 fields of 1024 characters each and 6000 in all. A list comes with
its pages decided by the command (`Reply.pages`, commands/paging.py): each is its own embed. What
does not fit goes onto the next page (the adapter shows pages with buttons, a channel post sends them
in order); a line or field too long for one place is split at a space and continued, never
truncated. The only shortened text is a title over 256 characters, and then the full title
opens the description.

Spans render by where they land, because Discord renders embeds unevenly: descriptions and
field values show markdown, masked links and <t:…> timestamps; titles and field names show
markdown but neither links nor timestamps; footers show plain text only. A date is `<t:…:D>`
(each reader's own locale and time zone) followed by its age in words, where timestamps render;
elsewhere the console's fixed style ("Nov 22, 2022").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

import discord

from commands.reply import At, Code, Line, Link, Ref, Reply, UserText, When, page_mark, plain, split_pages, when_text

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
# Room kept in every page for the " · page 12/12" the pager appends to the footer.
PAGE_MARK_RESERVE = 24
BLANK = "\u200b"  # Discord refuses empty field names and values; a zero-width space reads as empty
CONTINUED = " (continued)"

COLOUR = discord.Colour(0x2B6CB0)
ERROR_COLOUR = discord.Colour(0xC53030)

Where = Literal["rich", "heading"]


# Every character the escapes below act on, and a line start they would touch ("- item", "1. item").
# Text without any of them comes back unchanged, so it skips the four regex passes: a /lastcall reply
# holds some thirty names, titles and places, and escaping them all was half its rendering (docs/PERFORMANCE.md).
_NEEDS_ESCAPE = re.compile(r"[_\\~|*`>\[#@<\n\r]|^\s*[-\d]")


def escape_user_text(text: str) -> str:
    """User-typed text shown exactly as typed: no markdown, no mention, no <t:…> or <#…> markup."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    return escape_all(text)


def escape_all(text: str) -> str:
    escaped = discord.utils.escape_markdown(discord.utils.escape_mentions(text))
    escaped = escaped.replace("<", "\\<")
    # An ordered-list marker at a line start would otherwise render as a list.
    return re.sub(r"^(\s*\d+)\.", r"\1\\.", escaped, flags=re.MULTILINE)


def day_timestamp(day: dt.date) -> int:
    """The instant a `<t:…:D>` tag shows for a calendar date.

    Discord shows a timestamp in the reader's own time zone. Noon UTC falls on the same calendar
    day from UTC-11 to UTC+11, so readers in the Americas, Europe and Asia all see the date that
    was recorded; midnight UTC would show the day before to everyone west of Greenwich.
    """
    return int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp())


def _link_label(link: Link) -> str:
    if link.label:
        return link.label
    host = urlsplit(link.url).netloc
    return host.removeprefix("www.") or link.url


class _Piece(NamedTuple):
    # A tuple, not a frozen dataclass: a reply renders a hundred or more pieces, and a frozen
    # dataclass is several times slower to create (docs/PERFORMANCE.md).
    text: str
    breakable: bool  # may be split at a space; links and timestamps may not


def _pieces(spans: Line, where: Where) -> list[_Piece]:
    out: list[_Piece] = []
    for s in spans:
        if isinstance(s, str):
            out.append(_Piece(s, True))
        elif isinstance(s, UserText):
            out.append(_Piece(escape_user_text(s.text), True))
        elif isinstance(s, Code):
            # Discord shows inline code in titles, field names and values alike; footers show it raw.
            out.append(_Piece(f"`{s.text.replace('`', '')}`", False))
        elif isinstance(s, When):
            # Discord's <t:…> tags are not reliable before 1970 (negative timestamps): ISO there.
            # The age is the command's words ("4 years ago"), not <t:…:R>: it is rounded the same way on
            # every platform and follows the command's clock.
            if where == "rich" and s.day.year >= 1970:
                tag = f"<t:{day_timestamp(s.day)}:D>" + (f" ({s.ago})" if s.ago else "")
            else:  # no timestamps in titles and field names: the console's fixed style
                tag = when_text(s)
            out.append(_Piece(tag, False))
        elif isinstance(s, At):
            if where == "rich" and s.moment.year >= 1970:
                out.append(_Piece(f"<t:{int(s.moment.timestamp())}:f>", False))  # in the reader's own zone
            else:
                out.append(_Piece(plain((s,)), False))
        elif isinstance(s, Ref):
            # A mention renders as the channel's or role's name; inside an embed it never pings, and
            # every message goes out with no mentions allowed besides. Titles and field names do not
            # render mentions, so they get the console's form. A Ref id is a snowflake; anything else
            # is shown as typed text rather than trusted as markup.
            if not s.id.isdigit():
                out.append(_Piece(escape_user_text(plain((s,))), True))
            elif where == "rich":
                out.append(_Piece(f"<#{s.id}>" if s.kind == "channel" else f"<@&{s.id}>", False))
            else:
                out.append(_Piece(plain((s,)), False))
        else:
            label = escape_user_text(_link_label(s)).replace("[", "\\[").replace("]", "\\]")
            if where == "rich":
                # Parentheses would end the markdown link early.
                url = s.url.replace("(", "%28").replace(")", "%29")
                out.append(_Piece(f"[{label}]({url})", False))
            else:
                out.append(_Piece(label, True))
    return out


def render_line(spans: Line, where: Where = "rich") -> str:
    return "".join(p.text for p in _pieces(spans, where))


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
            if not piece.breakable or room <= 0:
                if current:
                    chunks.append(current.rstrip())
                    current = ""
                    continue
                # An unbreakable piece longer than a whole chunk: split it rather than lose it.
                cut = limit
            else:
                cut = text.rfind(" ", 0, room + 1)
                if cut <= 0:
                    if current:
                        chunks.append(current.rstrip())
                        current = ""
                        continue
                    cut = room
            if cut > 1 and text[cut - 1] == "\\":
                cut -= 1  # never separate an escape from the character it escapes
            chunks.append((current + text[:cut]).rstrip())
            current = ""
            text = text[cut:].lstrip(" ")
    if current or not chunks:
        chunks.append(current.rstrip())
    return chunks


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class _Field:
    name: str
    value: str
    inline: bool

    @property
    def size(self) -> int:
        return len(self.name) + len(self.value)


def _fields(reply: Reply) -> list[_Field]:
    out: list[_Field] = []
    for f in reply.fields:
        name = render_line(f.name, "heading").strip() or BLANK
        lines: list[list[_Piece]] = []
        if len(name) > FIELD_NAME_MAX:
            lines.append([_Piece(name, True)])  # the full name opens the value: shortened, not lost
            name = _shorten(name, FIELD_NAME_MAX)
        lines.extend(_pieces(v, "rich") for v in f.value)
        # Pack whole lines into values of at most 1024 characters; split only a line that alone is longer.
        chunks: list[str] = []
        for pieces in lines:
            for part in _wrap(pieces, FIELD_VALUE_MAX):
                if chunks and len(chunks[-1]) + 1 + len(part) <= FIELD_VALUE_MAX:
                    chunks[-1] += "\n" + part
                else:
                    chunks.append(part)
        if not chunks:
            chunks = [BLANK]
        for i, chunk in enumerate(chunks):
            shown = name if i == 0 else _shorten(name, FIELD_NAME_MAX - len(CONTINUED)) + CONTINUED
            out.append(_Field(shown, chunk if chunk.strip() else BLANK, f.inline))
    return out


def _description_chunks(lines: list[str]) -> list[str]:
    """Lines packed into descriptions of at most 4096 characters, a too-long line split at spaces."""
    chunks: list[str] = []
    for line_text in lines:
        parts = _wrap([_Piece(line_text, True)], DESCRIPTION_MAX) if len(line_text) > DESCRIPTION_MAX else [line_text]
        for part in parts:
            if chunks and len(chunks[-1]) + 1 + len(part) <= DESCRIPTION_MAX:
                chunks[-1] += "\n" + part
            else:
                chunks.append(part)
    return chunks


@dataclass
class _Page:
    description: str = ""
    fields: list[_Field] | None = None

    def size(self) -> int:
        return len(self.description) + sum(f.size for f in self.fields or [])


def render(reply: Reply, *, colour: discord.Colour = COLOUR) -> list[discord.Embed]:
    """The reply as pages, one embed each; every page fits one Discord message. The pages a command
    decided come in order, each split further only if it does not fit."""
    pages = [page for part in split_pages(reply) for page in _pages(part)]
    embeds: list[discord.Embed] = []
    for i, (title, page, footer) in enumerate(pages):
        embed = discord.Embed(title=title or None, description=page.description or None, colour=colour)
        for f in page.fields or []:
            embed.add_field(name=f.name, value=f.value, inline=f.inline)
        text = " · ".join(t for t in (footer, page_mark(i, len(pages))) if t)
        if text:
            embed.set_footer(text=text)
        if not (title or page.description or page.fields or text):
            embed.description = BLANK  # an embed must show something
        embeds.append(embed)
    return embeds


def _pages(reply: Reply) -> list[tuple[str, _Page, str]]:
    """One reply without pages of its own as (title, page, footer) triples, packed to Discord's limits."""
    title = render_line(reply.title, "heading").strip()
    lines: list[str] = []
    if len(title) > TITLE_MAX:
        lines.append(f"**{title}**")
        title = _shorten(title, TITLE_MAX)
    # Description lines render their spans first, then wrap: a link or timestamp is never split.
    for ln in reply.lines:
        text = render_line(ln)
        if len(text) > DESCRIPTION_MAX:
            lines.extend(_wrap(_pieces(ln, "rich"), DESCRIPTION_MAX))
        else:
            lines.append(text)
    footer = plain(reply.footer).strip() if reply.footer else ""
    if len(footer) > FOOTER_MAX - PAGE_MARK_RESERVE:
        lines.append(footer)
        footer = _shorten(footer, FOOTER_MAX - PAGE_MARK_RESERVE)

    budget = EMBED_TOTAL_MAX - len(title) - len(footer) - PAGE_MARK_RESERVE
    pages: list[_Page] = []
    for chunk in _description_chunks(lines):
        if len(chunk) > budget:  # only with a very long title and footer: give the rest its own page
            for part in _wrap([_Piece(chunk, True)], budget):
                pages.append(_Page(part))
        else:
            pages.append(_Page(chunk))
    if not pages:
        pages.append(_Page())
    for f in _fields(reply):
        page = pages[-1]
        fields = page.fields or []
        if len(fields) >= FIELDS_MAX or page.size() + f.size > budget:
            page = _Page()
            pages.append(page)
            fields = []
        fields.append(f)
        page.fields = fields
    return [(title, page, footer) for page in pages]


def error_embed(message: str) -> discord.Embed:
    """A private error reply. The message may quote what the user typed, so it is escaped."""
    return discord.Embed(description=_shorten(escape_user_text(message), DESCRIPTION_MAX), colour=ERROR_COLOUR)


def allowed_mentions(reply: Reply) -> discord.AllowedMentions:
    """Nobody is pinged, except the one role a digest subscription chose."""
    if reply.ping_role:
        return discord.AllowedMentions(
            everyone=False, users=False, replied_user=False, roles=[discord.Object(int(reply.ping_role))]
        )
    return discord.AllowedMentions.none()


def ping_content(reply: Reply) -> str | None:
    return f"<@&{int(reply.ping_role)}>" if reply.ping_role else None
