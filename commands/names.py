"""When a name as typed is taken for a known person's name by its spelling: the rule, in one place.

A typed name (and every known name and alias) is compared as its key, storage.vocab.norm of it:
case, accents and punctuation do not count. A typed key is close to a known key when

1. both have the same number of words ("Li Qiang" is never "Li Keqiang Jr");
2. both carry the same numbers, in the same order ("Kill00001 Us" is not "Kill00002 Us": a number
   tells two things apart, it is never a typo to forgive);
3. each word starts with the same letter as the word in its place (a slip rarely hits the first
   letter, and real near-names differ there: Li Qiang / Li Keqiang, Xie Feng / Xie Zhenhua);
4. each word is at least WORD_CUTOFF alike its counterpart ("Fenge" / "Fenghe" 0.91, "Blinkin" /
   "Blinken" 0.86; but "Kerry" / "Kirby" 0.6, "Yi" / "Yang" 0.33: a short word must be nearly exact);
5. the whole key is at least as alike as the cutoff: LOOKUP_CUTOFF to find someone (/lastcall with:),
   RECORD_CUTOFF to record a contact with them (/event add), where a wrong match would file it under
   someone else.

"Alike" is the Indel similarity, 2·(longest common subsequence) / (sum of lengths), as rapidfuzz's
fuzz.ratio gives it (divided by 100). The typed name is taken for a known person only when the
close keys all belong to that one person; keys of several people make the name ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

LOOKUP_CUTOFF = 0.8
RECORD_CUTOFF = 0.9
WORD_CUTOFF = 0.75
_NUMBER = re.compile(r"\d+")


def close_keys(typed: str, keys: Iterable[str], cutoff: float) -> list[str]:
    """The known keys close to the typed key by the module's rule, most alike first."""
    if not typed:
        return []
    # rapidfuzz ranks every key in C; the word rules below then look only at the few above the cutoff.
    scored = process.extract(typed, list(keys), scorer=fuzz.ratio, score_cutoff=cutoff * 100, limit=None)
    return [key for key, _, _ in scored if key != typed and words_agree(typed, key)]


def words_agree(typed: str, key: str) -> bool:
    """Rules 1 to 4 of the module's docstring for two keys."""
    a, b = typed.split(), key.split()
    if len(a) != len(b) or _NUMBER.findall(typed) != _NUMBER.findall(key):
        return False
    return all(x[0] == y[0] and fuzz.ratio(x, y) >= WORD_CUTOFF * 100 for x, y in zip(a, b, strict=True))


def similarity(a: str, b: str) -> float:
    """How alike two keys are, 0 to 1 (rule 5's measure)."""
    return float(fuzz.ratio(a, b)) / 100
