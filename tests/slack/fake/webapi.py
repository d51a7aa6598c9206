"""The Web API methods Hotline uses, answered as Slack answers them (errors are HTTP 200 too)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.slack.fake.blocks import check_message, check_view
from tests.slack.fake.records import ApiCall, Message
from tests.slack.fake.world import FakeChannel, FakeTeam, slack_id

if TYPE_CHECKING:
    from tests.slack.fake.server import FakeSlack


class ApiError(Exception):
    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


Method = Callable[["FakeSlack", ApiCall, FakeTeam], dict[str, Any]]

# The bot scope each method needs (conversations.info needs groups:read instead for a private channel).
SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "views.open": None,
    "views.update": None,
    "views.push": None,
    "conversations.info": "channels:read",
    "users.info": "users:read",
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}


def need(call: ApiCall, name: str) -> str:
    value = call.args.get(name)
    if value is None or value == "":
        raise ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] missing required field: {name}"]})
    return str(value)


def require_scope(team: FakeTeam, scope: str) -> None:
    if scope not in team.scopes:
        raise ApiError("missing_scope", needed=scope, provided=",".join(sorted(team.scopes)))


def _channel(team: FakeTeam, channel_id: str) -> FakeChannel:
    channel = team.channels.get(channel_id)
    # A private channel the bot is not in does not exist as far as the bot can tell.
    if channel is None or (channel.is_private and team.bot_user.id not in channel.members):
        raise ApiError("channel_not_found")
    return channel


def _writable(team: FakeTeam, channel_id: str) -> FakeChannel:
    channel = _channel(team, channel_id)
    if channel.is_archived:
        raise ApiError("is_archived")
    if team.bot_user.id not in channel.members and not ("chat:write.public" in team.scopes and not channel.is_private):
        raise ApiError("not_in_channel")
    return channel


def _check_message(call: ApiCall) -> None:
    if not call.args.get("text") and not call.args.get("blocks"):
        raise ApiError("no_text")
    problems = check_message(call.args)
    if problems:
        raise ApiError("invalid_blocks", errors=problems)


def auth_test(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    return {
        "url": f"https://{team.domain}.slack.com/",
        "team": team.name,
        "user": team.bot_user.name,
        "team_id": team.id,
        "user_id": team.bot_user.id,
        "bot_id": team.bot_id,
        "is_enterprise_install": False,
    }


def post_message(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    channel = _writable(team, need(call, "channel"))
    _check_message(call)
    message = fake.add_message(team, channel.id, call.args)
    return {"channel": channel.id, "ts": message.ts, "message": fake.message_payload(team, message)}


def post_ephemeral(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    channel = _writable(team, need(call, "channel"))
    user = need(call, "user")
    if user not in team.users:
        raise ApiError("user_not_found")
    if user not in channel.members:
        raise ApiError("user_not_in_channel")
    _check_message(call)
    fake.ephemerals.append({"team_id": team.id, **call.args})
    return {"message_ts": fake.next_ts()}


def _own_message(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> Message:
    channel = _channel(team, need(call, "channel"))
    ts = need(call, "ts")
    message = next((m for m in fake.messages if m.channel == channel.id and m.ts == ts and not m.deleted), None)
    if message is None:
        raise ApiError("message_not_found")
    if message.user != team.bot_user.id:
        raise ApiError("cant_update_message" if call.method == "chat.update" else "cant_delete_message")
    return message


def update(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    message = _own_message(fake, call, team)
    _check_message(call)
    message.text = str(call.args.get("text") or "")
    message.blocks = list(call.args.get("blocks") or [])
    message.edits += 1
    return {"channel": message.channel, "ts": message.ts, "text": message.text}


def delete(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    message = _own_message(fake, call, team)
    message.deleted = True
    return {"channel": message.channel, "ts": message.ts}


def _view_arg(call: ApiCall) -> dict[str, Any]:
    view = call.args.get("view")
    if not isinstance(view, dict):
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing required field: view"]})
    problems = check_view(view)
    if problems:
        raise ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {p}" for p in problems]})
    return view


def views_open(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    view = _view_arg(call)
    trigger = fake.use_trigger(need(call, "trigger_id"), team)
    stored = fake.store_view(team, trigger.user_id, view, root=None)
    return {"view": stored}


def views_push(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    view = _view_arg(call)
    trigger = fake.use_trigger(need(call, "trigger_id"), team)
    if trigger.view_id is None or trigger.view_id not in fake.views:
        raise ApiError("invalid_trigger_id")  # only an interaction inside a modal may push
    root = str(fake.views[trigger.view_id]["root_view_id"])
    if sum(1 for v in fake.views.values() if v["root_view_id"] == root) >= 3:
        raise ApiError("push_limit_reached")
    return {"view": fake.store_view(team, trigger.user_id, view, root=root)}


def views_update(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    view = _view_arg(call)
    view_id = call.args.get("view_id")
    current = fake.views.get(str(view_id)) if view_id else None
    if current is None or current["team_id"] != team.id:
        raise ApiError("not_found")
    given_hash = call.args.get("hash")
    if given_hash and given_hash != current["hash"]:
        raise ApiError("hash_conflict")
    return {"view": fake.replace_view(current, view)}


def conversations_info(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    channel = _channel(team, need(call, "channel"))
    require_scope(team, "groups:read" if channel.is_private else "channels:read")
    return {"channel": channel.payload(team.bot_user.id)}


def users_info(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    user = team.users.get(need(call, "user"))
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user.payload()}


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def usergroups_list(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    with_users = _flag(call.args.get("include_users"))
    return {"usergroups": [g.payload(with_users=with_users) for g in team.usergroups.values()]}


def usergroups_users_list(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    group = team.usergroups.get(need(call, "usergroup"))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"users": list(group.users)}


def get_upload_url(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    filename = need(call, "filename")
    try:
        length = int(need(call, "length"))
    except ValueError:
        raise ApiError("invalid_arguments") from None
    file_id = slack_id("F")
    fake.files[file_id] = {
        "id": file_id,
        "team_id": team.id,
        "name": filename,
        "length": length,
        "alt_txt": call.args.get("alt_txt"),
        "data": None,
        "shared": [],  # (channel, thread_ts) where completeUploadExternal shared it
    }
    return {"upload_url": f"{fake.url}/upload/{file_id}", "file_id": file_id}


def complete_upload(fake: FakeSlack, call: ApiCall, team: FakeTeam) -> dict[str, Any]:
    items = call.args.get("files")
    if isinstance(items, str):
        items = json.loads(items)
    if not isinstance(items, list) or not items:
        raise ApiError("invalid_arguments")
    channel_id = call.args.get("channel_id")
    channel = _writable(team, str(channel_id)) if channel_id else None
    done: list[dict[str, Any]] = []
    for item in items:
        record = fake.files.get(str(item.get("id")))
        if record is None or record["team_id"] != team.id or record["data"] is None:
            raise ApiError("file_not_found")
        if len(record["data"]) != record["length"]:
            raise ApiError("file_upload_size_mismatch")
        if record.get("completed"):
            # An upload is completed once; sharing it again is another method's business.
            raise ApiError("file_not_found")
        record["completed"] = True
        record["title"] = item.get("title") or record["name"]
        done.append({"id": record["id"], "title": record["title"], "name": record["name"]})
    if channel is not None:
        message = fake.add_message(team, channel.id, {"text": call.args.get("initial_comment") or ""})
        message.files = [f["id"] for f in done]
        message.thread_ts = call.args.get("thread_ts")
        for f in done:
            fake.files[f["id"]]["shared"].append((channel.id, message.thread_ts))
    return {"files": done}


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "views.open": views_open,
    "views.update": views_update,
    "views.push": views_push,
    "conversations.info": conversations_info,
    "users.info": users_info,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}


def now_ts(counter: int) -> str:
    """A message timestamp: seconds, then a serial that keeps them unique and increasing."""
    return f"{int(time.time())}.{counter:06d}"
