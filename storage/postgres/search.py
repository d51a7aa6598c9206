"""Full-text search on PostgreSQL: a tsvector per record with a GIN index, ranked by ts_rank; snippets are
cut by storage.rules.snippet, as on SQLite.

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
from storage.records import SearchHit
from storage.rules import search_tokens, snippet

# How many of the newest matches are ranked, as on SQLite (storage/sqlite/search.py): a common word's
# matches are not all ranked, only its newest.
SEARCH_WINDOW = 200
# Newest first among equals: the order of SQLite's rowids (ref, then the kind's place).
_KIND_ORDER = "array_position(ARRAY['event', 'concern', 'question', 'person'], kind)"
_MATCHES = (
    "SELECT kind, ref, body, tsv FROM search_doc WHERE workspace = $1 AND tsv @@ to_tsquery('simple', $2)"
    f" ORDER BY ref DESC, {_KIND_ORDER} DESC LIMIT {SEARCH_WINDOW}"
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
        query = tsquery(words, prefix=False)
        count = await self.db.value(f"SELECT count(*) FROM ({_MATCHES}) m", workspace, query)
        if count < SEARCH_WINDOW:
            query = tsquery(words, prefix=True)
        # ts_rank's normalization 1 divides by the log of the text's length, so a short text about the
        # words ranks above a long one that mentions them once (what BM25 does on SQLite).
        rows = await self.db.all(
            f"WITH m AS ({_MATCHES}), best AS (SELECT kind, ref, body,"
            " ts_rank(tsv, to_tsquery('simple', $2), 1) AS rank FROM m"
            f" ORDER BY rank DESC, ref DESC, {_KIND_ORDER} DESC LIMIT $3)"
            f" SELECT kind, ref, body FROM best ORDER BY rank DESC, ref DESC, {_KIND_ORDER} DESC",
            workspace,
            query,
            limit,
        )
        # Cut here rather than by ts_headline: its fragment left out words of a text short enough to show
        # whole, and it does not fold accents, so a word found by its folded form was not cut around.
        return [SearchHit(r["kind"], int(r["ref"]), snippet(r["body"], words)) for r in rows]
