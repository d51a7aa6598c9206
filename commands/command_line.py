"""A command typed as one line of text: the console's input, and Slack's slash-command text.

    /event add date:2022-04-20 us:"Lloyd J. Austin III" cn:"Wei Fenghe" kind:call minutes:45

A line is a command name (one or two words, the slash optional) followed by option:value pairs.
A value with spaces goes in double quotes, and a double quote inside one is written \\". Values come
back as strings; commands.surface.dispatch coerces and checks them exactly as it does Discord's.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from commands.errors import UserError
from commands.platform import PLAIN, PlatformInfo
from commands.surface import COMMANDS, Command


@dataclass(frozen=True)
class _Token:
    text: str  # as typed, for error messages
    key: str | None  # None: a bare word, no "option:" before it
    value: str  # quotes removed and escapes resolved


def parse_command_line(
    line: str,
    commands: Mapping[str, Command] | None = None,
    *,
    positional: bool = False,
    platform: PlatformInfo = PLAIN,
) -> tuple[str, dict[str, str]]:
    """Split a console line into the command's name and its options (keys lower-cased).

    `commands` defaults to the command surface; a UserError says what is wrong and what would be
    right: an unknown command, an option the command does not have, an option given twice, an
    unterminated quote, or a word that is not option:value.

    With `positional`, the bare words right after the command name are the value of its first
    required option (or of its first option), so `search first call` reads as `search query:"first call"`:
    what Slack users type after `/hotline`. Errors name commands as `platform` types them.
    """
    table = COMMANDS if commands is None else commands
    tokens = _tokenize(line.strip().removeprefix("/"))
    if not tokens:
        raise UserError(f"type a command, for example {platform.usage('lastcall')} or {platform.usage('hotline help')}")

    leading: list[str] = []
    for token in tokens:
        if token.key is not None:
            break
        leading.append(token.value.lower())
    command = _find_command(leading, table, tokens[0].key, platform)
    words = len(command.name.split())

    options: dict[str, str] = {}
    rest = tokens[words:]
    if command.rest and rest and all(t.key is None for t in rest):
        # "/hotline help event add": the bare words are the one option such a command takes that way.
        return command.name, {command.rest: " ".join(t.value for t in rest)}
    if positional and rest and rest[0].key is None and command.options:
        bare = 0
        while bare < len(rest) and rest[bare].key is None:
            bare += 1
        target = next((o for o in command.options if o.required), command.options[0])
        options[target.name] = " ".join(t.value for t in rest[:bare])
        rest = rest[bare:]
    for token in rest:
        if token.key is None:
            raise UserError(
                f"{token.text!r} is not an option; write option:value "
                f'(quote values with spaces, like summary:"two words"). {_options_hint(command, platform)}'
            )
        key = token.key.lower()
        if not key:
            raise UserError(f"{token.text!r} has no option name before the colon. {_options_hint(command, platform)}")
        if command.option(key) is None:
            raise UserError(f"{platform.usage(command.name)} has no option {key!r}. {_options_hint(command, platform)}")
        if key in options:
            raise UserError(f"option {key!r} is given twice; give it once")
        options[key] = token.value
    return command.name, options


def _find_command(
    leading: list[str], table: Mapping[str, Command], first_key: str | None, platform: PlatformInfo
) -> Command:
    # Two-word names first, so that a future one-word command sharing the first word cannot
    # shadow "event add" and its kin.
    for count in (2, 1):
        if len(leading) >= count:
            command = table.get(" ".join(leading[:count]))
            if command is not None:
                return command
    if not leading:
        raise UserError(
            f"the line starts with the option {first_key}:..., not a command; "
            f"put the command first, for example {platform.usage('lastcall')} with:Austin"
        )
    typed = " ".join(leading[:2])
    suggestions = _suggest(leading, table)
    if suggestions:
        hint = f"did you mean {', '.join(platform.usage(s) for s in suggestions)}?"
    else:
        hint = f"try {platform.usage('hotline help')}"
    raise UserError(f"unknown command {platform.usage(typed)}; {hint}")


def _suggest(leading: list[str], table: Mapping[str, Command]) -> list[str]:
    visible = [name for name, command in table.items() if not command.hidden]
    typed = " ".join(leading[:2])
    # "/digest" alone names a family of commands: list the family before fuzzy guesses.
    family = [name for name in visible if name.split()[0] == leading[0]]
    close = difflib.get_close_matches(typed, visible, n=3, cutoff=0.6)
    close += difflib.get_close_matches(leading[0], visible, n=3, cutoff=0.6)
    merged: list[str] = []
    for name in (*family, *close):
        if name not in merged:
            merged.append(name)
    return merged[:6]


def _options_hint(command: Command, platform: PlatformInfo) -> str:
    if not command.options:
        return f"{platform.usage(command.name)} takes no options."
    return f"{platform.usage(command.name)} takes: {', '.join(o.name for o in command.options)}."


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        key: str | None = None
        # A key runs up to the first colon; a quote before any colon makes the token a bare
        # (quoted) word, which is refused later with the token shown as typed.
        j = i
        while j < n and not text[j].isspace() and text[j] not in ':"':
            j += 1
        if j < n and text[j] == ":":
            key = text[i:j]
            i = j + 1
        if i < n and text[i] == '"':
            quoted = _read_quoted(text, i)
            if quoted is None:
                raise UserError(f"unterminated quote in {text[start:]!r}; close the value with a double quote")
            value, i = quoted
            if i < n and not text[i].isspace():
                raise UserError(
                    f"{text[start : i + 1]!r}...: put a space after the closing quote, "
                    'or write a quote inside a value as \\"'
                )
        else:
            # Unquoted values run to the next space and keep colons and quotes as typed, so that
            # source:https://example.org/a:b needs no quoting.
            j = i
            while j < n and not text[j].isspace():
                j += 1
            value, i = text[i:j], j
        tokens.append(_Token(text=text[start:i], key=key, value=value))
    return tokens


def _read_quoted(text: str, opening: int) -> tuple[str, int] | None:
    """The quoted string's value and the index just past its closing quote; None if it never closes."""
    out: list[str] = []
    i, n = opening + 1, len(text)
    while i < n:
        char = text[i]
        # Only \" and \\ are escapes; any other backslash is kept, so a Windows path or a regex
        # typed inside quotes reads as written.
        if char == "\\" and i + 1 < n and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
            continue
        if char == '"':
            return "".join(out), i + 1
        out.append(char)
        i += 1
    return None
