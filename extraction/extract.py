"""A readout's text -> a Draft: the steps in order, each rule in its own module or table.

1. Sentences (extraction.sentences) and the people each names (extraction.mentions), grouped into the
   people of the text: "Secretary Austin" is the "Lloyd J. Austin III" named earlier, or a known person.
2. The contact sentence: the first with a contact cue (rules.CONTACT_CUES) between two named people; its
   subject and its object are the participants. A cue whose subject is in the possessive ("Biden's summit
   with Xi") reports another contact and is passed over.
3. Sides: a known person's side, else the country words of the title, else the office the title names
   (storage.vocab's offices), else a Chinese name in pinyin; a subject still unknown is the author's side.
   It is a US–China contact when both sides have a participant.
4. Kind, date, who asked, place and duration from the contact sentence (and the text around it).
5. Positions: every sentence's issues (extraction.issues) go to the side(s) that the sentence says spoke
   (extraction.speakers); "both" means both sides taking part.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Final

from extraction import dates, sentences
from extraction.draft import Draft, Participant, Position, Readout
from extraction.issues import issues_in
from extraction.mentions import Mention, clean_title, side_marker
from extraction.mentions import find as find_mentions
from extraction.people import KnownPerson, People, looks_chinese, name_key, surname_of
from extraction.rules import (
    BOTH,
    CN,
    CONTACT_CUES,
    DURATION_UNITS,
    GROUP_REFERENCES,
    IN_PERSON_KINDS,
    KIND_STRENGTH,
    MONTHS,
    NOT_PLACES,
    NUMBER_WORDS,
    OTHER,
    PUBLISHER_SIDE,
    REQUEST_CUES,
    SIDE_MARKERS,
    SUBJECT_PRONOUNS,
    TITLE_WORDS,
    US,
    WEEKDAYS,
)
from extraction.speakers import Reference, phrase_references, sides_of, speaker
from storage.rules import slug_for_title
from storage.vocab import BUILTIN_OFFICES

_BUILTIN_SLUGS: Final = frozenset(o.slug for o in BUILTIN_OFFICES)
_PLAIN_CUES: Final = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(p) for p in sorted((p for p in CONTACT_CUES if "…" not in p), key=len, reverse=True))
    + r")(?![\w-])",
    re.I,
)
_GAPPED_CUES: Final = tuple(
    (
        re.compile(
            r"(?<![\w-])" + r"\s+(?:\S+\s+){1,3}?".join(map(re.escape, phrase.split(" … "))) + r"(?![\w-])", re.I
        ),
        kind,
    )
    for phrase, kind in CONTACT_CUES.items()
    if "…" in phrase
)
_REQUEST_PATTERNS: Final = tuple(
    (re.compile(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", re.I), meaning)
    for phrase, meaning in sorted(REQUEST_CUES.items(), key=lambda item: -len(item[0]))
)
# Institutions whose names hold issue words without raising the issue ("Department of Commerce").
_INSTITUTIONS: Final = re.compile(
    r"(?i)\b(?:department of commerce|commerce department|ministry of commerce|commerce ministry|"
    r"national security council|trade representative|department of the treasury)\b"
)
_NUMBER = r"(?:\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_DURATION: Final = re.compile(
    rf"(?i)\b(?P<num>{_NUMBER})(?P<half>\s+and\s+a\s+half)?[\s-]+(?P<unit>minutes?|hours?)(?:[\s-]+long)?\b"
    rf"(?:,?\s+and\s+(?P<more>{_NUMBER})[\s-]+minutes?\b)?"
)
_PLACE: Final = re.compile(
    r"\b(?:in|at)\s+(?P<place>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*(?:,\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*)?)"
)


@dataclass
class Person:
    """One person of the text, however often and in whatever form it names them."""

    names: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)  # raw titles, first first
    known: KnownPerson | None = None
    side: str | None = None

    @property
    def name(self) -> str | None:
        """The fullest form the text gives; a known person's name for a surname alone; None for a group."""
        full = [n for n in self.names if len(n.split()) > 1]
        if full:
            return max(full, key=lambda n: (len(n.split()), len(n)))
        if self.known is not None:
            return self.known.name
        return self.names[0] if self.names else None

    @property
    def surname_only(self) -> bool:
        return all(len(n.split()) == 1 for n in self.names) and self.known is None


