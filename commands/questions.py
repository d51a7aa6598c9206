"""/question add, answer, drop and /questions."""

from __future__ import annotations

from commands import validate
from commands.common import issue_titles, resolve_issue, store_errors, today, truncate, when
from commands.context import Ctx
from commands.errors import NotFound, UserError
from commands.paging import paginate
from commands.reply import Field, Link, Page, Reply, UserText, When, line
from storage.records import Question

LIST_LIMIT = 50
QUESTION_CHARS = 200  # a question or answer in a list; /questions shows no more of one


async def question_add(ctx: Ctx, text: str, issue: str | None = None, event: int | None = None) -> Reply:
    ws = ctx.caller.workspace
    now = await today(ctx)
    words = validate.required_text("text", text)
    slug, is_new = (await resolve_issue(ctx, issue, create=True)) if issue else (None, False)
    if event is not None and await ctx.store.event(ws, event) is None:
        raise NotFound(f"no event #{event} in this workspace", field="event")
    with store_errors(ctx.platform):
        q = await ctx.store.add_question(
            ctx.caller.actor, ctx.clock.now(), text=words, issue=slug, event_id=event, raised_on=now
        )
    lines = [line(UserText(q.text))]
    if is_new:
        lines.append(line(f"New issue: {slug}"))
    return Reply(
        title=line(f"Open question #{q.id}"),
        lines=lines,
        footer=line(f'{ctx.platform.usage("question answer")} id:{q.id} answer:"…" when it is answered'),
    )


async def _open_question(ctx: Ctx, question_id: int) -> Question:
    q = await ctx.store.question(ctx.caller.workspace, question_id)
    if q is None:
        raise NotFound(f"no question #{question_id} in this workspace", field="id")
    if q.status != "open":
        raise UserError(
            f"question #{q.id} is already {q.status} (on {q.closed_on}); only open questions change", field="id"
        )
    return q


async def question_answer(ctx: Ctx, id: int, answer: str, source: str | None = None) -> Reply:
    await _open_question(ctx, id)
    words = validate.required_text("answer", answer)
    url = validate.url("source", source) if source else None
    with store_errors(ctx.platform):
        q = await ctx.store.close_question(
            ctx.caller.actor,
            ctx.clock.now(),
            id,
            status="answered",
            answer=words,
            source=url,
            closed_on=await today(ctx),
        )
    return Reply(
        title=line(f"Answered question #{q.id}"),
        lines=[line(UserText(q.text)), line("Answer: ", UserText(words), " ", Link(url, "source") if url else None)],
    )


async def question_drop(ctx: Ctx, id: int, reason: str | None = None) -> Reply:
    await _open_question(ctx, id)
    why = validate.text("reason", reason, required=False) if reason else None
    with store_errors(ctx.platform):
        q = await ctx.store.close_question(
            ctx.caller.actor, ctx.clock.now(), id, status="dropped", answer=why, source=None, closed_on=await today(ctx)
        )
    return Reply(
        title=line(f"Dropped question #{q.id}"),
        lines=[line(UserText(q.text)), line("Reason: ", UserText(why)) if why else line("No reason given.")],
    )


async def questions_list(ctx: Ctx, status: str | None = None, issue: str | None = None) -> Reply:
    ws = ctx.caller.workspace
    now = await today(ctx)
    status = status or "open"
    slug = (await resolve_issue(ctx, issue))[0] if issue else None
    titles = await issue_titles(ctx)
    found, more = await ctx.store.list_questions(ws, status=status, issue=slug, limit=LIST_LIMIT)
    scope = f"{status} questions" + (f" on {titles.get(slug, slug)}" if slug else "")
    if not found:
        return Reply(
            title=line(f"No {scope}"),
            lines=[line(f"{ctx.platform.usage('question add')} records one.")],
            ephemeral=True,
        )
    fields = []
    for q in found:
        about = " · ".join(
            filter(
                None,
                [titles.get(q.issue, q.issue) if q.issue else None, f"event #{q.event_id}" if q.event_id else None],
            )
        )
        value = [line(UserText(truncate(q.text, QUESTION_CHARS)))]
        if q.status == "open":
            value.append(line("raised ", when(q.raised_on, now)))
        else:
            value.append(
                line(
                    f"{q.status} ",
                    When(q.closed_on) if q.closed_on else None,
                    ": ",
                    UserText(truncate(q.answer or "—", QUESTION_CHARS)),
                    " ",
                    Link(q.answer_source, "source") if q.answer_source else None,
                )
            )
        fields.append(Field(line(f"#{q.id}", f" · {about}" if about else None), tuple(value)))
    # Open questions oldest first, on purpose: the longest-open one is the one to chase.
    order = "longest open first" if status == "open" else "most recently closed first"
    count = f"the first {len(found)}" if more else str(len(found))
    footer = f"{count} {status} {'question' if len(found) == 1 else 'questions'}, {order}"
    if more:
        footer += "; filter by issue to see others"
    return Reply(
        title=line(scope.capitalize()),
        pages=[Page(fields=tuple(chunk)) for chunk in paginate(fields)],
        footer=line(footer),
    )
