"""The main text of a readout's web page, with trafilatura.

trafilatura (with lxml) costs about 0.2 s and 28 MB the first time it is imported (measured on the
development machine; docs/EXTRACTION.md), so it is imported on first use, not when Hotline starts.
"""

from __future__ import annotations

from dataclasses import dataclass


class NoMainText(ValueError):
    """The page has no main text to speak of; the message says so."""


@dataclass(frozen=True)
class PageText:
    title: str
    text: str
    published: str | None  # YYYY-MM-DD when the page says, else None


def main_text(html: str, url: str | None = None) -> PageText:
    """The page's title, main text (paragraphs separated by newlines) and date; NoMainText if it has none."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        as_dict=True,
    )
    if not isinstance(document, dict) or not (document.get("text") or "").strip():
        raise NoMainText("the page has no main text that could be read")
    title = document.get("title") or ""
    date = document.get("date")
    return PageText(str(title), str(document["text"]).strip(), str(date) if date else None)
