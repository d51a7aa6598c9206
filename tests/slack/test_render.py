"""Reply -> Slack messages: Slack's limits always hold, nothing is lost, user text stays inert."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.render import (
    ACTION_CANCEL,
    ACTION_CONFIRM,
    ACTION_PAGE_NEXT,
    ACTION_PAGE_PREVIOUS,
    ACTIONS_BLOCK,
    FALLBACK_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_FIELDS_MAX,
    ZWSP,
    SlackMessage,
    day_timestamp,
    error_message,
    escape_user_text,
    parse_page_value,
    ping_text,
    render,
    render_line,
)
from commands.reply import At, Confirm, Field, Link, Ref, Reply, Span, UserText, When, line
from tests.slack.fake.blocks import check_message

DAY = dt.date(2022, 4, 20)
TS = day_timestamp(DAY)


def ok(pages: list[SlackMessage]) -> None:
    """Each page, posted as its own message, passes the checks the fake Slack makes."""
    for page in pages:
        problems = check_message(page.as_args())
        assert not problems, problems
        assert len(page.blocks) <= MESSAGE_BLOCKS_MAX


def texts(pages: list[SlackMessage]) -> list[str]:
    """Every text a reader could see (blocks and notification), as Slack receives them."""
    out: list[str] = []
    for page in pages:
        out.append(page.text)
        for block in page.blocks:
            if "text" in block:
                out.append(block["text"]["text"])
            out.extend(f["text"] for f in block.get("fields", []))
            out.extend(e["text"] for e in block.get("elements", []) if "text" in e and isinstance(e["text"], str))
    return out


def shown_words(pages: list[SlackMessage]) -> list[str]:
    """The words of the section texts, in order, without the renderer's bold and continuation marks."""
    words: list[str] = []
    for page in pages:
        for block in page.blocks:
            if block["type"] != "section":
                continue
            parts = [block["text"]["text"]] if "text" in block else [f["text"] for f in block["fields"]]
            for part in parts:
                words.extend(part.replace("*", " ").replace(" (continued)", " ").replace(ZWSP, " ").split())
    return words


def test_a_date_is_a_slack_date_at_noon_utc_with_the_fixed_style_as_fallback() -> None:
    assert int(dt.datetime(2022, 4, 20, 12, tzinfo=dt.UTC).timestamp()) == TS
    # The reader's own locale and zone ({date_short}), then the command's age in words.
    assert (
        render_line(line("On ", When(DAY, "yesterday"))) == f"On <!date^{TS}^{{date_short}}|Apr 20, 2022> (yesterday)"
    )
    assert render_line(line(When(DAY))) == f"<!date^{TS}^{{date_short}}|Apr 20, 2022>"
    assert render_line(line(When(dt.date(1969, 12, 31), "long ago"))) == "Dec 31, 1969 (long ago)"
    assert render_line(line(When(DAY, "yesterday")), "heading") == "Apr 20, 2022 (yesterday)"
    moment = dt.datetime(2022, 4, 22, 12, 30, tzinfo=dt.UTC)
    assert render_line(line(At(moment))) == (
        f"<!date^{int(moment.timestamp())}^{{date_short}} {{time}}|Apr 22, 2022 12:30 UTC>"
    )
    assert render_line(line(At(moment)), "plain") == "Apr 22, 2022 12:30 UTC"


def test_links_carry_their_label_and_cannot_be_broken_out_of() -> None:
    assert render_line(line(Link("https://www.defense.gov/x", None))) == "<https://www.defense.gov/x|defense.gov>"
    assert render_line(line(Link("https://a.example/?a=1&b=2", "US <readout>"))) == (
        "<https://a.example/?a=1&amp;b=2|US &lt;readout&gt;>"
    )
    assert render_line(line(Link("https://a.example/x|y>z", "r"))) == "<https://a.example/x%7Cy%3Ez|r>"
    # Not a link Slack should follow: text.
    assert render_line(line(Link("javascript:alert(1)", "click"))) == "click (javascript:alert(1))"
    assert render_line(line(Link("https://a.example/", "readout")), "heading") == "readout"


def test_channels_link_and_user_groups_are_named_never_mentioned() -> None:
    assert render_line(line(Ref("channel", "C0123ABC"))) == "<#C0123ABC>"
    assert render_line(line(Ref("channel", "C0123ABC")), "heading") == "#C0123ABC"
    assert render_line(line(Ref("channel", "briefings"))) == "#briefings"
    assert render_line(line(Ref("channel", "<!here>"))) == "#&lt;!here&gt;"
    assert render_line(line(Ref("role", "S0123ABC"))) == "user group S0123ABC"
    text = json.dumps([p.blocks for p in render(Reply(title=line("x"), lines=[line(Ref("role", "S0123ABC"))]))])
    assert "subteam" not in text


