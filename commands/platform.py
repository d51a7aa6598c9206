"""What commands/ may know of the platform a command came from: a small description, no library.

Each adapter hands one PlatformInfo to the runner, which puts it in every Ctx. Commands use it for
the words that differ between platforms (who counts as an editor, what a role is called) and to
read a channel or role reference pasted in a platform's own syntax. Nothing here imports a chat
library: the adapters fill in the patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ReferenceKind = Literal["channel", "role"]


@dataclass(frozen=True)
class PlatformInfo:
    name: str  # the workspace prefix: "discord", "slack", "console"
    # Completes "only editors may change the record: … or the editor <role_word> set by /hotline editors".
    editors: str = "members the platform makes administrators"
    role_word: str = "role"  # what the platform calls the group /hotline editors names
    # Regular expressions whose first group is the id, for a channel or a role pasted as the
    # platform's client writes it (Discord: <#123>, <@&123>). None: only plain ids and names.
    channel_pattern: str | None = None
    role_pattern: str | None = None
    # How a command is typed: "/" before its name ("/event add") on Discord and in the console; Slack
    # has one slash command, so there it is "/hotline " ("/hotline event add").
    command_prefix: str = "/"

    def command(self, name: str) -> str:
        """A command as a member types it here: "/event add", or "/hotline event add" on Slack, where
        "hotline help" is "/hotline help", not "/hotline hotline help"."""
        root = self.command_prefix.strip().lstrip("/")
        first, _, rest = name.partition(" ")
        if root and first == root:
            return self.command_prefix.rstrip() + (" " + rest if rest else "")
        return self.command_prefix + name

    def reference_id(self, kind: ReferenceKind, text: str) -> str | None:
        """The id inside a pasted reference of this platform's syntax, or None if `text` is not one."""
        pattern = self.channel_pattern if kind == "channel" else self.role_pattern
        if pattern is None:
            return None
        match = re.fullmatch(pattern, text)
        return match.group(1) if match else None


# Plain text everywhere, no reference syntax: the console, core tests, and the digest scheduler.
PLAIN = PlatformInfo("console", editors="the console's user", role_word="role")
