"""How a list is cut into pages: one rule for every list and every platform.

A list of n items takes the fewest pages of at most MOST_PER_PAGE items, and those pages are as even
as they can be (sizes differ by at most one, the larger first): 33 items make 11, 11 and 11, never 16,
16 and 1; 13 make 7 and 6. So every page of a list holds about ten items (7 to 12 once it needs more
than one page) and the last page is never a stray one or two.

The commands cut their lists with `paginate` into `commands.reply.Page`s; the adapters show one page
at a time and split a page further only if it exceeds the platform's size limits, which a page of
at most twelve short items does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

MOST_PER_PAGE = 12


def page_sizes(total: int, most: int = MOST_PER_PAGE) -> list[int]:
    """The size of each page for `total` items: the fewest pages of at most `most`, evened out."""
    if total < 0 or most < 1:
        raise ValueError("a page holds at least one item, and a list has no fewer than none")
    if total == 0:
        return []
    count = -(-total // most)  # ceiling division
    base, extra = divmod(total, count)
    return [base + 1 if i < extra else base for i in range(count)]


def paginate(items: Sequence[T], most: int = MOST_PER_PAGE) -> list[list[T]]:
    """`items` cut into pages by page_sizes, in their order."""
    pages: list[list[T]] = []
    start = 0
    for size in page_sizes(len(items), most):
        pages.append(list(items[start : start + size]))
        start += size
    return pages
