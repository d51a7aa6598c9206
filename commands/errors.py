"""Errors a user can fix. Anything else escaping commands/ is a bug."""

from __future__ import annotations

# Messages quote the value they refuse, and a value can be 10,000 characters long (fuzzing found
# 10,000-character errors). Past this length the middle is cut: the start says which field and what
# is wrong, the end what would be right.
MESSAGE_LIMIT = 500
_HEAD = 290


def shorten(message: str) -> str:
    if len(message) <= MESSAGE_LIMIT:
        return message
    return f"{message[:_HEAD]}…{message[len(message) - (MESSAGE_LIMIT - _HEAD - 1) :]}"


class UserError(Exception):
    """Bad input or a refused action: shown privately to the caller, nothing written."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = shorten(f"{field}: {message}" if field else message)

    def __str__(self) -> str:
        return self.message


class NotFound(UserError):
    """An unknown id, or one of another workspace: both read the same on purpose."""


class Forbidden(UserError):
    """The caller may not change the record."""
