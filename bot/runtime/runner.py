"""The one way a command runs, whatever platform it came from.

An adapter turns what its platform received into an Invocation (who, which command, which options)
and calls `Runner.run`; it gets back an Outcome: the Reply to render, or the private text to show
the caller. Everything that must be the same on every platform happens here, once:

- dispatch through commands.surface (permission, coercion, the handler);
- a UserError becomes the caller's private error text, as it is;
- anything else is logged with a short reference, the command, its options, the workspace, the
  user and the channel, and the caller reads "Something went wrong (ref …)";
- after a command that changed the record, `after_write` runs (the runtime rebuilds digest jobs);
- each command ends with one log line: workspace, user, command, duration, outcome.

What stays in an adapter is only its platform's: answering in time (Discord's defer), rendering,
buttons, reading a confirmation. docs/ARCHITECTURE.md draws the whole path.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from charts.drawer import IN_PROCESS, Drawer
from commands.context import Caller, Clock, CoreSettings, Ctx
from commands.errors import UserError
from commands.platform import PlatformInfo
from commands.reply import Confirm, Reply
from commands.surface import COMMANDS, dispatch
from storage.contract import StoreContract

UNEXPECTED = "Something went wrong (ref {ref}). It has been logged for whoever runs Hotline."


@dataclass(frozen=True)
class Invocation:
    """One command as an adapter received it."""

    caller: Caller  # built by the adapter
    name: str  # "event add"
    args: Mapping[str, Any]
    channel: str | None = None  # where it was typed, for the log


@dataclass(frozen=True)
class Outcome:
    """How one command ended: a reply to show, or the private text for the caller."""

    reply: Reply | None  # set when the command succeeded
    error: str | None  # the UserError's message, or the "Something went wrong (ref …)" text
    ref: str | None = None  # the log's reference of an unexpected failure
    # The UserError itself, for an adapter that shows an error on the field it names (Slack's modal).
    user_error: UserError | None = None

    @property
    def ok(self) -> bool:
        return self.reply is not None


AfterWrite = Callable[[Invocation], Awaitable[None]]
# Completes the adapter's caller inside the runner's error handling (Discord reads the workspace's
# editor role from the store; a DM is refused): what it raises is reported like the command's own.
ResolveCaller = Callable[[Caller], Awaitable[Caller]]


class CommandObserver(Protocol):
    """Told of each command as it ends (the runtime's metrics): the same facts as the log line."""

    def command_done(self, platform: str, command: str, outcome: str, seconds: float) -> None: ...


def new_ref() -> str:
    return secrets.token_hex(4)


class Runner:
    def __init__(
        self,
        store: StoreContract,
        clock: Clock,
        core: CoreSettings,
        platform: PlatformInfo,
        *,
        after_write: AfterWrite | None = None,
        observer: CommandObserver | None = None,
        drawer: Drawer = IN_PROCESS,
    ) -> None:
        self.store = store
        self.clock = clock
        self.core = core
        self.platform = platform
        self.after_write = after_write
        self.observer = observer
        self.drawer = drawer
        # One logger per platform: a log line says where the command came from.
        self.log = logging.getLogger(f"hotline.{platform.name}")

    def for_platform(self, platform: PlatformInfo) -> Runner:
        """The same runner (store, clock, settings, after_write, drawer) for another platform's commands."""
        return Runner(
            self.store,
            self.clock,
            self.core,
            platform,
            after_write=self.after_write,
            observer=self.observer,
            drawer=self.drawer,
        )

    async def run(self, inv: Invocation, *, resolve: ResolveCaller | None = None) -> Outcome:
        """Run one command. Never raises (but CancelledError); logs one line when it ends."""
        started = time.monotonic()
        label = "ok"
        caller = inv.caller
        try:
            if resolve is not None:
                caller = await resolve(caller)
            ctx = Ctx(self.store, caller, self.clock, self.core, self.platform, inv.channel, self.drawer)
            reply = await dispatch(ctx, inv.name, inv.args)
            await self._after(inv)
            return Outcome(reply, None)
        except UserError as exc:
            label = f"refused ({type(exc).__name__})"
            return Outcome(None, str(exc), user_error=exc)
        except asyncio.CancelledError:
            label = "cancelled"
            raise
        except Exception:
            ref = new_ref()
            label = f"failed ref={ref}"
            self.log.exception(
                "command failed ref=%s command=/%s options=%r workspace=%s user=%s channel=%s",
                ref,
                inv.name,
                dict(inv.args),
                caller.workspace,
                caller.user_id,
                inv.channel,
            )
            return Outcome(None, UNEXPECTED.format(ref=ref), ref)
        finally:
            seconds = time.monotonic() - started
            self.log.info(
                "command workspace=%s user=%s command=/%s duration_ms=%d outcome=%s",
                caller.workspace,
                caller.user_id,
                inv.name,
                seconds * 1000,
                label,
            )
            self._observe(inv.name, label, seconds)

    def _observe(self, command: str, label: str, seconds: float) -> None:
        if self.observer is None:
            return
        try:
            self.observer.command_done(self.platform.name, command, label, seconds)
        except Exception:
            # Counting a command must never change how it ended.
            self.log.exception("the command observer failed for /%s", command)

    async def confirm(self, inv: Invocation, confirm: Confirm, *, resolve: ResolveCaller | None = None) -> Outcome:
        """The confirmed re-run of a command that asked to be confirmed (Reply.confirm), by the same caller."""
        confirmed = Invocation(inv.caller, confirm.command, {**confirm.args, "confirmed": True}, inv.channel)
        return await self.run(confirmed, resolve=resolve)

    async def _after(self, inv: Invocation) -> None:
        command = COMMANDS.get(inv.name)
        if self.after_write is None or command is None or not command.writes:
            return
        try:
            await self.after_write(inv)
        except Exception:
            # The change is committed and the caller should hear so; what follows it (the digest
            # jobs) is rebuilt again at the next write or restart.
            self.log.exception("after the write of /%s, updating what follows it failed", inv.name)
