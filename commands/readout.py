"""/readout: read an official readout into a draft, and the draft's buttons (Record, Edit, Discard).

`/readout text:…` or `/readout url:…` reads the readout (fetched under extraction.fetch's rules), keeps
the draft in the store and answers with it for review. Nothing enters the record until an editor presses
Record, which runs the hidden command `readout record draft:N` through the same runner as any command;
Edit is `readout edit draft:N` (without fields it answers with a form; with them it corrects the draft),
Discard is `readout discard draft:N`.
"""

from __future__ import annotations

import re
from typing import Any

from commands import validate
from commands.common import SIDE_LABEL, event_headline, plural, split_people, store_errors, today
from commands.context import Ctx
from commands.drafts import draft_reply, record_parts, to_json, workspace_people
from commands.errors import NotFound, UserError
from commands.events import MAX_PEOPLE_PER_SIDE, check_future
from commands.platform import PlatformInfo
from commands.reply import Form, FormField, Line, Reply, Span, UserText, line
from extraction.cli import MAX_TEXT
from extraction.dates import parse_published
from extraction.draft import Readout
from extraction.extract import extract
from extraction.fetch import FetchError, fetch_readout
from extraction.publishers import publisher_of
from storage.errors import DraftDecided
from storage.records import Draft as StoredDraft
from storage.vocab import KINDS, REQUESTERS

# Discord's paragraph field holds 4000 characters, Slack's 3000: longer readouts go by url: or the console.
FORM_TEXT_MAX = 4000
DETAIL_KEYS = ("location", "requested_by", "minutes")


def _form(platform: PlatformInfo) -> Reply:
    return Reply(
        title=line("Read a readout"),
        lines=[
            line(
                "Paste the readout's text, or give its address. "
                f"{platform.usage('readout')} text:… or url:… does the same."
            )
        ],
        ephemeral=True,
        form=Form(
            "Read a readout",
            "readout",
            {},
            (
                FormField("text", "The readout's text", multiline=True, max_length=FORM_TEXT_MAX),
                FormField("url", "Or its address (http or https)", max_length=validate.LIMITS["source"]),
                FormField("published", "Published on (YYYY-MM-DD; for today, yesterday…)", max_length=10),
            ),
        ),
    )


async def readout(ctx: Ctx, text: str | None = None, url: str | None = None, published: str | None = None) -> Reply:
    text = text.strip() if text else None
    url = url.strip() if url else None
    if not text and not url:
        return _form(ctx.platform)
    now = await today(ctx)
    day = validate.date("published", published, now) if published and published.strip() else None
    title, publisher, address = "", None, validate.url("url", url) if url else None
    if address and text:
        # Pasted with its address: the address is the source, not fetched.
        publisher = publisher_of(address)
    elif address:
        try:
            page = await fetch_readout(address, allow_loopback=ctx.settings.fetch_allow_loopback)
        except FetchError as exc:
            raise UserError(f"could not read the readout: {exc}", field="url") from None
        text, title, address = page.text, page.title, page.url
        publisher = publisher_of(address)
        if day is None and page.published:
            try:
                day = parse_published(page.published)
            except ValueError:
                day = None
    assert text is not None
    if len(text) > MAX_TEXT:
        raise UserError(f"is {len(text):,} characters; a readout is at most {MAX_TEXT:,}", field="text")
    if any(ord(c) < 32 and c not in "\n\t\r" for c in text):
        raise UserError("contains control characters; paste plain text", field="text")
    draft = extract(
        Readout("readout", text, title=title, url=address, publisher=publisher, published=day),
        await workspace_people(ctx),
    )
    with store_errors(ctx.platform):
        stored = await ctx.store.add_draft(
            ctx.caller.actor,
            ctx.clock.now(),
            url=address,
            title=title or None,
            publisher=publisher,
            published=day,
            extracted=to_json(draft),
        )
    return await draft_reply(ctx, stored)


async def _stored(ctx: Ctx, draft_id: int) -> StoredDraft:
    stored = await ctx.store.draft(ctx.caller.workspace, draft_id)
    if stored is None:
        raise NotFound(f"no draft #{draft_id} in this workspace", field="draft")
    return stored