@dataclass
class _Found:
    sentence: sentences.Sentence
    mentions: list[Mention]
    people: list[Person]  # one per mention


def extract(readout: Readout, people: People) -> Draft:
    """The draft event a readout describes."""
    text_sentences = sentences.split(readout.text)
    found = _people_of(text_sentences, people)
    author = _author_side(readout)
    unknowns: list[str] = []

    contact = _contact_sentence(found)
    if contact is None:
        contact = _group_contact(found, author)
        if contact is not None:
            unknowns.append("the text names no one on one side: a group stands for it")
    if contact is None:
        title_found = _people_of(sentences.split(_clean_title(readout.title)), people, seed=found)
        contact = _contact_sentence(title_found)
        if contact is not None:
            unknowns.append("the text names no contact; participants taken from the title")
    everyone = _distinct([p for f in found for p in f.people])
    for person in everyone:
        _settle_side(person)

    subject: list[Person] = []
    obj: list[Person] = []
    cue_kind: str | None = None
    cue_at = 0
    sentence_text = ""
    if contact is not None:
        f, cue_at, cue_kind, subject, obj = contact
        sentence_text = f.sentence.text
        for person in (*subject, *obj):
            _settle_side(person)
        if author is None:
            author = subject[0].side if subject and subject[0].side in (US, CN) else None
        for person in subject:
            if person.side is None:
                person.side = author
        for person in obj:
            if person.side is None and subject and subject[0].side in (US, CN):
                person.side = CN if subject[0].side == US else US
                unknowns.append(f"the side of {person.name} is a guess: the other side from {subject[0].name}")
    else:
        unknowns.append("no sentence reports a contact between two named people")

    us = [_participant(p) for p in _distinct([*subject, *obj]) if p.side == US]
    cn = [_participant(p) for p in _distinct([*subject, *obj]) if p.side == CN]
    for p in (*us, *cn):
        if p.person is None and p.name and len(p.name.split()) == 1:
            unknowns.append(f"only a surname for {p.name}: no known person has it")
    is_contact = bool(us) and bool(cn)

    kind = _kind(sentence_text, cue_kind, found, readout.title, subject, obj, readout.published)
    if kind is None:
        unknowns.append("the kind of contact")
    day, day_note = _date(found, contact[0] if contact else None, cue_at, readout.published, author, kind)
    if day_note:
        unknowns.append(day_note)
    requested = _requested_by(found, contact[0] if contact else None, subject, obj, author)
    location = _location(sentence_text, cue_at) if kind in IN_PERSON_KINDS else None
    minutes = _minutes(found)

    present = {side for side, group in ((US, us), (CN, cn)) if group}
    positions = _positions(found, contact[0] if contact else None, subject, author, present)
    raised_us = list(dict.fromkeys(p.issue for p in positions if p.side == US))
    raised_cn = list(dict.fromkeys(p.issue for p in positions if p.side == CN))
    if requested is None:
        unknowns.append("who asked for the contact: the text does not say")
    return Draft(
        is_us_china_contact=is_contact,
        date=day,
        kind=kind,
        location=location,
        minutes=minutes,
        us=us,
        cn=cn,
        requested_by=requested,
        raised_us=raised_us,
        raised_cn=raised_cn,
        positions=positions,
        unknowns=unknowns,
        source=readout.url,
        author=author if author in (US, CN) else None,
    )


# -- people --------------------------------------------------------------------------------------------------


