"""People, their aliases, and the offices their titles map to, on PostgreSQL.

A name or alias is a row of person_key, whose primary key (workspace, key) is the rule "a name names
one person". Two writers adding the same name at once meet there: the second one's INSERT … ON CONFLICT
DO NOTHING waits for the first to commit and then finds the key taken, so it uses (or refuses) the
person the first one made, never a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import asyncpg

from storage.errors import Conflict, RecordMissing
from storage.postgres.db import Database, Tx, storable
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
    person_dict,
    person_text,
    slug_for_title,
    words_fit,
    wrong_side,
)
from storage.vocab import BUILTIN_OFFICES, norm

_PERSON_BY_KEY = (
    "SELECT p.id, p.name, p.side, p.title FROM person_key k JOIN person p ON p.id = k.person_id"
    " WHERE k.workspace = $1 AND k.key = $2"
)
_ALIASES = "SELECT alias FROM person_key WHERE person_id = $1 AND alias IS NOT NULL ORDER BY alias"
# A person's aliases as an array, in _ALIASES's order, for a statement over `person p`.
_ALIAS_ARRAY = (
    "(SELECT coalesce(array_agg(a.alias ORDER BY a.alias), '{}') FROM person_key a"
    " WHERE a.person_id = p.id AND a.alias IS NOT NULL)"
)
# The highest code point: `key >= prefix AND key < prefix || TOP` is every key that starts with prefix,
# as a byte range of a COLLATE "C" index.
TOP = "\U0010ffff"


def person_of(row: asyncpg.Record, aliases: tuple[str, ...] = ()) -> Person:
    return Person(row["id"], row["name"], row["side"], row["title"], aliases)


def office_of_row(row: asyncpg.Record) -> Office:
    return Office(row["slug"], row["title"], row["track"], tuple(row["forms"]))


class People:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- offices -------------------------------------------------------------------------------

    async def offices(self, workspace: str) -> list[Office]:
        rows = await self.db.point_all("SELECT slug, title, track, forms FROM office WHERE workspace = $1", workspace)
        custom = {r["slug"]: office_of_row(r) for r in rows}
        merged = [custom.pop(o.slug) if o.slug in custom else BUILTIN_OFFICE_BY_SLUG[o.slug] for o in BUILTIN_OFFICES]
        return merged + sorted(custom.values(), key=lambda o: o.slug)

    async def office_of(self, workspace: str, side: str, title: str | None) -> Office | None:
        if not title:
            return None
        rows = await self.db.point_all(CUSTOM_OFFICES_SQL, workspace, side + ":%")
        slug = slug_for_title(custom_forms_of((r["slug"], r["title"], r["forms"]) for r in rows), side, title)
        return await self.office_by_slug(workspace, slug)

    async def office_by_slug(self, workspace: str, slug: str) -> Office | None:
        if not storable(slug):
            return None
        row = await self.db.point_one(
            "SELECT slug, title, track, forms FROM office WHERE workspace = $1 AND slug = $2", workspace, slug
        )
        if row:
            return office_of_row(row)
        return BUILTIN_OFFICE_BY_SLUG.get(slug)

    async def add_office_forms(
        self, actor: Actor, at: dt.datetime, slug: str, title: str, track: str, forms: list[str]
    ) -> Office:
        async with self.db.transaction() as tx:
            # FOR UPDATE: two writers extending the same office both keep their forms.
            row = await tx.one(
                "SELECT title, track, forms FROM office WHERE workspace = $1 AND slug = $2 FOR UPDATE",
                actor.workspace,
                slug,
            )
            builtin = BUILTIN_OFFICE_BY_SLUG.get(slug)
            old_forms = tuple(row["forms"]) if row else (builtin.forms if builtin else ())
            merged = tuple(dict.fromkeys((*old_forms, *forms)))
            before = (
                {"slug": slug, "title": row["title"], "track": row["track"], "forms": list(old_forms)} if row else None
            )
            await tx.run(
                "INSERT INTO office (workspace, slug, title, track, forms) VALUES ($1, $2, $3, $4, $5)"
                " ON CONFLICT (workspace, slug) DO UPDATE SET title = excluded.title, track = excluded.track,"
                " forms = (SELECT jsonb_agg(f ORDER BY o) FROM (SELECT DISTINCT ON (f) f, o FROM"
                " jsonb_array_elements_text(office.forms || excluded.forms) WITH ORDINALITY AS x(f, o)"
                " ORDER BY f, o) AS u)",
                actor.workspace,
                slug,
                title,
                track,
                list(merged),
            )
            after = {"slug": slug, "title": title, "track": track, "forms": list(merged)}
            await tx.audit(actor, at, "update" if row else "create", "office", slug, before, after)
            await remap_offices(tx, actor.workspace, slug.split(":", 1)[0])
        return Office(slug, title, track, merged)

    # -- people --------------------------------------------------------------------------------

    async def person(self, workspace: str, person_id: int) -> Person | None:
        row = await self.db.point_one(
            f"SELECT id, name, side, title, {_ALIAS_ARRAY} AS aliases FROM person p WHERE workspace = $1 AND id = $2",
            workspace,
            person_id,
        )
        return person_of(row, tuple(row["aliases"])) if row else None

    async def find_person(self, workspace: str, name: str) -> Person | None:
        # The person and their aliases in one statement: /lastcall with: asks it on every call.
        row = await self.db.point_one(
            f"SELECT p.id, p.name, p.side, p.title, {_ALIAS_ARRAY} AS aliases FROM person_key k"
            " JOIN person p ON p.id = k.person_id WHERE k.workspace = $1 AND k.key = $2",
            workspace,
            norm(name),
        )
        return person_of(row, tuple(row["aliases"])) if row else None

    async def person_keys(self, workspace: str) -> list[tuple[str, int, str]]:
        rows = await self.db.all(
            "SELECT k.key, k.person_id, p.name FROM person_key k JOIN person p ON p.id = k.person_id"
            " WHERE k.workspace = $1",
            workspace,
        )
        return [(r["key"], r["person_id"], r["name"]) for r in rows]

    async def people_matching(self, workspace: str, prefix: str, limit: int = 25) -> list[Person]:
        """As the SQLite store ranks them (storage/sqlite/people.py): exact, start of a name as a whole word,
        start of a name, a word of it, the start of a word; then by name. Starts come from a byte range
        of person_key, words from one of person_word."""
        key = norm(prefix)
        if not key:
            rows = await self.db.point_all(
                'SELECT id, name, side, title FROM person WHERE workspace = $1 ORDER BY name COLLATE "C" LIMIT $2',
                workspace,
                limit,
            )
            return [person_of(r) for r in rows]
        typed = key.split()
        rank: dict[int, int] = {}
        starts = await self.db.point_all(
            'SELECT key, person_id FROM person_key WHERE workspace = $1 AND key COLLATE "C" >= $2'
            ' AND key COLLATE "C" < $3 LIMIT $4',
            workspace,
            key,
            key + TOP,
            WORD_CANDIDATES,
        )
        for row in starts:
            found = EXACT if row["key"] == key else START_WORD if row["key"].startswith(key + " ") else START
            rank[row["person_id"]] = min(found, rank.get(row["person_id"], WORD_START))
        longest = max(typed, key=len)  # the rarest word makes the shortest range
        words = await self.db.point_all(
            "SELECT word, person_id FROM person_word WHERE workspace = $1 AND word >= $2 AND word < $3 LIMIT $4",
            workspace,
            longest,
            longest + TOP,
            WORD_CANDIDATES,
        )
        by_word: dict[int, int] = {}
        for row in words:
            if row["person_id"] not in rank:
                found = WORD if row["word"] == longest else WORD_START
                by_word[row["person_id"]] = min(found, by_word.get(row["person_id"], WORD_START))
        candidates = list(by_word)
        if len(typed) > 1 and candidates:
            keys = await self.db.point_all(
                "SELECT key, person_id FROM person_key WHERE person_id = ANY($1::bigint[])", candidates
            )
            fitting = {r["person_id"] for r in keys if words_fit(typed, r["key"].split())}
            candidates = [pid for pid in candidates if pid in fitting]
        for pid in candidates:
            rank[pid] = by_word[pid]
        if not rank:
            return []
        rows = await self.db.point_all(
            "SELECT id, name, side, title FROM person WHERE workspace = $1 AND id = ANY($2::bigint[])",
            workspace,
            list(rank),
        )
        people = sorted((person_of(r) for r in rows), key=lambda p: (rank[p.id], p.name.casefold(), p.id))
        return people[:limit]

    async def add_person(
        self, actor: Actor, at: dt.datetime, name: str, side: str, title: str | None, aliases: list[str]
    ) -> Person:
        async with self.db.transaction() as tx:
            person = await insert_person(tx, actor, at, name, side, title)
            for alias in aliases:
                await add_alias(tx, actor.workspace, person, alias)
            full = Person(person.id, person.name, person.side, person.title, tuple(aliases))
            await tx.index(actor.workspace, "person", person.id, person_text(full))
            await tx.audit(actor, at, "create", "person", person.id, None, person_dict(full))
        return full

    async def add_aliases(
        self, actor: Actor, at: dt.datetime, person_id: int, aliases: Iterable[str]
    ) -> tuple[list[str], list[str]]:
        added: list[str] = []
        refused: list[str] = []
        async with self.db.transaction() as tx:
            # FOR UPDATE: two writers aliasing the same person write their audit snapshots in turn.
            row = await tx.one(
                "SELECT id, name, side, title FROM person WHERE workspace = $1 AND id = $2 FOR UPDATE",
                actor.workspace,
                person_id,
            )
            if row is None:
                raise RecordMissing("person", person_id)
            person = person_of(row, await alias_list(tx, person_id))
            for alias in aliases:
                try:
                    if await add_alias(tx, actor.workspace, person, alias):
                        added.append(alias)
                except Conflict as exc:
                    refused.append(str(exc))
            if added:
                after = Person(person.id, person.name, person.side, person.title, await alias_list(tx, person_id))
                await tx.index(actor.workspace, "person", person.id, person_text(after))
                await tx.audit(actor, at, "update", "person", person.id, person_dict(person), person_dict(after))
        return added, refused


# A side's own offices (slug LIKE 'side:%').
CUSTOM_OFFICES_SQL = "SELECT slug, title, track, forms FROM office WHERE workspace = $1 AND slug LIKE $2"


async def alias_list(tx: Tx, person_id: int) -> tuple[str, ...]:
    return tuple(r["alias"] for r in await tx.all(_ALIASES, person_id))


async def insert_person(tx: Tx, actor: Actor, at: dt.datetime, name: str, side: str, title: str | None) -> Person:
    """A new person with their own-name key; Conflict if the name already names someone."""
    person = await _try_insert_person(tx, actor, at, name, side, title)
    if isinstance(person, Person):
        return person
    raise Conflict(f"{name!r} is already known as {person['name']!r}")


async def _try_insert_person(
    tx: Tx, actor: Actor, at: dt.datetime, name: str, side: str, title: str | None
) -> Person | asyncpg.Record:
    """A new person, or the row of whoever the name already names (then nothing is left written)."""
    key = norm(name)
    existing = await tx.one(_PERSON_BY_KEY, actor.workspace, key)
    if existing is not None:
        return existing
    person_id = await tx.value(
        "INSERT INTO person (workspace, name, side, title, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        actor.workspace,
        name,
        side,
        title,
        at,
    )
    # The key decides: a writer that took it since the read above wins, and this person goes again.
    claimed = await tx.value(
        "INSERT INTO person_key (workspace, key, person_id, alias) VALUES ($1, $2, $3, NULL)"
        " ON CONFLICT (workspace, key) DO NOTHING RETURNING person_id",
        actor.workspace,
        key,
        person_id,
    )
    if claimed is None:
        await tx.run("DELETE FROM person WHERE id = $1", person_id)
        existing = await tx.one(_PERSON_BY_KEY, actor.workspace, key)
        assert existing is not None  # the key is there: its writer has committed
        return existing
    return Person(person_id, name, side, title)


async def add_alias(tx: Tx, workspace: str, person: Person, alias: str) -> bool:
    """Give `person` another name; False if it is theirs already. A name of someone else is refused."""
    key = norm(alias)
    if not key:
        return False
    claimed = await tx.value(
        "INSERT INTO person_key (workspace, key, person_id, alias) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (workspace, key) DO NOTHING RETURNING person_id",
        workspace,
        key,
        person.id,
        alias,
    )
    if claimed is not None:
        return True
    owner = await tx.one(_PERSON_BY_KEY, workspace, key)
    if owner is not None and owner["id"] != person.id:
        raise Conflict(f"the alias {alias!r} already means {owner['name']!r}")
    return False


async def resolve_person(
    tx: Tx,
    actor: Actor,
    at: dt.datetime,
    name: str,
    side: str,
    title: str | None,
    aliases: tuple[str, ...] = (),
) -> tuple[Person, bool]:
    """The person of that name or alias, or a new one of that side. Returns (person, created); the
    aliases new to the workspace become theirs, one that names someone else is a Conflict."""
    person, created = await _resolve_person(tx, actor, at, name, side, title)
    if not aliases:
        return person, created
    before = Person(person.id, person.name, person.side, person.title, await alias_list(tx, person.id))
    added = [alias for alias in aliases if await add_alias(tx, actor.workspace, person, alias)]
    if not added:
        return person, created
    after = Person(person.id, person.name, person.side, person.title, await alias_list(tx, person.id))
    await tx.index(actor.workspace, "person", person.id, person_text(after))
    await tx.audit(actor, at, "update", "person", person.id, person_dict(before), person_dict(after))
    return after, created


async def _resolve_person(
    tx: Tx, actor: Actor, at: dt.datetime, name: str, side: str, title: str | None
) -> tuple[Person, bool]:
    found = await _try_insert_person(tx, actor, at, name, side, title)
    if isinstance(found, Person):
        await tx.index(actor.workspace, "person", found.id, person_text(found))
        await tx.audit(actor, at, "create", "person", found.id, None, person_dict(found))
        return found, True
    person = person_of(found)
    if person.side != side:
        raise wrong_side(person.name, person.side, side)
    if title and not person.title:
        # The first title an event gives someone becomes their current title; `title IS NULL` in the
        # UPDATE makes a concurrent writer's title, given first, the one that stays.
        retitled = await tx.value(
            "UPDATE person SET title = $1 WHERE id = $2 AND title IS NULL RETURNING id", title, person.id
        )
        if retitled is None:
            row = await tx.one("SELECT id, name, side, title FROM person WHERE id = $1", person.id)
            assert row is not None
            return person_of(row), False
        aliases = await alias_list(tx, person.id)
        before = Person(person.id, person.name, person.side, None, aliases)
        person = Person(person.id, person.name, person.side, title, aliases)
        await tx.index(actor.workspace, "person", person.id, person_text(person))
        await tx.audit(actor, at, "update", "person", person.id, person_dict(before), person_dict(person))
    return person, False


async def custom_forms(tx: Tx, workspace: str, side: str) -> dict[str, str]:
    rows = await tx.all(CUSTOM_OFFICES_SQL, workspace, side + ":%")
    return custom_forms_of((r["slug"], r["title"], r["forms"]) for r in rows)


async def own_tracks(tx: Tx, workspace: str) -> dict[str, str]:
    """The workspace's own offices' tracks, by slug."""
    return {
        r["slug"]: r["track"] for r in await tx.all("SELECT slug, track FROM office WHERE workspace = $1", workspace)
    }


async def remap_offices(tx: Tx, workspace: str, side: str) -> None:
    """Titles already recorded follow a newly added form, so past contacts match their office too."""
    forms = await custom_forms(tx, workspace, side)
    titles = await tx.all(
        "SELECT DISTINCT title, office FROM participant WHERE workspace = $1 AND side = $2 AND title IS NOT NULL",
        workspace,
        side,
    )
    for row in titles:
        slug = slug_for_title(forms, side, row["title"])
        if slug != row["office"]:
            await tx.run(
                "UPDATE participant SET office = $1 WHERE workspace = $2 AND side = $3 AND title = $4",
                slug,
                workspace,
                side,
                row["title"],
            )
