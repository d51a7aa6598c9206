"""`python -m bot extract FILE [--workspace W]`: readouts (JSON Lines) in, one draft a line out.

The extraction is the one /readout uses (extraction.extract); with a workspace, names are resolved
against that workspace's people in the store, as in chat; without, against the sample's people.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.console.console import workspace_id
from commands.drafts import people_of
from extraction.cli import run
from extraction.people import People
from storage.factory import open_store


async def extract_file(location: str, path: Path, workspace: str | None) -> int:
    people: People | None = None
    if workspace is not None:
        store = await open_store(location)
        try:
            people = people_of(await store.people_of(workspace_id(workspace)))
        finally:
            await store.close()
    return run(path, sys.stdout, people)
