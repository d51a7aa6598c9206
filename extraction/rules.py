"""The phrase tables the extraction reads: what a phrase in a readout means.

Every rule of the extraction that depends on wording is a row here (phrase -> meaning), so that a new
way of saying something is a new row, not new code. Phrases are matched case-insensitively on word
boundaries; "…" inside a phrase means "any few words" (at most six). The issue phrases live in
extraction/issues.py, beside the built-in vocabulary they extend.
"""

from __future__ import annotations

from typing import Final


def words(text: str) -> frozenset[str]:
    """A set of words written as one string, as the tables below are easiest to read."""
    return frozenset(text.split())


US: Final = "us"
CN: Final = "cn"
BOTH: Final = "both"
OTHER: Final = "other"

# -- who issued the text -------------------------------------------------------------------------------
# The publisher field of a readout names its author's government; the author's principal is the subject
# of the opening sentence, and times of day are the author's local times.
PUBLISHER_SIDE: Final[dict[str, str]] = {
    "us dod": US,
    "us state": US,
    "white house": US,
    "us treasury": US,
    "us commerce": US,
    "ustr": US,
    "prc mfa": CN,
    "prc mnd": CN,
    "prc mofcom": CN,
    "china military online": CN,
    "xinhua": CN,
    "cgtn": CN,
    "china daily": CN,
    "people's daily": CN,
}

# -- the sentence that reports the contact, and what kind it was ---------------------------------------
# A contact cue is a phrase that reports the contact itself; the first sentence holding one between two
# named people is the contact sentence. Its kind is the strongest cue (video over call over the rest)
# found in the contact sentence, else in the text, else in the title.
CONTACT_CUES: Final[dict[str, str]] = {
    "video call": "video",
    "video teleconference": "video",
    "via teleconference": "video",
    "teleconference": "video",
    "video link": "video",
    "videoconference": "video",
    "video conference": "video",
    "virtual meeting": "video",
    "met virtually": "video",
    "held a virtual": "video",
    "phone call": "call",
    "telephone call": "call",
    "phone talk": "call",
    "phone talks": "call",
    "phone conversation": "call",
    "telephone conversation": "call",
    "on the phone": "call",
    "over the phone": "call",
    "by phone": "call",
    "by telephone": "call",
    "took a call": "call",
    "call with": "call",
    "held a call": "call",
    "spoke with": "call",
    "spoke today with": "call",
    "spoke yesterday with": "call",
    "spoke … with": "call",
    "talked with": "call",
    "held talks with": "meeting",
    "had talks with": "meeting",
    "met with": "meeting",
    "met … with": "meeting",
    "met": "meeting",
    "meeting with": "meeting",
    "meeting and dinner with": "meeting",
    "had a meeting": "meeting",
    "hosted": "meeting",
    "received": "meeting",
    "engagement with": "meeting",
    "summit": "summit",
    "strategic dialogue": "talks",
    "dialogue": "talks",
    "consultations": "talks",
    "consultation": "talks",
    "strategic channel": "talks",
    "round of talks": "talks",
    "rounds of talks": "talks",
    "economic and trade talks": "talks",
    "military maritime consultative agreement": "talks",
    "visit to": "visit",
    "trip to": "visit",
}
# The order in which cues decide the kind when several are present: a remote contact says so.
KIND_STRENGTH: Final[tuple[str, ...]] = ("video", "call", "talks", "summit", "meeting", "visit")
REMOTE_KINDS: Final = frozenset({"call", "video"})
IN_PERSON_KINDS: Final = frozenset({"meeting", "summit", "visit", "talks"})

# Groups that stand for a side when the text names no one on it ("the PLA Navy delegation"): phrase -> side.
# "the two sides" only says that the other side took part; its group is then called "<side> side".
GROUP_REFERENCES: Final[dict[str, str]] = {
    "the chinese delegation": CN,
    "chinese delegation": CN,
    "the pla navy delegation": CN,
    "pla navy": CN,
    "the pla delegation": CN,
    "the chinese side": CN,
    "prc counterparts": CN,
    "chinese counterparts": CN,
    "chinese officials": CN,
    "prc officials": CN,
    "the u.s. delegation": US,
    "u.s. delegation": US,
    "the us delegation": US,
    "the american delegation": US,
    "the u.s. side": US,
    "the us side": US,
    "u.s. counterparts": US,
    "u.s. officials": US,
    "american officials": US,
    "the two sides": BOTH,
    "both sides": BOTH,
}
# Words that stand for the subject of an earlier sentence ("During the trip, she met with …").
SUBJECT_PRONOUNS: Final = words("he she the secretary president minister premier")

