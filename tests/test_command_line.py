"""The console's command line, read as the Discord slash commands are written."""

from __future__ import annotations

from typing import Any

import pytest

from commands.command_line import parse_command_line
from commands.errors import UserError
from commands.reply import Reply
from commands.surface import COMMANDS, Command, Option


def refused(line: str) -> str:
    with pytest.raises(UserError) as info:
        parse_command_line(line)
    return str(info.value)


# --- what parses -----------------------------------------------------------------------------------


def test_one_word_command_with_an_option() -> None:
    assert parse_command_line("/lastcall with:Austin") == ("lastcall", {"with": "Austin"})


def test_two_word_command_with_quoted_values() -> None:
    line = '/event add date:2022-04-20 us:"Lloyd J. Austin III" cn:"Wei Fenghe" kind:call minutes:45'
    assert parse_command_line(line) == (
        "event add",
        {"date": "2022-04-20", "us": "Lloyd J. Austin III", "cn": "Wei Fenghe", "kind": "call", "minutes": "45"},
    )


def test_command_without_options() -> None:
    assert parse_command_line("/hotline help") == ("hotline help", {})
    assert parse_command_line("/lastcall") == ("lastcall", {})


def test_the_slash_is_optional_and_space_is_free() -> None:
    assert parse_command_line("  lastcall   with:Austin   track:defense ") == (
        "lastcall",
        {"with": "Austin", "track": "defense"},
    )
    assert parse_command_line("event\tshow id:3") == ("event show", {"id": "3"})


def test_names_and_keys_are_case_insensitive_values_are_not() -> None:
    assert parse_command_line('/Event ADD Date:today US:Blinken cn:"Wang Yi" KIND:call') == (
        "event add",
        {"date": "today", "us": "Blinken", "cn": "Wang Yi", "kind": "call"},
    )


def test_escaped_quotes_and_backslashes_inside_quotes() -> None:
    line = r'/question add text:"Did Wei say \"red line\"? See C:\temp and a\\b"'
    assert parse_command_line(line) == ("question add", {"text": 'Did Wei say "red line"? See C:\\temp and a\\b'})


def test_unquoted_values_keep_colons_and_commas() -> None:
    line = "/event add us:Blinken,Sullivan cn:Yang date:2021-03-18 kind:meeting source:https://example.org/a:b?x=1"
    _, options = parse_command_line(line)
    assert options["us"] == "Blinken,Sullivan"
    assert options["source"] == "https://example.org/a:b?x=1"


def test_empty_values() -> None:
    assert parse_command_line('/event edit id:4 field:location value:""') == (
        "event edit",
        {"id": "4", "field": "location", "value": ""},
    )
    assert parse_command_line("/event edit id:4 field:location value:")[1]["value"] == ""


def test_quoted_value_with_unicode_and_colons() -> None:
    assert parse_command_line('/search query:"魏凤和: Bali — G20"') == ("search", {"query": "魏凤和: Bali — G20"})


# --- what is refused -------------------------------------------------------------------------------


def test_empty_line() -> None:
    assert "type a command" in refused("   ")
    assert "type a command" in refused("/")


def test_unknown_command_suggests_close_names() -> None:
    message = refused("/lastcal with:Austin")
    assert message.startswith("unknown command /lastcal;")
    assert "/lastcall" in message


def test_unknown_subcommand_lists_the_family() -> None:
    message = refused("/digest send")
    assert message.startswith("unknown command /digest send;")
    for name in ("digest preview", "digest subscribe", "digest status"):
        assert f"/{name}" in message


def test_first_word_of_a_two_word_command_alone() -> None:
    message = refused("/event id:3")
    assert message.startswith("unknown command /event;")
    assert "/event show" in message and "/event add" in message


def test_question_suggests_both_question_commands_and_questions() -> None:
    message = refused("/question")
    assert "/question add" in message and "/questions" in message


def test_nothing_close_points_to_help() -> None:
    assert refused("/xyzzy") == "unknown command /xyzzy; try /hotline help"


def test_an_option_where_the_command_should_be() -> None:
    message = refused("with:Austin")
    assert "not a command" in message and "/lastcall with:Austin" in message


def test_unknown_option_lists_the_commands_options() -> None:
    message = refused("/lastcall who:Austin")
    assert message == "/lastcall has no option 'who'. /lastcall takes: with, track."


def test_unknown_option_on_a_command_without_options() -> None:
    assert refused("/digest status topic:digest") == (
        "/digest status has no option 'topic'. /digest status takes no options."
    )


def test_help_takes_the_words_after_it_as_the_command_asked_about() -> None:
    assert parse_command_line("/hotline help event add") == ("hotline help", {"command": "event add"})
    assert parse_command_line("/hotline help command:digest") == ("hotline help", {"command": "digest"})
    # Only bare words: a mix of words and options is refused as any other stray word is.
    assert "is not an option" in refused("/hotline help event command:digest")


def test_repeated_option() -> None:
    assert refused("/lastcall with:Austin with:Wei") == "option 'with' is given twice; give it once"


def test_repeated_option_differing_in_case() -> None:
    assert refused("/lastcall with:Austin WITH:Wei") == "option 'with' is given twice; give it once"


@pytest.mark.parametrize(
    "line",
    ['/search query:"no end', '/event add summary:"escaped end\\"', '/search query:"'],
)
def test_unterminated_quote(line: str) -> None:
    message = refused(line)
    assert message.startswith("unterminated quote in ")
    assert "close the value with a double quote" in message


def test_unterminated_quote_shows_the_option() -> None:
    assert "summary:" in refused('/event add date:today summary:"it never ends')


def test_bare_word_after_the_command() -> None:
    message = refused("/lastcall Austin")
    assert message.startswith("'Austin' is not an option; write option:value")
    assert "/lastcall takes: with, track." in message


def test_bare_word_from_an_unquoted_value_with_spaces() -> None:
    message = refused("/event add date:today us:Lloyd J. Austin cn:Wei kind:call")
    assert message.startswith("'J.' is not an option")
    assert "quote values with spaces" in message


def test_quoted_bare_word() -> None:
    assert refused('/search "taiwan strait"').startswith("'\"taiwan strait\"' is not an option")


def test_missing_option_name() -> None:
    assert refused("/search :taiwan").startswith("':taiwan' has no option name before the colon.")


def test_text_glued_to_a_closing_quote() -> None:
    message = refused('/search query:"taiwan"strait')
    assert "put a space after the closing quote" in message


# --- the command table -----------------------------------------------------------------------------


def test_every_surface_command_is_reachable_with_every_option() -> None:
    for name, command in COMMANDS.items():
        line = "/" + name + "".join(f' {o.name}:"v {o.name}"' for o in command.options)
        assert parse_command_line(line) == (name, {o.name: f"v {o.name}" for o in command.options})


async def _handler(*args: Any, **kwargs: Any) -> Reply:
    raise AssertionError("the parser never calls a handler")


def test_a_given_table_is_used_and_hidden_commands_are_not_suggested() -> None:
    table = {
        "ping": Command("ping", "Ping", _handler, (Option("to", "text", "Whom"),)),
        "ping secret": Command("ping secret", "Internal", _handler, hidden=True),
    }
    assert parse_command_line("ping to:all", table) == ("ping", {"to": "all"})
    assert parse_command_line("ping secret", table) == ("ping secret", {})
    with pytest.raises(UserError) as info:
        parse_command_line("pingg", table)
    assert "/ping" in str(info.value) and "secret" not in str(info.value)
