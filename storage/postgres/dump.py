"""A backup of a PostgreSQL store (`python -m bot backup PATH` when HOTLINE_DB is a postgresql:// URL): the
operator's own pg_dump, found on PATH, writing its custom format (-Fc), which pg_restore reads back.

pg_dump reads the database in one snapshot of its own, so the dump is consistent while Hotline keeps
writing. The password travels in the PGPASSWORD environment variable, never on pg_dump's command line,
where any user of the machine could read it. The dump is written beside the target and renamed onto it
once pg_dump has finished well: the target is never half a dump.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from storage.errors import BackupFailed
from storage.postgres.pool import open_pool, redact
from storage.records import Progress
from storage.sqlite.backup import fsync_path

# pg_dump --verbose says this as it starts each table's rows: what the progress counts.
_TABLE_STARTED = re.compile(r'dumping contents of table "?([^"]+)"?')
_VERSION = re.compile(r"\)\s*(\d+)(?:\.(\d+))?")
# Its own lines that say what went wrong (the rest of --verbose is a log of its work).
_TROUBLE = re.compile(r"^pg_dump: (error|detail|hint|warning): ")
# The magic bytes at the start of a custom-format archive.
ARCHIVE_MAGIC = b"PGDMP"
CONNECT_TIMEOUT_S = 10
# Tables whose rows pg_dump dumps: ordinary tables outside PostgreSQL's own schemas.
_TABLES = (
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'"
    " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
)


@dataclass(frozen=True)
class DumpResult:
    path: Path
    size: int  # bytes
    tables: int  # tables whose rows were dumped
    server_version: str
    pg_dump_version: str


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without its password (in the user part or as a `password` parameter), and the password."""
    parts = urlsplit(url)
    password = unquote(parts.password) if parts.password is not None else None
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{host}"
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() == "password":
            password = value
        else:
            query.append((key, value))
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query))), password


async def dump_database(
    url: str, target: Path, *, overwrite: bool = False, progress: Progress | None = None
) -> DumpResult:
    """Dump the database at `url` to `target` with pg_dump. BackupFailed (no file left behind) if pg_dump is
    missing, fails or refuses (an older pg_dump than the server: its message, and what to install);
    OpenFailed if the database cannot be reached. `progress` is told (tables dumped, tables in all)."""
    target = Path(target)
    if not target.parent.is_dir():
        raise BackupFailed(f"cannot back up to {target}: the folder {target.parent} does not exist")
    if target.exists() and not overwrite:
        raise BackupFailed(f"{target} already exists; give a new path (or --force to replace it)")
    server, tables = await _server_facts(url)
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupFailed(
            "pg_dump was not found on PATH: a PostgreSQL store is backed up with PostgreSQL's own pg_dump; "
            f"install the PostgreSQL client programs of version {_major(server)} or newer "
            f"(Debian and Ubuntu: postgresql-client-{_major(server)}; macOS: brew install libpq) and put them on PATH"
        )
    version = await _pg_dump_version(program)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        await _run_pg_dump(program, url, partial, tables, progress, server, version)
        with partial.open("rb") as written:
            if written.read(len(ARCHIVE_MAGIC)) != ARCHIVE_MAGIC:
                raise BackupFailed(f"pg_dump finished but {partial.name} is not a custom-format archive")
        fsync_path(partial)
        os.replace(partial, target)
        fsync_path(target.parent)
    except OSError as exc:
        raise BackupFailed(f"could not back up {redact(url)} to {target}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return DumpResult(target, target.stat().st_size, tables, server, version)


async def _server_facts(url: str) -> tuple[str, int]:
    """The server's version and how many tables pg_dump will dump (OpenFailed if it cannot be reached)."""
    pool = await open_pool(url, min_size=1, max_size=1)
    try:
        version = str(await pool.fetchval("SHOW server_version"))
        tables = int(await pool.fetchval(_TABLES))
    finally:
        await pool.close()
    return version, tables


async def _pg_dump_version(program: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        program, "--version", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    text = out.decode(errors="replace").strip()
    match = _VERSION.search(text)
    if proc.returncode != 0 or match is None:
        raise BackupFailed(f"{program} --version did not say which version it is: {text[:200]!r}")
    return match[1] + (f".{match[2]}" if match[2] else "")


async def _run_pg_dump(
    program: str, url: str, out: Path, tables: int, progress: Progress | None, server: str, version: str
) -> None:
    plain_url, password = split_password(url)
    env = {**os.environ, "PGCONNECT_TIMEOUT": str(CONNECT_TIMEOUT_S)}
    if password is not None:
        env["PGPASSWORD"] = password
    proc = await asyncio.create_subprocess_exec(
        program,
        "--format=custom",
        f"--file={out}",
        "--verbose",
        f"--dbname={plain_url}",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert proc.stderr is not None
    trouble: list[str] = []
    done = 0
    async for raw in proc.stderr:
        line = raw.decode(errors="replace").rstrip()
        if _TABLE_STARTED.search(line):
            done += 1
            if progress is not None:
                progress(done, max(tables, done))
        elif _TROUBLE.match(line):
            trouble.append(line.removeprefix("pg_dump: ").removeprefix("error: "))
    if await proc.wait() != 0:
        said = "; ".join(trouble) or f"it exited with {proc.returncode}"
        hint = ""
        if _major(version) < _major(server):
            hint = (
                f". This pg_dump is version {version} and the server {server}: pg_dump cannot dump a newer "
                f"server. Install the PostgreSQL client programs of version {_major(server)} or newer "
                f"(Debian and Ubuntu: postgresql-client-{_major(server)}) and put them first on PATH"
            )
        raise BackupFailed(f"pg_dump failed: {said}{hint}")
    if progress is not None:
        progress(done, done)


def _major(version: str) -> int:
    match = re.match(r"\d+", version)
    return int(match[0]) if match else 0
