"""What the extraction makes of a readout: a Draft, and its forms for output and for the importer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from extraction.people import KnownPerson


class DraftIncomplete(ValueError):
    """The draft lacks something the import format requires; the message says what."""


@dataclass(frozen=True)
class Readout:
    """One readout as the input file gives it."""

    id: str
    text: str
    title: str = ""
    url: str | None = None
    publisher: str | None = None
    published: dt.date | None = None


@dataclass(frozen=True)
class Participant:
    name: str | None  # the fullest form in the text (or a known person's name for a surname); None: a group
    title: str | None  # as the text gives it
    person: KnownPerson | None = None  # the known person it resolved to; None: a proposed new person

    @property
    def proposed_new(self) -> bool:
        return self.person is None and self.name is not None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "title": self.title}


@dataclass(frozen=True)
class Position:
    side: str  # "us" or "cn"
    issue: str  # slug
    sentence: str

    def as_dict(self) -> dict[str, str]:
        return {"side": self.side, "issue": self.issue, "sentence": self.sentence}


@dataclass
class Draft:
    is_us_china_contact: bool
    date: dt.date | None
    kind: str | None
    location: str | None = None
    minutes: int | None = None
    us: list[Participant] = field(default_factory=list)
    cn: list[Participant] = field(default_factory=list)
    requested_by: str | None = None  # "us", "china" or None (the text does not say)
    raised_us: list[str] = field(default_factory=list)
    raised_cn: list[str] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)  # what the extraction could not tell, in words
    source: str | None = None
    # Whose readout it is: "us" or "cn", from the publisher, else the side of whoever the contact sentence
    # reports as acting ("Secretary Austin spoke with…"); None when neither tells.
    author: str | None = None

    def as_output(self, readout_id: str) -> dict[str, Any]:
        """The JSON object `python -m extraction` prints for one readout (the gold fields plus positions)."""
        return {
            "id": readout_id,
            "is_us_china_contact": self.is_us_china_contact,
            "date": self.date.isoformat() if self.date else None,
            "kind": self.kind,
            "us": [p.as_dict() for p in self.us],
            "cn": [p.as_dict() for p in self.cn],
            "requested_by": self.requested_by,
            "minutes": self.minutes,
            "location": self.location,
            "raised_us": list(self.raised_us),
            "raised_cn": list(self.raised_cn),
            "positions": [p.as_dict() for p in self.positions],
        }

    def import_line(self) -> dict[str, Any]:
        """The event as one line of the import format (README "Data format"); DraftIncomplete if it cannot be.

        Positions are not part of that format: the review step records them as concerns.
        """
        missing: list[str] = []
        if not self.is_us_china_contact:
            missing.append("it is not a US–China contact")
        if self.date is None:
            missing.append("no date")
        if self.kind is None:
            missing.append("no kind")
        for label, side in (("US", self.us), ("Chinese", self.cn)):
            if not side:
                missing.append(f"no {label} participant")
            elif any(p.name is None for p in side):
                missing.append(f"a {label} participant without a name")
        if missing:
            raise DraftIncomplete("cannot be recorded as it is: " + "; ".join(missing))
        assert self.date is not None and self.kind is not None  # checked above
        line: dict[str, Any] = {
            "date": self.date.isoformat(),
            "kind": self.kind,
            "us": [_participant(p) for p in self.us],
            "cn": [_participant(p) for p in self.cn],
            "minutes": self.minutes,
            "requested_by": self.requested_by or "unknown",
            "location": self.location,
            "status": "held",
            "raised": {"us": list(self.raised_us), "china": list(self.raised_cn)},
        }
        if self.source:
            line["sources"] = [self.source]
        return line


def _participant(p: Participant) -> dict[str, str]:
    # A known person is recorded under the workspace's own name for them, so the importer finds them.
    name = p.person.name if p.person is not None else p.name
    assert name is not None
    out = {"name": name}
    if p.title:
        out["title"] = p.title
    return out
