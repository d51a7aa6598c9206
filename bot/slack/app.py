"""Hotline on Slack: the slack-bolt listeners, and how one slash command, button or modal is answered.

Slack forgets a request that is not acknowledged within three seconds, and slack-bolt discards an
acknowledgement when the listener raises just after it (the notes on the fake Slack explain the
race). So every listener here acknowledges first (but a modal submission, whose errors travel in
the acknowledgement) and never raises afterwards: a failure is logged with a short reference and
the member reads it privately. Commands go through the shared Runner; replies are rendered by
render.py and sent through the request's response_url (`respond`), which stays valid for 30 minutes,
so a slow command still answers.

`/lastcall [text]` and `/hotline <command> [option:value …]` are the two slash commands; the text is
the console's syntax (commands.command_line), with the first option's value allowed bare
(`/hotline search taiwan`). `/hotline event add` alone opens the modal of modals.py.

Nothing here reads settings or opens the store: bot/slack/platform.py builds the AsyncApp and this
from them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.runtime.runner import UNEXPECTED, Invocation, Outcome, Runner, new_ref
from bot.slack import actions, modals, render, uploads
from bot.slack.editors import EditorCheckFailed, Editors
from bot.slack.held import Held, HeldReplies, well_formed
from bot.slack.info import SLACK
from bot.slack.render import SlackMessage
from commands import autocomplete
from commands.command_line import parse_command_line
from commands.context import Caller, Clock
from commands.errors import UserError
from commands.reply import Form, Reply, line, plain
from commands.surface import COMMANDS, Option
from storage.contract import StoreContract

log = logging.getLogger("hotline.slack")

LASTCALL = "/lastcall"
HOTLINE = "/hotline"
# A modal submission is answered in its acknowledgement (errors on fields), so the command gets this
# long before the modal is closed and the result sent privately instead.
SUBMIT_WAIT = 2.0
# How long a request's trigger id is remembered, so that a redelivery never runs a write twice.
RECENT_TTL = 600.0
CONCURRENCY = 8
RECENT_MAX = 20_000

EXPIRED = "These buttons have expired: nothing was changed. Run the command again."
# Two presses of Confirm (or Confirm and Cancel) at once, in one process or two: one acts, the other says so.
ALREADY_DONE = "This was already confirmed or cancelled: this press changed nothing."
NOT_YOURS_PAGES = "Only the member who ran the command can turn these pages; run it yourself to browse."
NOT_YOURS_CONFIRM = "Only the member who asked can confirm or cancel this."
CANCELLED = "Cancelled: nothing was changed."
HELP_NAMES = frozenset(name.split()[1] for name in COMMANDS if name.startswith("hotline "))


# With should_escape on, Slack sends a link typed after /hotline as <https://…> or <https://…|label>;
# a `<` the member typed arrives as &lt;, so this markup can only be Slack's.
_SLACK_LINK = re.compile(r"<(https?://[^|<>\s]+)(?:\|[^<>]*)?>")
# Slack escapes the three characters it uses for markup in what a member types after /hotline, and
# only those (its formatting reference): &amp;, &lt;, &gt;. One pass turns links and entities back,
# so "&amp;lt;" (the member typed "&lt;") stays "&lt;".
_SLACK_TEXT = re.compile(_SLACK_LINK.pattern + r"|&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


def _unlinked(value: str) -> str:
    return _SLACK_LINK.sub(lambda m: m.group(1).replace("&amp;", "&"), value)


def _as_typed(value: str) -> str:
    """The value as the member typed it: links as their address, and &, < and > unescaped."""
    return _SLACK_TEXT.sub(lambda m: _unlinked(m.group(0)) if m.group(1) else _ENTITIES[m.group(2)], value)


def command_of(slash: str, text: str) -> tuple[str, dict[str, str]]:
    """The command name and options of `/lastcall …` or `/hotline …` (a UserError if they are wrong);
    links Slack wrapped in its markup are given as typed, and so is the rest of /hotline's text.

    A channel or user group option keeps Slack's text: its reference (<#C…|name>, <!subteam^S…>) is read
    by the command (commands.validate.reference), and a reference the member typed by hand arrives
    escaped and is refused there, rather than unescaped here into one that Slack did not make."""
    name, args = _parsed(slash, text)
    if slash != HOTLINE:
        return name, {key: _unlinked(value) for key, value in args.items()}
    command = COMMANDS[name]
    return name, {key: value if _is_reference(command.option(key)) else _as_typed(value) for key, value in args.items()}


def _is_reference(option: Option | None) -> bool:
    return option is not None and option.type in ("channel", "role")


def _parsed(slash: str, text: str) -> tuple[str, dict[str, str]]:
    text = text.strip()
    if slash == LASTCALL:
        return parse_command_line(f"lastcall {text}", positional=True, platform=SLACK)
    if not text:
        return "hotline help", {}
    first = text.split(maxsplit=1)[0].lower()
    if first in HELP_NAMES:  # /hotline editors …, /hotline help: the surface names them "hotline …"
        text = f"hotline {text}"
    return parse_command_line(text, positional=True, platform=SLACK)


class RecentRequests:
    """Trigger ids seen lately: Slack redelivers a request it thinks was lost, with the same id."""

    def __init__(self, ttl: float = RECENT_TTL, limit: int = RECENT_MAX) -> None:
        self.ttl = ttl
        self.limit = limit
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and (len(self._seen) >= self.limit or next(iter(self._seen.values())) < now - self.ttl):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


def _retry_number(values: Sequence[str] | None) -> int:
    """X-Slack-Retry-Num as a number: 0 for a first delivery (Socket Mode sends retry_attempt 0)."""
    first = values[0] if values else "0"
    return int(first) if first.isdecimal() else 1


def _user(body: Mapping[str, Any]) -> tuple[str, str]:
    """(user id, name) of whoever sent a slash command or an interaction."""
    if "user_id" in body:
        return str(body["user_id"]), str(body.get("user_name") or body["user_id"])
    user = body.get("user") or {}
    return str(user.get("id")), str(user.get("name") or user.get("username") or user.get("id"))


def thread_of(body: Mapping[str, Any]) -> str | None:
    """The thread a request came from, if any (a button on a message in a thread carries it)."""
    for where in (body, body.get("container") or {}, body.get("message") or {}):
        if where.get("thread_ts"):
            return str(where["thread_ts"])
    return None


def _workspace(body: Mapping[str, Any]) -> str:
    """The workspace of the team a request came from ("slack:T…")."""
    return f"slack:{(body.get('team') or {}).get('id')}"


def _channel(body: Mapping[str, Any]) -> str | None:
    if "channel_id" in body:
        return str(body["channel_id"])
    channel = body.get("channel") or {}
    return str(channel["id"]) if channel.get("id") else None


class HotlineSlack:
    """The listeners of one AsyncApp, wired to the shared Runner."""

    def __init__(
        self,
        bolt: AsyncApp,
        *,
        runner: Runner,
        store: StoreContract,
        clock: Clock,
        editors: Editors | None = None,
        held: HeldReplies | None = None,
        submit_wait: float = SUBMIT_WAIT,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.bolt = bolt
        self.runner = runner
        self.store = store
        self.clock = clock
        self.editors = editors or Editors(clock)
        self.held = held or HeldReplies(store, clock)
        self.submit_wait = submit_wait
        self.recent = RecentRequests()
        # Commands run after their ack; this many at a time, so that the acks of a burst are not
        # queued behind hundreds of commands sharing the event loop (an answer may come minutes
        # later: a response_url lasts 30 minutes; an ack must come within 3 s).
        self.running = asyncio.Semaphore(concurrency)
        self._session: aiohttp.ClientSession | None = None
        bolt.middleware(self._once)
        bolt.command(LASTCALL)(self._on_command)
        bolt.command(HOTLINE)(self._on_command)
        bolt.action(render.ACTION_PAGE_PREVIOUS)(self._on_page)
        bolt.action(render.ACTION_PAGE_NEXT)(self._on_page)
        bolt.action(render.ACTION_CONFIRM)(self._on_confirm)
        bolt.action(render.ACTION_CANCEL)(self._on_cancel)
        bolt.view(modals.EVENT_ADD_CALLBACK)(self._on_submit)
        bolt.action(actions.ACTION_ID)(self._on_action)
        bolt.view(actions.FORM_CALLBACK)(self._on_form_submit)
        bolt.options(modals.SUGGEST_PEOPLE)(self._on_suggest)
        bolt.options(modals.SUGGEST_ISSUES)(self._on_suggest)

    # -- redeliveries ----------------------------------------------------------------------------

    async def _once(
        self, req: AsyncBoltRequest, body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Acknowledge a redelivered request without running it again: a write must not happen twice.

        Slack marks a redelivery with X-Slack-Retry-Num (Socket Mode: retry_attempt, which slack-bolt
        turns into the same header); a request whose trigger id was already seen is one too.
        """
        retried = _retry_number(req.headers.get("x-slack-retry-num")) > 0
        key = body.get("trigger_id")
        fresh = self.recent.first_time(str(key)) if key else True
        if retried or not fresh:
            log.info("ignored a redelivered request (retry=%s, seen before=%s)", retried, not fresh)
            return BoltResponse(status=200, body="")
        await next()
        return None

    # -- who is asking -----------------------------------------------------------------------------

    def invocation(
        self, body: Mapping[str, Any], context: AsyncBoltContext, name: str, args: Mapping[str, Any]
    ) -> Invocation:
        user_id, user_name = _user(body)
        caller = Caller(f"slack:{context.team_id}", user_id, user_name, False)
        return Invocation(caller, name, args, _channel(body))

    def resolver(
        self, client: AsyncWebClient, context: AsyncBoltContext, name: str
    ) -> Callable[[Caller], Awaitable[Caller]]:
        """Completes the caller inside the runner: only a write asks Slack who may edit."""

        async def resolve(caller: Caller) -> Caller:
            command = COMMANDS.get(name)
            if command is None or not command.writes:
                return caller
            group = (await self.store.workspace_settings(caller.workspace)).editor_role
            try:
                editor = await self.editors.is_editor(client, str(context.team_id), caller.user_id, group)
            except EditorCheckFailed as exc:
                raise UserError(str(exc)) from None
            return replace(caller, is_editor=editor)

        return resolve

    # -- slash commands --------------------------------------------------------------------------

    async def _on_command(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        slash = str(body.get("command"))
        try:
            try:
                name, args = command_of(slash, str(body.get("text") or ""))
            except UserError as exc:
                await self._private(respond, str(exc))
                return
            if name == modals.EVENT_ADD and not args:
                await self._open_event_add(body, respond, client, context)  # at once: its trigger lasts 3 s
                return
            async with self.running:
                inv = self.invocation(body, context, name, args)
                outcome = await self.runner.run(inv, resolve=self.resolver(client, context, name))
                if outcome.reply is not None and outcome.reply.form is not None:
                    await self._open_form(body, respond, client, outcome.reply.form, replace=False)
                    return
                await self._show(respond, outcome, inv, client=client, thread_ts=thread_of(body))
        except Exception:
            await self._unexpected(respond, f"{slash} {body.get('text') or ''}".strip(), body, context)

    async def _open_event_add(
        self, body: Mapping[str, Any], respond: AsyncRespond, client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        # The trigger id dies three seconds after the command was typed: open first, ask later.
        metadata = json.dumps({"channel": body.get("channel_id"), "response_url": body.get("response_url")})
        view = modals.event_add_view(private_metadata=metadata, today=self.clock.now().date())
        try:
            await client.views_open(trigger_id=str(body.get("trigger_id")), view=view)
        except SlackApiError as exc:
            log.warning("could not open the event modal: %s", exc.response.get("error"))
            await self._private(
                respond,
                f"Slack would not open the form ({exc.response.get('error')}); type the event instead: "
                "/hotline event add date:… us:… cn:… kind:…",
            )

    async def _show(
        self,
        respond: AsyncRespond,
        outcome: Outcome,
        inv: Invocation,
        *,
        client: AsyncWebClient,
        thread_ts: str | None = None,
        replace_original: bool = False,
    ) -> None:
        """The command's reply (public unless private) or its error (private), through the response_url;
        then its picture, uploaded into the channel (uploads.py), below the reply."""
        if outcome.reply is None:
            assert outcome.error is not None
            await self._private(respond, outcome.error)
            return
        reply = outcome.reply
        if inv.name == "hotline editors":
            self.editors.forget(inv.caller.workspace.removeprefix("slack:"))
        if reply.image is not None and reply.ephemeral:
            # A file is shared with the channel; a reply for one member keeps its text only.
            reply = replace(reply, image=None, lines=[*reply.lines, line(uploads.PRIVATE_NOTE)])
        pages, _ = await self.pages(reply, inv)
        await self._respond(
            respond,
            **pages[0].as_args(),
            response_type="ephemeral" if reply.ephemeral else "in_channel",
            replace_original=replace_original,
        )
        if reply.image is not None:
            await self._upload(client, respond, reply, inv, thread_ts)

    async def _upload(
        self, client: AsyncWebClient, respond: AsyncRespond, reply: Reply, inv: Invocation, thread_ts: str | None
    ) -> None:
        """The reply's picture into the command's channel; if Slack refuses, the member reads why."""
        assert reply.image is not None
        if inv.channel is None:
            await self._private(respond, uploads.refusal("channel_not_found"))
            return
        try:
            await uploads.upload(
                client, reply.image, channel=inv.channel, title=plain(reply.title), thread_ts=thread_ts
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            log.warning("the chart of /%s was not posted in %s: %s", inv.name, inv.channel, error)
            await self._private(respond, uploads.refusal(error))
        except (SlackRequestError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("the chart of /%s was not posted in %s: %r", inv.name, inv.channel, exc)
            await self._private(respond, uploads.refusal(None))

    async def pages(self, reply: Reply, inv: Invocation) -> tuple[list[SlackMessage], str | None]:
        """The reply's pages; a reply with buttons is held in the store under a new token for its presses,
        which any process may receive."""
        if reply.confirm is not None and not any(line == reply.confirm.prompt for line in reply.lines):
            reply = replace(reply, lines=[reply.confirm.prompt, *reply.lines])
        pages = actions.with_actions(render.render(reply), reply.actions)
        if len(pages) < 2 and reply.confirm is None:
            return pages, None
        token = self.held.new_token()
        pages = actions.with_actions(render.render(reply, token=token), reply.actions)
        held = Held(
            pages,
            inv.caller.user_id,
            inv.caller.workspace,
            self.held.timeout(reply.confirm is not None),
            invocation=inv if reply.confirm is not None else None,
            confirm=reply.confirm,
        )
        await self.held.keep(token, held)
        return pages, token

    # -- buttons ---------------------------------------------------------------------------------

    async def _pressed(self, body: Mapping[str, Any], respond: AsyncRespond, token: str, refusal: str) -> Held | None:
        """The held reply a button belongs to, if it is live and the presser asked for it; else say why.
        It is looked up in the presser's workspace only: another team's token is unknown here."""
        if not well_formed(token):
            # A value Hotline never wrote: said privately, and neither the store nor the message is touched.
            await self._private(respond, EXPIRED)
            return None
        held = await self.held.get(token, _workspace(body))
        user_id, _ = _user(body)
        if held is None:
            await self._private(respond, EXPIRED)
            await self._strip_buttons(body, respond)
            return None
        if held.asker != user_id:
            await self._private(respond, refusal)
            return None
        return held

    async def _on_page(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, action: dict[str, Any]
    ) -> None:
        await ack()
        try:
            parsed = render.parse_page_value(str(action.get("value")))
            if parsed is None:
                await self._private(respond, EXPIRED)
                return
            token, index = parsed
            held = await self._pressed(body, respond, token, NOT_YOURS_PAGES)
            if held is None:
                return
            page = held.pages[max(0, min(index, len(held.pages) - 1))]
            await self._respond(respond, **page.as_args(), replace_original=True)
        except Exception:
            await self._unexpected(respond, "a page button", body, None)

    async def _on_confirm(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        try:
            token = str(action.get("value"))
            held = await self._pressed(body, respond, token, NOT_YOURS_CONFIRM)
            if held is None:
                return
            if held.confirm is None or held.invocation is None:
                await self._private(respond, EXPIRED)  # a page's token on a Confirm button
                return
            if await self.held.take(token, held.workspace) is None:
                await self._private(respond, ALREADY_DONE)
                return
            inv = held.invocation
            outcome = await self.runner.confirm(
                inv, held.confirm, resolve=self.resolver(client, context, held.confirm.command)
            )
            if outcome.reply is None:
                await self._strip_buttons(body, respond)
            await self._show(respond, outcome, inv, client=client, thread_ts=thread_of(body), replace_original=True)
        except Exception:
            await self._unexpected(respond, "a confirmation", body, context)

    async def _on_cancel(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, action: dict[str, Any]
    ) -> None:
        await ack()
        try:
            token = str(action.get("value"))
            held = await self._pressed(body, respond, token, NOT_YOURS_CONFIRM)
            if held is None:
                return
            if await self.held.take(token, held.workspace) is None:
                await self._private(respond, ALREADY_DONE)
                return
            message = SlackMessage(CANCELLED, [{"type": "section", "text": {"type": "mrkdwn", "text": CANCELLED}}])
            await self._respond(respond, **message.as_args(), replace_original=True)
        except Exception:
            await self._unexpected(respond, "a cancellation", body, None)

    async def _strip_buttons(self, body: Mapping[str, Any], respond: AsyncRespond) -> None:
        """The pressed message without its buttons, so nobody presses a dead one again."""
        message = body.get("message") or {}
        blocks = [b for b in message.get("blocks") or [] if b.get("block_id") != render.ACTIONS_BLOCK]
        if blocks:
            await self._respond(
                respond, text=str(message.get("text") or "Hotline"), blocks=blocks, replace_original=True
            )

    # -- Reply.actions: buttons answered from their value ------------------------------------------

    async def _on_action(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """A button of Reply.actions (Record, Edit, Discard): its hidden command, run as the presser.

        The reply replaces the message the button was on; a refusal is said privately and leaves the
        message (and its buttons, for someone who may press them) as it was.
        """
        await ack()
        try:
            parsed = actions.parse_action_value(str(action.get("value") or ""))
            if parsed is None:
                await self._private(respond, actions.DEAD_BUTTON)
                return
            name, args = parsed
            async with self.running:
                inv = self.invocation(body, context, name, args)
                outcome = await self.runner.run(inv, resolve=self.resolver(client, context, name))
                reply = outcome.reply
                if reply is not None and reply.form is not None:
                    await self._open_form(body, respond, client, reply.form, replace=True)
                    return
                replace_original = reply is not None and not reply.ephemeral
                await self._show(
                    respond, outcome, inv, client=client, thread_ts=thread_of(body), replace_original=replace_original
                )
        except Exception:
            await self._unexpected(respond, f"the button {action.get('value')!r}", body, context)

    # -- modals: /hotline event add, and Reply.form ----------------------------------------------

    async def _open_form(
        self, body: Mapping[str, Any], respond: AsyncRespond, client: AsyncWebClient, form: Form, *, replace: bool
    ) -> None:
        """A command's form as a modal, on the trigger of the request that asked for it (it lives 3 s).
        If Slack will not open it, the member reads the command to type instead."""
        origin = actions.Origin(respond.response_url, _channel(body), replace)
        try:
            await client.views_open(trigger_id=str(body.get("trigger_id")), view=actions.form_view(form, origin))
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.warning("could not open the form of /%s: %s", form.command, error)
            await self._private(
                respond, f"Slack would not open the form ({error}); type it instead: {actions.typed_instead(form)}"
            )

    async def _on_submit(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        view: dict[str, Any],
    ) -> None:
        """The event-add modal submitted: /event add with what was picked and typed."""

        def parsed() -> tuple[str, Mapping[str, Any], actions.Origin]:
            metadata = json.loads(view.get("private_metadata") or "{}")
            origin = actions.Origin(metadata.get("response_url") or None, metadata.get("channel"))
            return modals.EVENT_ADD, modals.submitted_args(view["state"]["values"]), origin

        await self._submission(ack, body, client, context, parsed, lambda error: modals.field_errors(error))

    async def _on_form_submit(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        view: dict[str, Any],
    ) -> None:
        """A Reply.form submitted: its command with its arguments and every field as typed."""

        def parsed() -> tuple[str, Mapping[str, Any], actions.Origin]:
            read = actions.read_form(view)
            if read is None:
                raise ValueError("a form submission without Hotline's private_metadata")
            return read

        await self._submission(ack, body, client, context, parsed, lambda error: actions.field_errors(error, view))

    async def _submission(
        self,
        ack: AsyncAck,
        body: Mapping[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        parsed: Callable[[], tuple[str, Mapping[str, Any], actions.Origin]],
        field_errors: Callable[[UserError], dict[str, str] | None],
    ) -> None:
        """Run a modal's command as the submitter before acknowledging it (up to `submit_wait`): a
        UserError about one field comes back on that field; any other outcome closes the modal and is
        said on the response_url of what opened it."""
        acked = False
        origin = actions.Origin(None, None)
        try:
            name, args, origin = parsed()
            inv = self.invocation({**body, "channel_id": origin.channel}, context, name, args)
            task = asyncio.ensure_future(self.runner.run(inv, resolve=self.resolver(client, context, name)))
            done, _ = await asyncio.wait({task}, timeout=self.submit_wait)
            if not done:
                await ack()
                acked = True
            outcome = await task
            if not acked and outcome.user_error is not None:
                errors = field_errors(outcome.user_error)
                if errors:
                    await ack(response_action="errors", errors=errors)
                    return
            if not acked:
                await ack()
                acked = True
            if outcome.reply is None:
                await self._to_url(origin.response_url, render.error_message(outcome.error or ""), private=True)
                return
            pages, _ = await self.pages(outcome.reply, inv)
            private = outcome.reply.ephemeral
            await self._to_url(origin.response_url, pages[0], private=private, replace=origin.replace and not private)
        except Exception:
            ref = new_ref()
            log.exception("a modal failed ref=%s workspace=slack:%s", ref, context.team_id)
            try:
                if not acked:
                    await ack()
                await self._to_url(origin.response_url, render.error_message(UNEXPECTED.format(ref=ref)), private=True)
            except Exception:
                log.exception("could not report ref=%s", ref)

    async def _to_url(self, url: str | None, message: SlackMessage, *, private: bool, replace: bool = False) -> None:
        """Post to the response_url of the command or button that opened the modal (valid 30 minutes)."""
        if not url:
            log.warning("a modal submission had no response_url to answer on")
            return
        response = await AsyncWebhookClient(url, session=self._http()).send(
            **message.as_args(), response_type="ephemeral" if private else "in_channel", replace_original=replace
        )
        if response.status_code != 200:
            log.warning("answering a modal submission failed: %s %s", response.status_code, response.body)

    async def _on_suggest(self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        typed = str(body.get("value") or "")
        try:
            workspace = f"slack:{context.team_id}"
            if body.get("action_id") == modals.SUGGEST_PEOPLE:
                found = await autocomplete.people(self.store, workspace, typed.strip())
            else:
                found = await autocomplete.issues(self.store, workspace, typed.strip())
            options = modals.suggestion_options(typed, found)
        except Exception:
            log.exception("suggestions failed for %r in slack:%s", typed, context.team_id)
            options = modals.suggestion_options(typed, [])
        await ack(options=options)

    # -- answering -------------------------------------------------------------------------------

    async def _respond(self, respond: AsyncRespond, **message: Any) -> None:
        """Post on the request's response_url, over one HTTP session for every answer (slack-bolt's
        `respond` opens a session per call, which costs the event loop dearly in a burst)."""
        if not respond.response_url:
            log.warning("a request had no response_url to answer on")
            return
        response = await AsyncWebhookClient(respond.response_url, session=self._http()).send(**message)
        if response.status_code != 200:
            log.warning("Slack refused a reply: %s %s", response.status_code, response.body)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # trust_env: HTTPS_PROXY and NO_PROXY apply, as they do to slack_sdk's own calls.
            self._session = aiohttp.ClientSession(trust_env=True)
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _private(self, respond: AsyncRespond, text: str) -> None:
        await self._respond(
            respond, **render.error_message(text).as_args(), response_type="ephemeral", replace_original=False
        )

    async def _unexpected(
        self, respond: AsyncRespond, what: str, body: Mapping[str, Any], context: AsyncBoltContext | None
    ) -> None:
        ref = new_ref()
        user_id, _ = _user(body)
        team = context.team_id if context is not None else (body.get("team") or {}).get("id") or body.get("team_id")
        log.exception("answering failed ref=%s request=%r workspace=slack:%s user=%s", ref, what, team, user_id)
        try:
            await self._private(respond, UNEXPECTED.format(ref=ref))
        except Exception:
            log.exception("could not tell the member about ref=%s", ref)
