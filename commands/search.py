"""/search: full-text search over summaries, concerns, questions and people."""

from __future__ import annotations

from commands import validate
from commands.common import SIDE_LABEL, event_headline, today, when
from commands.context import Ctx
from commands.errors import UserError
from commands.reply import Field, Line, Reply, UserText, line
from storage.workspaces import fts_query

RESULT_LIMIT = 25


async def search(ctx: Ctx, query: str) -> Reply:
    ws = ctx.caller.workspace
    words = validate.required_text("query", query)
    if not fts_query(words):
        raise UserError("has no words to look for; give letters or numbers", field="query")
    now = await today(ctx)
    hits = await ctx.store.search(ws, words, limit=RESULT_LIMIT)
    if not hits:
        return Reply(title=line("No matches for ", UserText(words)), ephemeral=True)
    events = {e.id: e for e in await ctx.store.events_by_ids(ws, [h.ref for h in hits if h.kind == "event"])}
    concerns = {c.id: c for c in await ctx.store.concerns_by_ids(ws, [h.ref for h in hits if h.kind == "concern"])}
    questions = {q.id: q for q in await ctx.store.questions_by_ids(ws, [h.ref for h in hits if h.kind == "question"])}
    fields: list[Field] = []
    for hit in hits:
        name: Line
        if hit.kind == "event" and hit.ref in events:
            name = line(*event_headline(events[hit.ref], now))
        elif hit.kind == "concern" and hit.ref in concerns:
            c = concerns[hit.ref]
            name = line(f"Concern #{c.id} · {SIDE_LABEL[c.side]} on {c.issue} · ", when(c.day, now))
        elif hit.kind == "question" and hit.ref in questions:
            q = questions[hit.ref]
            name = line(f"Question #{q.id} · {q.status} · raised ", when(q.raised_on, now))
        elif hit.kind == "person":
            person = await ctx.store.person(ws, hit.ref)
            if person is None:
                continue
            name = line("Person · ", UserText(person.name))
        else:
            continue
        fields.append(Field(name, (line(UserText(hit.snippet)),)))
    return Reply(title=line("Search: ", UserText(words)), lines=[line("Most relevant first.")], fields=fields)
