"""The closed vocabularies of the record and the built-in tables of issues and offices.

They live in storage/ because the store validates against them and commands/ sits above it;
nothing here knows about chat platforms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

SIDES: Final = ("us", "china", "other")
# Options and the import format write China's side as "cn"; both spellings are accepted.
SIDE_ALIASES: Final = {
    "us": "us",
    "usa": "us",
    "u.s.": "us",
    "china": "china",
    "cn": "china",
    "prc": "china",
    "other": "other",
}
KINDS: Final = ("call", "video", "meeting", "summit", "visit", "talks", "request")
TRACKS: Final = ("leaders", "diplomatic", "defense", "economic", "climate", "other")
# held: it took place; planned: it is to come; declined: one side asked and the other refused or never
# answered; postponed: put off by one side; cancelled: called off, or a standing channel suspended.
EVENT_STATUSES: Final = ("held", "planned", "declined", "postponed", "cancelled")
# How well an event is established, where a source says it is less than verified: "partial" when some of
# its facts are unconfirmed (the event's confidence note says which), "unconfirmed" when the contact
# itself is. An event without a confidence is as verified as its sources.
CONFIDENCES: Final = ("verified", "partial", "unconfirmed")
REQUESTERS: Final = ("us", "china", "unknown")
QUESTION_STATUSES: Final = ("open", "answered", "dropped")


def norm(text: str) -> str:
    """A comparison key: case-folded, accents and punctuation dropped, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", stripped.casefold()).split())


def slugify(text: str) -> str:
    return "-".join(norm(text).replace("_", " ").split())


# Words of an issue slug written in capitals ("pla-aircraft-behavior" -> "PLA aircraft behavior") or
# with a capital (proper names), when a title is made from a slug.
ACRONYMS: Final = frozenset(
    {
        "ai", "aml", "apec", "asean", "ccp", "cmc", "cop27", "cop28", "covid", "dprk", "eu", "g20", "g7", "indopacom",
        "mfa", "mmca", "mnd", "nato", "nsa", "pla", "prc", "scs", "uk", "un", "unga", "us", "usa", "wto",
    }
)  # fmt: skip
PROPER_WORDS: Final = {
    "tiktok": "TikTok",
    **{
        word: word.capitalize()
        for word in (
            "american", "americans", "asia", "bali", "beijing", "biden", "boeing", "burma", "busan", "china",
            "chinese", "francisco", "gaza", "geneva", "hamas", "hong", "hormuz", "houthis", "indo", "iran",
            "iranian", "israel", "japan", "kong", "korea", "korean", "lai", "london", "minsk", "pacific",
            "pelosi", "philippines", "russia", "russian", "san", "sunnylands", "taiwan", "trump", "ukraine",
            "woodside", "xi",
        )
    },
}  # fmt: skip


# Names of more than one word, as a title made from a slug writes them.
PROPER_PHRASES: Final = {"middle east": "Middle East", "new start": "New START", "white house": "White House"}


def slug_title(slug: str) -> str:
    """A readable title for an issue known only by its slug: first word capitalized, acronyms and proper
    names kept as they are written ("pla-aircraft-behavior" -> "PLA aircraft behavior")."""
    words: list[str] = []
    for i, word in enumerate(w for w in slug.replace("_", "-").split("-") if w):
        if word in ACRONYMS:
            words.append(word.upper())
        elif word in PROPER_WORDS:
            words.append(PROPER_WORDS[word])
        else:
            words.append(word.capitalize() if i == 0 else word)
    title = " ".join(words)
    for phrase, written in PROPER_PHRASES.items():
        title = re.sub(rf"\b{phrase}\b", written, title, flags=re.IGNORECASE)
    return title


@dataclass(frozen=True)
class IssueDef:
    slug: str
    title: str
    aliases: tuple[str, ...] = ()


