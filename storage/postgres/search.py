"""Full-text search on PostgreSQL: a tsvector per record, a partition of search_doc per kind of record
with a GIN index and an index of the workspace's records newest first, ranked by ts_rank, snippets by
ts_headline. search_sql says how the newest matches are found.

Both backends split text into the same words: search_doc.folded holds the words of the text as
storage.rules.search_tokens finds them (runs of letters and digits, case-folded, without diacritics),
joined by spaces, and tsv is to_tsvector('simple', folded), which neither stems nor drops stop words.
The query is built from the same words: every word must appear, the last one also as a prefix. It is
built with to_tsquery from quoted words rather than websearch_to_tsquery: websearch syntax gives "or",
"-" and quotes a meaning, and in Hotline (on SQLite too) whatever a user types is only ever words.
docs/STORAGE.md says where the results differ from SQLite's.
"""

from __future__ import annotations

from storage.postgres.db import Database
from storage.rules import search_tokens
from storage.workspaces import SearchHit

# How many of the newest matches are ranked, as on SQLite (storage/workspaces.py): a common word's
# matches are not all ranked, only its newest.
SEARCH_WINDOW = 200
# ts_headline: one fragment of at most 16 words, as SQLite's snippets; nothing marks the hits.
_HEADLINE = 'StartSel="", StopSel="", MaxWords=16, MinWords=6, ShortWord=0, MaxFragments=1, FragmentDelimiter=" … "'
# Newest first among equals: the order of SQLite's rowids (ref, then the kind's place).
KINDS = ("event", "concern", "question", "person")
_KIND_ORDER = f"array_position(ARRAY[{', '.join(repr(k) for k in KINDS)}], kind)"
# How far back each step of a kind's search reaches, in ids of that kind below its newest: each step
# eight times the one before, then the rest.
STEPS = (4096, 32768, 262144, 2097152)
# Each kind's newest id in the workspace: one index probe a kind.
_NEWEST = (
    "SELECT k AS kind, (SELECT max(ref) FROM search_doc WHERE kind = k AND workspace = $1) AS newest"
    " FROM unnest($2::text[]) AS k"
)


def _step(kind: str, low: int | None, high: int | None) -> str:
    """A kind's newest matches with ids in (low, high]: the statement's $1 is the workspace, $2 the query."""
    bounds = (f" AND ref > {low}" if low is not None else "") + (f" AND ref <= {high}" if high is not None else "")
    return (
        f"(SELECT kind, ref, body, tsv FROM search_doc WHERE kind = '{kind}' AND workspace = $1{bounds}"
        f" AND tsv @@ to_tsquery('simple', $2) ORDER BY ref DESC LIMIT {SEARCH_WINDOW})"
    )


def search_sql(newest: dict[str, int]) -> str:
    """The statement that finds the workspace's newest SEARCH_WINDOW matches and ranks them.

    Each kind has a partition of search_doc (migration 0004) and is searched in steps, newest ids first
    (STEPS); a step runs only if the ones before it found fewer than the window (Append stops as soon
    as its Limit is met). The bounds are numbers in the statement, so each step is planned for its own
    range and for the words at hand: a common word walks the range newest first until it has enough; a
    rarer one is looked up in the GIN index and intersected with the range (a BitmapAnd), so that only
    the matches in range are read from the table, not every match the word has. The ranking is over the
    newest of the kinds' matches, with the number found (up to the window) on every row.
    """
    kinds = []
    for kind in KINDS:
        top = newest.get(kind)
        if top is None:
            continue  # the workspace has none of that kind
        steps, high = [], None
        for reach in STEPS:
            low = top - reach
            if low <= 0:
                break
            steps.append(_step(kind, low, high))
            high = low
        steps.append(_step(kind, None, high))
        kinds.append(f"(SELECT * FROM ({' UNION ALL '.join(steps)}) s LIMIT {SEARCH_WINDOW})")
    # ts_rank's normalization 1 divides by the log of the text's length, so a short text about the words
    # ranks above a long one that mentions them once (what BM25 does on SQLite).
    return (
        f"WITH m AS (SELECT * FROM ({' UNION ALL '.join(kinds)}) k"
        f" ORDER BY ref DESC, {_KIND_ORDER} DESC LIMIT {SEARCH_WINDOW}),"
        " best AS (SELECT kind, ref, body, ts_rank(tsv, to_tsquery('simple', $2), 1) AS rank,"
        f" count(*) OVER () AS found FROM m ORDER BY rank DESC, ref DESC, {_KIND_ORDER} DESC LIMIT $3)"
        f" SELECT kind, ref, body, found, ts_headline('simple', body, to_tsquery('simple', $2), '{_HEADLINE}')"
        f" AS snip FROM best ORDER BY rank DESC, ref DESC, {_KIND_ORDER} DESC"
    )


def tsquery(words: list[str], *, prefix: bool) -> str:
    """Every word, quoted (they hold only letters and digits), the last one as a prefix if asked."""
    quoted = [f"'{w}'" for w in words]
    if prefix:
        quoted[-1] += ":*"
    return " & ".join(quoted)


class Search:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def search(self, workspace: str, text: str, limit: int = 25) -> list[SearchHit]:
        """The most relevant of the workspace's newest SEARCH_WINDOW matches first. As on SQLite, the
        words as typed are tried first and the last word as a prefix only when they match fewer than
        the window: a prefix of a common word makes the index merge every word that starts with it."""
        words = search_tokens(text)
        if not words:
            return []
        found = await self.db.point_all(_NEWEST, workspace, list(KINDS))
        newest = {r["kind"]: int(r["newest"]) for r in found if r["newest"] is not None}
        if not newest:
            return []
        sql = search_sql(newest)
        rows = await self.db.all(sql, workspace, tsquery(words, prefix=False), limit)
        if not rows or rows[0]["found"] < SEARCH_WINDOW:
            rows = await self.db.all(sql, workspace, tsquery(words, prefix=True), limit)
        return [SearchHit(r["kind"], int(r["ref"]), _ellipsis(r["body"], r["snip"])) for r in rows]


def _ellipsis(body: str, snippet: str) -> str:
    """The snippet with '…' where the text goes on before or after it, as SQLite's snippets have."""
    text = body.strip()
    snippet = snippet.strip()
    start = text.find(snippet)
    if start < 0:
        return snippet
    return ("…" if start > 0 else "") + snippet + ("…" if start + len(snippet) < len(text) else "")
