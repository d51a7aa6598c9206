"""Structural checks of the layout that fail on a regression whatever the wording: a digest of the
November 2022 fortnight fits one Discord page; no /lastcall states the same earlier contact twice;
no summary is cut inside a word; lists are paged by one balanced rule; every page of a list says its
total and its page, on every platform; ages read as people say them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.discord import render as discord_render
from bot.slack import render as slack_render
from commands.common import SUMMARY_CHARS, age, truncate
from commands.context import Caller, CoreSettings, Ctx, FixedClock
from commands.lastcall import derived_context
from commands.paging import MOST_PER_PAGE, page_sizes, paginate
from commands.platform import PLAIN
from commands.reply import Code, Field, Line, Page, Reply, When, line, plain, render_text
from storage.sqlite.store import SqliteStore
from tests.discord.fake.limits import check_message
from tests.slack.fake.blocks import check_message as check_slack_message
from tools.gallery import BY_NAME, LATE_2026, PLATFORMS, WS, run

# -- paging -------------------------------------------------------------------------------------------


def test_thirty_three_items_make_three_pages_of_eleven() -> None:
    assert page_sizes(33) == [11, 11, 11]
    assert page_sizes(13) == [7, 6]
    assert page_sizes(12) == [12]
    assert page_sizes(0) == []


@pytest.mark.parametrize("total", range(1, 201))
def test_page_sizes_are_balanced_for_every_count_up_to_200(total: int) -> None:
    sizes = page_sizes(total)
    assert sum(sizes) == total
    assert len(sizes) == -(-total // MOST_PER_PAGE)  # the fewest pages that hold them
    assert max(sizes) <= MOST_PER_PAGE and max(sizes) - min(sizes) <= 1
    assert sizes == sorted(sizes, reverse=True)  # the larger pages first
    if len(sizes) > 1:
        assert min(sizes) >= MOST_PER_PAGE // 2  # never a stray last page


@given(st.lists(st.integers(), max_size=300), st.integers(min_value=1, max_value=40))
@settings(max_examples=200, deadline=None)
def test_paginate_keeps_every_item_in_order(items: list[int], most: int) -> None:
    pages = paginate(items, most)
    assert [x for page in pages for x in page] == items
    assert all(0 < len(page) <= most for page in pages)


def test_a_page_size_rule_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        page_sizes(-1)
    with pytest.raises(ValueError):
        page_sizes(3, most=0)


def paged(count: int) -> Reply:
    items = [Field(line(f"#{i}"), (line(When(dt.date(2022, 1, 1) + dt.timedelta(days=i))),)) for i in range(count)]
    return Reply(
        title=line("Items"),
        lines=[line("Opening words.")],
        pages=[Page(fields=tuple(chunk)) for chunk in paginate(items)],
        footer=line(f"{count} items"),
    )


@pytest.mark.parametrize("count", [1, 12, 13, 33, 50])
def test_the_commands_pages_are_the_pages_every_platform_shows(count: int) -> None:
    reply = paged(count)
    expected = page_sizes(count)
    embeds = discord_render.render(reply)
    messages = slack_render.render(reply, token="t1")
    text = render_text(reply)
    assert [len(e.fields) for e in embeds] == expected
    assert len(messages) == len(expected)
    for i, (embed, message) in enumerate(zip(embeds, messages, strict=True)):
        mark = f" · page {i + 1}/{len(expected)}" if len(expected) > 1 else ""
        assert embed.footer.text == f"{count} items{mark}"
        assert message.blocks[-2 if len(expected) > 1 else -1]["elements"][0]["text"] == f"{count} items{mark}"
        assert check_message({"embeds": [embed.to_dict()]}, require_content=False) == []
        assert check_slack_message(message.as_args()) == []
        # The reply's own lines open the first page only.
        assert ("Opening words." in (embed.description or "")) == (i == 0)
    assert text.count(f"{count} items") == len(expected)


def test_code_is_code_where_the_platform_has_it() -> None:
    reply = Reply(title=line("Help"), lines=[line(Code("/event list [since]"), " — events")])
    assert discord_render.render(reply)[0].description == "`/event list [since]` — events"
    assert slack_render.render(reply)[0].blocks[1]["text"]["text"] == "`/event list [since]` — events"
    assert render_text(reply) == "Help\n/event list [since] — events"


# -- summaries cut at a word ---------------------------------------------------------------------------


@given(st.text(alphabet=st.sampled_from("ab cdé,.;—-"), max_size=400), st.integers(min_value=2, max_value=300))
@settings(max_examples=300, deadline=None)
def test_a_summary_is_cut_at_a_word(text: str, limit: int) -> None:
    whole = " ".join(text.split())
    cut = truncate(text, limit)
    assert len(cut) <= max(limit, 1)
    if not cut.endswith("…") or len(whole) <= limit:
        assert cut == whole
        return
    kept = cut[:-1]
    assert whole.startswith(kept)
    if " " in whole[: limit - 1]:
        # What follows the kept words starts a new word (after any punctuation the cut dropped).
        rest = whole[len(kept) :]
        assert rest[:1] in (" ", ",", ";", ":", ".", "–", "—", "-")
        assert rest.lstrip(" ,;:.–—-")[:1] != "" or rest.strip(" ,;:.–—-") == ""


async def test_no_summary_in_the_event_list_is_cut_inside_a_word(gallery_sample: SqliteStore) -> None:
    store, clock = gallery_sample, FixedClock(LATE_2026)
    reply = await run(store, clock, "/event list")
    events, _ = await store.list_events(WS, limit=50)
    summaries = {e.id: " ".join((e.summary or "").split()) for e in events}
    checked = 0
    for page in reply.pages:
        for item in page.fields:
            number = int(re.match(r"#(\d+)", plain(item.name)).group(1))  # type: ignore[union-attr]
            shown = plain(item.value[0]).split(" — ", 1)[1]
            full = summaries[number]
            if shown.endswith("…"):
                kept = shown[:-1]
                assert full.startswith(kept) and not full[len(kept)].isalnum(), (number, shown)
                assert len(shown) <= SUMMARY_CHARS
                checked += 1
            else:
                assert shown == full
    assert checked > 20  # most sample summaries are longer than a list shows


# -- the digest fits one page ----------------------------------------------------------------------


async def test_the_digest_of_the_november_2022_fortnight_is_one_discord_page(gallery_sample: SqliteStore) -> None:
    shown = BY_NAME["digest-fortnight"]
    store, clock = gallery_sample, FixedClock(shown.at)
    reply = await run(store, clock, shown.command, PLATFORMS["discord"])
    embeds = discord_render.render(reply)
    assert len(embeds) == 1
    assert check_message({"embeds": [embeds[0].to_dict()]}, require_content=False) == []
    assert len(embeds[0]) < 2000  # a briefing, not a wall: well under Discord's 6000
    slack = slack_render.render(reply)
    assert len(slack) == 1 and check_slack_message(slack[0].as_args()) == []


async def test_the_busy_month_leads_with_what_changed(gallery_sample: SqliteStore) -> None:
    shown = BY_NAME["digest-busy-month"]
    store, clock = gallery_sample, FixedClock(shown.at)
    text = render_text(await run(store, clock, shown.command))
    lines = text.splitlines()
    assert lines[1].startswith("2 contacts; the most senior: leaders meeting, Biden ↔ Xi Jinping")
    assert lines[2].startswith("Silence broken: ") and lines[3].startswith("No contact for over 90 days: ")
    assert "economic for 148 days" in lines[3]
    # Contacts newest first; each side's issues on one line per contact; no section per issue.
    assert text.index("Austin ↔ Wei Fenghe") < text.index("Biden ↔ Xi Jinping\n")
    assert text.count("US raised:") == 2 and "Concerns:" not in text


# -- /lastcall states each fact once ---------------------------------------------------------------


def _earlier_ids(lines: list[Line]) -> list[str]:
    """The earlier contacts (#id) that the "what it means" lines point at, refused ones included."""
    return [m for ln in lines for m in re.findall(r"#\d+", plain(ln))]


async def test_no_lastcall_points_at_the_same_earlier_contact_twice(gallery_sample: SqliteStore) -> None:
    store, clock = gallery_sample, FixedClock(LATE_2026)
    events, _ = await store.list_events(WS, limit=200)
    assert len(events) == 113
    ctx = Ctx(store, Caller(WS, "u1", "Ann Analyst", True), clock, CoreSettings(), PLAIN)
    merged = 0
    for event in events:
        lines = await derived_context(ctx, event)
        texts = [plain(ln) for ln in lines]
        ids = _earlier_ids(lines)
        assert len(ids) == len(set(ids)), (event.id, texts)
        assert sum(t.startswith("first recorded") for t in texts) <= 1, (event.id, texts)
        # Every earlier contact line names its contact: a previous one, or one that did not take place.
        told = [t for t in texts if t.startswith(("previous", "latest held", "  "))]
        assert all(re.search(r"#\d+$", t) for t in told), (event.id, texts)
        merged += any(", between their offices and on the" in t for t in texts)
    assert merged > 30  # the usual case: the people's previous contact is their offices' and the track's
    for name in ("lastcall", "lastcall-track-defense", "lastcall-with-austin", "lastcall-with-wang-yi"):
        reply = await run(store, clock, BY_NAME[name].command)
        means = next(f for f in reply.fields if plain(f.name) == "What it means")
        ids = _earlier_ids(list(means.value))
        assert len(ids) == len(set(ids)), (name, [plain(v) for v in means.value])
        assert plain(means.value[0]).startswith("previous contact between ")


async def test_lastcall_titles_name_nobody_twice_and_nest_no_brackets(gallery_sample: SqliteStore) -> None:
    store, clock = gallery_sample, FixedClock(LATE_2026)
    austin = render_text(await run(store, clock, "/lastcall with:austin"))
    wang = render_text(await run(store, clock, '/lastcall with:"wang yi"'))
    defense = render_text(await run(store, clock, "/lastcall track:defense"))
    assert austin.splitlines()[0] == "Latest contact with Lloyd J. Austin III: meeting with Dong Jun"
    assert wang.splitlines()[0] == "Latest contact with Wang Yi: meeting with Marco Rubio"
    for text in (austin, wang, defense):
        assert not re.search(r"\([^()]*\(", text.split("\nSources\n")[0]), text  # no "(… (…))"


# -- dates and ages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (0, "today"),
        (1, "yesterday"),
        (-1, "tomorrow"),
        (9, "9 days ago"),
        (20, "3 weeks ago"),
        (-20, "in 3 weeks"),
        (201, "6 months ago"),
        (396, "13 months ago"),
        (914, "2½ years ago"),
        (1470, "4 years ago"),
        (2200, "6 years ago"),
    ],
)
def test_ages_are_rounded_as_people_say_them(days: int, said: str) -> None:
    today = dt.date(2026, 12, 1)
    assert age(today - dt.timedelta(days=days), today) == said


