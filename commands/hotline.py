"""/hotline editors and /hotline help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands import validate
from commands.common import SIDE_LABEL, store_errors
from commands.context import Ctx
from commands.errors import UserError
from commands.paging import paginate
from commands.reply import Code, Field, Line, Page, Ref, Reply, UserText, line
from storage.vocab import norm, slugify

if TYPE_CHECKING:
    from commands.surface import Command, Option


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
                f"({ctx.platform.usage('hotline offices')} lists the known ones)",
                field="track",
            )
        slug, title, new_track, forms = f"{side}:{slugify(meant)}", meant, track, [written]
    else:
        slug, title, new_track, forms = target.slug, target.title, track or target.track, [written]
    if norm(written) == norm(title):
        forms = []
    with store_errors(ctx.platform):
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
    known = [o for o in await ctx.store.offices(ctx.caller.workspace) if side is None or o.slug.startswith(side + ":")]
    fields = [
        Field(
            line(UserText(o.title)),
            (
                line(
                    f"{SIDE_LABEL.get(o.slug.split(':', 1)[0], '')} · {o.track} · written as: ",
                    UserText(", ".join(o.forms) or "its title only"),
                ),
            ),
        )
        for o in known
    ]
    return Reply(
        title=line("Known offices" + (f" ({SIDE_LABEL[side]})" if side else "")),
        lines=[line(f"{ctx.platform.usage('hotline office')} adds a way of writing a title.")],
        pages=[Page(fields=tuple(chunk)) for chunk in paginate(fields)],
        footer=line(f"{len(known)} {'office' if len(known) == 1 else 'offices'}"),
        ephemeral=True,
    )


async def timezone(ctx: Ctx, timezone: str) -> Reply:
    name = validate.timezone("timezone", timezone)
    await ctx.store.set_workspace(ctx.caller.actor, ctx.clock.now(), timezone=name)
    return Reply(
        title=line(f"Time zone set to {name}"),
        lines=[line("today, yesterday and weekday names now follow it; so do new digest schedules.")],
    )


def _shown(ctx: Ctx, option: Option) -> str:
    """An option as the platform takes it: picked by name on Discord, typed as name:value elsewhere."""
    return f"{option.name}:…" if ctx.platform.typed_options else option.name


def _syntax(ctx: Ctx, command: Command, full: bool) -> str:
    """ "/event list [since] [until] …": required options by name, optional ones in brackets. The
    overview names the required ones and folds the optional ones into "[…]"; details list them all."""
    options = [o for o in command.options if o.name != "confirmed"]
    words = [_shown(ctx, o) for o in options if o.required]
    optional = [f"[{_shown(ctx, o)}]" for o in options if not o.required]
    if full:
        words += optional
    elif len(optional) > 2:
        words.append("[…]")
    else:
        words += optional
    return " ".join([ctx.platform.usage(command.name), *words])


def _described(ctx: Ctx, description: str) -> str:
    """A description of the surface, naming commands as the caller's platform types them."""
    from commands.surface import named_for  # the surface imports this module

    return named_for(ctx.platform, description)


def _visible() -> list[Command]:
    from commands.surface import COMMANDS  # the surface imports this module

    return [c for c in COMMANDS.values() if not c.hidden]


async def help_(ctx: Ctx, command: str | None = None) -> Reply:
    """One line per command with its syntax; `command` ("event", "event add") gives the details."""
    if command:
        return _help_on(ctx, command)
    lines: list[Line] = [
        line(
            "A shared record of US–China contacts: record calls and meetings and what each side raised, ask "
            "for the latest contact and what it means, read a weekly digest. ✎ marks commands only editors use."
        )
    ]
    for cmd in _visible():
        mark = " ✎" if cmd.writes else ""
        lines.append(line(Code(_syntax(ctx, cmd, full=False)), f" — {_described(ctx, cmd.description)}{mark}"))
    lines.append(
        line(
            "Details and every option: ",
            Code(ctx.platform.usage("hotline help") + " event"),
            " (or any command). Dates: YYYY-MM-DD, today, yesterday or a weekday name. "
            "Several names: separate with commas; a title may follow a name in parentheses.",
        )
    )
    return Reply(title=line("Hotline: commands"), lines=lines, ephemeral=True)


def _help_on(ctx: Ctx, typed: str) -> Reply:
    words = " ".join(typed.lower().replace("/", " ").split())
    words = words.removeprefix("hotline ") if words.startswith("hotline ") and words != "hotline help" else words
    visible = _visible()
    chosen = [c for c in visible if c.name == words] or [c for c in visible if c.name.split(" ")[0] == words]
    if not chosen:
        groups = sorted({c.name.split(" ")[0] for c in visible})
        raise UserError(f"{typed!r} is not a command; ask about one of: {', '.join(groups)}", field="command")
    fields: list[Field] = []
    for cmd in chosen:
        mark = " (editors only ✎)" if cmd.writes else ""
        values: list[Line] = [line(f"{_described(ctx, cmd.description)}{mark}.")]
        for o in cmd.options:
            if o.name == "confirmed":
                continue
            need = "" if o.required else " (optional)"
            # Choices the description names already are not listed twice.
            listed = all(c in o.description for c in o.choices)
            choices = f"; one of: {', '.join(o.choices)}" if o.choices and not listed else ""
            values.append(line(Code(o.name), f"{need} — {_described(ctx, o.description)}{choices}"))
        fields.append(Field(line(Code(_syntax(ctx, cmd, full=True))), tuple(values)))
    return Reply(title=line(f"Help: {ctx.platform.usage(words)}"), fields=fields, ephemeral=True)