def _people_of(
    text_sentences: list[sentences.Sentence], people: People, seed: list[_Found] | None = None
) -> list[_Found]:
    """The mentions of every sentence, each tied to one Person of the text. Full names are settled first,
    so that a surname earlier in the text still finds the full name given later; `seed` are people found
    before (in the body, when this reads the title)."""
    candidates = [find_mentions(s.text, people) for s in text_sentences]
    by_key: dict[str, Person] = {}
    by_surname: dict[str, Person] = {}
    for earlier in (p for f in seed or [] for p in f.people):
        if earlier.name is not None:
            by_key.setdefault(name_key(earlier.name), earlier)
            by_surname.setdefault(surname_of(earlier.name, earlier.side), earlier)
    for mention in (m for found in candidates for m in found if not m.single):
        key = name_key(mention.name)
        if key not in by_key:
            by_key[key] = Person(known=people.find(mention.name))
            by_surname.setdefault(surname_of(mention.name, None), by_key[key])
    result: list[_Found] = []
    for s, found in zip(text_sentences, candidates, strict=True):
        kept: list[Mention] = []
        persons: list[Person] = []
        for mention in found:
            person = _person_for(mention, people, by_key, by_surname)
            if person is None:
                continue
            person.names.append(mention.name)
            if mention.raw_title:
                person.titles.append(mention.raw_title)
            kept.append(mention)
            persons.append(person)
        result.append(_Found(s, kept, persons))
    return result


def _person_for(
    mention: Mention, people: People, by_key: dict[str, Person], by_surname: dict[str, Person]
) -> Person | None:
    """The person a mention names; None for a lone capitalised word that is no one's surname."""
    if not mention.single:
        return by_key[name_key(mention.name)]
    word = name_key(mention.name)
    person = by_surname.get(word)
    if person is not None:
        return person
    if mention.evidence == "surname?":
        return None
    known = people.by_surname_only(mention.name, side_marker(mention.raw_title))
    key = name_key(known.name) if known else f"surname:{word}"
    person = by_key.setdefault(key, Person(known=known))
    by_surname[word] = person
    return person


def _settle_side(person: Person) -> None:
    if person.side is not None:
        return
    if person.known is not None:
        person.side = person.known.side
        return
    for raw in person.titles:
        marked = side_marker(raw)
        if marked is not None:
            person.side = marked
            return
    for raw in person.titles:
        office = _office_side(clean_title(raw))
        if office is not None:
            person.side = office
            return
    if any(looks_chinese(n) for n in person.names):
        person.side = CN


def _office_side(title: str) -> str | None:
    """The side whose built-in offices alone know this title ("Secretary of Defense" -> us)."""
    if not title:
        return None
    sides = {
        side
        for side, store_side in ((US, "us"), (CN, "china"))
        if slug_for_title({}, store_side, title) in _BUILTIN_SLUGS
    }
    return sides.pop() if len(sides) == 1 else None


def _participant(person: Person) -> Participant:
    """The person as a participant, with the first full title the text gives them. Where the text gives a
    surname and a bare head word ("Secretary Blinken"), the known person's title ("Secretary of State")."""
    if not person.names:  # a group: its label as the text words it
        return Participant(None, person.titles[0] if person.titles else None, None)
    titles = [t for t in (clean_title(raw) for raw in person.titles) if t]
    full = [t for t in titles if len(t.split()) > 1]
    title = full[0] if full else (titles[0] if titles else None)
    known_title = person.known.title if person.known is not None else None
    surname_only = all(len(n.split()) == 1 for n in person.names)
    if known_title and surname_only and not full and (title is None or title.casefold() in known_title.casefold()):
        title = known_title
    return Participant(person.name, title, person.known)


def _distinct(items: list[Person]) -> list[Person]:
    out: list[Person] = []
    for item in items:
        if not any(item is o for o in out):
            out.append(item)
    return out


def _author_side(readout: Readout) -> str | None:
    if readout.publisher:
        return PUBLISHER_SIDE.get(readout.publisher.strip().casefold())
    return None


def _clean_title(title: str) -> str:
    return re.sub(r"^\[[^\]]*\]\s*", "", title or "")


# -- the contact sentence ------------------------------------------------------------------------------------


