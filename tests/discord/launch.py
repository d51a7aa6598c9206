"""`python -m tests.discord.launch API_URL GATEWAY_URL [args…]`: the real `python -m bot` entrypoint,
with discord.py pointed at a fake Discord, for tests that need Hotline in a process of its own.

Pointing discord.py elsewhere is what FakeDiscord.installed() does in the test process; everything
after that is `bot.__main__.main` unchanged (settings from the environment, logging, signals).
"""

from __future__ import annotations

import sys

import discord.gateway
import discord.http
import yarl

from bot.__main__ import main

if __name__ == "__main__":
    api, gateway, *args = sys.argv[1:]
    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    sys.exit(main(args))
