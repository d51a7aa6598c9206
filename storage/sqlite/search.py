"""Full-text search on SQLite: an FTS5 table (search_index) that the writes keep, ranked here by BM25.

Words are split as storage.rules.search_tokens splits them (FTS5's unicode61 tokenizer with
remove_diacritics 2 makes the same tokens), the rule PostgreSQL's search keeps too; the FTS5 query
syntax stays inside this module.
"""

from __future__ import annotations

import re

from storage.records import SearchHit
from storage.rules import fold, search_tokens, snippet
from storage.sqlite.db import SEARCH_KINDS, Database, ws_token


def _fts_query(text: str) -> str:
    """User words as an FTS5 query: every word must appear, the last one as a prefix.

    Each word is quoted, so FTS5 operators and punctuation a user types are only ever words.
    """
    words = re.findall(r"\w+", text)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


class Search:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def search(self, workspace: str, text: str, limit: int = 25) -> list[SearchHit]:
        """The most relevant of the workspace's newest matches first.

        FTS5's bm25() weighs each phrase of a query by reading every posting it has, and the
        workspace token is one of the phrases: at a million events that is over a million postings
        and some 50 ms on every search, whatever was looked for, and a common word ("taiwan") adds as
        many again; snippet() re-reads each hit. So the index is asked only for the newest
        SEARCH_WINDOW matches, in rowid order, which it gives straight from the end of its posting
        lists; those are ranked here with the same BM25 formula over their text, and cut to a
        snippet here too. A search whose words all have fewer matches than the window is ranked over
        all its matches, as before; a common word is ranked over its newest matches.

        The last word is a prefix ("crisis commun"). FTS5 answers a prefix by merging the postings
        of every word that starts with it before it can return the first row, which for the prefix
        of a common word ("taiwan*": every record that mentions Taiwan) costs tens of ms; a whole
        word typed in full is answered from its own postings. So the words as typed are tried first,
        and the prefix only when they have fewer matches than the window.
        """
        words = search_tokens(text)
        if not _fts_query(text) or not words:
            return []
        token = ws_token(workspace)
        sql = "SELECT rowid, kind, ref, body FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?"
        exact = " ".join(f'"{w}"' for w in re.findall(r"\w+", text))
        rows = await self.db.all(sql, (f"ws:{token} AND body:({exact})", SEARCH_WINDOW))
        if len(rows) < SEARCH_WINDOW:
            rows = await self.db.all(sql, (f"ws:{token} AND body:({_fts_query(text)})", SEARCH_WINDOW))
        candidates = [(r["rowid"], r["kind"], int(r["ref"]), r["body"]) for r in rows if r["kind"] in SEARCH_KINDS]
        return [SearchHit(kind, ref, snip) for kind, ref, snip in _rank(candidates, words, limit)]


# How many of the newest matches a search ranks (see Search.search).
SEARCH_WINDOW = 200
_BM25_K1 = 1.2  # FTS5's bm25() constants
_BM25_B = 0.75


def _rank(rows: list[tuple[int, str, int, str]], words: list[str], limit: int) -> list[tuple[str, int, str]]:
    """The best `limit` by BM25 over the candidates' text (every word weighs alike: each candidate
    holds them all; a text's length is counted in characters), the newest first among equals; each
    with a snippet around its hits."""
    *whole, last = words
    edge = r"(?<![^\W_])"  # not after a letter or digit: the start of a token
    patterns = [re.compile(edge + re.escape(w) + r"(?![^\W_])") for w in whole]
    patterns.append(re.compile(edge + re.escape(last)))  # the last word is a prefix
    folded = [(rowid, kind, ref, body, fold(body)) for rowid, kind, ref, body in rows]
    avgdl = sum(len(f) for *_, f in folded) / len(folded) if folded else 1.0
    scored = []
    for rowid, kind, ref, body, text in folded:
        length_norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * len(text) / (avgdl or 1.0))
        tfs = [len(p.findall(text)) for p in patterns]
        score = sum(tf * (_BM25_K1 + 1) / (tf + length_norm) for tf in tfs if tf)
        scored.append((-score, -rowid, kind, ref, body))
    scored.sort()
    return [(kind, ref, snippet(body, words)) for _, _, kind, ref, body in scored[:limit]]
