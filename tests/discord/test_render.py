"""Reply -> embeds: Discord's limits always hold, nothing is lost, user text stays inert."""

from __future__ import annotations

import datetime as dt
import re

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.discord.render import (
    BLANK,
    allowed_mentions,
    day_timestamp,
    error_embed,
    escape_all,
    escape_user_text,
    ping_content,
    render,
    render_line,
)
from commands.reply import At, Field, Link, Ref, Reply, Span, UserText, When, line
from tests.discord.fake.limits import check_message

DAY = dt.date(2022, 4, 20)
TS = day_timestamp(DAY)


def ok(embeds: list[discord.Embed]) -> None:
    """Each page, sent as its own message, passes the checks Discord makes."""
    for e in embeds:
        problems = check_message({"embeds": [e.to_dict()]})
        assert not problems, problems


def test_a_date_is_a_discord_timestamp_at_noon_utc_so_every_reader_sees_the_same_day() -> None:
    assert int(dt.datetime(2022, 4, 20, 12, tzinfo=dt.UTC).timestamp()) == TS
    # The reader's own locale and zone, then the command's age in words (rounded as on every platform).
    assert render_line(line("On ", When(DAY, "yesterday"))) == f"On <t:{TS}:D> (yesterday)"
    assert render_line(line(When(DAY))) == f"<t:{TS}:D>"
    assert render_line(line(When(dt.date(1969, 12, 31), "long ago"))) == "Dec 31, 1969 (long ago)"
    # Titles and field names do not render timestamps: they get the fixed style.
    assert render_line(line(When(DAY, "yesterday")), "heading") == "Apr 20, 2022 (yesterday)"


def test_user_text_cannot_mention_format_or_inject_markup() -> None:
    text = escape_user_text("@everyone **bold** <@&123456789012345678> <t:1:R>\n# heading\n1. list")
    assert "@everyone" not in text and "@\u200beveryone" in text
    assert "\\*\\*bold\\*\\*" in text
    assert re.search(r"(?<!\\)<", text) is None  # an unescaped <@&…> or <t:…> tag would render
    assert "\\<@\u200b&123456789012345678>" in text
    assert "\\# heading" in text
    assert "1\\. list" in text


@settings(max_examples=3000, derandomize=True)
@given(
    st.text(alphabet=st.sampled_from("ab 1.-_*~|`>[]()#@<:/\\\n\r\t\u2028é")) | st.text(),
)
def test_the_fast_path_of_escaping_changes_nothing_the_full_escape_would_change(text: str) -> None:
    # escape_user_text skips the regexes for text with nothing to escape; it must agree with them.
    assert escape_user_text(text) == escape_all(text)


def test_plain_strings_from_commands_are_not_escaped_but_user_text_is() -> None:
    assert render_line(line("Event #4 · ", UserText("a_b_c"))) == "Event #4 · a\\_b\\_c"


def test_instants_and_references_render_as_discord_tags_that_ping_nobody() -> None:
    moment = dt.datetime(2022, 4, 22, 12, 30, tzinfo=dt.UTC)
    ts = int(moment.timestamp())
    assert render_line(line("Next: ", At(moment))) == f"Next: <t:{ts}:f>"
    assert render_line(line(At(moment)), "heading") == "Apr 22, 2022 12:30 UTC"
    channel, role = Ref("channel", "123456789012345678"), Ref("role", "223456789012345678")
    assert render_line(line(channel, " ", role)) == "<#123456789012345678> <@&223456789012345678>"
    # Titles do not render mentions: the console's form.
    assert render_line(line("Subscribed ", channel), "heading") == "Subscribed #123456789012345678"
    # An id that is not a snowflake is text, never markup.
    assert render_line(line(Ref("channel", "<#1>"))) == "\\#\\<#1>"


def test_links_are_masked_with_their_label_or_host_and_survive_parentheses() -> None:
    assert render_line(line(Link("https://www.defense.gov/x_(y)", None))) == (
        "[defense.gov](https://www.defense.gov/x_%28y%29)"
    )
    assert render_line(line(Link("https://a.example/", "US [readout]"))) == ("[US \\[readout\\]](https://a.example/)")
    assert render_line(line(Link("https://a.example/", "readout")), "heading") == "readout"


def test_a_short_reply_is_one_page_with_no_page_mark() -> None:
    reply = Reply(
        title=line("Latest contact"),
        lines=[line("On ", When(DAY, "yesterday"))],
        fields=[Field(line("US"), (line("Lloyd J. Austin III"),), inline=True)],
        footer=line("Event #4"),
    )
    [embed] = render(reply)
    assert embed.title == "Latest contact"
    assert embed.footer.text == "Event #4"
    assert [(f.name, f.value, f.inline) for f in embed.fields] == [("US", "Lloyd J. Austin III", True)]
    ok([embed])


