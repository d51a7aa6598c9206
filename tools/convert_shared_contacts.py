"""Convert the shared research file of US–China contacts (2020–2022) into Hotline's import format.

    .venv/bin/python -m tools.convert_shared_contacts            # writes samples/us-china-contacts.jsonl
    .venv/bin/python -m tools.convert_shared_contacts --check    # fails if the sample is out of date

The research file (../shared/data/us-china-contacts-2020-2022.jsonl) has its own shape: a free-text
channel, who initiated, topics per side, sources as "host/path title" notes, a confidence mark and
a research note. This script maps those onto the import format (README, "Data format"). Summaries are written by
hand below, from the notes, rather than derived: the notes are working prose meant for researchers.
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
from storage.vocab import BUILTIN_ISSUES, BUILTIN_OFFICES, norm, slugify

REPO = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = REPO.parent / "shared" / "data" / "us-china-contacts-2020-2022.jsonl"
DEFAULT_OUTPUT = REPO / "samples" / "us-china-contacts.jsonl"

KIND_BY_CHANNEL = {
    "phone call": "call",
    "video call": "video",
    "in-person meeting": "meeting",
    "virtual summit": "summit",
}

# The offices that make a contact belong to a track other than "diplomatic". The sides are checked
# as a pair because a title alone can mislead: a vice premier talks economics with the Treasury but
# climate with the climate envoy.
DEFENSE_US = {"us:secretary-of-defense", "us:chairman-joint-chiefs"}
DEFENSE_CN = {"china:minister-of-national-defense", "china:cmc-vice-chairman", "china:chief-joint-staff"}
ECONOMIC_US = {"us:trade-representative", "us:secretary-of-the-treasury"}
ECONOMIC_CN = {"china:vice-premier"}
CLIMATE = {"us:climate-envoy", "china:climate-envoy"}

BUILTIN_SLUGS = {issue.slug for issue in BUILTIN_ISSUES}
ALIAS_TO_SLUG = {norm(alias): issue.slug for issue in BUILTIN_ISSUES for alias in issue.aliases}

# A host name, optionally followed by a path, as the research notes write it ("defense.gov/News/...").
HOST_RE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?:/\S*)?", re.IGNORECASE)
# Two hosts for one item ("whtc.com / upnewsinfo.com Reuters") are joined by one of these.
HOST_JOINERS = {"&", "/"}

# Written from each record's note, keyed by date (the file has one contact a day at most).
SUMMARIES: dict[str, str] = {
    "2020-02-06": (
        "Phone call between Presidents Trump and Xi. The White House placed it on the evening of "
        "Thursday 6 February, Washington time; Chinese accounts date it to the morning of 7 February in "
        "Beijing. Chinese state media said Trump asked for the call. According to the White House, both "
        "sides reaffirmed that the Phase One trade deal would be carried out."
    ),
    "2020-03-26": (
        "Phone call between Presidents Trump and Xi on the evening of 26 March, Washington time "
        "(27 March in Beijing). Trump put the call back to give an interview to Fox, and tweeted on "
        "27 March that it had just ended. No duration was reported."
    ),
    "2020-05-07": (
        "Phone call between Trade Representative Lighthizer and Treasury Secretary Mnuchin and Vice "
        "Premier Liu He on economic and trade issues, the Phase One deal among them. It took place on the "
        "evening of 7 May, Washington time; Xinhua first reported it on the morning of 8 May, Beijing "
        "time. Both sides said they would keep holding regular calls."
    ),
    "2020-06-17": (
        "Secretary of State Pompeo met Yang Jiechi at Joint Base Pearl Harbor-Hickam in Honolulu; "
        "Deputy Secretary Biegun took part according to The Epoch Times. The talks, a dinner and then a "
        "working session, ran across 16 and 17 June local time, about seven hours by EIRNS's count. Who "
        "asked for the meeting is disputed: Xinhua said Pompeo did, while a source quoted by Bloomberg "
        "said China did. China's topics other than the state of relations are from memory and unconfirmed."
    ),
    "2020-08-06": (
        "Phone call between Defense Secretary Esper and Defense Minister Wei Fenghe, 90 minutes long "
        "according to Pentagon spokesman Jonathan Hoffman. By Xinhua's account Wei pressed the US to halt "
        "statements and actions Beijing considers wrong and to keep maritime risks under control. China's "
        "objection to blaming it for COVID-19 comes from a summary by geopolitic.org."
    ),
    "2020-08-24": (
        "Phone call between Trade Representative Lighthizer and Treasury Secretary Mnuchin and Vice "
        "Premier Liu He on the Phase One trade deal. USTR put it on the evening of Monday 24 August, "
        "Washington time; the Chinese readout and the South China Morning Post date it to the morning of "
        "Tuesday 25 August in Beijing. China's statement called the call constructive."
    ),
    "2020-10-30": (
        "Phone call from General Milley, Chairman of the Joint Chiefs, to General Li Zuocheng, days "
        "before the US election, to reassure China that the US was not about to attack. There was no "
        "readout at the time: Bob Woodward and Robert Costa's book Peril disclosed the call in September "
        "2021, and Milley later confirmed his calls with Li to Congress. The details rest on that "
        "secondary account."
    ),
    "2021-01-08": (
        "Second phone call from General Milley to General Li Zuocheng, two days after the 6 January "
        "attack on the Capitol. Like the October 2020 call it is known from the book Peril rather than "
        "from a readout; the details rest on that secondary account."
    ),
    "2021-02-05": (
        "Secretary of State Blinken's first call with Yang Jiechi, and the Biden administration's first "
        "contact with China at cabinet level. It took place on Friday 5 February, US time; China's foreign "
        "ministry dates it to 6 February. By the Chinese readout, Yang said the US should put right its "
        "mistakes and that each side should respect the other's political system; the list of China's "
        "topics is partly from memory and unconfirmed."
    ),
    "2021-02-10": (
        "President Biden's first phone call with President Xi, on the evening of 10 February in "
        "Washington, which was the morning of 11 February, Lunar New Year's Eve, in Beijing. Biden said "
        "afterwards that they had talked for two hours without a break."
    ),
    "2021-03-18": (
        "Talks in Anchorage between Blinken and Sullivan and Yang Jiechi and Wang Yi, in three sessions "
        "across 18 and 19 March local time. The US called them high-level talks, China a high-level "
        "strategic dialogue. The opening exchange in front of the press was openly hostile. The record "
        "carries the first day's date."
    ),
    "2021-04-15": (
        "Climate envoy John Kerry met China's climate envoy Xie Zhenhua in Shanghai on 15 and 16 April, "
        "the first visit to China by an official of the Biden administration. The two sides issued a "
        "joint statement on climate change, released on 17 April in the US and 18 April in Beijing."
    ),
    "2021-07-26": (
        "Deputy Secretary of State Sherman visited Tianjin on 25 and 26 July; on 26 July she held talks "
        "with Vice Foreign Minister Xie Feng and then met Foreign Minister Wang Yi. China's foreign "
        "ministry spokesman Zhao Lijian said the US had proposed the visit. Xie handed over two lists: US "
        "actions China wants stopped, and individual cases it wants resolved."
    ),
    "2021-09-01": (
        "Video meeting between climate envoy John Kerry, who was in Tianjin, and Foreign Minister Wang Yi, "
        "during Kerry's trip of 31 August to 3 September for climate talks with Xie Zhenhua. On 2 "
        "September Kerry also met Vice Premier Han Zheng and Yang Jiechi by video."
    ),
    "2021-09-02": (
        "Video meeting between climate envoy John Kerry, in Tianjin, and Vice Premier Han Zheng, one of "
        "several during Kerry's climate trip to China. The State Department readout noted that China "
        "produces 27 percent of the world's emissions."
    ),
    "2021-09-09": (
        "Phone call of 90 minutes between Presidents Biden and Xi, on the evening of 9 September in "
        "Washington and the morning of 10 September in Beijing; Chinese documents refer to it as the "
        "10 September call. A senior US official said Biden had asked for it."
    ),
    "2021-10-06": (
        "National Security Advisor Sullivan met Yang Jiechi at a hotel near Zurich airport. They agreed "
        "to carry out what the two presidents had settled in their September call, and the meeting "
        "prepared the virtual summit held in November."
    ),
    "2021-10-31": (
        "Blinken and Wang Yi met in Rome on the sidelines of the G20 summit, for a little less than an "
        "hour according to Sky TG24. It was their first meeting in person since Anchorage."
    ),
    "2021-11-15": (
        "Virtual summit between Presidents Biden and Xi, Biden in the Roosevelt Room of the White House "
        "and Xi in Beijing. It lasted about three and a half hours in two sessions, according to the "
        "White House, on the evening of 15 November in Washington (16 November in Beijing, the date "
        "Xinhua gives). Xi warned the US against playing with fire over Taiwan."
    ),
    "2022-01-26": (
        "Phone call between Blinken and Wang Yi, on Wednesday 26 January by the State Department's "
        "account (US Eastern time) and Thursday 27 January by China's foreign ministry (Beijing time). "
        "Blinken pressed for de-escalation over Ukraine; Wang spoke of Russia's security concerns and the "
        "coming Beijing Winter Olympics."
    ),
    "2022-02-22": (
        "Blinken called Wang Yi, according to Republic World, the day after Russia recognized the two "
        "breakaway republics in eastern Ukraine and two days before its full-scale invasion. China's "
        "point on the Minsk agreements comes from earlier remarks by Wang reported in the same article, "
        "not necessarily from this call."
    ),
    "2022-03-14": (
        "Sullivan met Yang Jiechi at the Rome Cavalieri hotel in Rome. Axios described an intense "
        "meeting of seven hours; Italian and Bulgarian outlets reported close to eight, counting a break. "
        "The record uses 420 minutes. China's raising of Taiwan is from memory of the Chinese readout and "
        "unconfirmed."
    ),
    "2022-03-18": (
        "Secure video call of 110 minutes between Presidents Biden and Xi, on a Friday morning in "
        "Washington and Friday evening in Beijing. It centred on Russia's war in Ukraine and on the risk "
        "of China giving Russia material support. The US point that its Taiwan policy had not changed is "
        "from memory of the White House readout and unconfirmed."
    ),
    "2022-04-20": (
        "Phone call of about 45 minutes between Defense Secretary Austin and Defense Minister Wei Fenghe, "
        "their first contact, following the Biden–Xi video call of 18 March. Pentagon press secretary "
        "John Kirby gave the US readout; the Global Times gave China's account. The minister's name is "
        "Wei Fenghe, sometimes misspelled Wei Fenge."
    ),
    "2022-05-18": (
        "Unconfirmed: a phone call between Sullivan and Yang Jiechi in May 2022. Later reports mention "
        "it, one placing it 61 days after the 18 March video call, which gives 18 May, but no readout of "
        "it was read. The exact date and the topics are from memory."
    ),
    "2022-06-10": (
        "Austin met Wei Fenghe in Singapore on the sidelines of the Shangri-La Dialogue. According to the "
        "Department of Defense, Wei had asked for the meeting earlier that week. Planned for 30 minutes, "
        "it ran a little under an hour (the 55 minutes recorded are approximate), most of it on Taiwan."
    ),
    "2022-06-13": (
        "Sullivan and Yang Jiechi met in Luxembourg; the meeting was not announced beforehand. Most "
        "reports put it at about four and a half hours, some at about five."
    ),
    "2022-07-05": (
        "Video call between Treasury Secretary Yellen and Vice Premier Liu He, China's lead for the "
        "comprehensive economic dialogue. It took place on the morning of 5 July in Beijing, the evening "
        "of 4 July US Eastern time; both sides give 5 July as the date. Xinhua said the US side asked "
        "for it."
    ),
    "2022-07-09": (
        "Blinken and Wang Yi met in Nusa Dua, Bali, on the sidelines of the G20 foreign ministers' "
        "meeting: a morning session and a working lunch, about five hours by Blinken's account. China's "
        "foreign ministry reported agreement on a joint working group. The US raising of detained "
        "Americans and human rights is from memory of Blinken's press remarks and unconfirmed."
    ),
    "2022-07-28": (
        "The fifth phone call between Presidents Biden and Xi, from 8:33 to 10:50 a.m. US Eastern time "
        "on 28 July, evening in Beijing: 2 hours 17 minutes by the White House's account, about two and "
        "a half hours according to Sputnik and CCTV. The White House called it a phone call; some "
        "outlets, NHK among them, described a video call."
    ),
    "2022-09-23": (
        "Blinken and Wang Yi met in New York during the 77th UN General Assembly, for about 90 minutes "
        "according to a US official. It was their first meeting since Speaker Pelosi's visit to Taiwan "
        "in August 2022."
    ),
    "2022-11-14": (
        "The first meeting in person of Biden and Xi as presidents, at the Mulia resort in Nusa Dua, "
        "Bali, on the sidelines of the G20 summit. It lasted about three hours (an early AFP report said "
        "more than two). They agreed that a nuclear war must never be fought and opposed any use or "
        "threat of nuclear weapons in Ukraine. Xi called Taiwan the first red line in relations."
    ),
    "2022-11-22": (
        "Austin met Wei Fenghe in Siem Reap, Cambodia, on the margins of the ASEAN Defence Ministers' "
        "Meeting-Plus. The excerpt of the Pentagon readout that was read breaks off before its sentence "
        "on Taiwan, so Taiwan on both sides is from memory and unconfirmed."
    ),
}


class ConversionError(Exception):
    """The research file holds something this mapping does not know how to carry over."""


def office_of(side: str, title: str) -> tuple[str, bool]:
    """The built-in office a title maps to, and whether only a part of the title matched.

    Only the vocab's forms count, so that a title missing from them is noticed here rather than
    left to the store's looser fallback.
    """
    for candidate, partial in ((title, False), *((seg, True) for seg in _segments(title))):
        key = norm(candidate)
        for office in BUILTIN_OFFICES:
            if office.side == side and key in {norm(f) for f in (office.title, *office.forms)}:
                return office.slug, partial
    raise ConversionError(f"{side} title {title!r} matches no office form in storage/vocab.py")


def _segments(title: str) -> list[str]:
    return [part.strip() for part in title.split(";") if part.strip()]


def track_for(us_offices: set[str], cn_offices: set[str]) -> str:
    if "us:president" in us_offices and "china:president" in cn_offices:
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
    """A topic as an issue slug: built-in slugs and aliases resolve to the built-in issue."""
    slug = slugify(topic)
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


def item_urls(item: str) -> list[str]:
    """https:// URLs for the host names an item starts with; an item naming no host gives none.

    Only the leading host (and a path written against it) is used: numbers or words after a space,
    such as an article id, are not part of a URL we could vouch for.
    """
    urls: list[str] = []
    words = item.split()
    i = 0
    while i < len(words) and HOST_RE.fullmatch(words[i]):
        urls.append("https://" + words[i])
        if i + 2 < len(words) and words[i + 1] in HOST_JOINERS and HOST_RE.fullmatch(words[i + 2]):
            i += 2
        else:
            break
    return urls


def sources(field: str | None) -> tuple[list[str], list[str]]:
    """The URLs of a source field, and the items that named no host (reported, not kept)."""
    urls: list[str] = []
    dropped: list[str] = []
    for item in split_source_field(field or ""):
        found = item_urls(item)
        if not found:
            dropped.append(item)
        for url in found:
            checked = validate.url("sources", url)
            if checked not in urls:
                urls.append(checked)
    return urls, dropped


def convert(record: Mapping[str, Any], notices: list[str]) -> dict[str, object]:
    date = str(record["date"])
    channel = record["channel"]
    if channel not in KIND_BY_CHANNEL:
        raise ConversionError(f"{date}: channel {channel!r} has no kind")
    summary = SUMMARIES.get(date)
    if summary is None:
        raise ConversionError(f"{date}: no summary written for this record")
    if record.get("confidence") == "from-memory" and "unconfirmed" not in summary.lower():
        raise ConversionError(f"{date}: the record is from memory, and its summary must say it is unconfirmed")

    offices: dict[str, set[str]] = {"us": set(), "china": set()}
    for key, side in (("us", "us"), ("cn", "china")):
        for person in record[key]:
            slug, partial = office_of(side, person["title"])
            offices[side].add(slug)
            if partial:
                notices.append(f"{date}: title {person['title']!r} matched {slug} only by its first part")

    urls, dropped = sources(record.get("source"))
    notices.extend(f"{date}: source item without a host, left out: {item!r}" for item in dropped)
    if not urls:
        raise ConversionError(f"{date}: no source item names a host")

    return {
        "date": date,
        "kind": KIND_BY_CHANNEL[channel],
        "track": track_for(offices["us"], offices["china"]),
        "us": [_person(p) for p in record["us"]],
        "cn": [_person(p) for p in record["cn"]],
        "minutes": record.get("duration_min"),
        "requested_by": requester(record.get("initiated_by")),
        "location": record.get("location"),
        "status": "held",
        "summary": summary,
        "sources": urls,
        "raised": {"us": issues(record.get("topics_us") or []), "china": issues(record.get("topics_cn") or [])},
    }


def _person(person: Mapping[str, Any]) -> dict[str, str]:
    return {"name": person["name"], "title": person["title"]}


def convert_file(lines: Iterable[str], notices: list[str]) -> str:
    records = [json.loads(line) for line in lines if line.strip()]
    dates = [str(r["date"]) for r in records]
    if len(set(dates)) != len(dates):
        raise ConversionError("two records share a date; SUMMARIES needs another key")
    unused = set(SUMMARIES) - set(dates)
    if unused:
        raise ConversionError(f"summaries for dates not in the file: {', '.join(sorted(unused))}")
    out: list[str] = []
    for record in records:
        line = dump_line(convert(record, notices))
        parse_line(line)  # the sample must import: fail here rather than in a user's workspace
        out.append(line)
    return "".join(line + "\n" for line in out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare with --output instead of writing it")
    parser.add_argument("--quiet", action="store_true", help="do not list what was left out")
    args = parser.parse_args(argv)

    notices: list[str] = []
    try:
        text = convert_file(args.input.read_text(encoding="utf-8").splitlines(), notices)
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