def test_user_text_cannot_mention_link_or_format() -> None:
    text = escape_user_text("<!channel> <!here> <@U123> <#C1> <https://x|y> a & b *bold* _it_ ~s~ `c`\n> quote")
    assert "<" not in text and ">" not in text
    assert "&lt;!channel&gt;" in text and "&lt;@U123&gt;" in text and "a &amp; b" in text
    assert f"{ZWSP}*{ZWSP}bold{ZWSP}*{ZWSP}" in text
    assert f"\n{ZWSP}&gt; quote" in text
    # The command's own words are escaped for &, <, > but not fenced.
    assert render_line(line("Q&A · event #4 · ", UserText("a_b"))) == f"Q&amp;A · event #4 · a{ZWSP}_{ZWSP}b"


@settings(max_examples=500, derandomize=True)
@given(st.text(alphabet=st.sampled_from("ab <>&!@#*_~`|:/.\nhtps\u200b")) | st.text())
def test_escaping_is_lossless_and_fences_every_formatting_character(text: str) -> None:
    escaped = escape_user_text(text)
    assert "<" not in escaped and ">" not in escaped
    for match in re.finditer(r"[*_~`]", escaped):
        i = match.start()
        assert escaped[i - 1 : i] == ZWSP and escaped[i + 1 : i + 2] == ZWSP, escaped
    # A reader sees exactly what was typed (zero-width spaces are invisible).
    unfenced = re.sub(f"{ZWSP}([*_~`]){ZWSP}", r"\1", escaped)
    unfenced = re.sub(f"^(\\s*){ZWSP}&gt;", r"\1&gt;", unfenced, flags=re.MULTILINE)
    seen = unfenced.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    assert seen.replace(ZWSP, "") == text.replace(ZWSP, "")


hostile = st.text(alphabet=st.sampled_from("ab <>&!@#*_~`|:/.\nhtpsUC0S^"), max_size=80)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    title=hostile,
    lines=st.lists(hostile, max_size=5),
    fields=st.lists(st.tuples(hostile, hostile, st.booleans()), max_size=12),
    footer=hostile,
    label=hostile,
    ref=hostile,
)
def test_no_user_text_produces_a_mention_or_link_the_renderer_did_not_write(
    title: str, lines: list[str], fields: list[tuple[str, str, bool]], footer: str, label: str, ref: str
) -> None:
    reply = Reply(
        title=line("Event ", UserText(title)),
        lines=[
            line("By ", UserText(x), " on ", When(DAY, "today"), " ", Link("https://example.org/r", label))
            for x in lines
        ]
        + [line(Ref("channel", ref), " ", Ref("role", ref), " ", Ref("channel", "C0GENERAL"))],
        fields=[Field(line(UserText(n)), (line(UserText(v)),), inline) for n, v, inline in fields],
        footer=line(UserText(footer)),
    )
    pages = render(reply, token="tok")
    ok(pages)
    own = re.compile(r"<!date\^\d+\^\{date_short\}\|Apr 20, 2022>|<https://example\.org/r\|[^<>]*>|<#C0GENERAL>")
    for text in texts(pages):
        rest = own.sub("", text)
        assert "<" not in rest and ">" not in rest, text


def test_a_short_reply_is_one_message_with_header_lines_fields_and_footer() -> None:
    reply = Reply(
        title=line("Latest contact"),
        lines=[line("On ", When(DAY, "1 day ago"))],
        fields=[
            Field(line("US"), (line(UserText("Lloyd J. Austin III")),), inline=True),
            Field(line("China"), (line(UserText("Wei Fenghe")),), inline=True),
            Field(line("Summary"), (line(UserText("They talked.")),)),
        ],
        footer=line("Event #4"),
    )
    [page] = render(reply)
    ok([page])
    assert [b["type"] for b in page.blocks] == ["header", "section", "section", "section", "context"]
    assert page.blocks[0]["text"] == {"type": "plain_text", "text": "Latest contact", "emoji": False}
    assert [f["text"] for f in page.blocks[2]["fields"]] == ["*US*\nLloyd J. Austin III", "*China*\nWei Fenghe"]
    assert page.blocks[3]["text"]["text"] == "*Summary*\nThey talked."
    assert page.blocks[4]["elements"][0]["text"] == "Event #4"
    assert all(b["text"]["verbatim"] for b in page.blocks[1:2] + page.blocks[3:4])
    assert page.text == "Latest contact — On Apr 20, 2022 (1 day ago)"


