"""`python -m tests.discord.launch API_URL GATEWAY_URL [args…]`: the real `python -m bot` entrypoint,
with discord.py pointed at a fake Discord, for tests that need Hotline in a process of its own.

Pointing discord.py elsewhere is what FakeDiscord.installed() does in the test process; everything
after that is `bot.__main__.main` unchanged (settings from the environment, logging, signals).

One wait is taken out: discord.py waits 5 s before identifying each shard after a process's first
(its documented `before_identify_hook`), which real Discord's limit of one identify per 5 s requires and
the fake does not; a process of two shards would spend it in every start.
"""

from __future__ import annotations

import sys

import discord
import discord.gateway
import discord.http
import yarl

from bot.__main__ import main


async def identify_at_once(self: discord.Client, shard_id: int | None, *, initial: bool = False) -> None:
    return None


if __name__ == "__main__":
    api, gateway, *args = sys.argv[1:]
    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    discord.Client.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    sys.exit(main(args))