async def test_no_reply_heading_counts_days_ago(gallery_sample: SqliteStore) -> None:
    store, clock = gallery_sample, FixedClock(LATE_2026)
    for name in ("event-list", "positions-taiwan", "lastcall", "digest-quiet-week"):
        text = render_text(await run(store, clock, BY_NAME[name].command))
        assert not re.search(r"\d{3,} days ago", text), name
        assert not re.search(r"\b20\d\d-\d\d-\d\d \(", text), name  # no ISO date with an age


# -- each side's words at a contact; how a platform types commands ---------------------------------


async def test_a_digest_block_gives_each_sides_words_at_the_contact(gallery_sample: SqliteStore) -> None:
    store, clock = gallery_sample, FixedClock(BY_NAME["digest-fortnight"].at)
    await run(store, clock, '/concern add issue:taiwan side:china event:43 by:"Wei Fenghe" text:"Taiwan is ours."')
    await run(store, clock, '/concern add issue:taiwan side:us event:43 text:"Peace across the Strait."')
    text = render_text(await run(store, clock, "/digest preview days:14"))
    block = text[text.index("\nAustin ↔ Wei Fenghe\n") :]
    assert "  China raised: Taiwan\n  US: “Peace across the Strait.”\n  China — Wei Fenghe: “Taiwan is ours.”" in block
    assert "Stated positions" not in text  # words said at a contact shown stay in its block


def test_a_platform_says_how_its_commands_are_typed() -> None:
    slack = PLATFORMS["slack"]
    assert PLAIN.usage("event add") == "/event add" and PLAIN.usage("hotline help") == "/hotline help"
    assert slack.usage("event add") == "/hotline event add" and slack.usage("lastcall") == "/lastcall"
    assert slack.usage("hotline help") == "/hotline help" and slack.usage("hotline") == "/hotline"
