"""How the PostgreSQL store finds a search's newest matches (storage/postgres/search.py): each kind by a
walk newest first or by its GIN index, chosen from the planner's word statistics. Whatever is chosen,
the hits are the same: the most relevant of the workspace's newest SEARCH_WINDOW matches."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from storage.postgres import search
from storage.postgres.db import Database
from storage.postgres.search import KindStats, Search, walk_limit
from storage.postgres.store import PostgresStore
from storage.records import Actor
from tests.conftest import NOW, OTHER_WS, WS

ACTOR = Actor(WS, "u1", "Ann Analyst")
OTHER = Actor(OTHER_WS, "u2", "Bob Other")
WORDS = ("taiwan", "trade", "climate", "fentanyl", "visas")


@pytest.fixture
async def store(pg_store_url: str) -> AsyncIterator[PostgresStore]:
    """Three hundred concerns and sixty questions in each of two workspaces, in which 'taiwan' is common,
    'fentanyl' rare and 'visas' absent from this workspace; ANALYZEd, so that the statistics exist."""
    s = await PostgresStore.open(pg_store_url)
    try:
        for actor in (ACTOR, OTHER):
            for i in range(300):
                text = " ".join(w for j, w in enumerate(WORDS) if (i * (j + 1)) % (j * 7 + 2) == 0)
                if actor is OTHER or "visas" not in text:
                    await s.add_concern(
                        actor,
                        NOW,
                        issue="taiwan",
                        side="china",
                        text=f"Point {i}: {text or 'nothing'}",
                        by=None,
                        day=dt.date(2022, 1, 1) + dt.timedelta(days=i),
                        event_id=None,
                        source=None,
                    )
            for i in range(60):
                await s.add_question(
                    actor, NOW, text=f"Question {i} on taiwan trade", issue=None, event_id=None, raised_on=NOW.date()
                )
        await s.pool.execute("ANALYZE search_doc")
        yield s
    finally:
        await s.close()


def forced(store: PostgresStore, monkeypatch: pytest.MonkeyPatch, walk: int | None) -> Search:
    """The store's search with every kind walked (`walk` records before the GIN index takes over), or
    with every kind looked up in the GIN index (None)."""
    monkeypatch.setattr(search, "walk_limit", lambda *_: walk)
    return Search(Database(store.pool, store.points))


@pytest.mark.parametrize("query", ["taiwan", "fentanyl", "taiwan trade", "point 1", "visas", "clim", "question"])
async def test_a_walk_and_the_gin_index_find_the_same_hits(
    store: PostgresStore, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    expected = await forced(store, monkeypatch, None).search(WS, query, limit=500)
    for walk in (10_000, 16, 1):  # all of it; a walk that stops early, the index finding the rest
        assert await forced(store, monkeypatch, walk).search(WS, query, limit=500) == expected
    monkeypatch.undo()
    assert await store.search(WS, query, limit=500) == expected
    assert all(h.kind in ("concern", "question") for h in expected)


async def test_only_the_newest_matches_are_ranked(store: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "SEARCH_WINDOW", 20)
    for walk in (None, 5, 1000):
        hits = await forced(store, monkeypatch, walk).search(WS, "taiwan", limit=500)
        assert len(hits) == 20
        refs = sorted((h.ref for h in hits if h.kind == "concern"), reverse=True)
        newest = await store.pool.fetch(
            "SELECT ref FROM search_doc WHERE kind = 'concern' AND workspace = $1 AND tsv @@ 'taiwan'"
            " ORDER BY ref DESC LIMIT 20",
            WS,
        )
        assert refs == [r["ref"] for r in newest][: len(refs)]


async def test_the_statistics_decide_and_are_read_again_after_a_while(store: PostgresStore) -> None:
    now = [0.0]
    finder = Search(Database(store.pool, store.points), clock=lambda: now[0])
    stats = await finder.stats()
    assert set(stats) == {"concern", "question"}  # no event or person was indexed: no statistics
    concerns = stats["concern"]
    assert concerns.frequency("taiwan", prefix=False) > 0.3 and concerns.frequency("visas", prefix=False) < 0.2
    assert concerns.frequency("clim", prefix=False) == 0 and concerns.frequency("clim", prefix=True) > 0
    await store.add_person(ACTOR, NOW, "Taiwan Person", "us", None, [])
    await store.pool.execute("ANALYZE search_doc")
    assert "person" not in await finder.stats()  # read once, kept
    now[0] += search.STATS_TTL_S
    assert "person" in await finder.stats()


def test_common_words_are_walked_and_rare_ones_looked_up() -> None:
    big = KindStats(2_000_000, {"taiwan": 0.25, "beijing": 0.017, "rogers": 0.004, "exit": 0.03, "bans": 0.03})
    assert walk_limit(["taiwan"], False, big) == search.MIN_WALK  # 800 expected: a short walk
    assert walk_limit(["beijing"], False, big) == 65536  # about 12,000 expected, four times that at most
    assert walk_limit(["rogers"], False, big) is None  # 8,000 matches read beat 50,000 records walked
    assert walk_limit(["exit", "bans"], False, big) is not None
    assert walk_limit(["exit", "rogers"], False, big) is None  # together no commoner than the rarer
    assert walk_limit(["tai"], True, big) is not None and walk_limit(["tai"], False, big) is None
    assert walk_limit(["taiwan"], False, KindStats(300, {"taiwan": 0.25})) is None  # small: the index
    assert walk_limit(["taiwan"], False, None) is None  # no statistics yet


async def test_a_search_on_a_database_never_analyzed_uses_the_index(pg_store_url: str) -> None:
    store = await PostgresStore.open(pg_store_url)
    try:
        concern = await store.add_concern(
            ACTOR, NOW, issue="taiwan", side="us", text="Taiwan", by=None, day=NOW.date(), event_id=None, source=None
        )
        assert [h.ref for h in await store.search(WS, "taiwan")] == [concern.id]
        stats = await store.pool.fetchval("SELECT count(*) FROM pg_stats WHERE tablename LIKE 'search_doc_%'")
        assert stats == 0
    finally:
        await store.close()