def test_a_title_with_markup_characters_or_too_long_for_a_header_becomes_a_bold_section() -> None:
    [page] = render(Reply(title=line("Search: ", UserText("<!here> & co"))))
    assert page.blocks[0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*Search: &lt;!here&gt; &amp; co*", "verbatim": True},
    }
    long_title = "T " * 100
    [page] = render(Reply(title=line(long_title)))
    assert page.blocks[0]["type"] == "section" and page.blocks[0]["text"]["text"] == f"*{long_title.strip()}*"
    huge = "word " * 700
    [page] = render(Reply(title=line(huge)))
    ok([page])
    assert page.blocks[0]["text"]["text"].endswith("…*")
    assert shown_words([SlackMessage("", page.blocks[1:])]) == huge.split()


def test_more_than_ten_side_by_side_fields_are_grouped_ten_to_a_section() -> None:
    reply = Reply(title=line("Events"), fields=[Field(line(f"#{i}"), (line(f"event {i}"),), True) for i in range(25)])
    [page] = render(reply)
    ok([page])
    groups = [b["fields"] for b in page.blocks if "fields" in b]
    assert [len(g) for g in groups] == [SECTION_FIELDS_MAX, SECTION_FIELDS_MAX, 5]
    assert [f["text"] for g in groups for f in g] == [f"*#{i}*\nevent {i}" for i in range(25)]


def test_many_fields_go_onto_pages_in_order_each_page_with_title_and_mark() -> None:
    reply = Reply(title=line("Events"), fields=[Field(line(f"#{i}"), (line(f"event {i}"),)) for i in range(120)])
    pages = render(reply)
    ok(pages)
    assert len(pages) == 3
    assert all(p.blocks[0]["text"]["text"] == "Events" for p in pages)
    assert [p.blocks[-1]["elements"][0]["text"] for p in pages] == ["page 1/3", "page 2/3", "page 3/3"]
    assert [p.text for p in pages] == ["Events (page 1/3)", "Events (page 2/3)", "Events (page 3/3)"]
    assert shown_words(pages) == [w for i in range(120) for w in (f"#{i}", "event", str(i))]


def test_a_long_line_is_split_at_spaces_and_long_replies_page_by_text() -> None:
    words = [f"word{i}" for i in range(6000)]  # ~50,000 characters
    pages = render(Reply(title=line("T"), lines=[line(" ".join(words))]))
    ok(pages)
    assert len(pages) >= 4
    assert shown_words(pages) == words


def test_a_long_field_value_is_continued_not_cut_and_links_and_dates_stay_whole() -> None:
    spans: list[Span] = []
    for i in range(200):
        spans += [Link(f"https://example.org/readout/{i}", f"readout {i}"), " on ", When(DAY), " "]
    pages = render(Reply(title=line("T"), fields=[Field(line("Sources"), (line(*spans),))]))
    ok(pages)
    names = [b["text"]["text"].split("\n")[0] for p in pages for b in p.blocks if b["type"] == "section"]
    assert names[0] == "*Sources*" and set(names[1:]) == {"*Sources (continued)*"}
    text = "\n".join(texts(pages))
    assert len(re.findall(r"<https://example\.org/readout/\d+\|readout \d+>", text)) == 200
    assert text.count(f"<!date^{TS}^{{date_short}}|Apr 20, 2022>") == 200


def test_a_very_long_footer_is_shortened_and_shown_in_full_among_the_lines() -> None:
    footer = "f " * 2000
    [page] = render(Reply(title=line("T"), footer=line(footer)))
    ok([page])
    assert page.blocks[-1]["elements"][0]["text"].endswith("…")
    assert shown_words([page]) == footer.split()


def test_paging_buttons_carry_the_token_and_the_page_to_show() -> None:
    reply = Reply(title=line("Events"), fields=[Field(line(f"#{i}"), (line("x"),)) for i in range(100)])
    pages = render(reply, token="abc123")
    ok(pages)

    def buttons(page: SlackMessage) -> list[tuple[str, str]]:
        [actions] = [b for b in page.blocks if b["type"] == "actions"]
        assert actions["block_id"] == ACTIONS_BLOCK
        return [(e["action_id"], e["value"]) for e in actions["elements"]]

    assert buttons(pages[0]) == [(ACTION_PAGE_NEXT, "abc123:1")]
    assert buttons(pages[1]) == [(ACTION_PAGE_PREVIOUS, "abc123:0"), (ACTION_PAGE_NEXT, "abc123:2")]
    assert buttons(pages[-1])[0] == (ACTION_PAGE_PREVIOUS, f"abc123:{len(pages) - 2}")
    assert parse_page_value("abc123:2") == ("abc123", 2)
    for bad in ("abc123", ":2", "abc:x", "abc:99999", "abc:-1"):
        assert parse_page_value(bad) is None
    assert not any(b["type"] == "actions" for b in render(Reply(title=line("x")), token="abc123")[0].blocks)
    with pytest.raises(ValueError):
        render(reply, token="a:b")


