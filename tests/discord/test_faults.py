"""Faults on the wire: the gateway dropping mid-burst, and REST errors on replies and posts."""

from __future__ import annotations

import asyncio

import pytest

from tests.discord.conftest import Discord

pytestmark = pytest.mark.asyncio(loop_scope="module")

# How many times each test drops the gateway, and how many commands follow each drop.
DROPS = 3
BURST = 5


async def reconnected(discord: Discord, resumes_before: int) -> None:
    """Wait until the bot is back on the gateway (resumed, or identified afresh)."""
    await discord.fake.wait_until(
        lambda: discord.fake.resumes > resumes_before or any(g.identified for g in discord.fake.gateways),
        within=15.0,
    )


@pytest.mark.parametrize("code", [4000, 1006])
async def test_every_command_after_a_reconnection_is_answered(discord: Discord, code: int) -> None:
    await discord.direct("event add", date="2022-04-20", us="Lloyd J. Austin III", cn="Wei Fenghe", kind="call")
    answered = 0
    for _ in range(DROPS):
        before = discord.fake.resumes
        await discord.fake.drop_gateways(code)
        await reconnected(discord, before)
        sent = [await discord.slash("lastcall") for _ in range(BURST)]
        shown = await asyncio.gather(*(discord.reply(ix) for ix in sent))
        assert all("Lloyd J. Austin III" in s.text for s in shown)
        answered += len(shown)
    assert answered == DROPS * BURST
    # Each drop was survived by resuming the session (the fake counts RESUMED), not by a restart.
    assert discord.fake.resumes == DROPS
    assert discord.bot.is_ready()


async def test_a_rate_limited_reply_is_retried_and_sent_once(discord: Discord) -> None:
    # Discord's 429 carries Retry-After, a JSON body with retry_after, and a Via header from its edge.
    discord.fake.fail(
        "POST",
        r"/interactions/\d+/[^/]+/callback",
        429,
        headers={"Retry-After": "0.2", "Via": "1.1 google"},
        body={"message": "You are being rate limited.", "retry_after": 0.2, "global": False},
    )
    ix = await discord.slash("hotline help")
    shown = await discord.reply(ix, within=10.0)
    assert "Hotline" in shown.text
    callbacks = [r for r in discord.fake.requests if r.path.endswith("/callback")]
    assert [r.status for r in callbacks[-2:]] == [429, 200]
    assert len(ix.callbacks) == 1  # answered once


async def test_a_server_error_on_a_reply_is_retried_and_sent_once(discord: Discord) -> None:
    discord.fake.fail("POST", r"/interactions/\d+/[^/]+/callback", 502)
    ix = await discord.slash("hotline help")
    await discord.reply(ix, within=10.0)
    assert len(ix.callbacks) == 1