def _decided(stored: StoredDraft, platform: PlatformInfo) -> UserError:
    if stored.status == "recorded":
        how = f"recorded as event #{stored.event_id}" if stored.event_id else "recorded (its event was deleted since)"
    else:
        how = "discarded"
    who = f" by {stored.decided_by}" if stored.decided_by else ""
    follow = (
        f"; {platform.usage('event show')} id:{stored.event_id}"
        if stored.status == "recorded" and stored.event_id
        else ""
    )
    return UserError(f"draft #{stored.id} was already {how}{who}{follow}")


async def readout_record(ctx: Ctx, draft: int) -> Reply:
    stored = await _stored(ctx, draft)
    if stored.status != "pending":
        raise _decided(stored, ctx.platform)
    new, positions = await record_parts(ctx, stored)
    now = await today(ctx)
    check_future("date", new.day, new.status, now)
    try:
        with store_errors(ctx.platform):
            done = await ctx.store.record_draft(ctx.caller.actor, ctx.clock.now(), draft, new, positions)
    except DraftDecided as exc:
        raise _decided(exc.draft, ctx.platform) from None
    event = done.event
    lines: list[Line] = [line(*event_headline(event, now))]
    added = [plural(done.positions, "stated position")]
    if done.issues:
        added.append(plural(done.issues, "issue") + " raised")
    if done.attached:
        title = line(f"Added the readout to event #{event.id}")
        what = ", ".join(added)
        source = "its source, " if done.source_added else ""
        lines.append(
            line(
                "The same contact was already recorded (same people, within a day): this readout joined it "
                f"rather than making a second event. Added {source}{what}."
            )
        )
    else:
        title = line(f"Recorded event #{event.id} from draft #{draft}")
        lines.append(
            line("With " + ", ".join(added) + (" and the readout as its source." if done.source_added else "."))
        )
    if done.new_people:
        names: list[Span] = []
        for i, n in enumerate(done.new_people):
            names += [", "] if i else []
            names.append(UserText(n))
        lines.append(
            line("New people: ", *names, f" ({ctx.platform.usage('person add')} can give them titles and aliases)")
        )
    return Reply(title=title, lines=lines, footer=line(f"{ctx.platform.usage('event show')} id:{event.id}"))


async def readout_discard(ctx: Ctx, draft: int) -> Reply:
    stored = await _stored(ctx, draft)
    if stored.status != "pending":
        raise _decided(stored, ctx.platform)
    try:
        with store_errors(ctx.platform):
            await ctx.store.discard_draft(ctx.caller.actor, ctx.clock.now(), draft)
    except DraftDecided as exc:
        raise _decided(exc.draft, ctx.platform) from None
    return Reply(title=line(f"Discarded draft #{draft}"), lines=[line("Nothing was recorded.")])


def _listed(value: object) -> list[Any]:
    """A list kept in the draft's JSON (people, unknowns); anything else as empty."""
    return list(value) if isinstance(value, list) else []


def _people_text(people: list[Any]) -> str:
    parts = []
    for p in people:
        if isinstance(p, dict):
            name, title = str(p.get("name") or ""), p.get("title")
            parts.append(f"{name} ({title})" if title else name)
    return ", ".join(parts)


def _details_text(data: dict[str, object]) -> str:
    return "; ".join(f"{key}: {data.get(key) if data.get(key) is not None else ''}".rstrip() for key in DETAIL_KEYS)


def edit_form(stored: StoredDraft) -> Form:
    data = stored.extracted
    people = {side: _listed(data.get(side)) for side in ("us", "cn")}
    return Form(
        f"Edit draft #{stored.id}",
        "readout edit",
        {"draft": stored.id},
        (
            FormField("date", "Date (YYYY-MM-DD)", str(data.get("date") or ""), max_length=10),
            FormField("kind", f"Kind ({', '.join(KINDS)})", str(data.get("kind") or ""), max_length=10),
            FormField("us", "US participants: Name (Title), …", _people_text(people["us"]), max_length=1000),
            FormField("cn", "Chinese participants: Name (Title), …", _people_text(people["cn"]), max_length=1000),
            FormField(
                "details",
                "location: …; requested_by: us/china; minutes: …",
                _details_text(data),
                multiline=True,
                max_length=500,
            ),
        ),
    )