def _contact_sentence(found: list[_Found]) -> tuple[_Found, int, str, list[Person], list[Person]] | None:
    """The first sentence with a contact cue between a subject and an object; a subject pronoun ("she met
    with") stands for the first person of the last sentence that named anyone."""
    # Headings (a line without a full stop, such as a page title carried into the text) only if no sentence.
    ends = [bool(re.search(r"[.!?][\"”’)]?$", f.sentence.text)) for f in found]
    sentences_first = [f for f, end in zip(found, ends, strict=True) if end]
    headings = [f for f, end in zip(found, ends, strict=True) if not end]
    return _first_contact(sentences_first) or _first_contact(headings)


def _first_contact(found: list[_Found]) -> tuple[_Found, int, str, list[Person], list[Person]] | None:
    earlier: Person | None = None
    for f in found:
        if not f.mentions:
            continue
        for start, end, kind in _cues(f.sentence.text):
            subject = _chain_before(f, start)
            if not subject and earlier is not None and _pronoun_subject(f.sentence.text[:start]):
                subject = [earlier]
            obj = _chain_after(f, end)
            if subject and obj:
                return f, start, kind, subject, obj
        earlier = f.people[0]
    return None


def _pronoun_subject(before: str) -> bool:
    words = re.findall(r"[a-z]+", before.casefold())
    return any(w in SUBJECT_PRONOUNS for w in words[-3:])


def _group_contact(
    found: list[_Found], author: str | None
) -> tuple[_Found, int, str, list[Person], list[Person]] | None:
    """When no sentence has two named people: the first with a contact cue and one named person on a side,
    with the other side a group the text names ("the Chinese delegation") or implies ("the two sides")."""
    text = " ".join(f.sentence.text for f in found).casefold().replace("’", "'")
    groups = {side: phrase for phrase, side in GROUP_REFERENCES.items() if _has_phrase(text, phrase)}
    for f in found:
        cues = _cues(f.sentence.text)
        if not f.mentions or not cues:
            continue
        person = f.people[0]
        _settle_side(person)
        side = person.side if person.side in (US, CN) else author
        if side not in (US, CN):
            continue
        other = CN if side == US else US
        phrase = next((p for p, s in GROUP_REFERENCES.items() if s == other and _has_phrase(text, p)), None)
        if phrase is None and BOTH not in groups:
            continue
        person.side = side
        label = phrase.removeprefix("the ") if phrase else ("Chinese side" if other == CN else "U.S. side")
        group = Person(names=[], titles=[label], side=other)
        start, _, kind = cues[0]
        return f, start, kind, [person], [group]
    return None


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", text) is not None


def _chain_before(f: _Found, cue: int) -> list[Person]:
    before = [i for i, m in enumerate(f.mentions) if m.end <= cue]
    if not before:
        return []
    last = before[-1]
    text = f.sentence.text
    if re.match(r"\.?['’]s\b", text[f.mentions[last].end :]):
        return []  # "Biden's summit with Xi": another contact, named in passing
    chain = [last]
    while chain[0] > 0:
        prev = f.mentions[chain[0] - 1]
        gap = text[prev.end : f.mentions[chain[0]].start].strip()
        if gap not in ("and", ",", ", and"):
            break
        chain.insert(0, chain[0] - 1)
    return [f.people[i] for i in chain]


def _chain_after(f: _Found, cue: int) -> list[Person]:
    after = [i for i, m in enumerate(f.mentions) if m.start >= cue]
    if not after:
        return []
    text = f.sentence.text
    first = after[0]
    # Only the words of the contact may stand between the cue and its object ("met yesterday with").
    gap = text[cue : f.mentions[first].start]
    if len(gap.split()) > 12 or re.search(r"[.;:]\s", gap):
        return []
    chain = [first]
    while chain[-1] + 1 < len(f.mentions):
        nxt = f.mentions[chain[-1] + 1]
        between = text[f.mentions[chain[-1]].end : nxt.start].strip()
        if between not in ("and", ",", ", and"):
            break
        chain.append(chain[-1] + 1)
    return [f.people[i] for i in chain]


# -- kind, date, requester, place, duration ------------------------------------------------------------------


