"""The people a readout's names are resolved against, and how names are compared.

A workspace hands its people in (name, side, title, aliases); the command line uses the sample contacts'
people. A name in the text finds a person by its full form or an alias, compared by a key that ignores
case, accents, punctuation, middle initials and suffixes ("Lloyd J. Austin III" = "Lloyd Austin"); a
surname alone ("Secretary Austin") finds the one known person of that surname, if there is exactly one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from extraction.rules import CHINESE_SURNAMES, words
from storage.vocab import norm

SAMPLES: Final = Path(__file__).resolve().parent.parent / "samples" / "us-china-contacts.jsonl"
_SUFFIXES: Final = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Pinyin syllables: an optional initial and a final. A name whose surname is a common Chinese one and
# whose every part splits into such syllables reads as a Chinese name.
_INITIALS: Final = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z")
_INITIALS_MORE: Final = ("c", "s", "y", "w")
_FINALS: Final = words(
    """a ai an ang ao e ei en eng er i ia ian iang iao ie in ing iong iu o ong ou u ua uai uan uang ue ui un
    uo"""
)


@dataclass(frozen=True)
class KnownPerson:
    name: str
    side: str  # "us", "cn" or "other"
    title: str | None = None
    aliases: tuple[str, ...] = ()


def name_key(name: str) -> str:
    """The comparison key of a name: norm() without initials, suffixes and honorifics."""
    parts = norm(name).split()
    kept = [w for w in parts if len(w) > 1 and w not in _SUFFIXES and w not in ("dr", "mr", "ms", "mrs")]
    return " ".join(kept)


def surname_of(name: str, side: str | None) -> str:
    """The word a text uses alone for this person: the first of a Chinese name, else the last."""
    parts = name_key(name).split()
    if not parts:
        return ""
    if side == "cn" or looks_chinese(name):
        return parts[0]
    return parts[-1]


def looks_chinese(name: str) -> bool:
    parts = norm(name).split()
    return bool(parts) and parts[0] in CHINESE_SURNAMES and all(_is_pinyin(w) for w in parts) and len(parts) <= 3


def _is_pinyin(word: str) -> bool:
    if not word:
        return True
    for initial in (*_INITIALS, *_INITIALS_MORE, ""):
        if not word.startswith(initial):
            continue
        rest = word[len(initial) :]
        for size in range(min(4, len(rest)), 0, -1):
            final = rest[:size]
            if final in _FINALS and _is_pinyin(rest[size:]):
                return True
    return False


@dataclass
class People:
    """Known people, indexed for the look-ups a readout needs."""

    people: tuple[KnownPerson, ...] = ()
    by_key: dict[str, KnownPerson] = field(default_factory=dict, init=False)
    by_surname: dict[str, list[KnownPerson]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for person in self.people:
            for form in (person.name, *person.aliases):
                self.by_key.setdefault(name_key(form), person)
            surname = surname_of(person.name, person.side)
            bucket = self.by_surname.setdefault(surname, [])
            if person not in bucket:
                bucket.append(person)

    def find(self, name: str) -> KnownPerson | None:
        """The person a full name or alias means."""
        return self.by_key.get(name_key(name))

    def by_surname_only(self, surname: str, side: str | None = None) -> KnownPerson | None:
        """The one known person of this surname (on this side, if given); None if none or several."""
        found = [p for p in self.by_surname.get(norm(surname), []) if side is None or p.side == side]
        return found[0] if len(found) == 1 else None


def people_from_events(lines: Iterable[str]) -> People:
    """The people of import-format lines (their latest title each); lines that do not parse are skipped."""
    found: dict[tuple[str, str], KnownPerson] = {}
    for line in lines:
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(data, dict):
            continue
        for field_name, side in (("us", "us"), ("cn", "cn")):
            for item in data.get(field_name) or []:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    title = item.get("title") if isinstance(item.get("title"), str) else None
                    found[(side, item["name"])] = KnownPerson(item["name"], side, title)
    return People(tuple(found.values()))


def sample_people(path: Path = SAMPLES) -> People:
    """The people of the sample contacts shipped with Hotline."""
    with path.open(encoding="utf-8") as handle:
        return people_from_events(handle)
