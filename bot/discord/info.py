"""How Discord looks to commands/: the words for editors and the syntax of a pasted channel or role.

Kept apart from the bot so that tests and tools can name Discord's description without loading
discord.py.
"""

from __future__ import annotations

from commands.platform import PlatformInfo

DISCORD = PlatformInfo(
    "discord",
    editors="members with the Manage Server permission",
    role_word="role",
    channel_pattern=r"<#(\d+)>",
    role_pattern=r"<@&(\d+)>",
)
