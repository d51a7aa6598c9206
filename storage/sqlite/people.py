"""People, their aliases, and the offices their titles map to, on SQLite."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from typing import Any

import aiosqlite

from storage.errors import Conflict, RecordMissing
from storage.records import Actor, Office, Person
from storage.rules import (
    BUILTIN_OFFICE_BY_SLUG,
    EXACT,
    START,
    START_WORD,
    WORD,
    WORD_CANDIDATES,
    WORD_START,
    custom_forms_of,
    name_words,
    office_track,
    person_dict,
    person_text,
    slug_for_title,
    words_fit,
    wrong_side,
)
from storage.sqlite.db import POINT, Database, Tx
from storage.vocab import BUILTIN_OFFICES, norm

PERSON_WORD_INSERT = "INSERT OR IGNORE INTO person_word (workspace, word, person_id) VALUES (?, ?, ?)"
# A side's own offices as _office_slug reads them (the bulk importer reads them once the same way).
CUSTOM_OFFICES_SQL = "SELECT slug, title, forms FROM office WHERE workspace = ? AND slug LIKE ?"


def _person_of(row: sqlite3.Row, aliases: tuple[str, ...] = ()) -> Person:
    return Person(row["id"], row["name"], row["side"], row["title"], aliases)


def json_list(value: str) -> tuple[str, ...]:
    """A JSON list of text (an office's forms, an issue's aliases) as a tuple."""
    return tuple(str(v) for v in json.loads(value))


class People:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- offices -------------------------------------------------------------------------------

    async def offices(self, workspace: str) -> list[Office]:
        rows = await self.db.all("SELECT slug, title, track, forms FROM office WHERE workspace = ?", (workspace,))
        custom = {r["slug"]: Office(r["slug"], r["title"], r["track"], json_list(r["forms"])) for r in rows}
        merged = [custom.pop(o.slug) if o.slug in custom else BUILTIN_OFFICE_BY_SLUG[o.slug] for o in BUILTIN_OFFICES]
        return merged + sorted(custom.values(), key=lambda o: o.slug)

    async def office_of(self, workspace: str, side: str, title: str | None) -> Office | None:
        """The office a title maps to, through the workspace's own forms and then the built-in ones."""
        if not title:
            return None
        slug = await _office_slug(self.db.reader, workspace, side, title)
        return (await self.office_by_slug(workspace, slug)) if slug else None

    async def office_by_slug(self, workspace: str, slug: str) -> Office | None:
        row = await self.db.one(
            "SELECT slug, title, track, forms FROM office WHERE workspace = ? AND slug = ?", (workspace, slug)
        )
        if row:
            return Office(row["slug"], row["title"], row["track"], json_list(row["forms"]))
        return BUILTIN_OFFICE_BY_SLUG.get(slug)

    async def add_office_forms(
        self, actor: Actor, at: dt.datetime, slug: str, title: str, track: str, forms: list[str]
    ) -> Office:
        """Add (or extend) an office of the workspace with more common forms of its title."""
        async with self.db.transaction() as tx:
            row = await tx.one(
                "SELECT title, track, forms FROM office WHERE workspace = ? AND slug = ?",
                (actor.workspace, slug),
            )
            builtin = BUILTIN_OFFICE_BY_SLUG.get(slug)
            old_forms = json_list(row["forms"]) if row else (builtin.forms if builtin else ())
            merged = tuple(dict.fromkeys((*old_forms, *forms)))
            before = (
                {"slug": slug, "title": row["title"], "track": row["track"], "forms": list(old_forms)} if row else None
            )
            await tx.run(
                "INSERT INTO office (workspace, slug, title, track, forms) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (workspace, slug) DO UPDATE SET title = excluded.title, track = excluded.track,"
                " forms = excluded.forms",
                (actor.workspace, slug, title, track, json.dumps(list(merged), ensure_ascii=False)),
            )
            after = {"slug": slug, "title": title, "track": track, "forms": list(merged)}
            await tx.audit(actor, at, "update" if row else "create", "office", slug, before, after)
            await _remap_offices(tx, actor.workspace, slug.split(":", 1)[0])
        return Office(slug, title, track, merged)

    # -- people --------------------------------------------------------------------------------

    async def person(self, workspace: str, person_id: int) -> Person | None:
        row = await self.db.one("SELECT * FROM person WHERE workspace = ? AND id = ?", (workspace, person_id))
        if row is None:
            return None
        return _person_of(row, await self._aliases(person_id))

    async def find_person(self, workspace: str, name: str) -> Person | None:
        """Exact match on a name or alias, ignoring case, accents and punctuation."""
        row = await self.db.one(
            "SELECT p.* FROM person_key k JOIN person p ON p.id = k.person_id WHERE k.workspace = ? AND k.key = ?",
            (workspace, norm(name)),
        )
        return _person_of(row, await self._aliases(row["id"])) if row else None

    async def person_keys(self, workspace: str) -> list[tuple[str, int, str]]:
        """Every (key, person id, name) of the workspace, for fuzzy matching in commands/."""
        rows = await self.db.all(
            "SELECT k.key, k.person_id, p.name FROM person_key k JOIN person p ON p.id = k.person_id"
            " WHERE k.workspace = ?",
            (workspace,),
        )
        return [(r["key"], r["person_id"], r["name"]) for r in rows]

    async def people_matching(self, workspace: str, prefix: str, limit: int = 25) -> list[Person]:
        """People a typed prefix may mean, for autocomplete: each typed word starts a word of one of
        their names or aliases ("aus" -> Lloyd J. Austin III, "lloyd aus" too).

        Ranked as EXACT ... WORD_START say, then by name. Names and aliases that start with what was
        typed come from the (workspace, key) primary key, the others from the word index (person_word):
        one range of each, whatever the number of people.
        """
        key = norm(prefix)
        if not key:
            rows = await self.db.all(
                "SELECT * FROM person WHERE workspace = ? ORDER BY name LIMIT ?", (workspace, limit)
            )
            return [_person_of(r) for r in rows]
        typed = key.split()
        upper = key + "\uffff"
        rank: dict[int, int] = {}
        starts = await self.db.all(
            "SELECT key, person_id FROM person_key WHERE workspace = ? AND key >= ? AND key < ? LIMIT ?",
            (workspace, key, upper, WORD_CANDIDATES),
        )
        for row in starts:
            found = EXACT if row["key"] == key else START_WORD if row["key"].startswith(key + " ") else START
            rank[row["person_id"]] = min(found, rank.get(row["person_id"], WORD_START))
        longest = max(typed, key=len)  # the rarest word makes the shortest range
        words = await self.db.all(
            "SELECT word, person_id FROM person_word WHERE workspace = ? AND word >= ? AND word < ? LIMIT ?",
            (workspace, longest, longest + "\uffff", WORD_CANDIDATES),
        )
        by_word: dict[int, int] = {}
        for row in words:
            if row["person_id"] not in rank:
                found = WORD if row["word"] == longest else WORD_START
                by_word[row["person_id"]] = min(found, by_word.get(row["person_id"], WORD_START))
        candidates = list(by_word)
        if len(typed) > 1 and candidates:
            # Every typed word must start a word of the same name or alias.
            marks = ",".join("?" * len(candidates))
            keys = await self.db.all(f"SELECT key, person_id FROM person_key WHERE person_id IN ({marks})", candidates)
            fitting = {r["person_id"] for r in keys if words_fit(typed, r["key"].split())}
            candidates = [pid for pid in candidates if pid in fitting]
        for pid in candidates:
            rank[pid] = by_word[pid]
        if not rank:
            return []
        marks = ",".join("?" * len(rank))
        rows = await self.db.all(f"SELECT * FROM person WHERE workspace = ? AND id IN ({marks})", (workspace, *rank))
        people = sorted((_person_of(r) for r in rows), key=lambda p: (rank[p.id], p.name.casefold(), p.id))
        return people[:limit]

    async def _aliases(self, person_id: int) -> tuple[str, ...]:
        rows = await self.db.all(
            POINT + "SELECT alias FROM person_key WHERE person_id = ? AND alias IS NOT NULL ORDER BY alias",
            (person_id,),
        )
        return tuple(r["alias"] for r in rows)

    async def add_person(
        self, actor: Actor, at: dt.datetime, name: str, side: str, title: str | None, aliases: list[str]
    ) -> Person:
        async with self.db.transaction() as tx:
            person = await _insert_person(tx, actor, at, name, side, title)
            for alias in aliases:
                await _add_alias(tx, actor.workspace, person, alias)
            full = Person(person.id, person.name, person.side, person.title, tuple(aliases))
            await tx.index(actor.workspace, "person", person.id, person_text(full))
            await tx.audit(actor, at, "create", "person", person.id, None, person_dict(full))
        return full

    async def add_aliases(
        self, actor: Actor, at: dt.datetime, person_id: int, aliases: Iterable[str]
    ) -> tuple[list[str], list[str]]:
        """Give a person the aliases they lack, in one transaction with one audit entry. Returns the
        aliases added and, for each left out because it names someone else, why."""
        added: list[str] = []
        refused: list[str] = []
        async with self.db.transaction() as tx:
            row = await tx.one("SELECT * FROM person WHERE workspace = ? AND id = ?", (actor.workspace, person_id))
            if row is None:
                raise RecordMissing("person", person_id)
            person = _person_of(row, await _alias_list(tx, person_id))
            for alias in aliases:
                try:
                    if await _add_alias(tx, actor.workspace, person, alias):
                        added.append(alias)
                except Conflict as exc:
                    refused.append(str(exc))
            if added:
                after = Person(person.id, person.name, person.side, person.title, await _alias_list(tx, person_id))
                await tx.index(actor.workspace, "person", person.id, person_text(after))
                await tx.audit(actor, at, "update", "person", person.id, person_dict(person), person_dict(after))
        return added, refused


