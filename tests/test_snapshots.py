"""Snapshots of the rendered replies: the sample record at a fixed clock (tools/gallery.py SHOWN), each
reply as the console prints it, as Discord's embeds and as Slack's blocks, one file each under
tests/snapshots/ (<name>.txt, <name>.discord.json, <name>.slack.json).

A change to a reply fails here until the snapshots are regenerated and read:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_snapshots.py
    git diff tests/snapshots/

Read every changed file as a member would read the reply before committing it (docs/LAYOUT.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.discord import render as discord_render
from bot.slack import render as slack_render
from commands.context import FixedClock
from commands.reply import render_text
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore
from tools.gallery import PLATFORMS, SHOWN, Shown, gallery, run

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
GALLERY = Path(__file__).resolve().parent.parent / "docs" / "GALLERY.md"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


def check(name: str, text: str, *, update: bool) -> None:
    path = SNAPSHOTS / name
    if update:
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path.name}; run UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py and read it")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{path.name} changed; if the change is meant, regenerate with UPDATE_SNAPSHOTS=1"


def blocks(text: str) -> list[str]:
    """A console reply's paragraphs: its title, each hit of a search, each page's footer."""
    return text.split("\n\n")


def as_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@pytest.mark.parametrize("shown", SHOWN, ids=[s.name for s in SHOWN])
async def test_reply_matches_its_snapshots(gallery_sample: SqliteStore, shown: Shown) -> None:
    store, clock = gallery_sample, FixedClock(shown.at)
    console = await run(store, clock, shown.command, PLATFORMS["console"])
    discord = await run(store, clock, shown.command, PLATFORMS["discord"])
    slack = await run(store, clock, shown.command, PLATFORMS["slack"])
    if isinstance(store, PostgresStore) and shown.command.startswith("/search"):
        # PostgreSQL ranks with ts_rank where SQLite uses BM25 (docs/STORAGE.md): the same hits, each with
        # the same snippet, and pages of the same size, in an order of their own. (How Discord and Slack
        # lay a search out is checked on SQLite.)
        expected = (SNAPSHOTS / f"{shown.name}.txt").read_text(encoding="utf-8")
        assert sorted(blocks(render_text(console) + "\n")) == sorted(blocks(expected))
        return
    # The snapshots are written from SQLite; PostgreSQL's replies are always compared with them.
    update = UPDATE and not isinstance(store, PostgresStore)
    check(f"{shown.name}.txt", render_text(console) + "\n", update=update)
    check(f"{shown.name}.discord.json", as_json([e.to_dict() for e in discord_render.render(discord)]), update=update)
    check(f"{shown.name}.slack.json", as_json([m.as_args() for m in slack_render.render(slack)]), update=update)


def test_every_snapshot_file_belongs_to_a_reply() -> None:
    """A reply dropped from SHOWN takes its snapshots with it, so none is kept unchecked."""
    names = {s.name for s in SHOWN}
    kept = {p.name.split(".", 1)[0] for p in SNAPSHOTS.iterdir() if p.is_file()}
    assert kept <= names, sorted(kept - names)
    assert len(list(SNAPSHOTS.iterdir())) == 3 * len(SHOWN)


async def test_the_gallery_in_docs_is_up_to_date() -> None:
    """docs/GALLERY.md is what `make gallery` writes now: a changed reply regenerates it."""
    written = await gallery()
    assert GALLERY.read_text(encoding="utf-8") == written, "run make gallery and read the changes"
