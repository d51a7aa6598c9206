"""A timeline of contacts as a PNG: one lane per track (or per pair of offices), a mark per contact.

The input is already counted (the store counts in SQL): a mark is a lane, a day (or the
first day of a month), a kind, a status and how many contacts it stands for. When each mark is one
contact it is drawn at the usual size; a mark that stands for many is drawn larger (by the logarithm
of its count), so a thousand contacts on one day, or a million over thirty years, stay a few thousand
marks at most and the picture stays quick to draw and readable.

How the marks read: the marker's shape tells the kind, the colour the lane (the Okabe–Ito palette,
which stays distinct for the common forms of colour blindness); a declined request is hollow, a
planned contact hollow with a dashed edge. On each lane the longest gaps between held contacts are
drawn as a bracket with their length in days, and the latest held contact is pointed out.

The picture is the same on every machine: the font is DejaVu Sans, which matplotlib ships, set
explicitly; the PNG carries no software or date metadata, so two renders of the same data are the
same bytes. matplotlib is imported inside the functions that draw (no pyplot, no global backend): a
process that never draws never loads it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

Grain = Literal["day", "week", "month", "quarter", "half-year", "year"]
# How many months a mark covers, for the grains longer than a day.
GRAIN_MONTHS = {"month": 1, "quarter": 3, "half-year": 6, "year": 12}

# Okabe & Ito's colour-blind-safe palette, in the order lanes take it. Yellow is last: it is the
# one that reads poorly on white.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
MARKERS = {
    "call": "o",
    "video": "s",
    "meeting": "^",
    "summit": "*",
    "visit": "D",
    "talks": "h",
    "request": "v",
}
OTHER_MARKER = "X"
# The star's ink sits inside a smaller area than the other shapes at the same size.
MARKER_SCALE = {"*": 1.9, "D": 0.75, "s": 0.85}
FONT = "DejaVu Sans"  # shipped with matplotlib: the same glyphs on every machine
INK = "#222222"
MUTED = "#5f5f5f"
DPI = 100
PNG_COMPRESSION = 1
PLANNED_DASH = (0, (2.2, 1.4))  # the dashed edge of a planned contact
# Past a mark that stands for this many contacts, or this many marks, a lane is drawn as bars of
# counts: sized marks of hundreds of contacts only pile on each other.
DENSE_COUNT = 12
DENSE_MARKS = 1500


@dataclass(frozen=True)
class Mark:
    """`count` contacts of one kind and status on one lane, on `day` (or in the month that starts then)."""

    lane: int  # index into TimelineData.lanes
    day: dt.date
    kind: str
    status: str  # held, planned, declined
    count: int


@dataclass(frozen=True)
class Gap:
    """The days between two held contacts on a lane, none in between."""

    lane: int
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True)
class Latest:
    lane: int
    day: dt.date
    text: str  # what to say about it, e.g. "meeting · Austin ↔ Dong Jun"


@dataclass(frozen=True)
class TimelineData:
    title: str
    subtitle: str
    lanes: tuple[str, ...]  # top to bottom
    marks: tuple[Mark, ...]
    gaps: tuple[Gap, ...] = ()  # the longest first on each lane
    latest: Latest | None = None
    grain: Grain = "day"
    first: dt.date | None = None  # the days the x axis must show; from the marks when None
    last: dt.date | None = None


@dataclass(frozen=True)
class Size:
    """A picture's layout: its width, and its height from the number of lanes."""

    width: float  # inches, at DPI
    lane_height: float
    top: float  # above the title, and between the header and the lanes, inches
    title_chars: int  # a longer title is wrapped
    axis: float  # the dates under the lanes
    min_lanes: float  # the lanes' area is never shorter than this many lanes
    title_pt: float
    label_pt: float
    small_pt: float
    gaps_per_lane: int