async def readout_edit(
    ctx: Ctx,
    draft: int,
    date: str | None = None,
    kind: str | None = None,
    us: str | None = None,
    cn: str | None = None,
    details: str | None = None,
) -> Reply:
    stored = await _stored(ctx, draft)
    if stored.status != "pending":
        raise _decided(stored, ctx.platform)
    if date is None and kind is None and us is None and cn is None and details is None:
        return Reply(
            title=line(f"Edit draft #{draft}"),
            lines=[line("Change the fields and submit; the draft is shown again, still waiting for Record.")],
            ephemeral=True,
            form=edit_form(stored),
        )
    data = dict(stored.extracted)
    dropped: list[str] = []
    if date is not None:
        data["date"] = validate.date("date", date, await today(ctx)).isoformat() if date.strip() else None
        dropped += ["date"]
    if kind is not None:
        data["kind"] = validate.choice("kind", kind, KINDS) if kind.strip() else None
        dropped += ["kind"]
    for side, value in (("us", us), ("cn", cn)):
        if value is not None:
            data[side] = await _people(ctx, side, value)
            dropped += ["surname", "side of", "group", "names no", "participants"]
    if us is not None or cn is not None:
        data["is_us_china_contact"] = bool(data.get("us")) and bool(data.get("cn"))
    if details is not None:
        for key, detail in _details(details).items():
            data[key] = detail
            dropped += ["who asked"] if key == "requested_by" else []
    unknowns = [u for u in _listed(data.get("unknowns")) if isinstance(u, str)]
    data["unknowns"] = [u for u in unknowns if not any(word in u for word in dropped)]
    with store_errors(ctx.platform):
        try:
            updated = await ctx.store.update_draft(ctx.caller.actor, ctx.clock.now(), draft, data)
        except DraftDecided as exc:
            raise _decided(exc.draft, ctx.platform) from None
    return await draft_reply(ctx, updated)


async def _people(ctx: Ctx, side: str, value: str) -> list[dict[str, object]]:
    field = "us" if side == "us" else "cn"
    people = split_people(value)
    if len(people) > MAX_PEOPLE_PER_SIDE:
        raise UserError(f"{len(people)} names; at most {MAX_PEOPLE_PER_SIDE} per side", field=field)
    out: list[dict[str, object]] = []
    for p in people:
        name = validate.required_text(field, p.name, limit_key="name")
        title = validate.text(field, p.title, limit_key="title", required=False) if p.title else None
        known = await ctx.store.find_person(ctx.caller.workspace, name)
        store_side = "us" if side == "us" else "china"
        if known is not None and known.side != store_side:
            raise UserError(f"{known.name} is on the {SIDE_LABEL[known.side]} side", field=field)
        out.append({"name": known.name if known else name, "title": title, "known": known is not None})
    return out


def _details(text: str) -> dict[str, object]:
    """`location: Bali; requested_by: china; minutes: 90` (or one per line); an empty value clears."""
    out: dict[str, object] = {}
    for part in re.split(r"[;\n]", text):
        if not part.strip():
            continue
        key, sep, value = part.partition(":")
        key = key.strip().lower().replace(" ", "_")
        if not sep or key not in DETAIL_KEYS:
            raise UserError(
                f"{part.strip()!r}: write key: value with a key of {', '.join(DETAIL_KEYS)}", field="details"
            )
        value = value.strip()
        if key == "location":
            out[key] = validate.text("location", value, required=False) if value else None
        elif key == "requested_by":
            choice = validate.choice("requested_by", value, REQUESTERS) if value else "unknown"
            out[key] = None if choice == "unknown" else choice
        else:
            out[key] = validate.integer("minutes", value, 1, 1440) if value else None
    return out
