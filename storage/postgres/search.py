"""Full-text search on PostgreSQL: a tsvector per record, a partition of search_doc per kind of record
with a GIN index and an index of the workspace's records newest first, ranked by ts_rank; snippets are
cut by storage.rules.snippet, as on SQLite. search_sql says how the newest matches are found.

Both backends split text into the same words: search_doc.folded holds the words of the text as
storage.rules.search_tokens finds them (runs of letters and digits, case-folded, without diacritics),
joined by spaces, and tsv is to_tsvector('simple', folded), which neither stems nor drops stop words.
The query is built from the same words: every word must appear, the last one also as a prefix. It is
built with to_tsquery from quoted words rather than websearch_to_tsquery: websearch syntax gives "or",
"-" and quotes a meaning, and in Hotline (on SQLite too) whatever a user types is only ever words.
docs/STORAGE.md says where the results differ from SQLite's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from storage.postgres.db import Database
from storage.records import SearchHit
from storage.rules import search_tokens, snippet

# How many of the newest matches are ranked, as on SQLite (storage/sqlite/search.py): a common word's
# matches are not all ranked, only its newest.
SEARCH_WINDOW = 200
# Newest first among equals: the order of SQLite's rowids (ref, then the kind's place).
KINDS = ("event", "concern", "question", "person")
_KIND_ORDER = f"array_position(ARRAY[{', '.join(repr(k) for k in KINDS)}], kind)"
# Reading a record while walking the workspace's records newest first costs about 0.4 times what reading
# one match of a GIN look-up does (measured at a million events: 0.85 µs and 2 µs), hence the rule in
# Plan.walks.
WALK_COST = 0.4
# A walk reads at most this many times the records its words' frequency says it needs, and never fewer
# than MIN_WALK: past that, the words are rarer together than apart, and the GIN index finds the rest.
WALK_MARGIN = 4
MIN_WALK = 4096
# The word frequencies of each kind are read from the planner's statistics at most this often.
STATS_TTL_S = 600.0
_STATS = (
    "SELECT s.tablename, c.reltuples, s.most_common_elems::text::text[] AS words, s.most_common_elem_freqs AS freqs"
    " FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename AND c.relnamespace = 'public'::regnamespace"
    " WHERE s.schemaname = 'public' AND s.tablename = ANY($1::text[]) AND s.attname = 'tsv'"
)


@dataclass(frozen=True)
class KindStats:
    """What ANALYZE saw of one kind's partition: its records, and the share of them that hold each of its
    most common words (the rest are rarer than the least common of those)."""

    records: float
    share: dict[str, float]

    def frequency(self, word: str, *, prefix: bool) -> float:
        if prefix:
            return min(1.0, sum(f for w, f in self.share.items() if w.startswith(word)))
        return self.share.get(word, 0.0)


def walk_limit(words: list[str], prefix: bool, stats: KindStats | None) -> int | None:
    """How many of a kind's newest records to walk before looking the rest up in the GIN index; None:
    look it all up in the index.

    A walk newest first reads about SEARCH_WINDOW / d records, d being the share that match; a GIN
    look-up reads every match, d x N (N: the kind's records, all workspaces). Together, words are at most
    as common as the rarest of them, so d is taken as that word's share: walking is cheaper when
    WALK_COST x SEARCH_WINDOW / d < d x N. If the words turn out rarer together, the walk stops at
    WALK_MARGIN times what it expected, and the index finds the rest.
    """
    if stats is None or stats.records <= 0:
        return None
    last = len(words) - 1
    share = min(stats.frequency(w, prefix=prefix and i == last) for i, w in enumerate(words))
    if share <= 0 or WALK_COST * SEARCH_WINDOW / share >= share * stats.records:
        return None
    expected = SEARCH_WINDOW / share
    return max(MIN_WALK, 1 << int(WALK_MARGIN * expected).bit_length())  # a power of two: few statements


def _newest(kind: str) -> str:
    """A kind's newest matches, looked up in its GIN index (or as the planner sees fit)."""
    return (
        f"(SELECT '{kind}' AS kind, ref, body, tsv FROM search_doc_{kind} WHERE workspace = $1"
        f" AND tsv @@ to_tsquery('simple', $2) ORDER BY ref DESC LIMIT {SEARCH_WINDOW})"
    )


def _walked(kind: str, limit: int) -> str:
    """A kind's newest matches, found by reading its newest `limit` records newest first (the subquery's
    LIMIT keeps it a walk of the (workspace, ref) index), then among the older ones in the GIN index."""
    walk = (
        f"(SELECT '{kind}' AS kind, ref, body, tsv FROM (SELECT ref, body, tsv FROM search_doc_{kind}"
        f" WHERE workspace = $1 ORDER BY ref DESC LIMIT {limit}) w WHERE tsv @@ to_tsquery('simple', $2))"
    )
    older = (
        f"(SELECT '{kind}' AS kind, ref, body, tsv FROM search_doc_{kind} WHERE workspace = $1"
        f" AND tsv @@ to_tsquery('simple', $2) AND ref < (SELECT min(ref) FROM (SELECT ref FROM search_doc_{kind}"
        f" WHERE workspace = $1 ORDER BY ref DESC LIMIT {limit}) b) ORDER BY ref DESC LIMIT {SEARCH_WINDOW})"
    )
    # The second part runs only if the walk found fewer than the window (Append stops at the Limit).
    return f"(SELECT * FROM ({walk} UNION ALL {older}) s LIMIT {SEARCH_WINDOW})"


def search_sql(walks: dict[str, int | None]) -> str:
    """The statement that finds the workspace's newest SEARCH_WINDOW matches and ranks them: each kind's
    newest from its own partition (migration 0004), by a walk or a GIN look-up as `walks` says, then the
    newest of those, ranked; every row carries the number found (up to the window)."""
    kinds = [_newest(k) if walks.get(k) is None else _walked(k, walks[k] or 0) for k in KINDS]
    # ts_rank's normalization 1 divides by the log of the text's length, so a short text about the words
    # ranks above a long one that mentions them once (what BM25 does on SQLite).
    return (
        f"WITH m AS (SELECT * FROM ({' UNION ALL '.join(kinds)}) k"
        f" ORDER BY ref DESC, {_KIND_ORDER} DESC LIMIT {SEARCH_WINDOW}),"
        " best AS (SELECT kind, ref, body, ts_rank(tsv, to_tsquery('simple', $2), 1) AS rank,"
        f" count(*) OVER () AS found FROM m ORDER BY rank DESC, ref DESC, {_KIND_ORDER} DESC LIMIT $3)"
        f" SELECT kind, ref, body, found FROM best ORDER BY rank DESC, ref DESC, {_KIND_ORDER} DESC"
    )


def tsquery(words: list[str], *, prefix: bool) -> str:
    """Every word, quoted (they hold only letters and digits), the last one as a prefix if asked."""
    quoted = [f"'{w}'" for w in words]
    if prefix:
        quoted[-1] += ":*"
    return " & ".join(quoted)


class Search:
    def __init__(self, db: Database, clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.clock = clock
        self._stats: dict[str, KindStats] = {}
        self._stats_read = -STATS_TTL_S

    async def search(self, workspace: str, text: str, limit: int = 25) -> list[SearchHit]:
        """The most relevant of the workspace's newest SEARCH_WINDOW matches first. As on SQLite, the
        words as typed are tried first and the last word as a prefix only when they match fewer than
        the window: a prefix of a common word makes the index merge every word that starts with it."""
        words = search_tokens(text)
        if not words:
            return []
        stats = await self.stats()
        rows: list[asyncpg.Record] = []
        for prefix in (False, True):
            walks = {kind: walk_limit(words, prefix, stats.get(kind)) for kind in KINDS}
            rows = await self.db.all(search_sql(walks), workspace, tsquery(words, prefix=prefix), limit)
            if rows and rows[0]["found"] >= SEARCH_WINDOW:
                break
        # Cut here rather than by ts_headline: its fragment left out words of a text short enough to show
        # whole, and it does not fold accents, so a word found by its folded form was not cut around.
        return [SearchHit(r["kind"], int(r["ref"]), snippet(r["body"], words)) for r in rows]

    async def stats(self) -> dict[str, KindStats]:
        """Each kind's word frequencies as ANALYZE last saw them, read again after STATS_TTL_S. A kind
        without statistics yet (a new database) is searched through its GIN index."""
        now = self.clock()
        if now - self._stats_read >= STATS_TTL_S:
            rows = await self.db.point_all(_STATS, [f"search_doc_{k}" for k in KINDS])
            self._stats = {
                r["tablename"].removeprefix("search_doc_"): KindStats(
                    float(r["reltuples"]), dict(zip(r["words"] or (), r["freqs"] or (), strict=False))
                )
                for r in rows
            }
            self._stats_read = now
        return self._stats
