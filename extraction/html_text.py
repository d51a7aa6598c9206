"""The main text of a readout's web page, with trafilatura.

trafilatura (with lxml) costs about 0.2 s and 28 MB the first time it is imported (measured on the
development machine; docs/EXTRACTION.md), so it is imported on first use, not when Hotline starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class NoMainText(ValueError):
    """The page has no main text to speak of; the message says so."""


@dataclass(frozen=True)
class PageText:
    title: str
    text: str
    published: str | None  # YYYY-MM-DD when the page says, else None


def main_text(html: str, url: str | None = None) -> PageText:
    """The page's title, main text (paragraphs separated by newlines) and date; NoMainText if it has none."""
    # Imported here: heavy, and only needed when a page is fetched.
    import trafilatura
    from trafilatura.settings import Document

    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        # The page's own publication metadata, not a date guessed from the body (which names the contact's).
        date_extraction_params={"extensive_search": False, "original_date": False},
    )
    found: dict[str, Any] = document.as_dict() if isinstance(document, Document) else {}
    text = str(found.get("text") or "").strip()
    if not text:
        raise NoMainText("the page has no main text that could be read")
    date = found.get("date")
    return PageText(str(found.get("title") or ""), text, str(date) if date else None)
