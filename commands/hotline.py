"""/hotline editors and /hotline help."""

from __future__ import annotations

from commands.context import Ctx
from commands.reply import Field, Reply, line


async def editors(ctx: Ctx, role: str) -> Reply:
    role_id = role.strip().removeprefix("<@&").removesuffix(">")
    await ctx.store.set_workspace(ctx.caller.actor, ctx.clock.now(), editor_role=role_id)
    return Reply(
        title=line("Editors set"),
        lines=[line(f"Members with role {role_id}, and those with Manage Server, may change the record.")],
    )


async def help_(ctx: Ctx) -> Reply:
    from commands.surface import COMMANDS  # the surface imports this module

    groups: dict[str, list[str]] = {}
    for cmd in COMMANDS.values():
        if cmd.hidden:
            continue
        usage = " ".join(o.name if o.required else f"[{o.name}]" for o in cmd.options if o.name != "confirmed")
        group = cmd.name.split(" ")[0]
        mark = " ✎" if cmd.writes else ""
        groups.setdefault(group, []).append(f"/{cmd.name} {usage}".rstrip() + f" — {cmd.description}{mark}")
    fields = [Field(line(f"/{g}"), tuple(line(u) for u in usages)) for g, usages in groups.items()]
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
