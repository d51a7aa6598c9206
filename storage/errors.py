"""What the store refuses. commands/ turns these into messages for the user."""

from __future__ import annotations

from storage.records import Draft


class StoreError(Exception):
    pass


class SchemaTooNew(StoreError):
    def __init__(self, found: int, known: int, elsewhere: str = "another file") -> None:
        """`elsewhere`: what else HOTLINE_DB could name (a file for SQLite, a database for PostgreSQL)."""
        super().__init__(
            f"the database is at schema version {found}, newer than this Hotline knows ({known}); "
            f"upgrade Hotline or point HOTLINE_DB at {elsewhere}"
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


class WriteFailed(StoreError):
    """The database could not take a write for a reason outside the record itself: locked by another
    process past the busy timeout, full, read-only, or failing. The transaction was rolled back."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(f"the record could not be saved: {reason}; nothing was changed")
        self.reason = reason
        self.code = code  # the SQLite error name, e.g. SQLITE_BUSY, for the log


class OpenFailed(StoreError):
    """The database file cannot be opened: the process should say why and stop."""


class BackupFailed(StoreError):
    """A backup could not be made; no partial copy is left at the target path."""


class BackendIncomplete(OpenFailed):
    """HOTLINE_DB names a backend whose store does not yet do everything commands/ asks of a store."""

    def __init__(self, backend: str, missing: list[str]) -> None:
        super().__init__(
            f"the {backend} store cannot be used yet: it lacks {len(missing)} of the store's methods "
            f"({', '.join(missing)}); point HOTLINE_DB at a SQLite file meanwhile"
        )
        self.backend = backend
        self.missing = missing


class DraftDecided(StoreError):
    """The draft was recorded or discarded already; nothing was changed."""

    def __init__(self, draft: Draft) -> None:
        how = f"recorded as event #{draft.event_id}" if draft.status == "recorded" and draft.event_id else draft.status
        super().__init__(f"draft #{draft.id} was already {how}")
        self.draft = draft
