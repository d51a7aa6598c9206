"""Side by side: each side's own readout of one contact, issue by issue.

The two governments' readouts of one call say different things. Record keeps each readout's sentences as
concerns with the readout's link; this module groups them back by readout — "US readout: … / PRC readout:
…" — per issue, with both sources. Whose readout a link is comes from the draft that recorded it (the
extraction's `author`), else from its publisher. /event show, /lastcall and /positions call the hooks
below; nothing else of theirs changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commands.common import issue_titles, pair_line, truncate
from commands.context import Ctx
from commands.reply import Field, Line, Link, Span, UserText, When, line
from extraction.publishers import side_of_publisher
from storage.records import Concern, Event, EventNotes, Source

LABEL = {"us": "US readout", "cn": "PRC readout"}
TEXT_SHOWN = 500  # characters of one readout's words on one issue; the concern keeps them all
EVENTS_LOOKED_AT = 20  # /positions: how many of the issue's latest contacts are searched for two readouts


@dataclass
class Account:
    """One readout of a contact: whose it is, where it is, and its words per issue."""

    side: str  # "us" or "cn"
    source: Source
    by_issue: dict[str, list[str]] = field(default_factory=dict)


async def accounts_of(
    ctx: Ctx, event: Event, *, pairs_only: bool = False, notes: EventNotes | None = None
) -> list[Account]:
    """The readouts recorded into an event, US first, each with its words per issue. With `pairs_only`,
    none when the event cannot hold one readout of each side. `notes`: the event's, when already read."""
    ws = ctx.caller.workspace
    if notes is None:
        notes = await ctx.store.event_notes(ws, event.id)
    concerns = notes.worded()
    # An account is one source, so a pair needs two: with fewer, the drafts that tell whose readout a
    # source is need not be read (a trip to the reader's thread, on every /lastcall).
    if not concerns or (pairs_only and len({c.source for c in concerns}) < 2):
        return []
    sides: dict[str, str] = {}
    for d in await ctx.store.event_drafts(ws, event.id):
        author = d.extracted.get("author")
        side = author if author in LABEL else side_of_publisher(d.publisher)
        if d.url and isinstance(side, str):
            sides.setdefault(d.url, side)
    sources = {s.url: s for s in event.sources if s.url}
    found: dict[str, Account] = {}
    for c in concerns:
        assert c.source is not None
        known = sources.get(c.source, Source(c.source))
        side = sides.get(c.source) or side_of_publisher(known.publisher)
        if side is None:
            continue
        account = found.setdefault(c.source, Account(side, known))
        texts = account.by_issue.setdefault(c.issue, [])
        if c.text is not None and c.text not in texts:  # one sentence may give an issue to both sides
            texts.append(c.text)
    return sorted(found.values(), key=lambda a: (a.side != "us",))


def _pair(accounts: list[Account]) -> tuple[Account, Account] | None:
    us = next((a for a in accounts if a.side == "us"), None)
    cn = next((a for a in accounts if a.side == "cn"), None)
    return (us, cn) if us is not None and cn is not None else None


def _words(account: Account | None, issue: str) -> Line:
    if account is None:
        return line("no readout recorded")
    texts = account.by_issue.get(issue)
    if not texts:
        return line("does not mention it")
    return line(UserText(truncate(" ".join(texts), TEXT_SHOWN)))


def _source_line(account: Account) -> Line:
    s = account.source
    parts: list[Span] = [f"{LABEL[account.side]}: "]
    parts.append(Link(s.url, s.title) if s.url and s.title else Link(s.url) if s.url else "(no link)")
    if s.publisher:
        parts += [" — ", UserText(s.publisher)]
    return tuple(parts)


async def account_fields(
    ctx: Ctx,
    event: Event,
    *,
    both_only: bool,
    issue: str | None = None,
    heading: Line | None = None,
    notes: EventNotes | None = None,
) -> list[Field]:
    """A field per issue ("US readout: … / PRC readout: …") and one with both sources. With `both_only`,
    nothing unless both sides' readouts are recorded; with `issue`, that issue only. `notes`: the
    event's, when already read."""
    accounts = await accounts_of(ctx, event, pairs_only=both_only, notes=notes)
    pair = _pair(accounts)
    if not accounts or (both_only and pair is None):
        return []
    us, cn = (
        pair
        if pair is not None
        else (
            next((a for a in accounts if a.side == "us"), None),
            next((a for a in accounts if a.side == "cn"), None),
        )
    )
    issues: list[str] = []
    for a in accounts:
        issues += [i for i in a.by_issue if i not in issues]
    if issue is not None:
        issues = [i for i in issues if i == issue]
    if not issues:
        return []
    titles = await issue_titles(ctx)
    fields: list[Field] = []
    for i in issues:
        name = line(*(heading or ()), f"{titles.get(i, i)} — each side's readout")
        fields.append(Field(name, (line("US readout: ", *_words(us, i)), line("PRC readout: ", *_words(cn, i)))))
    fields.append(Field(line("Readouts"), tuple(_source_line(a) for a in accounts)))
    return fields


async def issue_account_fields(ctx: Ctx, issue: str, concerns: list[Concern]) -> list[Field]:
    """/positions: both sides' readouts of the latest contact on the issue that has both, side by side."""
    event_ids: list[int] = []
    for c in concerns:
        if c.event_id is not None and c.source and c.text and c.event_id not in event_ids:
            event_ids.append(c.event_id)
    events = await ctx.store.events_by_ids(ctx.caller.workspace, event_ids[:EVENTS_LOOKED_AT])
    for event in events:
        if _pair(await accounts_of(ctx, event, pairs_only=True)) is None:
            continue
        heading = line(f"#{event.id} ", When(event.day), " ", *pair_line(event), ": ")
        return await account_fields(ctx, event, both_only=True, issue=issue, heading=heading)
    return []
