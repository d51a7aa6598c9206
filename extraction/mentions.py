"""People named in a sentence: each name with the title written before it (or after it, between commas).

A name is a run of capitalised words that are not title, rank, month or country words ("Lloyd J. Austin
III", "Wang Yi", "Austin"). A run counts as a person only with some evidence: a title before it
("Secretary Austin", "Minister of Commerce of the PRC Wang Wentao"), a title after it between commas, a
speech verb after it ("Esper said"), a known person's name, or the shape of a Chinese name in pinyin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from extraction.people import People, looks_chinese
from extraction.rules import (
    MONTHS,
    NOT_SURNAMES,
    RANKS,
    SIDE_MARKERS,
    SPEECH_ADVERBS,
    SURNAME_VERBS,
    TITLE_HEADS,
    TITLE_WORDS,
    WEEKDAYS,
)

_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[A-Za-z][A-Za-z'’\-]*")
_SUFFIXES: Final = frozenset({"Jr", "Sr", "II", "III", "IV"})
_CONNECTORS: Final = frozenset({"of", "the", "and", "for", "in", "on", "counterpart", "counterparts"})
_SIDE_WORDS: Final = frozenset(w for marker in SIDE_MARKERS for w in marker.split())
# Month abbreviations stay out: "Jun" and "Mar" are parts of names too ("Dong Jun").
_NOT_NAME: Final = (
    TITLE_WORDS | _SIDE_WORDS | frozenset(m for m in MONTHS if len(m) > 4 or m == "may") | frozenset(WEEKDAYS)
)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def bare(self) -> str:
        """The word without a possessive ending, case folded."""
        return _without_possessive(self.text).casefold()


@dataclass(frozen=True)
class Mention:
    name: str  # as written, possessive dropped ("Xi" for "Xi’s")
    title: str | None  # as written before (or after) the name, without country words and ranks
    raw_title: str | None  # as written, with country words: evidence of the side
    start: int  # of the title if any, else of the name
    name_start: int
    end: int
    evidence: str  # "title", "appositive", "known", "chinese", "verb", or "surname?" (a candidate only)

    @property
    def single(self) -> bool:
        return len(self.name.split()) == 1


def _without_possessive(word: str) -> str:
    return word[:-2] if word.endswith(("'s", "’s")) else word


def tokens(sentence: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(sentence)]


def _name_shaped(token: Token, sentence: str) -> bool:
    word = _without_possessive(token.text)
    if word in _SUFFIXES:
        return True
    if len(word) == 1 and word.isupper():
        return sentence[token.end : token.end + 1] == "."  # an initial
    return word[:1].isupper() and not word.isupper() and word.casefold() not in _NOT_NAME


def _joined(sentence: str, left: Token, right: Token) -> bool:
    gap = sentence[left.end : right.start]
    if right.text in _SUFFIXES:
        return gap in (" ", ", ", ". ", "., ")
    return gap == " " or (gap == ". " and len(left.text) == 1)


def find(sentence: str, people: People) -> list[Mention]:
    """The people named in a sentence, and the lone capitalised words that may yet be surnames (evidence
    "surname?": the caller keeps those that are the surname of a person the text names in full)."""
    toks = tokens(sentence)
    found: list[Mention] = []
    i = 0
    while i < len(toks):
        if not _name_shaped(toks[i], sentence) or toks[i].text in _SUFFIXES or len(toks[i].text) == 1:
            i += 1
            continue
        j = i
        while (
            j + 1 < len(toks)
            and not re.search(r"['’]s$", toks[j].text)
            and _name_shaped(toks[j + 1], sentence)
            and _joined(sentence, toks[j], toks[j + 1])
        ):
            j += 1
        while j > i and len(toks[j].text) == 1:  # a run does not end on an initial
            j -= 1
        mention = _mention(sentence, toks, i, j, people)
        if mention is not None:
            found.append(mention)
        i = j + 1
    return found


def _mention(sentence: str, toks: list[Token], i: int, j: int, people: People) -> Mention | None:
    name = re.sub(r"['’]s$", "", sentence[toks[i].start : toks[j].end])
    name = re.sub(r",\s+(Jr|Sr)\b", r" \1", name)
    raw_title, title_start = _title_before(sentence, toks, i)
    evidence = ""
    if raw_title:
        evidence = "title"
    elif people.find(name):
        evidence = "known"
    elif j > i and looks_chinese(name):
        evidence = "chinese"
    single = i == j
    if not raw_title or not clean_title(raw_title):  # none, or a rank only ("Admiral Dong Jun, Minister of …")
        after = _title_after(sentence, toks[j].end)
        if after:
            raw_title = after
            evidence = evidence or "appositive"
    if not evidence and _verb_follows(toks, j):
        evidence = "verb"
    if not evidence and single:
        evidence = "surname?"
    if not evidence:
        return None
    if single and toks[i].bare in NOT_SURNAMES and evidence not in ("title", "known"):
        return None
    title = clean_title(raw_title) if raw_title else None
    start = title_start if title_start is not None else toks[i].start
    return Mention(name, title or None, raw_title, start, toks[i].start, toks[j].end, evidence)


def _title_before(sentence: str, toks: list[Token], i: int) -> tuple[str | None, int | None]:
    """The title words just before token i, back to the first word that is not one."""
    k = i - 1
    first = i
    while k >= 0:
        tok = toks[k]
        gap = sentence[tok.end : toks[k + 1].start]
        if gap.strip() not in ("", ",", ".", "(", ")", ").", "),", "’s", "'s", "’s (", "'s (") and not re.fullmatch(
            r"\.?\s*\(?", gap
        ):
            break
        word = tok.bare.strip(".")
        is_title = word in TITLE_WORDS or word in _SIDE_WORDS or tok.text.casefold() in SIDE_MARKERS
        is_title = is_title or word in _CONNECTORS or tok.text in ("PRC", "CCP", "CPC", "U.S.", "US")
        # "At the invitation of his U.S. counterpart, Chinese … Minister": the counterpart is someone else.
        if not is_title or (word in ("counterpart", "counterparts") and "," in gap):
            break
        first = k
        k -= 1
    # Connectors at either end are not part of the title.
    while first < i and toks[first].bare in _CONNECTORS and toks[first].bare != "counterpart":
        first += 1
    if first >= i:
        return None, None
    words = {t.bare.strip(".") for t in toks[first:i]}
    if not words & TITLE_HEADS:
        return None, None
    start = toks[first].start
    raw = sentence[start : toks[i - 1].end].strip(" ,(")
    # "The Secretary and Director … Wang": the first words are a reference of their own.
    lead = re.match(r"(?i)^\w+\s+and\s+(?=[A-Z])", raw)
    if lead and sentence[max(0, start - 4) : start].casefold().endswith("the "):
        raw = raw[lead.end() :]
        start += lead.end()
    return raw, start


def _title_after(sentence: str, end: int) -> str | None:
    """A title between commas after the name ("Admiral Dong Jun, Minister of National Defense of the PRC,")."""
    match = re.match(
        r",\s+((?:[A-Z][\w'’.-]*|of|the|and|for)(?:\s+(?:[A-Z][\w'’.-]*|of|the|and|for))*)", sentence[end:]
    )
    if not match:
        return None
    words = [w.casefold().strip(".") for w in match.group(1).split()]
    if not words or words[0] not in TITLE_WORDS or words[0] in _CONNECTORS or not set(words) & TITLE_HEADS:
        return None
    return match.group(1)


def _verb_follows(toks: list[Token], j: int) -> bool:
    k = j + 1
    while k < len(toks) and toks[k].text.casefold() in SPEECH_ADVERBS:
        k += 1
    return k < len(toks) and toks[k].text.casefold() in SURNAME_VERBS


_LEADING_SIDE = re.compile(
    r"^(?:the\s+)?(?:(?:people['’]s republic of china(?:['’]s)?|china['’]s|chinese(?!\s+communist)|prc|u\.s\.|us"
    r"|united states|american|his|her|(?:"
    + "|".join(re.escape(m) for m in sorted(SIDE_MARKERS, key=len, reverse=True) if m != "chinese")
    + r")(?![\w'’]))\s*(?:\(prc\)\s*)?)+",
    re.IGNORECASE,
)
_TRAILING_OF = re.compile(
    r"\s+of\s+(?:the\s+)?(?:people['’]s republic of china|prc|china|united states|u\.s\.)(?:\s*\(prc\))?$",
    re.IGNORECASE,
)


def clean_title(raw: str) -> str:
    """A title as a record keeps it: no country words before it, no ranks after it, no "of the PRC"."""
    title = raw.strip(" ,.()")
    for _ in range(3):
        title = _LEADING_SIDE.sub("", title).strip(" ,()")
        title = _TRAILING_OF.sub("", title).strip(" ,()")
        words = title.split()
        while words and words[-1].casefold().strip(".") in RANKS:
            words.pop()
        while words and words[0].casefold().strip(".") in RANKS and len(words) > 1:
            words.pop(0)
        title = " ".join(words).strip(" ,")
    return title


def side_marker(text: str | None) -> str | None:
    """The side a title's country words name, if any ("PRC Minister…" -> cn, "his Russian counterpart" -> other)."""
    if not text:
        return None
    folded = text.casefold().replace("’", "'")
    best: tuple[int, str] | None = None
    for marker, side in SIDE_MARKERS.items():
        # "Deputy Assistant Secretary of Defense for China", "Ambassador to China": the office's subject.
        for match in re.finditer(r"(?<!for )(?<!to )(?<!on )(?<![\w.])" + re.escape(marker) + r"(?![\w])", folded):
            if best is None or match.start() < best[0]:
                best = (match.start(), side)
    return best[1] if best else None
