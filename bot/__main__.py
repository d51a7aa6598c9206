"""Entry point: `python -m bot [console|run|sync|import FILE|export|samples update|extract FILE|backup PATH|
migrate --to URL]`.

With no subcommand: every configured platform (Discord, Slack) when one is, else the console on the
sample data. Settings are read here, once, and handed down with the store and the clock.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.console.console import Console, run_console, stdin_is_terminal, workspace_id
from bot.progress import progress_bar
from bot.runtime.logs import one_line_open_errors, quiet_foreign_warnings
from bot.runtime.loop import run as run_loop
from bot.runtime.platform import StartupError
from bot.runtime.platforms import configured_platforms
from bot.transfer_cli import export, import_file, sample_path, silence_stdout, update_samples
from commands.context import CoreSettings, SystemClock
from commands.errors import UserError
from config.settings import Settings, SettingsError, load_settings
from storage.contract import StoreContract
from storage.errors import StoreError
from storage.factory import backend_of, open_store
from storage.postgres.dump import dump_database
from storage.sqlite.backup import backup_database

log = logging.getLogger("hotline")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Hotline: a record of US–China contacts.")
    sub = parser.add_subparsers(dest="command")
    console = sub.add_parser("console", help="the commands in a terminal, against the embedded store")
    console.add_argument("--workspace", default="local", help="workspace name (default: local)")
    console.add_argument("--empty", action="store_true", help="do not load the sample data into a new store")
    sub.add_parser("run", help="run every configured platform: Discord (DISCORD_TOKEN), Slack (SLACK_BOT_TOKEN…)")
    sub.add_parser("sync", help="register the slash commands with Discord everywhere (needs DISCORD_TOKEN)")
    imp = sub.add_parser("import", help="import events from a JSON Lines file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--workspace", default="local")
    exp = sub.add_parser("export", help="write the workspace's events as JSON Lines to standard output")
    exp.add_argument("--workspace", default="local")
    samples = sub.add_parser("samples", help="the sample record")
    samples_sub = samples.add_subparsers(dest="samples_command", required=True)
    update = samples_sub.add_parser("update", help="add the sample's contacts (and aliases) a workspace lacks")
    update.add_argument("--workspace", default="local")
    extract = sub.add_parser("extract", help="read readouts (JSON Lines) into drafts, one JSON line each")
    extract.add_argument("file", type=Path)
    extract.add_argument("--workspace", help="resolve names against this workspace's people (default: the sample's)")
    backup = sub.add_parser("backup", help="copy the store to PATH, consistently, even while the bot runs")
    backup.add_argument("path", type=Path)
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    move = sub.add_parser(
        "migrate", help="copy the whole SQLite store (HOTLINE_DB) into an empty PostgreSQL database, and check it"
    )
    move.add_argument("--to", required=True, metavar="URL", help="the database: postgresql://user:password@host/db")
    return parser


def core_settings(settings: Settings) -> CoreSettings:
    return CoreSettings(
        default_timezone=settings.default_timezone,
        dormant_days=settings.dormant_days,
        fetch_allow_loopback=settings.fetch_allow_loopback,
        feed_interval_minutes=settings.feed_interval_minutes,
    )


async def _open_store(settings: Settings) -> StoreContract:
    """The store HOTLINE_DB names, its change feed where HOTLINE_DB_LISTEN says."""
    return await open_store(settings.store_location, listen_url=settings.db_listen_url)


async def _console(settings: Settings, workspace: str, empty: bool) -> int:
    clock = SystemClock()
    store = await _open_store(settings)
    try:
        ws = workspace_id(workspace)
        if not empty and not await store.audit_entries(ws, limit=1):
            summary = await import_file(store, clock, ws, sample_path())
            print(
                f"New store: loaded {summary.added} sample US–China contacts (2020–2026) into {ws} "
                f"at {settings.shown_location}.\nTo start empty instead: python -m bot console --empty "
                "(with HOTLINE_DB pointing at a new file).\n"
            )
        # The console prints each reply; the runner's per-command log line would only interleave.
        logging.getLogger("hotline.console").setLevel(max(logging.WARNING, logging.getLogger().level))
        console = Console(store, clock, core_settings(settings), ws, sys.stdout)
        failures = await run_console(console, sys.stdin, interactive=stdin_is_terminal())
    finally:
        await store.close()
    return 1 if failures else 0


async def _import(settings: Settings, path: Path, workspace: str) -> int:
    store = await _open_store(settings)
    try:
        # Two bars at a terminal (nothing when standard error is not one): the lines checked, then recorded.
        with (
            progress_bar(f"reading {path.name}") as reading,
            progress_bar("recording", unit="event") as recording,
        ):
            summary = await import_file(
                store, SystemClock(), workspace_id(workspace), path, reading=reading, recording=recording
            )
    finally:
        await store.close()
    for text in summary.lines(path.name):
        print(text)
    return 1 if summary.errors else 0


async def _export(settings: Settings, workspace: str) -> int:
    store = await _open_store(settings)
    try:
        count = await export(store, workspace_id(workspace), sys.stdout)
    finally:
        await store.close()
    print(f"exported {count} events", file=sys.stderr)
    return 0


async def _samples_update(settings: Settings, workspace: str) -> int:
    store = await _open_store(settings)
    try:
        update = await update_samples(store, SystemClock(), workspace_id(workspace))
    finally:
        await store.close()
    for text in update.lines(sample_path().name):
        print(text)
    return 1 if update.imported.errors else 0


def _backup(settings: Settings, path: Path, force: bool) -> int:
    if settings.db_url is not None:
        if backend_of(settings.db_url) != "postgresql":
            raise SettingsError(f"HOTLINE_DB names {settings.shown_location}: neither a SQLite file nor postgresql://")
        return run_loop(_backup_postgres(settings, path, force))
    # The file is copied as it is, without opening a Store: a backup must not migrate the database
    # it copies, and a database too new for this code is still worth a copy.
    with progress_bar(f"backing up {settings.db_path.name}", in_bytes=True) as progress:
        result = backup_database(settings.db_path, path, overwrite=force, progress=progress)
    print(
        f"backed up {settings.db_path} to {result.path}: {result.events} events, "
        f"{result.size // 1024} KiB, schema version {result.schema_version}, integrity ok"
    )
    return 0


async def _backup_postgres(settings: Settings, path: Path, force: bool) -> int:
    assert settings.db_url is not None
    one_line_open_errors()
    # pg_dump --verbose names each table as it starts its rows: the bar counts tables.
    with progress_bar("backing up with pg_dump", unit="table") as progress:
        result = await dump_database(settings.db_url, path, overwrite=force, progress=progress)
    print(
        f"backed up {settings.shown_location} to {result.path} with pg_dump {result.pg_dump_version} "
        f"(custom format): {result.tables} tables, {result.size // 1024} KiB, PostgreSQL {result.server_version}. "
        f"Restore into a new, empty database: pg_restore --no-owner --dbname=URL {result.path}"
    )
    return 0


async def _run(settings: Settings) -> int:
    from bot.runtime.service import NOT_CONFIGURED, serve

    if not configured_platforms(settings):
        raise SettingsError(NOT_CONFIGURED)  # before the store is touched
    store = await _open_store(settings)
    try:
        await serve(settings, store, SystemClock())
    finally:
        await store.close()
    return 0


async def _sync(settings: Settings) -> int:
    if not settings.discord.token:
        raise SettingsError(
            "DISCORD_TOKEN is not set: Discord mode needs the bot's token "
            "(without it, `python -m bot console` runs Hotline in the terminal)"
        )
    from bot.discord.platform import sync_commands  # imported only here: the console never loads discord.py

    store = await _open_store(settings)
    try:
        await sync_commands(settings.discord, store, SystemClock(), core_settings(settings))
    finally:
        await store.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_foreign_warnings()
    command = args.command or ("run" if configured_platforms(settings) else "console")
    try:
        if command == "console":
            return run_loop(_console(settings, getattr(args, "workspace", "local"), getattr(args, "empty", False)))
        if command == "import":
            return run_loop(_import(settings, args.file, args.workspace))
        if command == "export":
            return run_loop(_export(settings, args.workspace))
        if command == "samples":
            return run_loop(_samples_update(settings, args.workspace))
        if command == "extract":
            from bot.extract_cli import extract_file

            return run_loop(extract_file(settings.store_location, args.file, args.workspace))
        if command == "backup":
            return _backup(settings, args.path, args.force)
        if command == "migrate":
            from bot.migrate_cli import migrate_store

            return run_loop(migrate_store(settings, args.to))
        if command == "sync":
            return run_loop(_sync(settings))
        return run_loop(_run(settings))
    except (SettingsError, StoreError, UserError, OSError, sqlite3.Error) as exc:
        if isinstance(exc, BrokenPipeError):  # the reader of our output left (`export | head`): no error
            silence_stdout()
            return 0
        print(f"hotline: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line, not a traceback; the traceback is for the log
        log.debug("unexpected error", exc_info=True)
        print(
            f"hotline: unexpected error: {type(exc).__name__}: {exc} (HOTLINE_LOG_LEVEL=DEBUG shows where)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
