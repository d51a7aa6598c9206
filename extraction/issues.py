"""Which issue a sentence is about: the built-in issue vocabulary, extended with the readouts' stand-ins.

The base is storage.vocab.BUILTIN_ISSUES (each slug's title and aliases), read at import; the tables below
say how readout annotation differs from it and add the stand-ins official texts use ("cross-Strait
issues" is Taiwan, "illicit synthetic drugs" fentanyl). A phrase matches on word boundaries, case
folded; an `all of` rule needs every one of its words (or word starts) somewhere in the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from storage.vocab import BUILTIN_ISSUES

# The vocabulary's slug -> the slug readout annotations use for the same issue.
SLUG_FOR_VOCAB: Final[dict[str, str]] = {"nuclear": "nuclear-weapons"}

# Aliases of the vocabulary that are too loose in official prose, with the reason they are left out.
VOCAB_ALIASES_LEFT_OUT: Final[dict[str, str]] = {
    "rights": "'lawful rights', 'maritime rights and interests' are not human rights",
    "russia": "Russia is named for many things besides its war against Ukraine",
    "tariffs": "readouts give tariffs their own slug",
    "arms control": "nuclear-weapons only when nuclear weapons themselves are named",
    "nuclear weapons and arms control": "nuclear-weapons only when nuclear weapons themselves are named",
    "nk": "too short to be safe in prose",
    "hk": "too short to be safe in prose",
    "ecs": "too short to be safe in prose",
    "hotline": "the name of a contact channel, said of many channels",
    "drugs": "too general; counternarcotics phrases below",
    "space": "'space for cooperation' is not outer space",
    "nuclear": "nuclear-weapons only when nuclear weapons themselves are named",
    "trade war": "kept as trade below",
}

# Stand-ins and slugs the vocabulary lacks: phrase -> slug. "…" inside a phrase is any few words.
EXTRA_PHRASES: Final[dict[str, str]] = {
    # taiwan
    "cross-strait": "taiwan",
    "taiwan strait": "taiwan",
    "across the strait": "taiwan",
    "one china": "taiwan",
    "one-china": "taiwan",
    "taiwan independence": "taiwan",
    "reunification": "taiwan",
    # seas
    "second thomas shoal": "south-china-sea",
    "scarborough": "south-china-sea",
    "spratly": "south-china-sea",
    "paracel": "south-china-sea",
    "east china sea": "east-china-sea",
    # korea
    "democratic people's republic of korea": "north-korea",
    "denuclearization of the korean peninsula": "north-korea",
    "pyongyang": "north-korea",
    # ukraine
    "ukraine": "russia-ukraine",
    "ukrainian": "russia-ukraine",
    "russia's war": "russia-ukraine",
    "russian invasion": "russia-ukraine",
    # nuclear
    "nuclear weapons": "nuclear-weapons",
    "nuclear weapon": "nuclear-weapons",
    "nuclear arsenal": "nuclear-weapons",
    "nuclear forces": "nuclear-weapons",
    "nuclear war": "nuclear-weapons",
    "use of nuclear": "nuclear-weapons",
    "nuclear buildup": "nuclear-weapons",
    # channels
    "crisis communication": "crisis-communications",
    "crisis communications": "crisis-communications",
    "risk reduction": "crisis-communications",
    "reduce risk": "crisis-communications",
    "reduce the risk": "crisis-communications",
    "reducing risk": "crisis-communications",
    "crisis management": "crisis-communications",
    "crisis prevention": "crisis-communications",
    "military-to-military communication": "military-communication",
    "military-to-military communications": "military-communication",
    "mil-to-mil": "military-communication",
    "mil-mil": "military-communication",
    "theater commanders": "military-communication",
    "theatre commanders": "military-communication",
    "defense policy coordination talks": "military-communication",
    # rights and regions
    "human rights": "human-rights",
    "uyghur": "xinjiang",
    "uighur": "xinjiang",
    "forced labor": "xinjiang",
    "dalai lama": "tibet",
    "hong kong": "hong-kong",
    "sino-british joint declaration": "hong-kong",
    # economy and trade
    "trade": "trade",
    "level playing field": "trade",
    "non-market practices": "trade",
    "non-market policies": "trade",
    "market access": "trade",
    "overcapacity": "trade",
    "commercial": "trade",
    "commerce": "trade",
    "economic and trade": "trade",
    "phase one": "trade",
    "tariff": "tariffs",
    "tariffs": "tariffs",
    "section 301": "tariffs",
    "export control": "export-controls",
    "export controls": "export-controls",
    "semiconductor": "export-controls",
    "semiconductors": "export-controls",
    "entity list": "export-controls",
    "curbs on … exports": "export-controls",
    "export restrictions": "export-controls",
    "macroeconomic": "economy",
    "global economy": "economy",
    "world economy": "economy",
    "economic outlook": "economy",
    "economic situation": "economy",
    "economic recovery": "economy",
    "sanction": "sanctions",
    "sanctions": "sanctions",
    # fentanyl
    "fentanyl": "fentanyl",
    "counternarcotics": "fentanyl",
    "counter-narcotics": "fentanyl",
    "synthetic drugs": "fentanyl",
    "narcotics": "fentanyl",
    "precursor chemicals": "fentanyl",
    # health, climate, tech
    "covid": "covid-19",
    "covid-19": "covid-19",
    "coronavirus": "covid-19",
    "epidemic": "covid-19",
    "pandemic": "covid-19",
    "climate": "climate",
    "artificial intelligence": "ai",
    "ai": "ai",
    "cyber": "cyber",
    "cyberattacks": "cyber",
    "ransomware": "cyber",
    # elsewhere
    "middle east": "middle-east",
    "israel": "middle-east",
    "hamas": "middle-east",
    "gaza": "middle-east",
    "red sea": "middle-east",
    "houthi": "middle-east",
    "houthis": "middle-east",
    "iran": "iran",
    "iranian": "iran",
    "afghanistan": "afghanistan",
    "afghans": "afghanistan",
    "afghan": "afghanistan",
    "taliban": "afghanistan",
    "haiti": "haiti",
    "haitian": "haiti",
    "burma": "burma",
    "myanmar": "burma",
    "wrongfully detained": "detained-citizens",
    "detained americans": "detained-citizens",
    "detained u.s. citizens": "detained-citizens",
    "exit bans": "detained-citizens",
    "exit ban": "detained-citizens",
    "people-to-people": "people-to-people",
    "student exchanges": "people-to-people",
    "journalists": "people-to-people",
    "illegal migration": "migration",
    "illegal immigration": "migration",
    "repatriation": "migration",
    "law enforcement": "law-enforcement",
}

# Issues that need two ideas in one sentence: every group must be present (a word or the start of one).
ALL_OF_RULES: Final[tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]] = (
    # The militaries themselves, and a channel between them.
    (
        "military-communication",
        (
            ("militaries", "armed forces", "military-to-military", "military to military", "mil-to-mil"),
            ("dialogue", "communicat", "channel", "talks", "exchanges", "consultation", "contacts", "engagement"),
        ),
    ),
    # Advanced technology restricted for national security reasons.
    ("export-controls", (("advanced technolog", "chips", "chipmaking"), ("national security",))),
)


@dataclass(frozen=True)
class IssueTable:
    """The phrases compiled: one alternation for the plain phrases, a pattern each for those with gaps."""

    plain: re.Pattern[str]
    slug_of: dict[str, str]  # plain phrase (case folded) -> slug
    gapped: tuple[tuple[re.Pattern[str], str], ...]


def _gapped_pattern(phrase: str) -> re.Pattern[str]:
    parts = [re.escape(p.strip()) for p in phrase.split("…")]
    return re.compile(r"(?<![\w-])" + r"\b(?:\S+\s+){0,6}?".join(parts) + r"(?![\w-])")


def _table() -> IssueTable:
    phrases: dict[str, str] = {}
    for issue in BUILTIN_ISSUES:
        slug = SLUG_FOR_VOCAB.get(issue.slug, issue.slug)
        for phrase in (issue.title, issue.slug.replace("-", " "), *issue.aliases):
            key = phrase.casefold()
            if key not in VOCAB_ALIASES_LEFT_OUT:
                phrases.setdefault(key, slug)
    phrases.update({k.casefold(): v for k, v in EXTRA_PHRASES.items()})
    for key in VOCAB_ALIASES_LEFT_OUT:
        if key not in EXTRA_PHRASES:
            phrases.pop(key, None)
    plain = {p: slug for p, slug in phrases.items() if "…" not in p}
    gapped = tuple((_gapped_pattern(p), slug) for p, slug in phrases.items() if "…" in p)
    alternation = "|".join(re.escape(p) for p in sorted(plain, key=len, reverse=True))
    return IssueTable(re.compile(r"(?<![\w-])(?:" + alternation + r")(?![\w-])"), plain, gapped)


ISSUES: Final = _table()


def issues_in(sentence: str) -> list[str]:
    """The issue slugs a sentence names, in the order they first appear."""
    text = sentence.casefold().replace("’", "'")
    found: dict[str, int] = {}
    for match in ISSUES.plain.finditer(text):
        found.setdefault(ISSUES.slug_of[match.group(0)], match.start())
    for pattern, slug in ISSUES.gapped:
        gapped = pattern.search(text)
        if gapped and (slug not in found or gapped.start() < found[slug]):
            found[slug] = gapped.start()
    for slug, groups in ALL_OF_RULES:
        positions = [_first_of(text, group) for group in groups]
        if all(p >= 0 for p in positions):
            start = min(positions)
            if slug not in found or start < found[slug]:
                found[slug] = start
    return [slug for slug, _ in sorted(found.items(), key=lambda item: item[1])]


def _first_of(text: str, words: Iterable[str]) -> int:
    best = -1
    for word in words:
        at = text.find(word)
        while at > 0 and (text[at - 1].isalnum() or text[at - 1] in "-_"):
            at = text.find(word, at + 1)
        if at >= 0 and (best < 0 or at < best):
            best = at
    return best
