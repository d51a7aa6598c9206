"""What the store refuses. commands/ turns these into messages for the user."""

from __future__ import annotations


class StoreError(Exception):
    pass


class SchemaTooNew(StoreError):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the database is at schema version {found}, newer than this Hotline knows ({known}); "
            "upgrade Hotline or point HOTLINE_DB at another file"
        )
        self.found = found
        self.known = known


class DuplicateEvent(StoreError):
    def __init__(self, event_id: int) -> None:
        super().__init__(f"duplicate of event #{event_id}")
        self.event_id = event_id


class RecordMissing(StoreError):
    """The id is unknown in this workspace (or belongs to another: the same thing to the caller)."""

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"no {what} {ident}")
        self.what = what
        self.ident = ident


class Conflict(StoreError):
    """A uniqueness rule: e.g. a person of that name already exists."""
