"""Convert the research files of US–China contacts (2020–2026) into Hotline's import format.

    .venv/bin/python -m tools.convert_shared_contacts            # writes samples/us-china-contacts.jsonl
    .venv/bin/python -m tools.convert_shared_contacts --check    # fails if the sample is out of date

The research files (samples/research/, copies of the project's shared data) have their own shape: a
free-text channel, who initiated, topics per side, official sources (URL, title, publisher), older
citations as "host/path words" text, a confidence mark and a research note; the file of declined
contacts has a status and a side that asked instead. This script maps those onto the import format
(README, "Data format"). Its prose comes from tools/sample_text.py, written by hand for readers, and
never from the research notes; what the research marks as unconfirmed becomes the event's confidence.
Every line written is read back with commands.transfer.parse_line, so the sample always imports.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from commands import validate
from commands.errors import UserError
from commands.transfer import dump_line, parse_line
from storage.records import Source
from storage.rules import slug_for_title
from storage.vocab import BUILTIN_ISSUES, BUILTIN_OFFICES, EVENT_STATUSES, norm, slugify
from tools import sample_text
from tools.sample_text import Text

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / "samples" / "research"
CONTACT_FILES = (
    "us-china-contacts-2020-2022.jsonl",
    "us-china-contacts-2023-2024.jsonl",
    "us-china-contacts-2025-2026.jsonl",
)
DECLINED_FILE = "us-china-declined-2020-2026.jsonl"
DEFAULT_OUTPUT = REPO / "samples" / "us-china-contacts.jsonl"

KIND_BY_CHANNEL = {
    "phone call": "call",
    "video call": "video",
    "in-person meeting": "meeting",
    "virtual summit": "summit",
    "visit": "visit",
}

# The offices that make a contact belong to a track other than "diplomatic". The sides are checked
# as a pair because a title alone can mislead: a vice premier talks economics with the Treasury but
# climate with the climate envoy.
LEADERS_US = {"us:president", "us:president-elect"}
DEFENSE_US = {"us:secretary-of-defense", "us:chairman-joint-chiefs", "us:indopacom-commander"}
DEFENSE_CN = {
    "china:minister-of-national-defense",
    "china:cmc-vice-chairman",
    "china:chief-joint-staff",
    "china:eastern-theater-commander",
    "china:southern-theater-commander",
}
ECONOMIC_US = {"us:trade-representative", "us:secretary-of-the-treasury", "us:secretary-of-commerce"}
ECONOMIC_CN = {
    "china:vice-premier",
    "china:premier",
    "china:commerce-minister",
    "china:finance-minister",
    "china:international-trade-representative",
}
CLIMATE = {"us:climate-envoy", "china:climate-envoy"}

BUILTIN_SLUGS = {issue.slug for issue in BUILTIN_ISSUES}
BUILTIN_OFFICE_SLUGS = {office.slug for office in BUILTIN_OFFICES}
ALIAS_TO_SLUG = {norm(alias): issue.slug for issue in BUILTIN_ISSUES for alias in issue.aliases}

# A host name, optionally followed by a path, as the research notes write it ("defense.gov/News/...").
HOST_RE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?:/\S*)?", re.IGNORECASE)
# Research working notes that must never reach a reader (tools/sample_text.py is checked for them).
WORKING_NOTES = re.compile(
    r"from memory|project convention|excerpt|breaks off|sources read|out of scope|the brief|per the note",
    re.IGNORECASE,
)
# What the research files write for a record less than verified, and for a fact recalled, not read.
VERIFIED = "verified-in-source"
RECALLED = re.compile(r"from memory|inferred|not confirmed|unconfirmed", re.IGNORECASE)


class ConversionError(Exception):
    """The research files hold something this mapping does not know how to carry over."""


def office_of(side: str, title: str) -> tuple[str, bool]:
    """The office a title maps to (as the store maps it, storage.rules.slug_for_title), and whether
    only a part of the title matched. A title of no built-in office is refused, unless tools/sample_text.py
    lists it as an office of its own, so that a title missing from storage/vocab.py is noticed here."""
    slug = slug_for_title({}, side, title)
    if slug in BUILTIN_OFFICE_SLUGS:
        whole = norm(title) in {norm(f) for o in BUILTIN_OFFICES if o.slug == slug for f in (o.title, *o.forms)}
        return slug, not whole
    if title in sample_text.OWN_OFFICES:
        return slug, False
    raise ConversionError(f"{side} title {title!r} matches no office form in storage/vocab.py")


def track_for(us_offices: set[str], cn_offices: set[str]) -> str:
    if us_offices & LEADERS_US and "china:president" in cn_offices:
        return "leaders"
    if us_offices & DEFENSE_US and cn_offices & DEFENSE_CN:
        return "defense"
    if us_offices & ECONOMIC_US and cn_offices & ECONOMIC_CN:
        return "economic"
    if (us_offices | cn_offices) & CLIMATE:
        return "climate"
    return "diplomatic"


def requester(initiated_by: str | None) -> str:
    if initiated_by is None:
        return "unknown"
    lowered = initiated_by.strip().lower()
    # "disputed: Xinhua said X; Bloomberg said Y" names both sides; neither is the answer.
    if lowered.startswith("disputed"):
        return "unknown"
    if re.match(r"us\b", lowered):
        return "us"
    if re.match(r"china\b", lowered):
        return "china"
    raise ConversionError(f"initiated_by {initiated_by!r} is neither US, China nor disputed")


def issue_slug(topic: str) -> str:
    """A topic as an issue slug: built-in slugs, aliases and the topics of sample_text.TOPICS resolve to the
    built-in issue."""
    slug = slugify(topic)
    if slug in sample_text.TOPICS:
        return sample_text.TOPICS[slug]
    if slug in BUILTIN_SLUGS:
        return slug
    return ALIAS_TO_SLUG.get(norm(topic.replace("-", " ")), slug)


def issues(topics: Iterable[str]) -> list[str]:
    slugs: list[str] = []
    for topic in topics:
        slug = issue_slug(topic)
        if slug not in slugs:
            slugs.append(slug)
    return slugs


def split_source_field(field: str) -> list[str]:
    """The "; "-separated items of a source field, leaving semicolons inside parentheses alone."""
    items: list[str] = []
    depth = 0
    current: list[str] = []
    for char in field:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char == ";" and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


def citation(item: str) -> Source:
    """One item of a free-text source field: a link when it starts with a host and a path to a page
    ("defense.gov/News/..." -> https://defense.gov/News/..., the words after it its note); otherwise,
    a bare host ("forexlive.com 2020-03-27 'Title'") being no page anyone could open, its words as a note."""
    first, _, rest = item.partition(" ")
    if HOST_RE.fullmatch(first) and "/" in first.rstrip("/"):
        url = validate.url("sources", "https://" + first)
        note = rest.strip()
        if note.startswith("(") and note.endswith(")") and note.count("(") == 1:
            note = note[1:-1].strip()
        return Source(url, note=note or None)
    return Source(None, note=item)


def sources(record: Mapping[str, Any]) -> list[Source]:
    """The official sources first, each with its title and publisher, then the free-text citations."""
    found: list[Source] = []
    for official in record.get("official_sources") or []:
        url = validate.url("official_sources", str(official["url"]))
        found.append(Source(url, _text(official.get("title")), _text(official.get("publisher"))))
    known = {_comparable(s.url) for s in found if s.url}
    for item in split_source_field(record.get("source") or ""):
        source = citation(item)
        if source.url is not None and _comparable(source.url) in known:
            continue  # the same page as an official source, which says more about it
        if source.url is not None:
            known.add(_comparable(source.url))
        found.append(source)
    return found


def _comparable(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url).removesuffix(".html").removesuffix("/")


def _text(value: object) -> str | None:
    """A title or publisher as a reader sees it: without the annotator's "[title not captured]"."""
    if value is None:
        return None
    return re.sub(r"^\[[^\]]*\]\s*", "", str(value)).strip() or None


def record_key(record: Mapping[str, Any]) -> str:
    """The key of a record's entry in tools/sample_text.py: its date and first participant's name as written."""
    people = [*record["cn"], *record["us"]]
    return f"{record['date']} {people[0]['name'] if people else 'none'}"


def person_name(name: str) -> str:
    return sample_text.NAME_FORMS.get(name, name)


def person_title(side: str, title: str | None) -> str | None:
    if title is None:
        return None
    if title == "President":
        return sample_text.BARE_PRESIDENT[side]
    return sample_text.TITLE_FORMS.get(title, title)


class Converter:
    """One conversion: people get their aliases on the first line they appear in."""

    def __init__(self, notices: list[str]) -> None:
        self.notices = notices
        self.introduced: set[str] = set()

    def convert(self, record: Mapping[str, Any], text: Text, declined: bool) -> dict[str, object]:
        date = str(record["date"])
        where = f"{date} ({record_key(record)})"
        channel = record["channel"]
        if channel not in KIND_BY_CHANNEL:
            raise ConversionError(f"{where}: channel {channel!r} has no kind")
        _check_text(where, record, text)

        offices: dict[str, set[str]] = {"us": set(), "china": set()}
        people: dict[str, list[dict[str, object]]] = {"us": [], "china": []}
        for key, side in (("us", "us"), ("cn", "china")):
            for person in record[key]:
                title = person_title(side, person.get("title"))
                if title is not None:
                    slug, partial = office_of(side, title)
                    offices[side].add(slug)
                    if partial:
                        self.notices.append(f"{where}: title {title!r} matched {slug} by a part of it")
                people[side].append(self._person(person_name(person["name"]), title))
        if not declined and not (people["us"] and people["china"]):
            raise ConversionError(f"{where}: a contact that took place names someone on each side")

        if declined:
            status = record.get("status")
            if status not in EVENT_STATUSES or status == "held":
                raise ConversionError(f"{where}: status {status!r} is not one of a contact that did not take place")
            asked = record.get("requested_by")
            requested_by = asked if asked in ("us", "china") else "unknown"
            if asked not in ("us", "china", None):
                raise ConversionError(f"{where}: requested_by {asked!r} is neither us, china nor null")
            if text.track is None:
                raise ConversionError(f"{where}: a declined record needs its track in tools/sample_text.py")
        else:
            status, requested_by = "held", requester(record.get("initiated_by"))
        found = sources(record)
        if not found:
            raise ConversionError(f"{where}: no source")

        line: dict[str, object] = {
            "date": date,
            "kind": KIND_BY_CHANNEL[channel],
            "track": text.track or track_for(offices["us"], offices["china"]),
            "us": people["us"],
            "cn": people["china"],
            "minutes": record.get("duration_min"),
            "requested_by": requested_by,
            "location": record.get("location"),
            "status": status,
            "summary": text.summary,
            "sources": [s.as_json() for s in found],
            "raised": {"us": issues(record.get("topics_us") or []), "china": issues(record.get("topics_cn") or [])},
        }
        if text.confidence is not None:
            line["confidence"] = text.confidence
            line["confidence_note"] = text.note
        return line

    def _person(self, name: str, title: str | None) -> dict[str, object]:
        person: dict[str, object] = {"name": name}
        if title is not None:
            person["title"] = title
        aliases = sample_text.PEOPLE.get(name, ())
        if aliases and name not in self.introduced:
            person["aliases"] = sorted(aliases)  # as the store lists them, so an export gives the same line
        self.introduced.add(name)
        return person


def _check_text(where: str, record: Mapping[str, Any], text: Text) -> None:
    """The text is for readers, and says what the research could not confirm."""
    for words in (text.summary, text.note or ""):
        found = WORKING_NOTES.search(words)
        if found:
            raise ConversionError(f"{where}: the text for readers holds a research note ({found.group(0)!r})")
    if not text.summary:
        raise ConversionError(f"{where}: no summary written for this record")
    if text.confidence is not None and not text.note:
        raise ConversionError(f"{where}: a confidence needs a note saying what is unconfirmed")
    recalled = (
        RECALLED.search(str(record.get("note") or "")) and record_key(record) not in sample_text.UNCONFIRMED_LEFT_OUT
    )
    if (record.get("confidence") != VERIFIED or recalled) and text.confidence is None:
        raise ConversionError(
            f"{where}: the research marks this record or one of its facts as unconfirmed "
            f"({record.get('confidence')}); tools/sample_text.py must give it a confidence"
        )


def read_records(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConversionError(f"{path.name} line {number}: not JSON ({exc.msg})") from None
        if not isinstance(value, dict):
            raise ConversionError(f"{path.name} line {number}: not a JSON object")
        records.append(value)
    return records


def convert_files(data: Path, notices: list[str]) -> str:
    """The sample: every record of the research files in `data`, by date (contacts before the declined
    ones of the same day, each file in its order)."""
    batches = [(read_records(data / name), sample_text.CONTACTS, False) for name in CONTACT_FILES]
    batches.append((read_records(data / DECLINED_FILE), sample_text.DECLINED, True))
    entries: list[tuple[str, int, Mapping[str, Any], Text, bool]] = []
    used_of: dict[bool, set[str]] = {False: set(), True: set()}  # the keys used in CONTACTS, in DECLINED
    for order, (records, texts, declined) in enumerate(batches):
        used = used_of[declined]
        for record in records:
            try:
                key = record_key(record)
            except (KeyError, TypeError, IndexError) as exc:
                raise ConversionError(f"a record lacks {exc}: {json.dumps(record)[:80]}") from None
            if key in used:
                raise ConversionError(f"two records are keyed {key!r}; tools/sample_text.py needs another key")
            used.add(key)
            text = texts.get(key)
            if text is None:
                raise ConversionError(f"{key}: no summary written for this record in tools/sample_text.py")
            entries.append((str(record["date"]), order, record, text, declined))
    for texts, used in ((sample_text.CONTACTS, used_of[False]), (sample_text.DECLINED, used_of[True])):
        unused = set(texts) - used
        if unused:
            raise ConversionError(f"texts for records not in the files: {', '.join(sorted(unused))}")
    entries.sort(key=lambda e: (e[0], e[1]))  # stable: a file's own order within a day
    converter = Converter(notices)
    out: list[str] = []
    for _, _, entry, text, declined in entries:
        try:
            line = dump_line(converter.convert(entry, text, declined))
            parse_line(line)  # the sample must import: fail here rather than in a user's workspace
        except (KeyError, TypeError) as exc:
            raise ConversionError(f"{record_key(entry)}: the record lacks {exc}") from None
        except UserError as exc:
            raise ConversionError(f"{record_key(entry)}: {exc}") from None
        out.append(line)
    return "".join(line + "\n" for line in out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the folder of the research files")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare with --output instead of writing it")
    parser.add_argument("--quiet", action="store_true", help="do not list titles matched by a part")
    args = parser.parse_args(argv)

    notices: list[str] = []
    try:
        text = convert_files(args.data, notices)
    except (ConversionError, UserError, OSError) as exc:
        print(f"convert_shared_contacts: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        for notice in notices:
            print(notice, file=sys.stderr)

    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run without --check to rewrite it", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} events to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
