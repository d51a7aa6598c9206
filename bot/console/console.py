"""The console: the command surface in a terminal, against the embedded store.

Interactive at a terminal; otherwise one command per line from standard input, so a file of
commands can be piped in. Each line is parsed (commands/command_line.py) and run by the shared
Runner (bot/runtime/runner.py); each reply is printed as plain text. Only the prompt, the reading
of lines and the y/N of a confirmation are the console's own.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.attachments import attachment_note, charts_folder
from bot.runtime.runner import AfterWrite, Invocation, Outcome, Runner
from commands.command_line import parse_command_line
from commands.context import Caller, Clock, CoreSettings
from commands.errors import UserError
from commands.platform import PLAIN
from commands.reply import Reply, plain, render_text
from storage.contract import StoreContract

log = logging.getLogger(__name__)
PROMPT = "hotline> "
ReadLine = Callable[[], Awaitable[str | None]]


# `/readout --file PATH`: a readout is long, so the console reads it from a file (the path may be quoted).
_FILE_OPTION = re.compile(r'(?:^|\s)--file(?:\s+|=)("(?:[^"\\]|\\.)*"|\S+)')


def take_file_option(text: str) -> tuple[str, Path | None]:
    """The line without its `--file PATH`, and the path (None if there is none)."""
    match = _FILE_OPTION.search(text)
    if match is None:
        return text, None
    raw = match.group(1)
    path = raw[1:-1].replace('\\"', '"') if raw.startswith('"') else raw
    return text[: match.start()] + " " + text[match.end() :], Path(path)


def read_readout_file(command: str, path: Path) -> str:
    if command != "readout":
        raise UserError(f"--file is for /readout (a readout's text from a file), not /{command}")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None


def workspace_id(name: str) -> str:
    """`--workspace team` means console:team; a full id (discord:123) is taken as given."""
    return name if ":" in name else f"console:{name}"


class Console:
    def __init__(
        self,
        store: StoreContract,
        clock: Clock,
        settings: CoreSettings,
        workspace: str,
        out: TextIO,
        *,
        after_write: AfterWrite | None = None,
        charts_dir: Path | None = None,
    ) -> None:
        self.runner = Runner(store, clock, settings, PLAIN, after_write=after_write)
        self.caller = Caller(workspace, "console", "console user", is_editor=True)
        self.out = out
        self.charts_dir = charts_dir or charts_folder(store)  # where pictures are written
        self.failures = 0

    async def run_line(self, text: str, read_line: ReadLine) -> None:
        """Run one command line; print its reply or its error. Errors do not stop the console."""
        if not text.strip() or text.lstrip().startswith("#"):
            return
        try:
            text, path = take_file_option(text)
            name, args = parse_command_line(text)
            if path is not None:
                args = {**args, "text": read_readout_file(name, path)}
        except UserError as exc:
            self._fail(str(exc))
            return
        inv = Invocation(self.caller, name, args, channel="console")
        outcome = await self.runner.run(inv)
        if outcome.reply is not None and outcome.reply.confirm is not None:
            outcome = await self._confirm(inv, outcome.reply, read_line)
        if outcome.reply is None:
            self._fail(outcome.error or "the command failed")
            return
        self._print(render_text(outcome.reply) + attachment_note(outcome.reply, self.charts_dir))

    async def _confirm(self, inv: Invocation, reply: Reply, read_line: ReadLine) -> Outcome:
        assert reply.confirm is not None
        self.out.write(plain(reply.confirm.prompt) + " [y/N] ")
        self.out.flush()
        answer = await read_line()
        if (answer or "").strip().lower() in ("y", "yes"):
            return await self.runner.confirm(inv, reply.confirm)
        return Outcome(Reply(title=("Cancelled; nothing changed.",)), None)

    def _fail(self, message: str) -> None:
        self.failures += 1
        self._print(f"Error: {message}")

    def _print(self, text: str) -> None:
        self.out.write(text + "\n\n")
        self.out.flush()


async def run_console(console: Console, stdin: TextIO, interactive: bool) -> int:
    """Read commands until end of input (or `quit`); returns the number of failed commands."""
    loop = asyncio.get_running_loop()

    async def read_line() -> str | None:
        if interactive:
            try:
                return await loop.run_in_executor(None, input, "")
            except EOFError:
                return None
        line = await loop.run_in_executor(None, stdin.readline)
        return line if line else None

    if interactive:
        console.out.write("Hotline console. /hotline help lists the commands; quit (or Ctrl-D) leaves.\n\n")
    while True:
        if interactive:
            try:
                text: str | None = await loop.run_in_executor(None, input, PROMPT)
            except EOFError:
                text = None
        else:
            text = await read_line()
        if text is None or text.strip() in ("quit", "exit"):
            break
        await console.run_line(text, read_line)
    return console.failures


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()
