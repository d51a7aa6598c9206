"""What the console does with a reply's picture: it writes the PNG to a file and says where.

A terminal shows no pictures; the path can be opened with any image viewer. Each picture gets a file
of its own (never overwriting an earlier one), in a folder the console is given.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from commands.reply import Image, Reply


def charts_folder(store: object) -> Path:
    """Where the console keeps pictures by default: `charts/` beside the store's file, or `data/charts`
    for a store that is no file (PostgreSQL)."""
    path = getattr(store, "path", None)
    return path.parent / "charts" if isinstance(path, Path) else Path("data") / "charts"


def save_image(image: Image, folder: Path) -> Path:
    """Write the picture to a new file in `folder` (made if missing), named after it; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = image.filename.rpartition(".")
    if not dot:
        stem, suffix = suffix, "png"
    # mkstemp makes a name no other file has, even with several consoles writing to one folder.
    with tempfile.NamedTemporaryFile(dir=folder, prefix=f"{stem}-", suffix=f".{suffix}", delete=False) as out:
        out.write(image.data)
    return Path(out.name)


def attachment_note(reply: Reply, folder: Path) -> str:
    """The lines the console prints after a reply that carries a picture ("" if it has none)."""
    if reply.image is None:
        return ""
    try:
        path = save_image(reply.image, folder)
    except OSError as exc:
        return f"\n\nThe chart could not be saved in {folder}: {exc.strerror or exc}. ({reply.image.alt})"
    return f"\n\nChart: {path}\n({reply.image.alt})"