def test_more_than_25_fields_go_onto_pages_in_order() -> None:
    reply = Reply(title=line("Events"), fields=[Field(line(f"#{i}"), (line(f"event {i}"),)) for i in range(60)])
    pages = render(reply)
    ok(pages)
    assert len(pages) == 3
    assert [f.name for p in pages for f in p.fields] == [f"#{i}" for i in range(60)]
    assert all(p.title == "Events" for p in pages)
    assert [p.footer.text for p in pages] == ["page 1/3", "page 2/3", "page 3/3"]


def test_a_long_field_value_is_continued_not_cut() -> None:
    words = [f"w{i}" for i in range(700)]  # ~3500 characters
    reply = Reply(title=line("T"), fields=[Field(line("Summary"), (line(" ".join(words)),))])
    [page] = render(reply)
    ok([page])
    assert [f.name for f in page.fields] == [
        "Summary",
        "Summary (continued)",
        "Summary (continued)",
        "Summary (continued)",
    ]
    assert " ".join(str(f.value) for f in page.fields).split() == words


def test_a_long_description_is_split_across_pages_at_spaces() -> None:
    words = [f"word{i}" for i in range(3000)]  # ~27000 characters
    pages = render(Reply(title=line("T"), lines=[line(" ".join(words))]))
    ok(pages)
    assert len(pages) >= 7
    assert " ".join(p.description or "" for p in pages).split() == words


def test_links_and_timestamps_are_never_split() -> None:
    spans: list[Span] = []
    for i in range(300):
        spans += [Link(f"https://example.org/readout/{i}", f"readout number {i}"), " and ", When(DAY), " "]
    pages = render(Reply(title=line("T"), lines=[line(*spans)], fields=[Field(line("F"), (line(*spans),))]))
    ok(pages)
    text = "\n".join((p.description or "") + "".join(str(f.value) for f in p.fields) for p in pages)
    assert len(re.findall(r"\[readout number \d+\]\(https://example\.org/readout/\d+\)", text)) == 600
    assert text.count(f"<t:{TS}:D>") == 600


def test_a_title_over_256_characters_is_shortened_and_shown_in_full_below() -> None:
    title = "T" * 300
    [page] = render(Reply(title=line(title)))
    ok([page])
    assert page.title is not None and len(page.title) == 256 and page.title.endswith("…")
    assert title in (page.description or "")


def test_a_field_name_over_256_characters_is_shortened_and_its_full_text_opens_the_value() -> None:
    name = "N" * 300
    [page] = render(Reply(title=line("T"), fields=[Field(line(name), (line("v"),))]))
    ok([page])
    assert len(page.fields[0].name or "") == 256
    assert (page.fields[0].value or "").startswith(name)


def test_empty_field_names_and_values_become_blank_rather_than_rejected() -> None:
    [page] = render(Reply(title=line("T"), fields=[Field((), ())]))
    ok([page])
    assert page.fields[0].name == BLANK and page.fields[0].value == BLANK


def test_only_a_digest_may_ping_and_only_its_role() -> None:
    nobody: dict[str, object] = dict(allowed_mentions(Reply(title=line("x"))).to_dict())
    assert nobody == {"parse": []}
    reply = Reply(title=line("Digest"), ping_role="123456789012345678")
    digest: dict[str, object] = dict(allowed_mentions(reply).to_dict())
    assert digest == {"parse": [], "roles": [123456789012345678]}
    assert ping_content(reply) == "<@&123456789012345678>"


def test_an_error_quoting_user_input_is_escaped() -> None:
    embed = error_embed("date: '@everyone' is not a date")
    assert "@\u200beveryone" in (embed.description or "")


words = st.text(alphabet="abcxyz019", min_size=1, max_size=30)
text_lines = st.lists(words, min_size=0, max_size=400).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(alphabet="ab ", min_size=1, max_size=400),
    lines=st.lists(text_lines, max_size=12),
    fields=st.lists(st.tuples(words, st.lists(text_lines, max_size=4)), max_size=40),
    footer=st.one_of(st.text(alphabet="ab ", max_size=100), st.text(alphabet="ab ", min_size=2000, max_size=2100)),
)
def test_any_reply_fits_discord_and_loses_no_word(
    title: str, lines: list[str], fields: list[tuple[str, list[str]]], footer: str
) -> None:
    reply = Reply(
        title=line(title),
        lines=[line(x) for x in lines],
        fields=[Field(line(n), tuple(line(v) for v in vs)) for n, vs in fields],
        footer=line(footer) if footer else None,
    )
    pages = render(reply)
    ok(pages)
    shown_values = " ".join(str(f.value) for p in pages for f in p.fields).replace(BLANK, " ").split()
    assert shown_values == " ".join(v for _, vs in fields for v in vs).split()
    # The description holds the lines, preceded by the full title if it was too long for the title
    # and followed by the full footer if it was too long for the footer.
    expected = (title.split() if len(title.strip()) > 256 else []) + " ".join(lines).split()
    expected += footer.split() if len(footer.strip()) > 2048 - 24 else []
    shown = " ".join(p.description or "" for p in pages).replace("**", " ").replace(BLANK, " ")
    assert shown.split() == expected
    assert all(p.title == pages[0].title for p in pages)
