"""The command surface (docs/ARCHITECTURE.md) as data, and the one entry point adapters call.

Each adapter (console, Discord, Slack) reads COMMANDS for names, option names, types,
choices and descriptions, and calls `dispatch` with the values it collected. Values may
arrive as strings (the console) or already typed (Discord); `dispatch` coerces and checks
both the same way, so a bad value reads the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from commands import (
    concerns,
    digest,
    events,
    feeds,
    hotline,
    lastcall,
    people,
    questions,
    readout,
    search,
    timeline,
)
from commands.context import Ctx
from commands.errors import UserError
from commands.platform import PlatformInfo
from commands.reply import Reply
from storage.errors import WriteFailed
from storage.vocab import EVENT_STATUSES, KINDS, QUESTION_STATUSES, REQUESTERS, TRACKS

OptionType = Literal[
    "text",  # free text
    "int",  # whole number within min/max
    "date",  # YYYY-MM-DD, today, yesterday, a weekday name
    "choice",  # one of `choices`
    "channel",  # a channel id
    "role",  # a role id
    "person",  # one person's name or alias (autocomplete: people)
    "people",  # names separated by commas (autocomplete: people)
    "issue",  # an issue slug, title or alias (autocomplete: issues)
    "issues",  # issues separated by commas (autocomplete: issues)
    "event",  # an event id (autocomplete: events)
    "url",  # an http(s) URL
    "bool",
]

Handler = Callable[..., Awaitable[Reply]]


@dataclass(frozen=True)
class Option:
    name: str
    type: OptionType
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class Command:
    name: str  # "lastcall", "event add"
    description: str
    handler: Handler
    options: tuple[Option, ...] = ()
    writes: bool = False  # changes the record: editors only
    hidden: bool = False  # internal (e.g. the confirmed re-run of a delete)
    # The option that words typed after the command fill without "option:" (/hotline help event).
    rest: str | None = None

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


SIDE_CHOICES = ("us", "china")
# Ids stop at the largest integer Discord (JSON, JavaScript) carries exactly; it also keeps lookups far
# from SQLite's 64-bit limit, past which they would overflow instead of finding nothing.
MAX_ID = 2**53 - 1
WHO = "A person (name or alias) or a side: us, china"
EDIT_FIELDS = (
    "date",
    "kind",
    "track",
    "minutes",
    "requested_by",
    "location",
    "summary",
    "source",
    "status",
    "us",
    "cn",
    "time",
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_commands = (
    Command(
        "lastcall",
        "The latest contact, with what it means",
        lastcall.lastcall,
        (
            Option("with", "person", WHO),
            Option("track", "choice", "Only this track", choices=TRACKS),
        ),
    ),
    Command(
        "timeline",
        "A picture of contacts over time: a lane per track, the longest gaps, the latest contact",
        timeline.timeline,
        (
            Option("with", "person", WHO + " (a person: a lane per pair of offices)"),
            Option("track", "choice", "Only this track", choices=TRACKS),
            Option("since", "date", "From this date"),
            Option("until", "date", "Up to this date"),
            Option("issue", "issue", "Only contacts where this issue was raised"),
        ),
    ),
    Command(
        "event add",
        "Record a contact event",
        events.event_add,
        (
            Option("date", "date", "YYYY-MM-DD, today, yesterday or a weekday name", required=True),
            Option("us", "people", "US participants, separated by commas", required=True),
            Option("cn", "people", "Chinese participants, separated by commas", required=True),
            Option("kind", "choice", "What kind of contact", required=True, choices=KINDS),
            Option("track", "choice", "Track (derived from the participants' offices if left out)", choices=TRACKS),
            Option("minutes", "int", "Duration in minutes", min=1, max=1440),
            Option("requested_by", "choice", "Which side asked for it", choices=REQUESTERS),
            Option("location", "text", "Where it took place"),
            Option("summary", "text", "What happened, in a few sentences"),
            Option("source", "url", "Link to a readout or report (several: separate with spaces)"),
            Option(
                "status", "choice", "held (default), planned, declined, postponed or cancelled", choices=EVENT_STATUSES
            ),
            Option("us_raised", "issues", "Issues the US raised, separated by commas"),
            Option("cn_raised", "issues", "Issues China raised, separated by commas"),
        ),
        writes=True,
    ),
    Command(
        "event show",
        "Show one contact event in full",
        events.event_show,
        (Option("id", "event", "Event id", required=True),),
    ),
    Command(
        "event edit",
        "Change one field of an event",
        events.event_edit,
        (
            Option("id", "event", "Event id", required=True),
            Option("field", "choice", "Which field", required=True, choices=EDIT_FIELDS),
            Option("value", "text", "The new value (empty clears an optional field)", required=True),
        ),
        writes=True,
    ),
    Command(
        "event delete",
        "Delete an event (asks to confirm)",
        events.event_delete,
        (
            Option("id", "event", "Event id", required=True),
            Option("confirmed", "bool", "Set by the confirmation step"),
        ),
        writes=True,
    ),
    Command(
        "event list",
        "List contact events, newest first",
        events.event_list,
        (
            Option("since", "date", "From this date"),
            Option("until", "date", "Up to this date"),
            Option("with", "person", WHO),
            Option("track", "choice", "Only this track", choices=TRACKS),
            Option("issue", "issue", "Only events where this issue was raised"),
            Option(
                "status", "choice", "Only events of this status (declined: refused requests)", choices=EVENT_STATUSES
            ),
        ),
    ),
    Command(
        "concern add",
        "Record one side's stated concern or position",
        concerns.concern_add,
        (
            Option("issue", "issue", "The issue", required=True),
            Option("side", "choice", "Whose concern", required=True, choices=SIDE_CHOICES),
            Option("text", "text", "What was said", required=True),
            Option("event", "event", "The event where it was raised"),
            Option("by", "person", "Who said it"),
            Option("date", "date", "When (defaults to the event's date, or today)"),
            Option("source", "url", "Link to where it was said"),
        ),
        writes=True,
    ),
    Command(
        "positions",
        "Each side's latest stated position on an issue, then its history",
        concerns.positions,
        (
            Option("issue", "issue", "The issue", required=True),
            Option("side", "choice", "Only this side", choices=SIDE_CHOICES),
        ),
    ),
    Command(
        "question add",
        "Record an open question",
        questions.question_add,
        (
            Option("text", "text", "The question", required=True),
            Option("issue", "issue", "The issue it concerns"),
            Option("event", "event", "The event it follows from"),
        ),
        writes=True,
    ),
    Command(
        "question answer",
        "Answer an open question",
        questions.question_answer,
        (
            Option("id", "int", "Question id", required=True, min=1, max=MAX_ID),
            Option("answer", "text", "The answer", required=True),
            Option("source", "url", "Link to where the answer comes from"),
        ),
        writes=True,
    ),
    Command(
        "question drop",
        "Drop a question nobody will answer",
        questions.question_drop,
        (
            Option("id", "int", "Question id", required=True, min=1, max=MAX_ID),
            Option("reason", "text", "Why it is dropped"),
        ),
        writes=True,
    ),
    Command(
        "questions",
        "List questions, oldest open first",
        questions.questions_list,
        (
            Option("status", "choice", "open (default), answered or dropped", choices=QUESTION_STATUSES),
            Option("issue", "issue", "Only this issue"),
        ),
    ),
    Command(
        "person add",
        "Add a person",
        people.person_add,
        (
            Option("name", "text", "Full name", required=True),
            Option("side", "choice", "us, china or other", required=True, choices=("us", "china", "other")),
            Option("title", "text", "Current title"),
            Option("aliases", "text", "Other spellings and short forms, separated by commas"),
        ),
        writes=True,
    ),
    Command(
        "person show",
        "Show a person and their contacts",
        people.person_show,
        (Option("name", "person", "Name or alias", required=True),),
    ),
    Command(
        "search",
        "Search summaries, concerns, questions and people",
        search.search,
        (Option("query", "text", "Words to look for", required=True),),
    ),
    Command(
        "digest preview",
        "The digest of the last days, as it would be posted",
        digest.digest_preview,
        (
            Option("days", "int", "How many days back (default 7)", min=1, max=366),
            Option("chart", "bool", "Add the chart of the last twelve months (default yes)"),
        ),
    ),
    Command(
        "digest subscribe",
        "Post the digest in a channel on a schedule",
        digest.digest_subscribe,
        (
            Option("channel", "channel", "Where to post", required=True),
            Option("weekday", "choice", "Day of the week (default monday)", choices=WEEKDAYS),
            Option("time", "text", "Local time HH:MM (default 09:00)"),
            Option("timezone", "text", "IANA time zone, e.g. America/New_York (default: the workspace's)"),
            Option("role", "role", "A role to ping with each digest (default: nobody)"),
            Option("chart", "bool", "Add a chart of the last twelve months (default yes)"),
        ),
        writes=True,
    ),
    Command(
        "digest unsubscribe",
        "Stop posting the digest in a channel",
        digest.digest_unsubscribe,
        (Option("channel", "channel", "The channel", required=True),),
        writes=True,
    ),
    Command(
        "digest pause",
        "Pause a channel's digest",
        digest.digest_pause,
        (Option("channel", "channel", "The channel", required=True),),
        writes=True,
    ),
    Command(
        "digest resume",
        "Resume a paused digest",
        digest.digest_resume,
        (Option("channel", "channel", "The channel", required=True),),
        writes=True,
    ),
    Command("digest status", "The workspace's digest subscriptions", digest.digest_status),
    Command(
        "hotline editors",
        "Set the role that may change the record",
        hotline.editors,
        (Option("role", "role", "The editor role", required=True),),
        writes=True,
    ),
    Command(
        "hotline office",
        "Teach Hotline another way of writing an office's title",
        hotline.office,
        (
            Option("side", "choice", "Whose office", required=True, choices=SIDE_CHOICES),
            Option("form", "text", "The title as reports write it, e.g. Pentagon chief", required=True),
            Option("office", "text", "The office it means (a known title), or a new office's title", required=True),
            Option("track", "choice", "The track of a new office", choices=TRACKS),
        ),
        writes=True,
    ),
    Command(
        "hotline offices",
        "The offices Hotline knows and how their titles are written",
        hotline.offices,
        (Option("side", "choice", "Only this side", choices=SIDE_CHOICES),),
    ),
    Command(
        "hotline timezone",
        "Set the workspace's time zone (for today, yesterday and weekdays)",
        hotline.timezone,
        (Option("timezone", "text", "IANA time zone, e.g. America/New_York", required=True),),
        writes=True,
    ),
    Command(
        "hotline help",
        "What Hotline does and how to use it",
        hotline.help_,
        (Option("command", "text", "A command or a group of them, for details: event, event add, digest…"),),
        rest="command",
    ),
    Command(
        "readout",
        "Read an official readout into a draft event to review (no option: a form to paste it in)",
        readout.readout,
        (
            Option("url", "url", "The readout's address (http or https): fetched, or with text: its source"),
            Option("text", "text", "The readout's text, pasted"),
            Option("published", "date", "When it was published, for its today and yesterday (default: the page's)"),
        ),
        # Stores a draft (not the record): the drafts are the editors' to review.
        writes=True,
    ),
    Command(
        "readout record",
        "Record a readout's draft (its Record button)",
        readout.readout_record,
        (Option("draft", "int", "Draft id", required=True, min=1, max=MAX_ID),),
        writes=True,
        hidden=True,
    ),
    Command(
        "readout edit",
        "Correct a readout's draft (its Edit button); without fields, the form",
        readout.readout_edit,
        (
            Option("draft", "int", "Draft id", required=True, min=1, max=MAX_ID),
            Option("date", "text", "YYYY-MM-DD, today, yesterday or a weekday name (empty: unknown)"),
            Option("kind", "text", "call, video, meeting, summit, visit, talks or request"),
            Option("us", "text", "US participants: Name (Title), separated by commas"),
            Option("cn", "text", "Chinese participants: Name (Title), separated by commas"),
            Option("details", "text", "location: …; requested_by: us or china; minutes: …"),
        ),
        writes=True,
        hidden=True,
    ),
    Command(
        "readout discard",
        "Discard a readout's draft (its Discard button)",
        readout.readout_discard,
        (Option("draft", "int", "Draft id", required=True, min=1, max=MAX_ID),),
        writes=True,
        hidden=True,
    ),
    Command(
        "feed add",
        "Watch an official feed: new readouts of US–China contacts are posted as drafts",
        feeds.feed_add,
        (
            Option("url", "url", "The RSS or Atom feed's address", required=True),
            Option("channel", "channel", "Where the drafts go (default: this channel)"),
        ),
        writes=True,
    ),
    Command("feed list", "The watched feeds and their health", feeds.feed_list),
    Command(
        "feed remove",
        "Stop watching a feed",
        feeds.feed_remove,
        (Option("feed", "text", "The feed's number (from /feed list) or its URL", required=True),),
        writes=True,
    ),
    Command(
        "feed pause",
        "Pause a feed",
        feeds.feed_pause,
        (Option("feed", "text", "The feed's number (from /feed list) or its URL", required=True),),
        writes=True,
    ),
    Command(
        "feed resume",
        "Resume a paused feed (or retry a failing one now)",
        feeds.feed_resume,
        (Option("feed", "text", "The feed's number (from /feed list) or its URL", required=True),),
        writes=True,
    ),
)

COMMANDS: dict[str, Command] = {c.name: c for c in _commands}
_FAMILIES = frozenset(name.split()[0] for name in COMMANDS)
# A command named in shared text: a slash that opens a word (not one inside a URL or "and/or"), and
# the word after it, which may make a two-word name.
_NAMED = re.compile(r"(?<![\w/:.<])/([a-z]+)(?: ([a-z]+))?")


def named_for(platform: PlatformInfo, text: str) -> str:
    """Shared text (a command's or option's description, a store's message) names commands as Discord
    and the console type them ("from /feed list"); this is the text with each named as `platform`
    types it ("from /hotline feed list" on Slack). Text that names them so already is left as it is."""

    def typed(match: re.Match[str]) -> str:
        first, second = match.group(1), match.group(2)
        if second and f"{first} {second}" in COMMANDS:
            return platform.usage(f"{first} {second}")
        if first in _FAMILIES:
            return platform.usage(first) + (f" {second}" if second else "")
        return match.group(0)

    return _NAMED.sub(typed, text)


async def dispatch(ctx: Ctx, name: str, args: Mapping[str, Any]) -> Reply:
    """Run one command: check the caller may, coerce and check the options, call the handler."""
    from commands.options import coerce_args  # local: options imports surface types

    command = COMMANDS.get(name)
    if command is None:
        raise UserError(f"unknown command {ctx.platform.usage(name)}; try {ctx.platform.usage('hotline help')}")
    if command.writes and not ctx.caller.is_editor:
        raise_forbidden(ctx)
    values = coerce_args(command, args, ctx.platform)
    try:
        return await command.handler(ctx, **values)
    except WriteFailed as exc:
        # The database could not take the write (locked, full, read-only): the store has rolled it
        # back and logged the cause; the caller reads what happened and that nothing changed.
        raise UserError(str(exc)) from exc


def raise_forbidden(ctx: Ctx) -> None:
    from commands.errors import Forbidden

    raise Forbidden(
        f"only editors may change the record: {ctx.platform.editors} or the editor "
        f"{ctx.platform.role_word} set by {ctx.platform.usage('hotline editors')}"
    )
