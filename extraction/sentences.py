"""A readout's text as paragraphs of sentences.

Official texts break lines in odd places: a paragraph that ends on a comma goes on in the next one, and a
heading ("READOUT", "OFFICE OF THE SPOKESPERSON") is a paragraph of its own. A full stop ends a sentence
unless it closes an abbreviation or an initial ("U.S.", "Gen.", "Lloyd J. Austin").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from extraction.rules import words

# Words whose full stop is part of the word, not the end of the sentence.
ABBREVIATIONS: Final[frozenset[str]] = words(
    """u.s us dr gen adm mr ms mrs jr sr st no jan feb mar apr jun jul aug sep sept oct nov dec brig maj lt col
    capt rep sen gov amb co inc ltd vs etc d.c u.k u.n p.m a.m e.g i.e messrs prof"""
)
_END = re.compile(r"[.!?][\"”’)]?(?=\s+[\"“‘(]?[A-Z0-9])")


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int  # index of its paragraph in the text
    index: int  # index of the sentence in the text


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs, with a paragraph that stops on a comma joined to the next."""
    lines = [" ".join(line.split()) for line in text.replace("\r", "").split("\n")]
    out: list[str] = []
    carry = ""
    for line in lines:
        if not line:
            continue
        line = f"{carry} {line}".strip() if carry else line
        carry = ""
        if line.endswith((",", ";")) or re.search(r"\b(?:and|or|the|of|to|with)$", line):
            carry = line
            continue
        out.append(line)
    if carry:
        out.append(carry)
    return out


def split(text: str) -> list[Sentence]:
    """The text's sentences, in order."""
    result: list[Sentence] = []
    for number, para in enumerate(paragraphs(text)):
        start = 0
        for match in _END.finditer(para):
            if _is_abbreviation(para, match.start()):
                continue
            piece = para[start : match.end()].strip()
            if piece:
                result.append(Sentence(piece, number, len(result)))
            start = match.end()
        rest = para[start:].strip()
        if rest:
            result.append(Sentence(rest, number, len(result)))
    return result


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = re.search(r"([A-Za-z.]+)$", text[:dot])
    if not word:
        return False
    token = word.group(1).casefold().strip(".")
    if token in ABBREVIATIONS:
        return True
    # An initial ("J.") or a dotted acronym ("U.S.", "D.C.").
    return len(token) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", token))