# -- who asked for the contact ----------------------------------------------------------------------------
# The meaning is whose side asked: "latter" is the person the contact sentence names second, "former" the
# first, "counterpart" the side facing the author's principal, or a side outright.
REQUEST_CUES: Final[dict[str, str]] = {
    "at the request of the latter": "latter",
    "at the latter's request": "latter",
    "at the request of the former": "former",
    "at the former's request": "former",
    "at the request of the u.s. side": US,
    "at the request of the us side": US,
    "at the request of the united states": US,
    "at the request of the american side": US,
    "at the request of the chinese side": CN,
    "at the request of china": CN,
    "upon request": "counterpart",
    "upon the request": "counterpart",
    "at request": "counterpart",
    "at the request of": "counterpart",
    "at invitation": "counterpart",
    "at the invitation of his u.s. counterpart": US,
    "at the invitation of her u.s. counterpart": US,
    "at the invitation of his us counterpart": US,
    "at the invitation of his chinese counterpart": CN,
    "at the invitation of her chinese counterpart": CN,
    "at the invitation of the u.s. side": US,
    "at the invitation of the chinese side": CN,
    "at the invitation of": "counterpart",
    "took a phone call from": "counterpart",
    "took a call from": "counterpart",
    "received a phone call from": "counterpart",
    "received a call from": "counterpart",
    "answered a phone call from": "counterpart",
}

# -- who a sentence says spoke ----------------------------------------------------------------------------
# A speaker is a reference followed by a speech verb ("Xi stressed", "the Chinese side urged"). People are
# found by name; these are the other references. "author" is the author's principal (the Secretary in a US
# text), "both" both sides.
SPEAKER_REFERENCES: Final[dict[str, str]] = {
    "the two leaders": BOTH,
    "both leaders": BOTH,
    "the two presidents": BOTH,
    "the two heads of state": BOTH,
    "the two ministers": BOTH,
    "the two sides": BOTH,
    "both sides": BOTH,
    "the two countries": BOTH,
    "both countries": BOTH,
    "the two delegations": BOTH,
    "both delegations": BOTH,
    "the two officials": BOTH,
    "the two": BOTH,
    "they": BOTH,
    "both": BOTH,
    "the chinese side": CN,
    "chinese side": CN,
    "the chinese delegation": CN,
    "china": CN,
    "beijing": CN,
    "the prc": CN,
    "the u.s. side": US,
    "the us side": US,
    "the american side": US,
    "the u.s. delegation": US,
    "the united states": US,
    "the u.s.": US,
    "the us": US,
    "washington": US,
    "the secretary": US,
    "the president": "author",
    "the minister": CN,
    "the vice premier": CN,
    "the premier": CN,
    "the director": CN,
    "the defense minister": CN,
    "the foreign minister": CN,
    "he": "previous",
    "she": "previous",
}
# Verbs that make the reference before them the speaker (a few adverbs may stand between: "also", "further").
SPEECH_VERBS: Final[frozenset[str]] = words(
    """said says stressed stresses noted notes raised raises urged urges emphasized emphasised emphasizes
    underscored underscores expressed expresses called calls pointed reiterated reiterates discussed discuss
    agreed agree exchanged exchange conveyed conveys reaffirmed reaffirms affirmed affirms communicated told
    tells added adds asked asks welcomed welcomes highlighted highlights stated states voiced warned hoped
    hopes reinforced committed encouraged condemned briefed shared introduced elaborated spoke held had
    conducted made underlined explained urge expressing presented recalled acknowledged outlined pressed
    described sought reviewed confirmed requested demanded proposed opposed rejected"""
)
SPEECH_ADVERBS: Final[frozenset[str]] = words(
    "also further then again today yesterday both each all specifically firmly clearly once likewise"
)
# Reported speech: a sentence ending ", said Wei." or ", General Wei added." gives its speaker at the end.
TRAILING_SPEECH_VERBS: Final[frozenset[str]] = words("said added stressed noted emphasized says adds")

