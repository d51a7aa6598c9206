"""Who a sentence says spoke: the first reference followed by a speech verb.

A reference is a person named in the sentence or a phrase of rules.SPEAKER_REFERENCES ("the Chinese
side", "the Secretary", "the two leaders"). References joined by "and" speak together ("Secretary Austin
and General Wei discussed"). Reported speech may name its speaker at the end (", said Wei."). A sentence
with no speaker continues the previous sentence's speaker within its paragraph (Chinese readouts report a
principal's words over several sentences); a new paragraph starts with none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from extraction.mentions import Token, tokens
from extraction.rules import (
    BOTH,
    SPEAKER_REFERENCES,
    SPEECH_ADVERBS,
    SPEECH_VERBS,
    TITLE_WORDS,
    TRAILING_SPEECH_VERBS,
)

# One alternation, longest phrase first, so "the two leaders" wins over "the two".
_REFERENCES: Final = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(p) for p in sorted(SPEAKER_REFERENCES, key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reference:
    start: int
    end: int
    meaning: str  # "us", "cn", "both", "other", "author", "previous", or "" when unknown


def phrase_references(sentence: str) -> list[Reference]:
    """The phrase references of a sentence, longest first where they overlap."""
    text = sentence.replace("’", "'")
    return [
        Reference(m.start(), m.end(), SPEAKER_REFERENCES[" ".join(m.group(0).casefold().split())])
        for m in _REFERENCES.finditer(text)
    ]


def speaker(sentence: str, references: list[Reference]) -> list[Reference] | None:
    """The references that the sentence says spoke, or None if it says no one did."""
    refs = sorted(references, key=lambda r: r.start)
    toks = tokens(sentence)
    for index, ref in enumerate(refs):
        chain = [ref]
        for nxt in refs[index + 1 :]:
            if _joins(sentence[chain[-1].end : nxt.start]):
                chain.append(nxt)
            else:
                break
        if _verb_after(toks, chain[-1].end):
            return chain
    trailing = _trailing(sentence, toks, refs)
    return [trailing] if trailing else None


def _joins(gap: str) -> bool:
    """Whether the words between two references join them into one subject ("and", "and Director")."""
    words = re.findall(r"[\w'’.-]+|,", gap)
    if not words or words[0].casefold() not in ("and", ","):
        return False
    rest = [w for w in words[1:] if w not in (",", "and")]
    return all(w.casefold().strip(".") in TITLE_WORDS for w in rest)


def _verb_after(toks: list[Token], end: int) -> bool:
    following = [t for t in toks if t.start >= end]
    k = 0
    while k < len(following) and following[k].text.casefold() in SPEECH_ADVERBS:
        k += 1
    return k < len(following) and following[k].text.casefold() in SPEECH_VERBS


def _trailing(sentence: str, toks: list[Token], refs: list[Reference]) -> Reference | None:
    """ ", said Wei." or ", General Wei added." at the end of a sentence."""
    stripped = sentence.rstrip(' ."”')
    for ref in reversed(refs):
        before = sentence[: ref.start].rstrip()
        after = stripped[ref.end :].strip()
        if after == "" and re.search(r",\s*(?:" + "|".join(TRAILING_SPEECH_VERBS) + r")$", before):
            return ref
        if re.fullmatch(r"(?:" + "|".join(TRAILING_SPEECH_VERBS) + r")", after) and re.search(
            r",\s*(?:[\w.'’]+\s+){0,6}$", sentence[: ref.start]
        ):
            comma = sentence.rfind(",", 0, ref.start)
            between = sentence[comma + 1 : ref.start].split() if comma >= 0 else ["x"]
            if all(w.casefold().strip(".") in TITLE_WORDS for w in between):
                return ref
    return None


def sides_of(chain: list[Reference], *, author: str | None, previous: set[str], present: set[str]) -> set[str]:
    """The sides ("us", "cn") a chain of references stands for; "both" means the sides taking part."""
    sides: set[str] = set()
    for ref in chain:
        if ref.meaning == BOTH:
            sides |= present
        elif ref.meaning == "author":
            sides |= {author} if author else set()
        elif ref.meaning == "previous":
            sides |= previous
        elif ref.meaning in ("us", "cn"):
            sides.add(ref.meaning)
    return sides & {"us", "cn"}
