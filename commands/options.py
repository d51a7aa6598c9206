"""Coercion of option values, whoever collected them (console strings or typed Discord values)."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from commands import validate
from commands.common import event_id
from commands.errors import UserError
from commands.platform import PLAIN, PlatformInfo

if TYPE_CHECKING:
    from commands.surface import Command

_SURROGATE = re.compile("[\ud800-\udfff]")


def param_name(option: str) -> str:
    """Python name of an option's parameter: `with` is a keyword, so its handler takes `with_`."""
    return option + "_" if keyword.iskeyword(option) else option


def coerce_args(command: Command, args: Mapping[str, Any], platform: PlatformInfo = PLAIN) -> dict[str, Any]:
    """The handler's arguments from the values collected; errors name commands as `platform` types them."""
    values: dict[str, Any] = {}
    for name, raw in args.items():
        option = command.option(name)
        if option is None:
            known = ", ".join(o.name for o in command.options if o.name != "confirmed") or "none"
            raise UserError(f"{platform.usage(command.name)} has no option {name!r}; its options are: {known}")
        if raw is None:
            continue
        if isinstance(raw, str) and _SURROGATE.search(raw):
            # A lone UTF-16 surrogate (JSON may carry "\ud800") cannot be encoded for SQLite: every
            # store call with it raised UnicodeEncodeError (fuzzing found it). Refuse it here, once.
            raise UserError("contains characters that are not valid text (unpaired surrogates)", field=name)
        if option.type == "int":
            value: Any = validate.integer(name, raw, option.min, option.max)
        elif option.type == "event":
            value = event_id(raw, name)
        elif option.type == "bool":
            if isinstance(raw, bool):
                value = raw
            elif str(raw).strip().lower() in ("yes", "true", "1"):
                value = True
            elif str(raw).strip().lower() in ("no", "false", "0"):
                value = False
            else:
                raise UserError(f"{raw!r} is not yes or no", field=name)
        elif option.type == "choice":
            value = validate.choice(name, str(raw), option.choices)
        else:
            # Text options take text only: a number where a name belongs is a client's bug, not a name.
            if not isinstance(raw, str):
                raise UserError(f"expected text, got {type(raw).__name__}", field=name)
            value = str(raw)
        values[param_name(name)] = value
    for option in command.options:
        if option.required and param_name(option.name) not in values:
            from commands.surface import named_for  # local: the surface imports this module when it runs

            raise UserError(
                f"missing; {platform.usage(command.name)} needs it ({named_for(platform, option.description)})",
                field=option.name,
            )
    return values
