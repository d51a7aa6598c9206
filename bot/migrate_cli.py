"""`python -m bot migrate --to postgresql://…`: the SQLite store that HOTLINE_DB names, copied whole into an
empty PostgreSQL database (storage/postgres/from_sqlite.py), with a bar per table at a terminal and the
counts of both sides printed at the end."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

from bot.progress import progress_bar
from bot.runtime.logs import one_line_open_errors
from config.settings import Settings, SettingsError, hide_password
from storage.factory import open_store
from storage.postgres.from_sqlite import CountsDiffer, copy_sqlite_store, sqlite_schema_version
from storage.postgres.pool import is_postgres_url
from storage.records import Progress
from storage.sqlite.schema import SCHEMA_VERSION


def _bar(description: str, unit: str) -> AbstractContextManager[Progress | None]:
    return progress_bar(description, unit=unit)


async def migrate_store(settings: Settings, target: str) -> int:
    """0 when the copy is made and every count matches; 1 when a count differs (the copy is rolled back).
    Refusals raise SettingsError or StoreError, which the entry point prints in one line."""
    if settings.db_url is not None:
        raise SettingsError(
            f"migrate copies a SQLite store, and HOTLINE_DB names {settings.shown_location}: "
            "set HOTLINE_DB to the SQLite file to copy, and give the PostgreSQL database with --to"
        )
    if not is_postgres_url(target):
        raise SettingsError(
            f"--to {hide_password(target)!r} is not a PostgreSQL database: "
            "give a postgresql://user:password@host/db URL"
        )
    one_line_open_errors()
    source = settings.db_path
    version = sqlite_schema_version(source)
    if version < SCHEMA_VERSION:
        # The same migration every start of Hotline applies: the copy reads the current schema only.
        store = await open_store(str(source))
        await store.close()
        print(f"brought the SQLite store {source} from schema version {version} to {SCHEMA_VERSION} first")
    shown = hide_password(target)
    try:
        report = await copy_sqlite_store(source, target, bars=_bar)
    except CountsDiffer as exc:
        for line in exc.report.lines():
            print(line)
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    rate = report.copied_rows / report.seconds if report.seconds else 0.0
    analyzed = (
        f"planner statistics gathered in {report.analyze_seconds:.1f} s"
        if report.analyze_seconds is not None
        else "planner statistics not gathered (ANALYZE failed; autovacuum will gather them)"
    )
    print(
        f"copied {source} into {shown} in {report.seconds:.1f} s: {report.copied_rows:,} rows "
        f"({rate:,.0f} rows/s), PostgreSQL schema version {report.schema_version}; {analyzed}"
    )
    for line in report.lines():
        print(line)
    print(
        "every count matches. To run on it: stop Hotline, set HOTLINE_DB to the PostgreSQL URL, start Hotline "
        "(the SQLite file stays as it was; anything written to it after this copy began is not in the copy)"
    )
    return 0
