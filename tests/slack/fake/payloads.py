"""Request payloads as Slack sends them to an app (the same dict for HTTP and Socket Mode)."""

from __future__ import annotations

import time
from typing import Any

from tests.slack.fake.world import FakeChannel, FakeTeam, FakeUser


def _user(team: FakeTeam, user: FakeUser) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": team.id}


def _team(team: FakeTeam) -> dict[str, Any]:
    return {"id": team.id, "domain": team.domain}


def escaped(typed: str) -> str:
    """A slash command's text as Slack sends what a member typed with should_escape on: &, < and > as
    &amp;, &lt; and &gt;, and nothing else changed. What the client turns into markup of its own (a
    #channel, a link) a test writes as Slack sends it, beside what it passes through this."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slash_command(
    app_id: str,
    team: FakeTeam,
    user: FakeUser,
    channel: FakeChannel,
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form fields of a slash command (all strings)."""
    return {
        "token": "verification-token-unused",
        "team_id": team.id,
        "team_domain": team.domain,
        "channel_id": channel.id,
        "channel_name": channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions(
    app_id: str,
    team: FakeTeam,
    user: FakeUser,
    action: dict[str, Any],
    trigger_id: str,
    *,
    channel: FakeChannel | None,
    message: dict[str, Any] | None,
    view: dict[str, Any] | None,
    response_url: str | None,
) -> dict[str, Any]:
    """A button press (or select) in a message, or inside a modal when `view` is given."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(team, user),
        "api_app_id": app_id,
        "token": "verification-token-unused",
        "team": _team(team),
        "enterprise": None,
        "is_enterprise_install": False,
        "trigger_id": trigger_id,
        "state": {"values": {}},
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    else:
        assert channel is not None and message is not None
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel.id,
            "is_ephemeral": bool(message.get("is_ephemeral")),
        }
        payload["channel"] = {"id": channel.id, "name": channel.name}
        payload["message"] = message
        payload["response_url"] = response_url
    return payload


def view_submission(
    app_id: str, team: FakeTeam, user: FakeUser, view: dict[str, Any], values: dict[str, Any], trigger_id: str
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": _team(team),
        "user": _user(team, user),
        "api_app_id": app_id,
        "token": "verification-token-unused",
        "trigger_id": trigger_id,
        "view": {**view, "state": {"values": values}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def block_suggestion(
    app_id: str,
    team: FakeTeam,
    user: FakeUser,
    action_id: str,
    block_id: str,
    value: str,
    view: dict[str, Any] | None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_suggestion",
        "user": _user(team, user),
        "team": _team(team),
        "api_app_id": app_id,
        "token": "verification-token-unused",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    return payload


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value[:75]}, "value": value}


def state_value(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    """One input's entry in view.state.values, shaped by its element type as Slack shapes it.

    `answer` is None for an input left empty (Slack still sends it, with an empty value).
    """
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": answer}
    if kind == "datepicker":
        return {"type": kind, "selected_date": answer}
    if kind in ("static_select", "external_select"):
        return {"type": kind, "selected_option": None if answer is None else _option(str(answer))}
    if kind in ("multi_static_select", "multi_external_select"):
        return {"type": kind, "selected_options": [_option(str(a)) for a in answer or []]}
    raise ValueError(f"no state shape for {kind}")


def state_values(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """view.state.values for a submission: every input block of the view, answered or empty.

    `answers` maps a block_id to a text, a date (YYYY-MM-DD), an option value or a list of them.
    """
    unknown = set(answers) - {b.get("block_id") for b in view.get("blocks", [])}
    if unknown:
        raise KeyError(f"the view has no input blocks {sorted(unknown)}")
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        values[block["block_id"]] = {element["action_id"]: state_value(element, answers.get(block["block_id"]))}
    return values