# 1000 px wide: Discord and Slack show it whole or near it; the smallest text is some 14 px.
FULL = Size(10.0, 0.72, 0.3, 62, 0.5, 3.0, 17.0, 12.5, 10.5, 2)
# The digest's: narrower and shorter, below a digest's text.
SMALL = Size(8.0, 0.5, 0.25, 58, 0.42, 3.0, 14.5, 11.0, 9.5, 1)

# Drawing is serialised: rc_context sets matplotlib's (process-wide) defaults while a figure is built.
_DRAWING = threading.Lock()


def pixel_size(data: TimelineData, size: Size = FULL) -> tuple[int, int]:
    """The PNG's width and height in pixels."""
    return round(size.width * DPI), round(_height(data, size) * DPI)


def _height(data: TimelineData, size: Size) -> float:
    return _header_height(data, size) + _lanes_height(data, size) + size.axis + _legend_height(data, size)


def _header(data: TimelineData, size: Size) -> tuple[list[str], list[str]]:
    """The title's lines and the subtitle's (the latest contact on a line of its own)."""
    title = textwrap.wrap(data.title, size.title_chars, break_on_hyphens=False) or [""]
    subtitle = [data.subtitle]
    if data.latest is not None:
        subtitle.append(f"Latest (ringed): {data.latest.day.isoformat()} · {data.latest.text}")
    return title, subtitle


def _header_height(data: TimelineData, size: Size) -> float:
    title, subtitle = _header(data, size)
    return size.top + (len(title) * size.title_pt * 1.3 + len(subtitle) * (size.small_pt + 1) * 1.45) / 72 + 0.12


def _lanes_height(data: TimelineData, size: Size) -> float:
    # The lanes, and above the first a third of a lane for its gaps' labels.
    return size.lane_height * (max(size.min_lanes, len(data.lanes)) + 0.35)


def _legend_height(data: TimelineData, size: Size) -> float:
    entries = len(_legend_entries(data))
    rows = -(-entries // _legend_columns(size)) if entries else 0
    return rows * size.small_pt * 2.0 / 72 + 0.15


def _legend_columns(size: Size) -> int:
    return 7 if size is FULL else 6


def is_dense(data: TimelineData) -> bool:
    """Whether the marks stand for many contacts each: then each lane is drawn as bars of counts."""
    return max((m.count for m in data.marks), default=1) > DENSE_COUNT or len(data.marks) > DENSE_MARKS


def _legend_entries(data: TimelineData) -> list[tuple[str, str]]:
    """What the legend shows, in order: ("kind", name), ("status", name), ("bars", what)."""
    statuses = {m.status for m in data.marks}
    if is_dense(data):
        entries = [("bars", "held")]
        entries += [("bars", status) for status in ("declined", "planned") if status in statuses]
        return entries
    entries = [("kind", kind) for kind in sorted({m.kind for m in data.marks}, key=_kind_order)]
    entries += [("status", status) for status in ("declined", "planned") if status in statuses]
    most = max((m.count for m in data.marks), default=1)
    if most > 1:
        entries += [("count", str(count)) for count in (1, 10) if count == 1 or count <= most]
    return entries


def render_png(data: TimelineData, size: Size = FULL) -> bytes:
    """The timeline as PNG bytes; the same data gives the same bytes."""
    import matplotlib

    out = io.BytesIO()
    with _DRAWING, matplotlib.rc_context(_rc(size)):
        # Saved inside the context too: tick labels are made when the figure is drawn.
        figure = _build(data, size)
        # No Software (matplotlib's version) and no date: the bytes depend on the data alone. zlib's
        # fastest level: encoding at the default level took a fifth of the drawing time, for a file
        # only a tenth smaller.
        figure.savefig(
            out, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": PNG_COMPRESSION}
        )
    return out.getvalue()


def build_figure(data: TimelineData, size: Size = FULL) -> Figure:
    """The figure render_png saves, for inspecting its texts and artists."""
    import matplotlib

    with _DRAWING, matplotlib.rc_context(_rc(size)):
        figure = _build(data, size)
        figure.canvas.draw()  # ticks and layout made now, with these defaults
    return figure


def _rc(size: Size) -> dict[RcKeyType, Any]:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [FONT],
        "font.size": size.label_pt,
        "axes.edgecolor": "#999999",
        "axes.labelcolor": INK,
        "xtick.color": MUTED,
        "ytick.color": INK,
        "xtick.labelsize": size.small_pt + 0.5,
        "ytick.labelsize": size.label_pt,
        "path.simplify": True,
    }


