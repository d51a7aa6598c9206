"""charts/timeline.py: the PNG is valid, of the expected size, not blank, and the figure holds the
lanes, gap labels, latest-contact tag and hollow marks the data calls for."""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import subprocess
import sys
import zlib
from typing import Any

import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from PIL import Image as PILImage
from PIL import ImageStat

from charts.timeline import FULL, SMALL, Gap, Latest, Mark, TimelineData, build_figure, pixel_size, render_png

D = dt.date


def png_facts(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR, after checking its signature and the chunk's CRC."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    body = png[16 : 16 + length]
    (crc,) = struct.unpack(">I", png[16 + length : 20 + length])
    assert zlib.crc32(kind + body) == crc
    width, height = struct.unpack(">II", body[:8])
    return width, height


def check_png(png: bytes, data: TimelineData, size: object = FULL) -> None:
    assert png_facts(png) == pixel_size(data, size)  # type: ignore[arg-type]
    picture = PILImage.open(io.BytesIO(png))
    picture.load()  # decodes every row: a truncated or corrupt file fails here
    assert picture.size == pixel_size(data, size)  # type: ignore[arg-type]
    grey = picture.convert("L")
    assert ImageStat.Stat(grey).var[0] > 200, "the picture is (nearly) blank"


def texts(figure: Figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]  # type: ignore[attr-defined]


def by_gid(figure: Figure, gid: str) -> list[str]:
    return [a.get_text() for a in figure.findobj(lambda a: a.get_gid() == gid)]  # type: ignore[attr-defined]


def sample_data() -> TimelineData:
    marks = (
        Mark(0, D(2020, 8, 6), "call", "held", 1),
        Mark(0, D(2021, 5, 12), "request", "declined", 1),
        Mark(0, D(2022, 4, 20), "call", "held", 1),
        Mark(0, D(2023, 1, 10), "meeting", "planned", 1),
        Mark(1, D(2021, 3, 18), "meeting", "held", 1),
        Mark(1, D(2021, 10, 31), "meeting", "held", 1),
    )
    return TimelineData(
        title="Contacts by track, 2020-08-06 to 2023-01-10",
        subtitle="6 contacts",
        lanes=("defense", "diplomatic"),
        marks=marks,
        gaps=(Gap(0, D(2020, 8, 6), D(2022, 4, 20)), Gap(1, D(2021, 3, 18), D(2021, 10, 31))),
        latest=Latest(0, D(2022, 4, 20), "call · Lloyd J. Austin III ↔ Wei Fenghe"),
    )


def test_a_timeline_png_is_valid_sized_and_drawn() -> None:
    data = sample_data()
    png = render_png(data)
    check_png(png, data)
    assert pixel_size(data)[0] == 1000


def test_two_renders_of_the_same_data_are_the_same_bytes() -> None:
    data = sample_data()
    first = render_png(data)
    assert render_png(data) == first
    assert b"Software" not in first and b"matplotlib" not in first.lower()


def test_the_figure_holds_lanes_gaps_latest_and_hollow_declined_marks() -> None:
    data = sample_data()
    figure = build_figure(data)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["defense", "diplomatic"]
    assert sorted(by_gid(figure, "gap")) == ["227 days", "622 days"]
    assert by_gid(figure, "latest") == ["latest"]
    assert any("Latest (ringed): 2022-04-20 · call · Lloyd J. Austin III ↔ Wei Fenghe" in t for t in texts(figure))
    assert by_gid(figure, "title") == ["Contacts by track, 2020-08-06 to 2023-01-10"]
    scatters: dict[str, Any] = {str(c.get_label()): c for c in ax.collections if isinstance(c, PathCollection)}
    declined = scatters["request declined"]
    assert (declined.get_facecolors()[:, :3] == 1.0).all(), "a declined request is hollow (white inside)"
    assert declined.get_edgecolors()[0][:3].tolist() != [1.0, 1.0, 1.0]
    planned = scatters["meeting planned"]
    assert (planned.get_facecolors()[:, :3] == 1.0).all()
    _offset, dashes = planned.get_linestyles()[0]
    assert dashes is not None and len(dashes) == 2, "a planned contact's edge is dashed"
    held = scatters["call held"]
    assert len(held.get_offsets()) == 2 and held.get_facecolors()[0][:3].tolist() != [1.0, 1.0, 1.0]
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["call", "meeting", "request", "declined", "planned"]


def test_no_contacts_draws_an_empty_picture_that_says_so() -> None:
    data = TimelineData("Contacts by track", "0 contacts", (), ())
    png = render_png(data)
    check_png(png, data)
    assert "No contacts recorded for this selection" in texts(build_figure(data))


def test_one_contact() -> None:
    data = TimelineData(
        "One",
        "1 contact",
        ("leaders",),
        (Mark(0, D(2021, 11, 15), "summit", "held", 1),),
        latest=Latest(0, D(2021, 11, 15), "summit · Biden ↔ Xi"),
    )
    png = render_png(data)
    check_png(png, data)
    figure = build_figure(data)
    assert by_gid(figure, "gap") == [] and by_gid(figure, "latest") == ["latest"]


def bars(figure: Figure) -> dict[str, Any]:
    return {str(c.get_label()): c for c in figure.axes[0].collections if c.get_gid() == "bars"}


def test_a_thousand_contacts_on_one_day_are_bars_of_their_counts() -> None:
    day = D(2022, 8, 2)
    marks = (
        Mark(0, day, "call", "held", 600),
        Mark(0, day, "meeting", "held", 400),
        Mark(0, day, "request", "declined", 25),
        Mark(1, day, "call", "held", 1),
    )
    data = TimelineData("Busy day", "1,026 contacts", ("diplomatic", "defense"), marks)
    png = render_png(data)
    check_png(png, data)
    figure = build_figure(data)
    drawn = bars(figure)
    assert set(drawn) == {"0 held", "0 declined", "1 held"}

    def height(label: str) -> float:
        (shape,) = drawn[label].get_paths()
        ys = shape.vertices[:, 1]
        return float(ys.max() - ys.min())

    # The kinds of a day are summed; the tallest bar (1,000) fills 0.8 of a lane, the others in proportion.
    assert height("0 held") == pytest.approx(0.8)
    assert height("0 declined") == pytest.approx(0.8 * 25 / 1000)
    assert height("1 held") == pytest.approx(0.8 / 1000)
    assert (drawn["0 declined"].get_facecolor()[:, 3] == 0).all(), "declined bars are outlines"
    assert by_gid(figure, "scale") == ["tallest bar: 1,000 contacts a day"]
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["held contacts a day", "declined"]


def test_thirty_years_by_month_stay_quick_and_readable() -> None:
    r = random.Random(7)
    lanes = ("leaders", "diplomatic", "defense", "economic", "climate", "other")
    marks = []
    month = D(1996, 7, 1)
    while month <= D(2026, 6, 1):
        for lane in range(len(lanes)):
            for kind in ("call", "meeting", "video", "talks"):
                marks.append(Mark(lane, month, kind, "held", r.randint(1, 3000)))
            marks.append(Mark(lane, month, "request", "declined", r.randint(1, 30)))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    gaps = tuple(Gap(i, D(2001, 1, 1), D(2001, 2, 1)) for i in range(len(lanes)))
    data = TimelineData("Thirty years", "millions", lanes, tuple(marks), gaps, grain="month")
    png = render_png(data)
    check_png(png, data)
    figure = build_figure(data)
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert 4 <= len([t for t in ticks if t]) <= 10, ticks
    assert set(bars(figure)) == {f"{lane} {status}" for lane in range(len(lanes)) for status in ("held", "declined")}
    assert sorted(by_gid(figure, "gap")) == ["31 days"] * len(lanes)


def test_the_digest_size_is_narrower() -> None:
    data = sample_data()
    png = render_png(data, SMALL)
    check_png(png, data, SMALL)
    assert png_facts(png)[0] == 800


def test_long_titles_wrap_and_make_the_header_taller() -> None:
    short = sample_data()
    long = TimelineData(
        "Contacts by pair of offices · with Antony Blinken · on Taiwan, 2021-02-05 to 2022-09-23",
        short.subtitle,
        short.lanes,
        short.marks,
    )
    assert pixel_size(long)[1] > pixel_size(TimelineData("Short", short.subtitle, short.lanes, short.marks))[1]
    assert "\n" in by_gid(build_figure(long), "title")[0]


@pytest.mark.parametrize(
    "module",
    [
        "commands.surface",
        "commands.digest",
        "commands.timeline",
        "bot.console",
        "bot.__main__",
        "bot.attachments",
        "storage.sqlite.store",
        "charts.timeline",
        "charts.drawer",
        "charts.process",
        "bot.runtime.service",
    ],
)
def test_importing_the_bot_does_not_load_matplotlib(module: str) -> None:
    code = f"import sys, {module}; print('matplotlib' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["False", "False"]
