"""/person add and /person show."""

from __future__ import annotations

from commands import validate
from commands.common import SIDE_LABEL, event_headline, find_person_fuzzy, store_errors, today
from commands.context import Ctx
from commands.errors import UserError
from commands.reply import Field, Reply, UserText, line

MAX_ALIASES = 20


async def person_add(ctx: Ctx, name: str, side: str, title: str | None = None, aliases: str | None = None) -> Reply:
    full = validate.required_text("name", name)
    role = validate.text("title", title, required=False) if title else None
    alias_list = [validate.required_text("aliases", a, limit_key="alias") for a in validate.split_list(aliases or "")]
    if len(alias_list) > MAX_ALIASES:
        raise UserError(f"{len(alias_list)} aliases; at most {MAX_ALIASES}", field="aliases")
    with store_errors(ctx.platform):
        person = await ctx.store.add_person(ctx.caller.actor, ctx.clock.now(), full, side, role, alias_list)
    lines = [line(f"Side: {SIDE_LABEL[person.side]}")]
    if person.title:
        lines.append(line("Title: ", UserText(person.title)))
    if person.aliases:
        lines.append(line("Also known as: ", UserText(", ".join(person.aliases))))
    return Reply(title=line("Added ", UserText(person.name)), lines=lines)


async def person_show(ctx: Ctx, name: str) -> Reply:
    ws = ctx.caller.workspace
    now = await today(ctx)
    person = await find_person_fuzzy(ctx, name, "name")
    lines = [line(f"Side: {SIDE_LABEL[person.side]}")]
    if person.title:
        lines.append(line("Title: ", UserText(person.title)))
    if person.aliases:
        lines.append(line("Also known as: ", UserText(", ".join(person.aliases))))
    events, more = await ctx.store.list_events(ws, person_id=person.id, limit=10)
    fields = []
    if events:
        fields.append(
            Field(
                line("Latest contacts" + (" (newest 10)" if more else "")),
                tuple(line(*event_headline(e, now)) for e in events),
            )
        )
    else:
        lines.append(line("No contacts recorded."))
    return Reply(title=line(UserText(person.name)), lines=lines, fields=fields)