def test_a_reply_that_asks_to_confirm_gets_confirm_and_cancel_with_its_token() -> None:
    prompt = line("Delete event #4?")
    reply = Reply(title=line("Delete event #4?"), lines=[prompt], confirm=Confirm(prompt, "event delete", {"id": 4}))
    [page] = render(reply, token="t0k")
    ok([page])
    actions = page.blocks[-1]
    assert [(e["action_id"], e["value"], e.get("style")) for e in actions["elements"]] == [
        (ACTION_CONFIRM, "t0k", "danger"),
        (ACTION_CANCEL, "t0k", None),
    ]
    # Without a token (a channel post), no buttons at all.
    assert not any(b["type"] == "actions" for b in render(reply)[0].blocks)


def test_only_a_digest_pings_and_only_its_user_group() -> None:
    quiet = render(Reply(title=line("Digest")))
    assert "<!" not in json.dumps([p.blocks for p in quiet]) and ping_text(Reply(title=line("x"))) is None
    digest = Reply(
        title=line("Digest"), lines=[line("x")], fields=[Field(line(str(i)), (line("v"),)) for i in range(60)]
    )
    digest.ping_role = "S0123ABC"
    pages = render(digest)
    ok(pages)
    assert pages[0].blocks[0]["text"]["text"] == "<!subteam^S0123ABC>"
    assert pages[0].text.startswith("<!subteam^S0123ABC> Digest")
    assert all("subteam" not in json.dumps(p.blocks) + p.text for p in pages[1:])
    # Anything but a user group id is never mentioned.
    for bad in ("<!channel>", "here", "S0123ABC> <!channel", "U0123ABC"):
        assert ping_text(Reply(title=line("x"), ping_role=bad)) is None


def test_the_notification_text_is_short_and_escaped() -> None:
    [page] = render(Reply(title=line("Search ", UserText("<!channel>")), lines=[line(UserText("x" * 1000))]))
    assert len(page.text) <= FALLBACK_TEXT_MAX
    assert page.text.startswith("Search &lt;!channel&gt; — xxx") and page.text.endswith("…")


def test_an_error_is_one_short_escaped_section() -> None:
    message = error_message("date: '<!channel> *now*' is not a date")
    ok([message])
    [block] = message.blocks
    assert block["text"]["text"] == f"⚠ date: '&lt;!channel&gt; {ZWSP}*{ZWSP}now{ZWSP}*{ZWSP}' is not a date"
    assert message.text == "date: '&lt;!channel&gt; *now*' is not a date"
    assert len(error_message("x" * 5000).blocks[0]["text"]["text"]) <= 3000


words = st.text(alphabet="abcxyz019", min_size=1, max_size=30)
text_lines = st.lists(words, min_size=0, max_size=600).map(" ".join)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    title=st.text(alphabet="ab ", min_size=1, max_size=400),
    lines=st.lists(text_lines, max_size=12),
    fields=st.lists(st.tuples(words, st.lists(text_lines, max_size=4), st.booleans()), max_size=70),
    footer=st.text(alphabet="ab ", max_size=100),
)
def test_any_reply_fits_slack_and_loses_no_word(
    title: str, lines: list[str], fields: list[tuple[str, list[str], bool]], footer: str
) -> None:
    reply = Reply(
        title=line(title),
        lines=[line(x) for x in lines],
        fields=[Field(line(n), tuple(line(v) for v in vs), inline) for n, vs, inline in fields],
        footer=line(footer) if footer.strip() else None,
    )
    pages = render(reply, token="t")
    ok(pages)
    expected = " ".join(lines).split()
    for name, values, _ in fields:
        expected += [name, *" ".join(values).split()]
    if title.strip() and pages[0].blocks[0]["type"] != "header":  # a bold title opens every page
        pages = [SlackMessage("", p.blocks[1:]) for p in pages]
    assert shown_words(pages) == expected