def _build(data: TimelineData, size: Size) -> Figure:
    """The figure, built under _rc(size) (the caller's rc_context)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = _height(data, size)
    figure = Figure(figsize=(size.width, height), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    # The margins are worked out here rather than by a layout engine (which measured every text
    # twice and took most of the drawing time): the left one from the widest lane label.
    left = _labels_width(canvas, data, size) + 0.3
    bottom = size.axis + _legend_height(data, size)
    ax = figure.add_axes(
        (left / size.width, bottom / height, 1 - (left + 0.3) / size.width, _lanes_height(data, size) / height)
    )
    _draw(figure, ax, data, size, bottom / height)
    return figure


def _labels_width(canvas: Any, data: TimelineData, size: Size) -> float:
    from matplotlib.font_manager import FontProperties

    renderer = canvas.get_renderer()
    font = FontProperties(family=FONT, weight="bold", size=size.label_pt)
    widest = 0.0
    for label in data.lanes:
        for text in _wrap(label).split("\n"):
            width, _height, _descent = renderer.get_text_width_height_descent(text, font, ismath=False)
            widest = max(widest, width)
    return widest / DPI


def _x(day: dt.date) -> float:
    """matplotlib's date number (days since 1970-01-01) of a day."""
    return float(day.toordinal() - _EPOCH)


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _span(data: TimelineData) -> tuple[dt.date, dt.date]:
    days = [m.day for m in data.marks]
    if data.grain != "day" and days:
        days.append(_bucket_end(max(days), data.grain))
    first = data.first or (min(days) if days else None)
    last = data.last or (max(days) if days else None)
    if first is None or last is None:
        today = dt.date(2000, 1, 1) if first is None and last is None else first or last
        assert today is not None
        return today - dt.timedelta(days=30), today + dt.timedelta(days=30)
    return first, last