async def _insert_person(tx: Tx, actor: Actor, at: dt.datetime, name: str, side: str, title: str | None) -> Person:
    existing = await tx.one(
        "SELECT p.name FROM person_key k JOIN person p ON p.id = k.person_id WHERE k.workspace = ? AND k.key = ?",
        (actor.workspace, norm(name)),
    )
    if existing:
        raise Conflict(f"{name!r} is already known as {existing['name']!r}")
    person_id = await tx.run(
        "INSERT INTO person (workspace, name, side, title, created_at) VALUES (?, ?, ?, ?, ?)",
        (actor.workspace, name, side, title, at.isoformat()),
    )
    await tx.run(
        "INSERT INTO person_key (workspace, key, person_id, alias) VALUES (?, ?, ?, NULL)",
        (actor.workspace, norm(name), person_id),
    )
    for word in name_words(norm(name)):
        await tx.run(PERSON_WORD_INSERT, (actor.workspace, word, person_id))
    return Person(person_id, name, side, title)


async def _add_alias(tx: Tx, workspace: str, person: Person, alias: str) -> bool:
    """Give `person` another name; False if it is theirs already. A name of someone else is refused."""
    key = norm(alias)
    if not key:
        return False
    existing = await tx.one(
        "SELECT p.id, p.name FROM person_key k JOIN person p ON p.id = k.person_id WHERE k.workspace = ? AND k.key = ?",
        (workspace, key),
    )
    if existing and existing["id"] != person.id:
        raise Conflict(f"the alias {alias!r} already means {existing['name']!r}")
    if existing:
        return False
    await tx.run(
        "INSERT INTO person_key (workspace, key, person_id, alias) VALUES (?, ?, ?, ?)",
        (workspace, key, person.id, alias),
    )
    for word in name_words(key):
        await tx.run(PERSON_WORD_INSERT, (workspace, word, person.id))
    return True


