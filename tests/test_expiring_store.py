"""Short-lived state in the store (storage/contract.py: hold_reply, held_reply, take_held_reply,
issue_oauth_state, consume_oauth_state) on both backends: expiry on the caller's clock, a workspace's
replies unknown to every other workspace, a take or consume that exactly one of many concurrent callers
(on stores of their own, as processes are) wins, the cap, the bounded purge, and bad tokens that read as
nothing and write nothing."""

from __future__ import annotations

import asyncio
import datetime as dt

from storage.contract import StoreContract
from storage.postgres.store import PostgresStore
from storage.records import HeldReply
from storage.rules import EXPIRED_PURGE
from storage.sqlite.store import SqliteStore
from tests.conftest import NOW, OTHER_WS, WS, OpenStore

SOON = NOW + dt.timedelta(minutes=2)
LATER = NOW + dt.timedelta(minutes=10)
TOKEN = "tok-0123456789ab"
DATA = '{"pages": [{"text": "a \\u00e9 \\"quoted\\" page", "blocks": []}]}'


async def rows(store: StoreContract, table: str) -> list[tuple[object, ...]]:
    """Every row of `table`, as the database holds it."""
    if isinstance(store, PostgresStore):
        return [tuple(r) for r in await store.pool.fetch(f"SELECT * FROM {table} ORDER BY id")]
    assert isinstance(store, SqliteStore)
    return [tuple(r) for r in await store.db.all(f"SELECT * FROM {table} ORDER BY id")]


async def hold(store: StoreContract, token: str = TOKEN, *, workspace: str = WS, expires: dt.datetime = LATER) -> None:
    await store.hold_reply(token, workspace, "U1", DATA, at=NOW, expires=expires, most=100)


# -- held replies ------------------------------------------------------------------------------------


async def test_a_held_reply_reads_back_exactly_until_it_expires(backend: StoreContract) -> None:
    await hold(backend)
    found = await backend.held_reply(TOKEN, WS, at=NOW)
    assert found == HeldReply(WS, "U1", LATER, DATA)
    assert found.expires.utcoffset() == dt.timedelta(0)
    assert await backend.held_reply(TOKEN, WS, at=LATER - dt.timedelta(microseconds=1)) == found
    # Reading is not taking.
    assert await backend.held_reply(TOKEN, WS, at=NOW) == found
    # Expired at its instant exactly, on the clock the caller gives, and then it cannot be taken either.
    assert await backend.held_reply(TOKEN, WS, at=LATER) is None
    assert await backend.take_held_reply(TOKEN, WS, at=LATER) is None


async def test_an_instant_in_another_zone_is_the_same_instant(backend: StoreContract) -> None:
    east = dt.timezone(dt.timedelta(hours=8))
    await backend.hold_reply(TOKEN, WS, "U1", DATA, at=NOW.astimezone(east), expires=LATER.astimezone(east), most=5)
    found = await backend.held_reply(TOKEN, WS, at=(LATER - dt.timedelta(seconds=1)).astimezone(east))
    assert found is not None and found.expires == LATER
    assert await backend.held_reply(TOKEN, WS, at=LATER.astimezone(east)) is None


async def test_another_workspace_does_not_know_the_token(backend: StoreContract) -> None:
    await hold(backend)
    before = await rows(backend, "held_reply")
    assert await backend.held_reply(TOKEN, OTHER_WS, at=NOW) is None
    assert await backend.take_held_reply(TOKEN, OTHER_WS, at=NOW) is None
    assert await rows(backend, "held_reply") == before
    assert await backend.take_held_reply(TOKEN, WS, at=NOW) is not None


async def test_a_reply_is_taken_once(backend: StoreContract) -> None:
    await hold(backend)
    taken = await backend.take_held_reply(TOKEN, WS, at=NOW)
    assert taken == HeldReply(WS, "U1", LATER, DATA)
    assert await backend.take_held_reply(TOKEN, WS, at=NOW) is None
    assert await backend.held_reply(TOKEN, WS, at=NOW) is None
    assert await rows(backend, "held_reply") == []


async def test_of_many_takers_on_stores_of_their_own_exactly_one_gets_the_reply(backend_opener: OpenStore) -> None:
    stores = [await backend_opener() for _ in range(3)]
    for round_ in range(5):
        token = f"tok-race-{round_:07d}"
        await hold(stores[0], token)
        takes = await asyncio.gather(*(s.take_held_reply(token, WS, at=NOW) for s in stores for _ in range(4)))
        assert sum(t is not None for t in takes) == 1, takes