def _bucket_end(day: dt.date, grain: Grain) -> dt.date:
    """The last day of the bucket (a day, week, month, quarter, half-year or year) that starts on `day`."""
    if grain in ("day", "week"):
        return day + dt.timedelta(days=0 if grain == "day" else 6)
    months = day.year * 12 + day.month - 1 + GRAIN_MONTHS.get(grain, 1)
    return dt.date(months // 12, months % 12 + 1, 1) - dt.timedelta(days=1)


def bucket_start(day: dt.date, grain: Grain) -> dt.date:
    """The first day of the bucket that holds `day`: quarters, half-years and years as the calendar's."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())  # weeks start on Monday
    step = GRAIN_MONTHS[grain]
    months = (day.year * 12 + day.month - 1) // step * step
    return dt.date(months // 12, months % 12 + 1, 1)


def _shift(grain: Grain, day: dt.date) -> float:
    """Where in its bucket a mark stands: the middle."""
    return 0.0 if grain == "day" else ((_bucket_end(day, grain) - day).days + 1) / 2


def marker_area(count: int, size: Size) -> float:
    """A mark's area in points²: the usual size for one contact, growing with the log of the count,
    no taller than its lane."""
    base = 95.0 if size is FULL else 62.0
    cap = (size.lane_height * 72 * 0.95) ** 2
    return min(cap, base * (1.0 + 1.1 * math.log10(max(1, count))) ** 2)


def lane_colour(lane: int) -> str:
    return OKABE_ITO[lane % len(OKABE_ITO)]


def _draw(figure: Figure, ax: Axes, data: TimelineData, size: Size, legend_top: float) -> None:
    first, last = _span(data)
    pad = max(12.0, (last - first).days * 0.035)
    x0, x1 = _x(first) - pad, _x(last) + pad
    n = max(1, len(data.lanes))
    ax.set_xlim(x0, x1)
    ax.set_ylim(n - 0.5, -0.85)  # the first lane on top; room above it for a gap's label
    _lanes(ax, data, size, n)
    dense = _marks(ax, data, size)
    _gaps(ax, data, size, x1 - x0)
    _latest(ax, data, size)
    _axis(ax, first, last)
    _header_texts(figure, data, size)
    _legend(figure, ax, data, size, dense, legend_top)
    if not data.marks:
        ax.text(
            0.5,
            0.5,
            "No contacts recorded for this selection",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=size.label_pt + 1,
            color=MUTED,
        )


def _header_texts(figure: Figure, data: TimelineData, size: Size) -> None:
    height = figure.get_figheight()
    title, subtitle = _header(data, size)
    y = size.top * 0.5
    figure.text(
        0.15 / size.width,
        1 - y / height,
        "\n".join(title),
        ha="left",
        va="top",
        fontsize=size.title_pt,
        fontweight="bold",
        color=INK,
        linespacing=1.1,
        gid="title",
    )
    y += len(title) * size.title_pt * 1.3 / 72 + 0.06
    figure.text(
        0.15 / size.width,
        1 - y / height,
        "\n".join(subtitle),
        ha="left",
        va="top",
        fontsize=size.small_pt + 1,
        color=MUTED,
        linespacing=1.35,
        gid="subtitle",
    )


def _lanes(ax: Axes, data: TimelineData, size: Size, n: int) -> None:
    for i in range(n):
        if i % 2 == 0:
            ax.axhspan(i - 0.5, i + 0.5, color="#f3f3f3", zorder=0, linewidth=0)
        ax.axhline(i, color="#d9d9d9", linewidth=0.8, zorder=1)
    ax.set_yticks(range(len(data.lanes)), [_wrap(label) for label in data.lanes])
    for i, tick in enumerate(ax.get_yticklabels()):
        tick.set_color(_label_colour(i))
        tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0, pad=8)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _label_colour(lane: int) -> str:
    colour = lane_colour(lane)
    return "#8a7d00" if colour == "#F0E442" else colour  # the yellow, darkened enough to read as text


def _wrap(label: str, width: int = 26) -> str:
    """A lane label on at most two lines, cut with an ellipsis past that."""
    if len(label) <= width:
        return label
    head, sep, tail = label.partition(" ↔ ")
    lines = [head + " ↔", tail] if sep else [label[:width], label[width:]]
    return "\n".join(text if len(text) <= width else text[: width - 1].rstrip() + "…" for text in lines)


def _marks(ax: Axes, data: TimelineData, size: Size) -> bool:
    """One scatter per kind and status (a few collections, however many marks), or bars when the
    data is dense; True if any mark stands for more than one contact."""
    if is_dense(data):
        _bars(ax, data)
        return True
    groups: dict[tuple[str, str], list[Mark]] = {}
    for mark in data.marks:
        groups.setdefault((mark.kind, mark.status), []).append(mark)
    # Marks that pile up (thousands over decades) are drawn see-through, so density reads as depth.
    alpha = 1.0 if len(data.marks) <= 400 else 0.55
    for (kind, status), marks in sorted(groups.items(), key=_draw_order):
        marker = MARKERS.get(kind, OTHER_MARKER)
        scale = MARKER_SCALE.get(marker, 1.0)
        xs = [_x(m.day) + _shift(data.grain, m.day) for m in marks]
        ys = [m.lane for m in marks]
        areas = [marker_area(m.count, size) * scale for m in marks]
        colours = [lane_colour(m.lane) for m in marks]
        held = status == "held"
        ax.scatter(
            xs,
            ys,
            s=areas,
            marker=marker,
            c=colours if held else "white",
            edgecolors="white" if held else colours,
            linewidths=0.7 if held else 1.7,
            linestyles="solid" if status != "planned" else PLANNED_DASH,
            alpha=alpha,
            zorder=3 if held else 4,
            label=f"{kind} {status}",
        )
    return any(m.count > 1 for m in data.marks)


def _bars(ax: Axes, data: TimelineData) -> None:
    """Each lane as a histogram of its counts per bucket: held contacts as filled bars rising from the
    lane's foot, declined and planned ones as outlines (planned dashed) over them; the tallest bar
    of the picture fills most of a lane. Kinds are summed: one bar collection a lane and status."""
    totals: dict[tuple[int, str, dt.date], int] = {}
    for m in data.marks:
        status = m.status if m.status in ("declined", "planned") else "held"
        totals[(m.lane, status, m.day)] = totals.get((m.lane, status, m.day), 0) + m.count
    most = max(totals.values(), default=1)
    scale = 0.8 / most
    by_series: dict[tuple[int, str], list[tuple[dt.date, int]]] = {}
    for (lane, status, day), n in sorted(totals.items()):
        by_series.setdefault((lane, status), []).append((day, n))
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path

    for (lane, status), points in sorted(by_series.items(), key=lambda kv: (kv[0][0], _STATUS_ORDER[kv[0][1]])):
        held = status == "held"
        foot = lane + 0.42
        vertices: list[tuple[float, float]] = []
        for day, n in points:
            width = ((_bucket_end(day, data.grain) - day).days + 1) * (0.9 if held else 0.7)
            left = _x(day) + (0.0 if held else width * 0.1)
            top = foot - n * scale  # upwards: the y axis runs top to bottom
            vertices += [(left, foot), (left, top), (left + width, top), (left + width, foot), (left, foot)]
        # A series is one path of closed rectangles: ax.bar made a patch a bar, and even a polygon
        # collection made a path a bar, whose building and drawing took most of the time at 1M.
        codes = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY] * len(points)
        colour = lane_colour(lane)
        ax.add_collection(
            PathCollection(
                [Path(vertices, codes)],
                facecolors=colour if held else "none",
                edgecolors="none" if held else INK,
                linewidths=0 if held else 0.9,
                linestyles="solid" if status != "planned" else [PLANNED_DASH],
                alpha=0.85 if held else 1.0,
                zorder=3 if held else 4,
                label=f"{lane} {status}",
                gid="bars",
            ),
            autolim=False,
        )
    ax.text(
        1.0,
        1.0,
        f"tallest bar: {most:,} contacts a {data.grain}",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=9.5,
        color=MUTED,
        gid="scale",
    )


_STATUS_ORDER = {"held": 0, "declined": 1, "planned": 2}


def _draw_order(item: tuple[tuple[str, str], list[Mark]]) -> tuple[int, str]:
    (kind, status), _marks = item
    return ({"held": 0, "planned": 1, "declined": 2}.get(status, 3), kind)


def _gaps(ax: Axes, data: TimelineData, size: Size, width: float) -> None:
    """A bracket over each labelled gap with its length; the longest on each lane always, the next
    ones when there is room for their label."""
    shown: dict[int, list[tuple[float, float]]] = {}
    for gap in data.gaps:
        placed = shown.setdefault(gap.lane, [])
        if len(placed) >= size.gaps_per_lane or gap.days < 2:
            continue
        a, b = _x(gap.start), _x(gap.end)
        if placed and ((b - a) < width * 0.09 or any(a < q and b > p for p, q in placed)):
            continue
        placed.append((a, b))
        y = gap.lane - 0.34
        colour = _label_colour(gap.lane)
        ax.plot([a, a, b, b], [y + 0.1, y, y, y + 0.1], color=colour, linewidth=1.1, alpha=0.8, zorder=2)
        ax.text(
            (a + b) / 2,
            y - 0.03,
            f"{gap.days:,} days",
            ha="center",
            va="bottom",
            fontsize=size.small_pt,
            color=colour,
            fontweight="bold",
            zorder=6,
            gid="gap",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        )


def _latest(ax: Axes, data: TimelineData, size: Size) -> None:
    """A ring around the latest held contact, tagged "latest" just under it; the header says what
    it was (a longer text here would run into the next lane's gap labels)."""
    latest = data.latest
    if latest is None:
        return
    start = bucket_start(latest.day, data.grain)
    x = _x(start) + _shift(data.grain, start)
    ring = marker_area(1, size) * 3.0
    ax.scatter([x], [latest.lane], s=ring, marker="o", c="none", edgecolors=INK, linewidths=1.4, zorder=5)
    ax.annotate(
        "latest",
        xy=(x, latest.lane),
        xytext=(0, -(math.sqrt(ring) / 2 + 1)),
        textcoords="offset points",
        ha="center",
        va="top",
        fontsize=size.small_pt - 0.5,
        color=INK,
        fontweight="bold",
        zorder=7,
        gid="latest",
    )


def _axis(ax: Axes, first: dt.date, last: dt.date) -> None:
    from matplotlib import dates

    locator = dates.AutoDateLocator(minticks=4, maxticks=9)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator, show_offset=False))  # type: ignore[no-untyped-call]
    ax.grid(axis="x", color="#e2e2e2", linewidth=0.8, zorder=0)
    ax.set_axisbelow(True)
    ax.tick_params(axis="x", length=4)