async def resolve_person(
    tx: Tx,
    actor: Actor,
    at: dt.datetime,
    name: str,
    side: str,
    title: str | None,
    aliases: tuple[str, ...] = (),
) -> tuple[Person, bool]:
    """The person of that name or alias, or a new one of that side. Returns (person, created).

    `aliases` are other forms of the name (an import file's): those new to the workspace become the
    person's; one that already names someone else is refused, as /person add refuses it.
    """
    person, created = await _find_or_add_person(tx, actor, at, name, side, title)
    if not aliases:
        return person, created
    before = Person(person.id, person.name, person.side, person.title, await _alias_list(tx, person.id))
    added = [alias for alias in aliases if await _add_alias(tx, actor.workspace, person, alias)]
    if not added:
        return person, created
    after = Person(person.id, person.name, person.side, person.title, await _alias_list(tx, person.id))
    await tx.index(actor.workspace, "person", person.id, person_text(after))
    await tx.audit(actor, at, "update", "person", person.id, person_dict(before), person_dict(after))
    return after, created


async def _alias_list(tx: Tx, person_id: int) -> tuple[str, ...]:
    rows = await tx.all(
        "SELECT alias FROM person_key WHERE person_id = ? AND alias IS NOT NULL ORDER BY alias", (person_id,)
    )
    return tuple(r["alias"] for r in rows)


