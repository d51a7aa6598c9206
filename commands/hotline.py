"""/hotline editors and /hotline help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands import validate
from commands.common import SIDE_LABEL, store_errors
from commands.context import Ctx
from commands.errors import UserError
from commands.reply import Field, Ref, Reply, UserText, line
from storage.vocab import norm, slugify

if TYPE_CHECKING:
    from commands.surface import Option


async def editors(ctx: Ctx, role: str) -> Reply:
    role_id = validate.reference("role", role, "role", ctx.platform)
    await ctx.store.set_workspace(ctx.caller.actor, ctx.clock.now(), editor_role=role_id)
    return Reply(
        title=line("Editors set"),
        lines=[line("Members with ", Ref("role", role_id), f", and {ctx.platform.editors}, may change the record.")],
    )


async def office(ctx: Ctx, side: str, form: str, office: str, track: str | None = None) -> Reply:
    """Map a form of a title to an office; a title no office has yet starts a new office."""
    written = validate.required_text("form", form, limit_key="title")
    meant = validate.required_text("office", office, limit_key="title")
    ws = ctx.caller.workspace
    known = await ctx.store.office_of(ws, side, meant)
    offices = {o.slug: o for o in await ctx.store.offices(ws)}
    target = offices.get(known.slug) if known else None
    if target is None:
        if track is None:
            raise UserError(
                f"{meant!r} is not a known office; to start a new office give its track too "
                "(/hotline offices lists the known ones)",
                field="track",
            )
        slug, title, new_track, forms = f"{side}:{slugify(meant)}", meant, track, [written]
    else:
        slug, title, new_track, forms = target.slug, target.title, track or target.track, [written]
    if norm(written) == norm(title):
        forms = []
    with store_errors():
        saved = await ctx.store.add_office_forms(ctx.caller.actor, ctx.clock.now(), slug, title, new_track, forms)
    return Reply(
        title=line(f"{SIDE_LABEL[side]} office: ", UserText(saved.title)),
        lines=[
            line(f"Track: {saved.track}"),
            line("Written as: ", UserText(", ".join(saved.forms) or "its title only")),
            line("Recorded contacts with these titles now count as this office."),
        ],
    )


async def offices(ctx: Ctx, side: str | None = None) -> Reply:
    fields = [
        Field(line(UserText(o.title), f" ({o.slug}, {o.track})"), (line(UserText(", ".join(o.forms) or "—")),))
        for o in await ctx.store.offices(ctx.caller.workspace)
        if side is None or o.slug.startswith(side + ":")
    ]
    return Reply(
        title=line("Known offices"),
        lines=[line("/hotline office adds a way of writing a title.")],
        fields=fields,
        ephemeral=True,
    )


async def timezone(ctx: Ctx, timezone: str) -> Reply:
    name = validate.timezone("timezone", timezone)
    await ctx.store.set_workspace(ctx.caller.actor, ctx.clock.now(), timezone=name)
    return Reply(
        title=line(f"Time zone set to {name}"),
        lines=[line("today, yesterday and weekday names now follow it; so do new digest schedules.")],
    )


def _usage(ctx: Ctx, option: Option) -> str:
    shown = f"{option.name}:…" if ctx.platform.typed_options else option.name
    return shown if option.required else f"[{shown}]"


async def help_(ctx: Ctx) -> Reply:
    from commands.surface import COMMANDS  # the surface imports this module

    groups: dict[str, list[str]] = {}
    for cmd in COMMANDS.values():
        if cmd.hidden:
            continue
        usage = " ".join(_usage(ctx, o) for o in cmd.options if o.name != "confirmed")
        group = cmd.name.split(" ")[0]
        mark = " ✎" if cmd.writes else ""
        typed = f"{ctx.platform.usage(cmd.name)} {usage}".rstrip()
        groups.setdefault(group, []).append(f"{typed} — {cmd.description}{mark}")
    fields = [Field(line(ctx.platform.usage(g)), tuple(line(u) for u in usages)) for g, usages in groups.items()]
    return Reply(
        title=line("Hotline: a shared record of US–China contacts"),
        lines=[
            line(
                "Record calls, meetings and what each side raised; ask /lastcall for the latest contact and "
                "what it means; get a weekly digest. ✎ marks commands only editors may use."
            ),
            line(
                "Dates: YYYY-MM-DD, today, yesterday, or a weekday name (its most recent occurrence). "
                "Several names: separate with commas; a title may follow a name in parentheses."
            ),
        ],
        fields=fields,
        ephemeral=True,
    )
