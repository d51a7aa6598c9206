"""A reply's picture on Discord: uploaded with the message and shown inside its embed.

The PNG travels as a file of the message (multipart/form-data, `files[0]`), and the embed shows it
with the URL `attachment://<filename>`. An attachment that no embed shows would appear as a loose
file below the message, so the picture goes on the embed of the first page only, and a message
turned to another page drops the file (bot/discord/views.py uploads it again on the way back).
"""

from __future__ import annotations

import io
import re

import discord

from commands.reply import Image

# Discord matches attachment:// against the stored filename, which it strips of other characters.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
ALT_MAX = 1024  # an attachment's description (its alt text)


def filename(image: Image) -> str:
    return _UNSAFE.sub("_", image.filename) or "image.png"


def file_of(image: Image) -> discord.File:
    """A fresh upload of the picture: a discord.File is read when sent, so each send needs its own."""
    return discord.File(io.BytesIO(image.data), filename=filename(image), description=image.alt[:ALT_MAX])


def show(embed: discord.Embed, image: Image) -> discord.Embed:
    """The embed showing the picture uploaded with its message."""
    return embed.set_image(url=f"attachment://{filename(image)}")
