"""Issues, stated concerns and open questions on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from storage.errors import RecordMissing
from storage.postgres.db import Database, Tx, storable
from storage.postgres.events import ensure_issue
from storage.records import Actor, Concern, EventNotes, Issue, Question
from storage.rules import BUILTIN_ISSUE_RECORDS, question_dict
from storage.vocab import norm


def concern_of(r: asyncpg.Record) -> Concern:
    return Concern(r["id"], r["issue"], r["side"], r["text"], r["by_name"], r["day"], r["event_id"], r["source"])


def question_of(r: asyncpg.Record) -> Question:
    return Question(
        r["id"],
        r["text"],
        r["issue"],
        r["event_id"],
        r["status"],
        r["raised_on"],
        r["answer"],
        r["answer_source"],
        r["closed_on"],
    )


async def _require_event(tx: Tx, workspace: str, event_id: int | None) -> None:
    # FOR KEY SHARE: the event cannot be deleted until this write has committed its link to it.
    if event_id is not None and not await tx.one(
        "SELECT 1 FROM event WHERE workspace = $1 AND id = $2 FOR KEY SHARE", workspace, event_id
    ):
        raise RecordMissing("event", event_id)


async def insert_concern(
    tx: Tx,
    actor: Actor,
    at: dt.datetime,
    *,
    issue: str,
    side: str,
    text: str | None,
    by: str | None,
    day: dt.date,
    event_id: int | None,
    source: str | None,
) -> Concern:
    """One concern inside an open transaction (the event, if any, already checked), with its issue,
    search entry and audit entry. A concern without text records only that the side raised the issue."""
    await ensure_issue(tx, actor, at, issue)
    concern_id = await tx.value(
        "INSERT INTO concern (workspace, issue, side, text, by_name, day, event_id, source, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        actor.workspace,
        issue,
        side,
        text,
        by,
        day,
        event_id,
        source,
        at,
    )
    concern = Concern(concern_id, issue, side, text, by, day, event_id, source)
    if text is not None:
        await tx.index(actor.workspace, "concern", concern_id, " ".join(filter(None, (text, by, issue))))
    after = {
        "issue": issue,
        "side": side,
        "text": text,
        "by": by,
        "day": day.isoformat(),
        "event_id": event_id,
        "source": source,
    }
    await tx.audit(actor, at, "create", "concern", concern_id, None, after)
    return concern


class Notes:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- issues --------------------------------------------------------------------------------

    async def issues(self, workspace: str) -> list[Issue]:
        rows = await self.db.point_all(
            'SELECT slug, title, aliases FROM issue WHERE workspace = $1 ORDER BY slug COLLATE "C"', workspace
        )
        return [*BUILTIN_ISSUE_RECORDS, *(Issue(r["slug"], r["title"], tuple(r["aliases"])) for r in rows)]

    async def find_issue(self, workspace: str, text: str) -> Issue | None:
        key = norm(text)
        for issue in await self.issues(workspace):
            if key in (norm(issue.slug), norm(issue.title), *(norm(a) for a in issue.aliases)):
                return issue
        return None

    # -- concerns ------------------------------------------------------------------------------

    async def add_concern(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        issue: str,
        side: str,
        text: str,
        by: str | None,
        day: dt.date,
        event_id: int | None,
        source: str | None,
    ) -> Concern:
        async with self.db.transaction() as tx:
            await _require_event(tx, actor.workspace, event_id)
            concern = await insert_concern(
                tx, actor, at, issue=issue, side=side, text=text, by=by, day=day, event_id=event_id, source=source
            )
        return concern

    async def concerns_on(self, workspace: str, issue: str, side: str | None = None, limit: int = 100) -> list[Concern]:
        if not storable(issue, side):
            return []
        if side:
            rows = await self.db.all(
                "SELECT * FROM concern WHERE workspace = $1 AND issue = $2 AND side = $3"
                " ORDER BY day DESC, id DESC LIMIT $4",
                workspace,
                issue,
                side,
                limit,
            )
        else:
            rows = await self.db.all(
                "SELECT * FROM concern WHERE workspace = $1 AND issue = $2 ORDER BY day DESC, id DESC LIMIT $3",
                workspace,
                issue,
                limit,
            )
        return [concern_of(r) for r in rows]

    async def concerns_between(self, workspace: str, start: dt.date, end: dt.date) -> list[Concern]:
        rows = await self.db.all(
            "SELECT * FROM concern WHERE workspace = $1 AND day >= $2 AND day < $3 ORDER BY day, id",
            workspace,
            start,
            end,
        )
        return [concern_of(r) for r in rows]

    async def concerns_by_ids(self, workspace: str, ids: list[int]) -> list[Concern]:
        if not ids:
            return []
        rows = await self.db.point_all(
            "SELECT * FROM concern WHERE workspace = $1 AND id = ANY($2::bigint[])", workspace, list(ids)
        )
        by_id = {r["id"]: concern_of(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    # -- questions -----------------------------------------------------------------------------

    async def question(self, workspace: str, question_id: int) -> Question | None:
        row = await self.db.point_one("SELECT * FROM question WHERE workspace = $1 AND id = $2", workspace, question_id)
        return question_of(row) if row else None

    async def add_question(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        text: str,
        issue: str | None,
        event_id: int | None,
        raised_on: dt.date,
    ) -> Question:
        async with self.db.transaction() as tx:
            await _require_event(tx, actor.workspace, event_id)
            if issue:
                await ensure_issue(tx, actor, at, issue)
            qid = await tx.value(
                "INSERT INTO question (workspace, text, issue, event_id, status, raised_on, created_at)"
                " VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id",
                actor.workspace,
                text,
                issue,
                event_id,
                raised_on,
                at,
            )
            question = Question(qid, text, issue, event_id, "open", raised_on, None, None, None)
            await tx.index(actor.workspace, "question", qid, text)
            await tx.audit(actor, at, "create", "question", qid, None, question_dict(question))
        return question

    async def close_question(
        self,
        actor: Actor,
        at: dt.datetime,
        question_id: int,
        *,
        status: str,
        answer: str | None,
        source: str | None,
        closed_on: dt.date,
    ) -> Question:
        async with self.db.transaction() as tx:
            row = await tx.one(
                "SELECT * FROM question WHERE workspace = $1 AND id = $2 FOR UPDATE", actor.workspace, question_id
            )
            if row is None:
                raise RecordMissing("question", question_id)
            before = question_of(row)
            await tx.run(
                "UPDATE question SET status = $1, answer = $2, answer_source = $3, closed_on = $4 WHERE id = $5",
                status,
                answer,
                source,
                closed_on,
                question_id,
            )
            after = Question(
                before.id,
                before.text,
                before.issue,
                before.event_id,
                status,
                before.raised_on,
                answer,
                source,
                closed_on,
            )
            await tx.index(actor.workspace, "question", question_id, " ".join(filter(None, (before.text, answer))))
            await tx.audit(
                actor,
                at,
                (status == "answered" and "answer") or "drop",
                "question",
                question_id,
                question_dict(before),
                question_dict(after),
            )
        return after

    async def list_questions(
        self,
        workspace: str,
        *,
        status: str = "open",
        issue: str | None = None,
        event_id: int | None = None,
        limit: int = 100,
    ) -> tuple[list[Question], bool]:
        sql = "SELECT * FROM question WHERE workspace = $1 AND status = $2"
        args: list[Any] = [workspace, status]
        if issue:
            args.append(issue)
            sql += f" AND issue = ${len(args)}"
        if event_id is not None:
            args.append(event_id)
            sql += f" AND event_id = ${len(args)}"
        order = " ORDER BY raised_on, id" if status == "open" else " ORDER BY closed_on DESC, id DESC"
        args.append(limit + 1)
        rows = await self.db.all(f"{sql}{order} LIMIT ${len(args)}", *args)
        return [question_of(r) for r in rows[:limit]], len(rows) > limit

    async def event_notes(self, workspace: str, event_id: int) -> EventNotes:
        # Both lists in one statement: each read is a round trip to the server, most of the cost of one this
        # small. Rows as anonymous records of the records' own fields, in order.
        row = await self.db.point_one(
            "SELECT ARRAY(SELECT ROW(c.id, c.issue, c.side, c.text, c.by_name, c.day, c.event_id, c.source)"
            " FROM concern c WHERE c.event_id = $2 AND c.workspace = $1 ORDER BY c.id) AS concerns,"
            " ARRAY(SELECT ROW(q.id, q.text, q.issue, q.event_id, q.status, q.raised_on, q.answer, q.answer_source,"
            " q.closed_on) FROM question q WHERE q.event_id = $2 AND q.workspace = $1 ORDER BY q.raised_on, q.id)"
            " AS questions",
            workspace,
            event_id,
        )
        assert row is not None  # one row, whatever the tables hold
        return EventNotes(tuple(Concern(*c) for c in row["concerns"]), tuple(Question(*q) for q in row["questions"]))

    async def questions_closed_between(self, workspace: str, start: dt.date, end: dt.date) -> list[Question]:
        rows = await self.db.all(
            "SELECT * FROM question WHERE workspace = $1 AND closed_on >= $2 AND closed_on < $3 ORDER BY closed_on, id",
            workspace,
            start,
            end,
        )
        return [question_of(r) for r in rows]

    async def questions_by_ids(self, workspace: str, ids: list[int]) -> list[Question]:
        if not ids:
            return []
        rows = await self.db.point_all(
            "SELECT * FROM question WHERE workspace = $1 AND id = ANY($2::bigint[])", workspace, list(ids)
        )
        by_id = {r["id"]: question_of(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]
