"""Issues, stated concerns (positions) and open questions, on SQLite."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from storage.errors import RecordMissing
from storage.records import Actor, Concern, EventNotes, Issue, Question
from storage.rules import BUILTIN_ISSUE_RECORDS, question_dict
from storage.sqlite.db import POINT, Database, Tx
from storage.sqlite.events import ensure_issue
from storage.sqlite.people import json_list
from storage.vocab import norm


def concern_of(r: sqlite3.Row) -> Concern:
    return Concern(
        r["id"],
        r["issue"],
        r["side"],
        r["text"],
        r["by_name"],
        dt.date.fromisoformat(r["day"]),
        r["event_id"],
        r["source"],
    )


def _question(r: sqlite3.Row) -> Question:
    return Question(
        r["id"],
        r["text"],
        r["issue"],
        r["event_id"],
        r["status"],
        dt.date.fromisoformat(r["raised_on"]),
        r["answer"],
        r["answer_source"],
        dt.date.fromisoformat(r["closed_on"]) if r["closed_on"] else None,
    )


class Notes:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- issues --------------------------------------------------------------------------------

    async def issues(self, workspace: str) -> list[Issue]:
        rows = await self.db.all(
            POINT + "SELECT slug, title, aliases FROM issue WHERE workspace = ? ORDER BY slug", (workspace,)
        )
        custom = [Issue(r["slug"], r["title"], json_list(r["aliases"])) for r in rows]
        return [*BUILTIN_ISSUE_RECORDS, *custom]

    async def find_issue(self, workspace: str, text: str) -> Issue | None:
        """An issue by slug, title or alias (exact, ignoring case and punctuation)."""
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
            if event_id is not None and not await tx.one(
                "SELECT 1 FROM event WHERE workspace = ? AND id = ?", (actor.workspace, event_id)
            ):
                raise RecordMissing("event", event_id)
            concern = await insert_concern(
                tx, actor, at, issue=issue, side=side, text=text, by=by, day=day, event_id=event_id, source=source
            )
        return concern

    async def concerns_on(self, workspace: str, issue: str, side: str | None = None, limit: int = 100) -> list[Concern]:
        """Stated concerns on an issue, newest first."""
        sql = "SELECT * FROM concern WHERE workspace = ? AND issue = ?"
        params: list[Any] = [workspace, issue]
        if side:
            sql += " AND side = ?"
            params.append(side)
        rows = await self.db.all(sql + " ORDER BY day DESC, id DESC LIMIT ?", (*params, limit))
        return [concern_of(r) for r in rows]

    async def concerns_between(self, workspace: str, start: dt.date, end: dt.date) -> list[Concern]:
        """Concerns dated start <= day < end, oldest first."""
        rows = await self.db.all(
            "SELECT * FROM concern WHERE workspace = ? AND day >= ? AND day < ? ORDER BY day, id",
            (workspace, start.isoformat(), end.isoformat()),
        )
        return [concern_of(r) for r in rows]

    async def concerns_by_ids(self, workspace: str, ids: list[int]) -> list[Concern]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        # `+workspace` keeps the workspace test from choosing the index: without statistics SQLite
        # reads a workspace's whole index (millions of rows) rather than ~10 or more keys by their own index.
        rows = await self.db.all(f"SELECT * FROM concern WHERE +workspace = ? AND id IN ({marks})", (workspace, *ids))
        by_id = {r["id"]: concern_of(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    # -- questions -----------------------------------------------------------------------------

    async def question(self, workspace: str, question_id: int) -> Question | None:
        row = await self.db.one("SELECT * FROM question WHERE workspace = ? AND id = ?", (workspace, question_id))
        return _question(row) if row else None

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
            if event_id is not None and not await tx.one(
                "SELECT 1 FROM event WHERE workspace = ? AND id = ?", (actor.workspace, event_id)
            ):
                raise RecordMissing("event", event_id)
            if issue:
                await ensure_issue(tx, actor, at, issue)
            qid = await tx.run(
                "INSERT INTO question (workspace, text, issue, event_id, status, raised_on, created_at)"
                " VALUES (?, ?, ?, ?, 'open', ?, ?)",
                (actor.workspace, text, issue, event_id, raised_on.isoformat(), at.isoformat()),
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
        """Answer or drop a question (a drop keeps its reason in `answer`)."""
        async with self.db.transaction() as tx:
            row = await tx.one("SELECT * FROM question WHERE workspace = ? AND id = ?", (actor.workspace, question_id))
            if row is None:
                raise RecordMissing("question", question_id)
            before = _question(row)
            await tx.run(
                "UPDATE question SET status = ?, answer = ?, answer_source = ?, closed_on = ? WHERE id = ?",
                (status, answer, source, closed_on.isoformat(), question_id),
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
        """Questions of a status; open ones oldest first, closed ones most recently closed first."""
        sql = "SELECT * FROM question WHERE workspace = ? AND status = ?"
        params: list[Any] = [workspace, status]
        if issue:
            sql += " AND issue = ?"
            params.append(issue)
        if event_id is not None:
            sql += " AND event_id = ?"
            params.append(event_id)
        order = " ORDER BY raised_on, id" if status == "open" else " ORDER BY closed_on DESC, id DESC"
        rows = await self.db.all(sql + order + " LIMIT ?", (*params, limit + 1))
        return [_question(r) for r in rows[:limit]], len(rows) > limit

    async def event_notes(self, workspace: str, event_id: int) -> EventNotes:
        # `+workspace`: each table's own event index finds the event's few rows; /lastcall asks this each
        # time, so both are point reads (storage/sqlite/db.py), with no trip to the reader's thread.
        concerns = await self.db.all(
            f"{POINT}SELECT * FROM concern WHERE event_id = ? AND +workspace = ? ORDER BY id", (event_id, workspace)
        )
        questions = await self.db.all(
            f"{POINT}SELECT * FROM question WHERE event_id = ? AND +workspace = ? ORDER BY raised_on, id",
            (event_id, workspace),
        )
        return EventNotes(tuple(concern_of(r) for r in concerns), tuple(_question(r) for r in questions))

    async def questions_closed_between(self, workspace: str, start: dt.date, end: dt.date) -> list[Question]:
        rows = await self.db.all(
            "SELECT * FROM question WHERE workspace = ? AND closed_on >= ? AND closed_on < ? ORDER BY closed_on, id",
            (workspace, start.isoformat(), end.isoformat()),
        )
        return [_question(r) for r in rows]

    async def questions_by_ids(self, workspace: str, ids: list[int]) -> list[Question]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        # `+workspace` keeps the workspace test from choosing the index: without statistics SQLite
        # reads a workspace's whole index (millions of rows) rather than ~10 or more keys by their own index.
        rows = await self.db.all(f"SELECT * FROM question WHERE +workspace = ? AND id IN ({marks})", (workspace, *ids))
        by_id = {r["id"]: _question(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]


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
    concern_id = await tx.run(
        "INSERT INTO concern (workspace, issue, side, text, by_name, day, event_id, source, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (actor.workspace, issue, side, text, by, day.isoformat(), event_id, source, at.isoformat()),
    )
    concern = Concern(concern_id, issue, side, text, by, day, event_id, source)
    if text is not None:
        await tx.index(actor.workspace, "concern", concern_id, " ".join(filter(None, (text, by, issue))))
    await tx.audit(
        actor,
        at,
        "create",
        "concern",
        concern_id,
        None,
        {
            "issue": issue,
            "side": side,
            "text": text,
            "by": by,
            "day": day.isoformat(),
            "event_id": event_id,
            "source": source,
        },
    )
    return concern
