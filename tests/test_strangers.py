"""Names of another workspace: nothing of theirs is found, linked or changed from here."""

from __future__ import annotations

import pytest

from commands.errors import NotFound
from storage.contract import StoreContract
from tests.conftest import OTHER_WS, WS, Runner, snapshot


@pytest.fixture
async def theirs(other: Runner) -> None:
    """Another workspace with its own people, aliases and issue."""
    await other("person add", name="Zhang Youxia", side="china", title="CMC Vice Chairman", aliases="General Zhang")
    await other(
        "event add",
        date="2022-03-01",
        us="Antony Blinken",
        cn="Zhang Youxia",
        kind="meeting",
        us_raised="their-own-issue",
    )


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("lastcall", {"with": "Zhang Youxia"}),
        ("lastcall", {"with": "General Zhang"}),
        ("event list", {"with": "Antony Blinken"}),
        ("person show", {"name": "Zhang Youxia"}),
        ("positions", {"issue": "their-own-issue"}),
        ("questions", {"issue": "their-own-issue"}),
        ("event list", {"issue": "their-own-issue"}),
    ],
)
async def test_their_names_are_not_found_here(
    theirs: None, run: Runner, store: StoreContract, command: str, args: dict[str, str]
) -> None:
    before = await snapshot(store)
    with pytest.raises(NotFound):
        await run(command, **args)
    assert await snapshot(store) == before


async def test_their_name_in_a_new_event_here_is_a_new_person_here(
    theirs: None, run: Runner, store: StoreContract
) -> None:
    text = await run.text("event add", date="2022-04-01", us="Someone", cn="Zhang Youxia", kind="call")
    assert "New people: Someone, Zhang Youxia" in text
    mine = await store.find_person(WS, "Zhang Youxia")
    theirs_p = await store.find_person(OTHER_WS, "Zhang Youxia")
    assert mine is not None and theirs_p is not None and mine.id != theirs_p.id
    assert theirs_p.title == "CMC Vice Chairman" and mine.title is None
    assert "No matches" in await run.text("search", query="Blinken")  # their event is not searchable here