BUILTIN_ISSUES: Final[tuple[IssueDef, ...]] = (
    IssueDef("taiwan", "Taiwan", ("taiwan strait", "cross-strait")),
    IssueDef("south-china-sea", "South China Sea", ("scs", "spratlys", "paracels")),
    IssueDef("east-china-sea", "East China Sea", ("ecs", "senkaku", "diaoyu")),
    IssueDef("north-korea", "North Korea", ("dprk", "korean peninsula", "nk")),
    IssueDef("russia-ukraine", "Russia–Ukraine", ("ukraine", "russia", "ukraine war")),
    IssueDef("nuclear", "Nuclear weapons and arms control", ("arms control", "nukes")),
    IssueDef("space", "Space", ()),
    IssueDef("cyber", "Cyber", ("cybersecurity", "hacking")),
    IssueDef("crisis-communications", "Crisis communications", ("hotline", "mil-mil channels", "crisis comms")),
    IssueDef("human-rights", "Human rights", ("rights",)),
    IssueDef("hong-kong", "Hong Kong", ("hk",)),
    IssueDef("xinjiang", "Xinjiang", ("uyghurs",)),
    IssueDef("tibet", "Tibet", ()),
    IssueDef("trade", "Trade", ("tariffs", "trade war")),
    IssueDef("fentanyl", "Fentanyl and counternarcotics", ("counternarcotics", "drugs")),
    IssueDef("climate", "Climate", ("climate change",)),
    IssueDef("ai", "Artificial intelligence", ("artificial intelligence",)),
    IssueDef("covid-19", "COVID-19", ("covid", "pandemic")),
)


@dataclass(frozen=True)
class OfficeDef:
    """A normalized post on one side, with the forms news reports use for it."""

    slug: str  # "<side>:<post>", e.g. "us:secretary-of-defense"
    title: str
    track: str
    forms: tuple[str, ...] = ()

    @property
    def side(self) -> str:
        return self.slug.split(":", 1)[0]