async def _find_or_add_person(
    tx: Tx, actor: Actor, at: dt.datetime, name: str, side: str, title: str | None
) -> tuple[Person, bool]:
    row = await tx.one(
        "SELECT p.* FROM person_key k JOIN person p ON p.id = k.person_id WHERE k.workspace = ? AND k.key = ?",
        (actor.workspace, norm(name)),
    )
    if row is not None:
        person = _person_of(row)
        if person.side != side:
            raise wrong_side(person.name, person.side, side)
        if title and not person.title:
            # The first title an event gives someone becomes their current title: a change like any other.
            await tx.run("UPDATE person SET title = ? WHERE id = ?", (title, person.id))
            aliases = await _alias_list(tx, person.id)
            before = Person(person.id, person.name, person.side, None, aliases)
            person = Person(person.id, person.name, person.side, title, aliases)
            await tx.index(actor.workspace, "person", person.id, person_text(person))
            await tx.audit(actor, at, "update", "person", person.id, person_dict(before), person_dict(person))
        return person, False
    person = await _insert_person(tx, actor, at, name, side, title)
    await tx.index(actor.workspace, "person", person.id, person_text(person))
    await tx.audit(actor, at, "create", "person", person.id, None, person_dict(person))
    return person, True


async def _office_slug(db: aiosqlite.Connection, workspace: str, side: str, title: str) -> str:
    """Map a title to an office slug; a title no table knows becomes an office of its own."""
    async with db.execute(CUSTOM_OFFICES_SQL, (workspace, side + ":%")) as cursor:
        custom_rows = list(await cursor.fetchall())
    return slug_for_title(custom_forms(custom_rows), side, title)


def custom_forms(rows: Iterable[Any]) -> dict[str, str]:
    """The normalized forms of a side's own offices (rows of CUSTOM_OFFICES_SQL, by position), each to its slug."""
    return custom_forms_of((row[0], row[1], json_list(row[2])) for row in rows)


async def _remap_offices(tx: Tx, workspace: str, side: str) -> None:
    """Titles already recorded follow a newly added form, so past contacts match their office too."""
    titles = await tx.all(
        "SELECT DISTINCT title, office FROM participant WHERE workspace = ? AND side = ? AND title IS NOT NULL",
        (workspace, side),
    )
    for row in titles:
        slug = await _office_slug(tx.db, workspace, side, row["title"])
        if slug != row["office"]:
            await tx.run(
                "UPDATE participant SET office = ? WHERE workspace = ? AND side = ? AND title = ?",
                (slug, workspace, side, row["title"]),
            )


async def office_slug_tx(tx: Tx, workspace: str, side: str, title: str | None) -> str | None:
    return await _office_slug(tx.db, workspace, side, title) if title else None


async def office_track_tx(tx: Tx, workspace: str, slug: str | None) -> str | None:
    """The track of an office (storage.rules.office_track), the workspace's own read inside `tx`."""
    if slug is None:
        return None
    row = await tx.one("SELECT track FROM office WHERE workspace = ? AND slug = ?", (workspace, slug))
    return office_track({slug: str(row["track"])} if row else {}, slug)


def require_person(person: Person | None, ident: object) -> Person:
    if person is None:
        raise RecordMissing("person", ident)
    return person
