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
from commands.reply import render_text
from tools.gallery import PLATFORMS, SHOWN, Shown, gallery, run, sample_store

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
GALLERY = Path(__file__).resolve().parent.parent / "docs" / "GALLERY.md"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


def check(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path.name}; run UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py and read it")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{path.name} changed; if the change is meant, regenerate with UPDATE_SNAPSHOTS=1"


def as_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@pytest.mark.parametrize("shown", SHOWN, ids=[s.name for s in SHOWN])
async def test_reply_matches_its_snapshots(shown: Shown) -> None:
    async with sample_store(shown.at) as (store, clock):
        console = await run(store, clock, shown.command, PLATFORMS["console"])
        discord = await run(store, clock, shown.command, PLATFORMS["discord"])
        slack = await run(store, clock, shown.command, PLATFORMS["slack"])
    check(f"{shown.name}.txt", render_text(console) + "\n")
    check(f"{shown.name}.discord.json", as_json([e.to_dict() for e in discord_render.render(discord)]))
    check(f"{shown.name}.slack.json", as_json([m.as_args() for m in slack_render.render(slack)]))


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
