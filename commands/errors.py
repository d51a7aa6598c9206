"""Errors a user can fix. Anything else escaping commands/ is a bug."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action: shown privately to the caller, nothing written."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = f"{field}: {message}" if field else message

    def __str__(self) -> str:
        return self.message


class NotFound(UserError):
    """An unknown id, or one of another workspace: both read the same on purpose."""


class Forbidden(UserError):
    """The caller may not change the record."""