def _cues(text: str) -> list[tuple[int, int, str]]:
    """The contact cues of a text as (start, end, kind), in order; where two overlap, the one found first."""
    cues = [
        (m.start(), m.end(), CONTACT_CUES[" ".join(m.group(0).casefold().split())]) for m in _PLAIN_CUES.finditer(text)
    ]
    for pattern, kind in _GAPPED_CUES:
        for match in pattern.finditer(text):
            if not any(s < match.end() and match.start() < e for s, e, _ in cues):
                cues.append((match.start(), match.end(), kind))
    return sorted(cues)


def _kinds_in(text: str) -> set[str]:
    return {kind for _, _, kind in _cues(text)}


def _kind(
    sentence: str,
    cue_kind: str | None,
    found: list[_Found],
    title: str,
    subject: list[Person],
    obj: list[Person],
    published: dt.date | None,
) -> str | None:
    kinds = _kinds_in(sentence) if sentence else set()
    if not kinds:
        for f in found:
            kinds = _kinds_in(f.sentence.text)
            if kinds:
                break
    if not kinds:
        kinds = _kinds_in(_clean_title(title))
    if cue_kind:
        kinds.add(cue_kind)
    kind = next((k for k in KIND_STRENGTH if k in kinds), None)
    if kind in ("meeting", "summit", "talks") and _heads_of_state(subject, obj):
        return "summit"
    if kind == "summit":
        kind = "meeting"  # "summit" named without both heads of state: another meeting
    if kind == "meeting" and sentence and any(m.is_range for m in dates.mentions(sentence, published)):
        return "talks"  # one counterpart over several days
    if kind in ("meeting", "talks") and _several_counterparts(found, subject):
        return "visit"
    return kind


def _heads_of_state(subject: list[Person], obj: list[Person]) -> bool:
    offices = {
        slug_for_title({}, "us" if p.side == US else "china", clean_title(t))
        for p in (*subject, *obj)
        for t in p.titles[:1]
        if p.side in (US, CN)
    }
    return {"us:president", "china:president"} <= offices


def _several_counterparts(found: list[_Found], subject: list[Person]) -> bool:
    """A trip: the subject met different people of the other side in different sentences."""
    if not subject:
        return False
    met: list[Person] = []
    for f in found:
        if not f.mentions:
            continue
        for _, end, kind in _cues(f.sentence.text):
            if kind != "meeting":
                continue
            for person in _chain_after(f, end):
                if person.side not in (None, subject[0].side, OTHER) and not any(person is m for m in met):
                    met.append(person)
            break
    return len(met) >= 2


def _date(
    found: list[_Found],
    contact: _Found | None,
    cue_at: int,
    published: dt.date | None,
    author: str | None,
    kind: str | None,
) -> tuple[dt.date | None, str | None]:
    candidates: list[dates.DateMention] = []
    if contact is not None:
        in_contact = [m for m in dates.mentions(contact.sentence.text, published) if m.day is not None]
        if in_contact:
            candidates = sorted(in_contact, key=lambda m: min(abs(m.start - cue_at), abs(m.end - cue_at)))
        else:
            for f in found:
                if f is contact:
                    break
                candidates += [m for m in dates.mentions(f.sentence.text, published) if m.day is not None]
    if candidates and candidates[0].day is not None:
        best = candidates[0]
        assert best.day is not None
        return dates.washington_day(best.day, author_side=author, kind=kind, part_of_day=best.part_of_day), None
    if published is not None:
        return published, "the text gives no date: the publication date is taken"
    return None, "the date: the text gives none and the publication date is unknown"


def _requested_by(
    found: list[_Found], contact: _Found | None, subject: list[Person], obj: list[Person], author: str | None
) -> str | None:
    if contact is None:
        return None
    same_paragraph = [f for f in found if f.sentence.paragraph == contact.sentence.paragraph]
    for f in (contact, *same_paragraph):
        text = f.sentence.text.replace("’", "'")
        for pattern, meaning in _REQUEST_PATTERNS:
            if pattern.search(text):
                side = _requester_side(meaning, subject, obj, author)
                if side is not None:
                    return "china" if side == CN else side
    return None


