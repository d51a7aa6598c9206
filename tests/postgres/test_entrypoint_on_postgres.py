"""HOTLINE_DB naming a PostgreSQL URL: the same entry points, nothing else to change."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from config.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


async def run_bot(url: str, *args: str, stdin: str = "") -> tuple[int, str, str]:
    env = {**os.environ, "HOTLINE_DB": url, "HOTLINE_LOG_LEVEL": "WARNING"}
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "HOTLINE_CONFIG"):
        env.pop(name, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_the_console_on_postgres_loads_the_sample_and_answers(pg_url: str) -> None:
    code, out, err = await run_bot(pg_url, "console", stdin="/lastcall\n/search query:taiwan\n")
    assert code == 0, (out, err)
    assert "loaded 113 sample US–China contacts" in out
    assert "Latest contact: Donald J. Trump ↔ Xi Jinping" in out
    # Export reads the same record back from PostgreSQL.
    code, out, err = await run_bot(pg_url, "export")
    assert code == 0, err
    assert len(out.splitlines()) == 113


def test_a_database_url_keeps_its_slashes_and_hides_its_password() -> None:
    settings = load_settings({"HOTLINE_DB": "postgresql://hotline:s3cret@127.0.0.1:5432/hotline"})
    assert settings.store_location == "postgresql://hotline:s3cret@127.0.0.1:5432/hotline"
    assert "s3cret" not in repr(settings) and "postgresql://hotline:***@127.0.0.1:5432/hotline" in repr(settings)
    assert load_settings({"HOTLINE_DB": "data/x.db"}).store_location == "data/x.db"