# -- people ------------------------------------------------------------------------------------------------
# Words that mark a side when they stand in or just before a title ("PRC Minister", "his Russian counterpart").
SIDE_MARKERS: Final[dict[str, str]] = {
    "us": US,
    "u.s.": US,
    "american": US,
    "united states": US,
    "america": US,
    "chinese": CN,
    "china's": CN,
    "china": CN,
    "prc": CN,
    "people's republic of china": CN,
    "people's republic of china's": CN,
    "cpc": CN,
    "ccp": CN,
    "philippine": OTHER,
    "philippines": OTHER,
    "russian": OTHER,
    "russia's": OTHER,
    "japanese": OTHER,
    "japan's": OTHER,
    "korean": OTHER,
    "rok": OTHER,
    "australian": OTHER,
    "indian": OTHER,
    "vietnamese": OTHER,
    "indonesian": OTHER,
    "singaporean": OTHER,
    "malaysian": OTHER,
    "thai": OTHER,
    "british": OTHER,
    "french": OTHER,
    "german": OTHER,
    "italian": OTHER,
    "canadian": OTHER,
    "mexican": OTHER,
    "brazilian": OTHER,
    "ukrainian": OTHER,
    "pakistani": OTHER,
    "turkish": OTHER,
    "israeli": OTHER,
    "saudi": OTHER,
    "egyptian": OTHER,
    "iranian": OTHER,
    "european": OTHER,
    "new zealand": OTHER,
    "taiwanese": OTHER,
    "polish": OTHER,
    "spanish": OTHER,
    "dutch": OTHER,
    "swiss": OTHER,
    "qatari": OTHER,
    "emirati": OTHER,
    "south african": OTHER,
}
# Capitalised words that belong to titles, ranks and institutions, never to a person's name.
TITLE_WORDS: Final[frozenset[str]] = words(
    """secretary minister ministry defense defence national state councilor councillor foreign affairs president
    vice premier general gen admiral adm director office commission member political bureau central committee
    commerce treasury advisor adviser security envoy special chairman chief joint staff department military
    deputy under undersecretary assistant ambassador spokesperson spokesman spokeswoman press senior officer
    representative trade dr mr ms mrs madam senator sen governor speaker congressman congresswoman air force
    maj major brig brigadier lt lieutenant col colonel capt captain commander command navy army marine marines
    coast guard party politburo communist republic people people's peoples government administration
    council councillor presidential attorney justice homeland energy agriculture finance economic economy
    affairs commissioner climate change climatic cabinet leader chairwoman standing head mayor the of and
    pentagon white house department's counselor counsellor executive ministerial international liaison
    strategic planning policy policies cmc pla navy's theater theatre indo-pacific pacific indopacom
    state's defense's commerce's foreign-affairs member's"""
)
# The words a title ends on: a run of capitalised words after one of these is a name ("Secretary Austin").
TITLE_HEADS: Final[frozenset[str]] = words(
    """secretary minister president premier councilor councillor director advisor adviser envoy general gen
    admiral adm chairman chairwoman chief ambassador spokesperson spokesman spokeswoman representative
    commander counterpart member deputy dr mr ms mrs madam senator sen governor speaker leader officer
    undersecretary counselor counsellor brig maj lt col capt captain colonel lieutenant major brigadier head"""
)
# Honorifics and ranks: part of how a name is written, not of the title a readout gives.
RANKS: Final[frozenset[str]] = words(
    "general gen admiral adm dr mr ms mrs madam brig brigadier maj major lt lieutenant col colonel capt captain"
)
# Capitalised words that open sentences or name things, and so are never a one-word surname mention.
NOT_SURNAMES: Final[frozenset[str]] = words(
    """he she it they we i you the this that these those his her their its our both during on in at as
    following according while after before when since with for to from by and but or if so also however
    then there here today yesterday readout beijing washington china us united states secretary minister
    president premier general admiral"""
)
# Speech verbs that make a lone capitalised word a surname ("Wang told", "Esper said").
SURNAME_VERBS: Final = SPEECH_VERBS

# The Chinese surnames (in pinyin) that make a name read as a Chinese one when its other parts are pinyin too.
CHINESE_SURNAMES: Final[frozenset[str]] = words(
    """wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng liang xie song
    tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu ding ren shen
    yao fu zhong jin cui tan liao fan wan qin kong shi hou bai mao qiu xi lai gong wen geng meng yin qian
    duan lei hao shao kang bi he wen zou xiong jia xue yan lou"""
)

# -- durations ----------------------------------------------------------------------------------------------
NUMBER_WORDS: Final[dict[str, int]] = {
    "one": 1,
    "an": 1,
    "a": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "half": 0,  # "an hour and a half" is handled as a fraction below
}
DURATION_UNITS: Final[dict[str, int]] = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60}

# -- dates --------------------------------------------------------------------------------------------------
MONTHS: Final[dict[str, int]] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
WEEKDAYS: Final[dict[str, int]] = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
# Relative day words -> days before the publication date.
RELATIVE_DAYS: Final[dict[str, int]] = {
    "today": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "tonight": 0,
    "earlier today": 0,
    "yesterday": 1,
    "last night": 1,
    "last evening": 1,
    "the day before yesterday": 2,
}
# Beijing is 12 or 13 hours ahead of Washington: a Beijing morning is the previous Washington day, a
# Beijing afternoon, evening or night the same day. Only a Chinese text's own times are shifted.
BEIJING_PREVIOUS_WASHINGTON_DAY: Final[frozenset[str]] = frozenset({"morning", "early morning", "dawn"})

# -- places -------------------------------------------------------------------------------------------------
# Words after "in" that are not a place of the contact.
NOT_PLACES: Final[frozenset[str]] = words(
    """the a an january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday person addition particular support charge
    accordance line light order response recent view"""
)