def _requester_side(meaning: str, subject: list[Person], obj: list[Person], author: str | None) -> str | None:
    if meaning in (US, CN):
        return meaning
    if meaning == "latter":
        return obj[0].side if obj and obj[0].side in (US, CN) else None
    if meaning == "former":
        return subject[0].side if subject and subject[0].side in (US, CN) else None
    # "upon request", "took a phone call from": the counterpart of the text's own principal.
    own = subject[0].side if subject and subject[0].side in (US, CN) else author
    if own in (US, CN):
        return CN if own == US else US
    return None


def _location(sentence: str, cue_at: int) -> str | None:
    for match in _PLACE.finditer(sentence, cue_at):
        place = match.group("place").rstrip(".,")
        words = [w.casefold().strip(".,'’") for w in place.replace(",", " ").split()]
        if not words or words[0] in NOT_PLACES or words[0] in MONTHS or words[0] in WEEKDAYS:
            continue
        if any(w in TITLE_WORDS or w in SIDE_MARKERS for w in words):
            head = place.split(",")[0].strip()
            head_words = [w.casefold() for w in head.split()]
            if any(w in TITLE_WORDS or w in SIDE_MARKERS for w in head_words):
                continue
            place = head
        return re.sub(r"['’]s$", "", place)
    return None


def _minutes(found: list[_Found]) -> int | None:
    for f in found:
        text = f.sentence.text
        if not re.search(r"(?i)\b(?:call|meeting|talks|conversation|spoke|met|lasted|discussion)\b", text):
            continue
        match = _DURATION.search(text)
        if match:
            raw = match.group("num").casefold()
            number = int(raw) if raw.isdigit() else NUMBER_WORDS.get(raw, 0)
            minutes = number * DURATION_UNITS[match.group("unit").casefold()]
            if match.group("half"):
                minutes += DURATION_UNITS[match.group("unit").casefold()] // 2
            if match.group("more"):
                more = match.group("more").casefold()
                minutes += int(more) if more.isdigit() else NUMBER_WORDS.get(more, 0)
            if 0 < minutes <= 1440:
                return minutes
    return None


# -- positions -----------------------------------------------------------------------------------------------


def _positions(
    found: list[_Found], contact: _Found | None, subject: list[Person], author: str | None, present: set[str]
) -> list[Position]:
    out: list[Position] = []
    seen: set[tuple[str, str, str]] = set()
    previous: set[str] = set()
    paragraph = -1
    for f in found:
        if f.sentence.paragraph != paragraph:
            paragraph, previous = f.sentence.paragraph, set()
        refs = phrase_references(f.sentence.text)
        spans = [(m.start, m.end) for m in f.mentions]
        refs = [r for r in refs if not any(s <= r.start and r.end <= e for s, e in spans)]
        refs += [Reference(m.name_start, m.end, p.side or "") for m, p in zip(f.mentions, f.people, strict=True)]
        chain = speaker(f.sentence.text, refs)
        if chain is not None:
            sides = sides_of(chain, author=author, previous=previous, present=present)
        elif f is contact and subject:
            sides = {p.side for p in subject if p.side is not None and p.side in (US, CN)}
        else:
            sides = set(previous)
        previous = sides
        if not sides:
            continue
        for issue in issues_in(_masked(f)):
            for side in sorted(sides, key=lambda s: s != US):
                key = (side, issue, f.sentence.text)
                if key not in seen:
                    seen.add(key)
                    out.append(Position(side, issue, f.sentence.text))
    return out


def _masked(f: _Found) -> str:
    """The sentence with people's titles and names and institutions blanked: "Commerce Secretary" is no issue."""
    chars = list(f.sentence.text)
    for m in f.mentions:
        for i in range(m.start, m.end):
            chars[i] = " "
    text = "".join(chars)
    return _INSTITUTIONS.sub(lambda match: " " * len(match.group(0)), text)
