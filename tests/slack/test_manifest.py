"""The app manifest: it parses, declares Hotline's two commands, and asks for exactly the scopes used."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.slack.fake import DEFAULT_SCOPES
from tests.slack.fake.webapi import SCOPES

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "bot" / "slack" / "manifest.json"
# Methods the scope table cannot see by name: files_upload_v2 calls the files.* methods.
EXTRA_METHODS = {"files_upload_v2": "files.getUploadURLExternal"}


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return data


def methods_called() -> set[str]:
    """Web API methods Hotline's Slack code calls on a client (`client.users_info(…)` is users.info)."""
    by_name = {m.replace(".", "_").lower(): m for m in SCOPES}
    by_name |= EXTRA_METHODS
    called: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for name in re.findall(r"\.([a-z]+(?:_[a-zA-Z0-9]+)+)\(", path.read_text(encoding="utf-8")):
            if name.lower() in by_name:
                called.add(by_name[name.lower()])
    return called


def test_the_manifest_declares_the_two_commands_socket_mode_and_interactivity() -> None:
    data = manifest()
    assert data["display_information"]["name"] == "Hotline"
    assert data["features"]["bot_user"]["display_name"] == "Hotline"
    commands = {c["command"]: c for c in data["features"]["slash_commands"]}
    assert set(commands) == {"/lastcall", "/hotline"}
    for command in commands.values():
        assert 0 < len(command["description"]) <= 100 and command["usage_hint"]
    # /hotline takes channels and user groups: escaped, they arrive as <#C…|name> and <!subteam^S…>.
    assert commands["/hotline"]["should_escape"] is True
    assert data["settings"]["socket_mode_enabled"] is True
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert all(u.endswith("/slack/oauth_redirect") for u in data["oauth_config"]["redirect_urls"])


def test_the_manifest_asks_for_every_scope_the_code_uses_and_no_more() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    # The fake Slack grants a team exactly these, so code needing another scope fails its tests.
    assert scopes == set(DEFAULT_SCOPES)
    called = methods_called()
    assert {"users.info", "usergroups.users.list"} <= called  # the scan sees the editors' lookups
    needed = {SCOPES[m] for m in called} - {None}
    assert needed <= scopes, f"scopes used but not asked for: {needed - scopes}"
    # chat:write.public is left out on purpose: digests go to channels the bot was invited to.
    assert "chat:write.public" not in scopes