BUILTIN_OFFICES: Final[tuple[OfficeDef, ...]] = (
    OfficeDef(
        "us:president",
        "President of the United States",
        "leaders",
        ("President", "US President", "POTUS", "President of the US"),
    ),
    OfficeDef(
        "us:president-elect",
        "President-elect of the United States",
        "leaders",
        ("President-elect", "US President-elect"),
    ),
    OfficeDef(
        "us:vice-president",
        "Vice President of the United States",
        "leaders",
        ("Vice President", "VP", "VPOTUS"),
    ),
    OfficeDef(
        "us:vice-president-elect",
        "Vice President-elect of the United States",
        "leaders",
        ("Vice President-elect",),
    ),
    OfficeDef(
        "us:secretary-of-state",
        "Secretary of State",
        "diplomatic",
        ("SecState", "US Secretary of State", "State Secretary", "top US diplomat"),
    ),
    OfficeDef("us:deputy-secretary-of-state", "Deputy Secretary of State", "diplomatic", ("Deputy SecState", "D/S")),
    OfficeDef(
        "us:national-security-advisor",
        "National Security Advisor",
        "diplomatic",
        ("NSA", "National Security Adviser", "Assistant to the President for National Security Affairs"),
    ),
    OfficeDef(
        "us:secretary-of-defense",
        "Secretary of Defense",
        "defense",
        (
            "Defense Secretary",
            "SecDef",
            "Pentagon chief",
            "US Secretary of Defense",
            "Secretary of War",
            "Defence Secretary",
        ),
    ),
    OfficeDef(
        "us:deputy-secretary-of-defense",
        "Deputy Secretary of Defense",
        "defense",
        ("Deputy Defense Secretary", "DepSecDef"),
    ),
    OfficeDef(
        "us:chairman-joint-chiefs",
        "Chairman of the Joint Chiefs of Staff",
        "defense",
        ("CJCS", "Chairman of the Joint Chiefs", "Joint Chiefs Chairman"),
    ),
    OfficeDef(
        "us:indopacom-commander",
        "Commander, US Indo-Pacific Command",
        "defense",
        ("INDOPACOM Commander", "Commander of INDOPACOM", "Commander, U.S. Indo-Pacific Command"),
    ),
    OfficeDef(
        "us:secretary-of-the-treasury",
        "Secretary of the Treasury",
        "economic",
        ("Treasury Secretary", "US Treasury Secretary"),
    ),
    OfficeDef("us:secretary-of-commerce", "Secretary of Commerce", "economic", ("Commerce Secretary",)),
    OfficeDef(
        "us:trade-representative",
        "US Trade Representative",
        "economic",
        ("USTR", "United States Trade Representative", "Trade Representative"),
    ),
    OfficeDef(
        "us:under-secretary-arms-control",
        "Under Secretary of State for Arms Control and International Security",
        "diplomatic",
        ("Under Secretary for Arms Control and International Security",),
    ),
    OfficeDef(
        "us:assistant-secretary-arms-control",
        "Assistant Secretary of State for Arms Control, Verification and Compliance",
        "diplomatic",
        ("Assistant Secretary for Arms Control, Verification and Compliance",),
    ),
    OfficeDef(
        "us:arms-control-envoy",
        "Special Presidential Envoy for Arms Control",
        "diplomatic",
        ("US arms control envoy",),
    ),
    OfficeDef(
        "us:secretary-of-health",
        "Secretary of Health and Human Services",
        "other",
        ("HHS Secretary", "Health Secretary"),
    ),
    OfficeDef(
        "us:climate-envoy",
        "Special Presidential Envoy for Climate",
        "climate",
        ("Climate Envoy", "US Climate Envoy", "Special Envoy for Climate"),
    ),
    OfficeDef(
        "china:president",
        "President of the PRC",
        "leaders",
        (
            "President",
            "Chinese President",
            "President of China",
            "General Secretary",
            "President of the People's Republic of China",
            "Xi",
        ),
    ),
    OfficeDef("china:vice-president", "Vice President of the PRC", "leaders", ("Chinese Vice President",)),
    OfficeDef("china:premier", "Premier of the State Council", "leaders", ("Premier", "Chinese Premier")),
    OfficeDef(
        "china:vice-premier",
        "Vice Premier",
        "economic",
        ("Chinese Vice Premier", "Vice Premier; Chinese lead of China-US comprehensive economic dialogue"),
    ),
    OfficeDef(
        "china:foreign-minister",
        "Foreign Minister",
        "diplomatic",
        (
            "Minister of Foreign Affairs",
            "FM",
            "Chinese Foreign Minister",
            "State Councilor and Foreign Minister",
        ),
    ),
    OfficeDef(
        "china:vice-foreign-minister",
        "Vice Foreign Minister",
        "diplomatic",
        ("Executive Vice Foreign Minister", "Vice Minister of Foreign Affairs"),
    ),
    OfficeDef(
        "china:director-foreign-affairs-commission",
        "Director, Office of the Central Foreign Affairs Commission",
        "diplomatic",
        (
            "Director of the Office of the Central Foreign Affairs Commission",
            "CCP Politburo member; Director, Office of the Central Foreign Affairs Commission",
            "top Chinese diplomat",
            "CFAC Director",
        ),
    ),
    OfficeDef(
        "china:minister-of-national-defense",
        "Minister of National Defense",
        "defense",
        (
            "Defense Minister",
            "Defence Minister",
            "MND",
            "Chinese Defense Minister",
            "State Councilor and Minister of National Defense",
            "Minister of National Defense (General, PLA)",
            "State Councilor and Minister of National Defense (General, PLA)",
        ),
    ),
    OfficeDef(
        "china:cmc-vice-chairman",
        "Vice Chairman of the Central Military Commission",
        "defense",
        ("CMC Vice Chairman", "Vice Chairman of the CMC", "Vice Chairman, Central Military Commission"),
    ),
    OfficeDef(
        "china:chief-joint-staff",
        "Chief of the Joint Staff Department, Central Military Commission",
        "defense",
        (
            "Chief of the Joint Staff",
            "Chief of the Joint Staff Department",
            "Chief of the Joint Staff Department, Central Military Commission (General, PLA)",
        ),
    ),
    OfficeDef(
        "china:eastern-theater-commander",
        "Commander, PLA Eastern Theater Command",
        "defense",
        ("Eastern Theater Commander",),
    ),
    OfficeDef(
        "china:southern-theater-commander",
        "Commander, PLA Southern Theater Command",
        "defense",
        ("Southern Theater Commander",),
    ),
    OfficeDef("china:commerce-minister", "Minister of Commerce", "economic", ("Commerce Minister",)),
    OfficeDef(
        "china:international-trade-representative",
        "China International Trade Representative",
        "economic",
        ("International Trade Representative",),
    ),
    OfficeDef("china:finance-minister", "Minister of Finance", "economic", ("Finance Minister",)),
    OfficeDef(
        "china:arms-control-director-general",
        "Director-General, Department of Arms Control, Ministry of Foreign Affairs",
        "diplomatic",
        ("MFA arms control chief",),
    ),
    OfficeDef(
        "china:climate-envoy",
        "Special Envoy for Climate Change",
        "climate",
        ("Climate Envoy", "China's Climate Envoy", "Special Envoy on Climate Change"),
    ),
)
