"""/search: full-text search over summaries, concerns, questions and people."""

from __future__ import annotations

from commands import validate
from commands.common import SIDE_LABEL, SUMMARY_CHARS, event_item, issue_titles, plural, truncate
from commands.context import Ctx
from commands.errors import UserError
from commands.paging import paginate
from commands.reply import Field, Page, Reply, UserText, When, line
from storage.rules import has_search_words

RESULT_LIMIT = 25


async def search(ctx: Ctx, query: str) -> Reply:
    ws = ctx.caller.workspace
    words = validate.required_text("query", query)
    if not has_search_words(words):
        raise UserError("has no words to look for; give letters or numbers", field="query")
    titles = await issue_titles(ctx)
    hits = await ctx.store.search(ws, words, limit=RESULT_LIMIT)
    if not hits:
        return Reply(title=line("No matches for ", UserText(words)), ephemeral=True)
    events = {e.id: e for e in await ctx.store.events_by_ids(ws, [h.ref for h in hits if h.kind == "event"])}
    concerns = {c.id: c for c in await ctx.store.concerns_by_ids(ws, [h.ref for h in hits if h.kind == "concern"])}
    questions = {q.id: q for q in await ctx.store.questions_by_ids(ws, [h.ref for h in hits if h.kind == "question"])}
    fields: list[Field] = []
    for hit in hits:
        snippet = line(UserText(truncate(hit.snippet, SUMMARY_CHARS)))
        if hit.kind == "event" and hit.ref in events:
            fields.append(event_item(events[hit.ref], hit.snippet))
        elif hit.kind == "concern" and hit.ref in concerns:
            c = concerns[hit.ref]
            name = line(f"Concern #{c.id} · {SIDE_LABEL[c.side]} on {titles.get(c.issue, c.issue)}")
            fields.append(Field(name, (line(When(c.day), " — ", *snippet),)))
        elif hit.kind == "question" and hit.ref in questions:
            q = questions[hit.ref]
            fields.append(
                Field(line(f"Question #{q.id} · {q.status}"), (line("raised ", When(q.raised_on), " — ", *snippet),))
            )
        elif hit.kind == "person":
            person = await ctx.store.person(ws, hit.ref)
            if person is not None:
                fields.append(Field(line("Person · ", UserText(person.name)), (snippet,)))
    pages = [Page(fields=tuple(chunk)) for chunk in paginate(fields)]
    return Reply(
        title=line("Search: ", UserText(words)),
        pages=pages,
        footer=line(f"{plural(len(fields), 'match', 'matches')}, most relevant first"),
    )