async def test_unknown_forged_and_overlong_tokens_read_as_nothing_and_write_nothing(backend: StoreContract) -> None:
    await hold(backend)
    before = await rows(backend, "held_reply")
    for token in ("", "nope", TOKEN + "x", TOKEN[:-1], "x" * 100_000, "tok\x00-0123456789", "' OR 1=1 --", "%"):
        assert await backend.held_reply(token, WS, at=NOW) is None, token
        assert await backend.take_held_reply(token, WS, at=NOW) is None, token
    assert await backend.held_reply(TOKEN, "slack:T\x00", at=NOW) is None
    assert await rows(backend, "held_reply") == before


async def test_a_workspace_keeps_at_most_its_cap_the_oldest_going_first(backend: StoreContract) -> None:
    for i in range(7):
        await backend.hold_reply(f"tok-{i}", WS, "U1", DATA, at=NOW, expires=LATER, most=3)
    await backend.hold_reply("tok-other", OTHER_WS, "U2", DATA, at=NOW, expires=LATER, most=3)
    live = [i for i in range(7) if await backend.held_reply(f"tok-{i}", WS, at=NOW) is not None]
    assert live == [4, 5, 6]
    # Another workspace's replies neither count against the cap nor go for it.
    assert await backend.held_reply("tok-other", OTHER_WS, at=NOW) is not None
    assert len(await rows(backend, "held_reply")) == 4


async def test_expired_replies_are_purged_a_bounded_batch_per_hold(backend: StoreContract) -> None:
    expired = EXPIRED_PURGE + 20
    for i in range(expired):
        await backend.hold_reply(f"old-{i}", OTHER_WS, "U2", DATA, at=NOW, expires=SOON, most=1000)
    await hold(backend, "live-one", expires=LATER)
    assert len(await rows(backend, "held_reply")) == expired + 1  # nothing had expired yet
    # Each hold after the expiry purges at most EXPIRED_PURGE expired rows, of any workspace.
    await backend.hold_reply("new-1", WS, "U1", DATA, at=SOON, expires=LATER, most=1000)
    assert len(await rows(backend, "held_reply")) == expired + 1 + 1 - EXPIRED_PURGE
    await backend.hold_reply("new-2", WS, "U1", DATA, at=SOON, expires=LATER, most=1000)
    tokens = sorted(str(r[1]) for r in await rows(backend, "held_reply"))
    assert tokens == ["live-one", "new-1", "new-2"]


# -- OAuth states -------------------------------------------------------------------------------------


async def test_a_state_is_consumed_once_within_its_time(backend: StoreContract) -> None:
    await backend.issue_oauth_state("state-a", at=NOW, expires=LATER, most=10)
    await backend.issue_oauth_state("state-b", at=NOW, expires=LATER, most=10)
    assert await backend.consume_oauth_state("state-a", at=LATER - dt.timedelta(seconds=1))
    assert not await backend.consume_oauth_state("state-a", at=NOW)
    # Expired: refused, and gone.
    assert not await backend.consume_oauth_state("state-b", at=LATER)
    assert await rows(backend, "slack_oauth_state") == []


async def test_unknown_and_forged_states_are_refused_and_write_nothing(backend: StoreContract) -> None:
    await backend.issue_oauth_state("state-a", at=NOW, expires=LATER, most=10)
    before = await rows(backend, "slack_oauth_state")
    for state in ("", "state-b", "state-a ", "s" * 100_000, "state\x00a", "' OR 1=1 --"):
        assert not await backend.consume_oauth_state(state, at=NOW), state
    assert await rows(backend, "slack_oauth_state") == before


async def test_of_many_consumers_on_stores_of_their_own_exactly_one_wins(backend_opener: OpenStore) -> None:
    stores = [await backend_opener() for _ in range(3)]
    for round_ in range(5):
        state = f"state-race-{round_}"
        await stores[1].issue_oauth_state(state, at=NOW, expires=LATER, most=10)
        won = await asyncio.gather(*(s.consume_oauth_state(state, at=NOW) for s in stores for _ in range(4)))
        assert sum(won) == 1, won


async def test_states_are_capped_and_purged(backend: StoreContract) -> None:
    for i in range(6):
        await backend.issue_oauth_state(f"state-{i}", at=NOW, expires=SOON, most=4)
    assert [r[1] for r in await rows(backend, "slack_oauth_state")] == [f"state-{i}" for i in range(2, 6)]
    await backend.issue_oauth_state("state-new", at=SOON, expires=LATER, most=4)
    assert [r[1] for r in await rows(backend, "slack_oauth_state")] == ["state-new"]
    assert await backend.consume_oauth_state("state-new", at=SOON)