def _legend(figure: Figure, ax: Axes, data: TimelineData, size: Size, dense: bool, top: float) -> None:
    """Under the dates: the kinds' shapes, the statuses' rings and, when marks stand for several
    contacts, what their sizes mean."""
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D

    handles: list[Artist] = []
    per = f"a {data.grain}"
    for what, name in _legend_entries(data):
        if what == "kind":
            marker = MARKERS.get(name, OTHER_MARKER)
            area = marker_area(1, size) * MARKER_SCALE.get(marker, 1.0)
            handles.append(
                Line2D([], [], linestyle="", marker=marker, markersize=math.sqrt(area), color="#555555", label=name)
            )
        elif what == "status":
            # An invisible scatter of one ring: the legend draws it with its solid or dashed edge.
            handles.append(
                ax.scatter(
                    [math.nan],
                    [math.nan],
                    s=marker_area(1, size),
                    marker="o",
                    c="white",
                    edgecolors="#555555",
                    linewidths=1.7,
                    linestyles="solid" if name == "declined" else PLANNED_DASH,
                    label=name,
                )
            )
        elif what == "bars":
            from matplotlib.patches import Patch

            held = name == "held"
            handles.append(
                Patch(
                    facecolor="#777777" if held else "white",
                    edgecolor="none" if held else INK,
                    linestyle="solid" if name != "planned" else PLANNED_DASH,
                    label=f"{name} contacts a {data.grain}" if held else name,
                )
            )
        else:
            count = int(name)
            area = marker_area(count, size)
            label = f"{count:,} {per}" if count == 1 else f"{count:,}"
            handles.append(
                Line2D([], [], linestyle="", marker="o", markersize=math.sqrt(area), color="#b5b5b5", label=label)
            )
    if handles:
        figure.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, top - size.axis / figure.get_figheight()),
            ncols=min(len(handles), _legend_columns(size)),
            frameon=False,
            fontsize=size.small_pt,
            handletextpad=0.3,
            columnspacing=1.3,
            borderaxespad=0.0,
            borderpad=0.2,
        )


def _kind_order(kind: str) -> tuple[int, str]:
    order: Sequence[str] = tuple(MARKERS)
    return (order.index(kind) if kind in order else len(order), kind)
