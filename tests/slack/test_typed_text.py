"""What a member types after /hotline is stored as typed: Slack escapes &, < and > (should_escape is on),
Hotline turns them back once the references are read, and what it shows still pings nobody."""

from __future__ import annotations

from tests.slack.fake.payloads import escaped
from tests.slack.harness import SlackHarness, pings

APRIL_2022 = 'event add date:yesterday us:"Lloyd J. Austin III" cn:"Wei Fenghe" kind:call'
TYPED = "US & China <b> <!channel> <@U0HOSTILE> &lt;"


async def test_typed_text_is_stored_as_typed_and_shown_without_pinging(hotline: SlackHarness) -> None:
    await hotline.run(APRIL_2022)
    added = await hotline.run(escaped(f'question add text:"{TYPED}" event:1'))
    assert added.public, added.text
    question = await hotline.store.question(hotline.workspace(), 1)
    assert question is not None and question.text == TYPED  # not "US &amp; China &lt;b&gt; …"
    for shown in (added, await hotline.run("questions")):
        assert pings(shown.text) == []
        # Escaped again for Slack's mrkdwn, so that a reader sees what was typed.
        assert "US &amp; China &lt;b&gt; &lt;!channel&gt; &lt;@U0HOSTILE&gt; &amp;lt;" in shown.text


async def test_a_summary_with_a_link_and_an_ampersand_and_a_source_link(hotline: SlackHarness) -> None:
    # Slack wraps a link it recognised in its markup, with & escaped inside; the rest is escaped text.
    link = "<https://a.example/r?x=1&amp;y=2|a.example/r>"
    source = "<https://b.example/readout?id=7&amp;lang=en>"
    text = escaped('event add date:yesterday us:Austin cn:"Wei Fenghe" kind:call summary:"R&D export ')
    shown = await hotline.run(f'{text}{link}{escaped(" <rules>")}" source:{source}')
    assert shown.public, shown.text
    event = await hotline.store.event(hotline.workspace(), 1)
    assert event is not None
    assert event.summary == "R&D export https://a.example/r?x=1&y=2 <rules>"
    assert [s.url for s in event.sources] == ["https://b.example/readout?id=7&lang=en"]


async def test_a_reference_typed_by_hand_is_refused_and_slacks_own_is_read(hotline: SlackHarness) -> None:
    w = hotline.world
    # Typed by hand, Slack sends it escaped: it must not become a channel reference Slack did not make.
    forged = await hotline.run(escaped(f"digest subscribe channel:<#{w.briefings.id}> weekday:friday"))
    assert not forged.public and "is not a channel" in forged.text
    forged_role = await hotline.run(escaped(f"hotline editors role:<!subteam^{w.analysts.id}>"))
    assert not forged_role.public and "is not a role" in forged_role.text
    assert await hotline.store.subscriptions(hotline.workspace()) == []
    real = await hotline.run(f"digest subscribe channel:<#{w.briefings.id}|briefings> weekday:friday")
    assert real.public, real.text
    [sub] = await hotline.store.subscriptions(hotline.workspace())
    assert sub.channel_id == w.briefings.id
