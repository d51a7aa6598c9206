"""The Discord token: Discord mode refuses to start without it, saying what is missing; and with it set,
it appears in no output, log line, error, export, backup or database file of the entry points that
run here without Discord (the Discord adapter's own logs are checked with the fake Discord)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTAxNzk5ODg4.GxTOKENx.never-show-this-secret-7f3a9c"
PIECES = (TOKEN, "never-show-this-secret", "GxTOKENx")  # nor a recognisable part of it


def bot(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "HOTLINE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=base | env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["run", "sync"])
@pytest.mark.parametrize("token", [None, "", "   "])
def test_discord_mode_without_a_token_is_refused_clearly(tmp_path: Path, command: str, token: str | None) -> None:
    env = {"HOTLINE_DB": str(tmp_path / "hotline.db")} | ({} if token is None else {"DISCORD_TOKEN": token})
    done = bot(command, env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("hotline: DISCORD_TOKEN is not set: Discord mode needs the bot's token")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "hotline.db").exists(), "refused before it touched the store"


def test_the_token_appears_in_no_output_log_export_or_file(tmp_path: Path) -> None:
    db = tmp_path / "hotline.db"
    env = {"DISCORD_TOKEN": TOKEN, "HOTLINE_DB": str(db), "HOTLINE_LOG_LEVEL": "DEBUG"}
    commands = "\n".join(
        [
            "/hotline help",
            "/lastcall with:austin",
            "/event add date:2022-13-45 us:x cn:y kind:call",  # refused
            "/search query:militaries",
            "/nonsense",
            "/event show id:99999",
        ]
    )
    runs = [
        bot("console", env=env, stdin=commands),  # loads the samples, prints replies and errors
        bot("export", env=env),
        bot("import", str(tmp_path / "missing.jsonl"), env=env),
        bot("backup", str(tmp_path / "copy.db"), env=env),
        bot("backup", str(tmp_path / "copy.db"), env=env),  # refused: it exists
        bot("console", env=env | {"HOTLINE_TIMEZONE": "Mars/Base"}),  # a settings error
        bot("console", env=env | {"HOTLINE_DB": str(tmp_path)}),  # a store that cannot open
    ]
    assert runs[0].stdout.count("Error:") >= 3 and '"date": "' in runs[1].stdout and runs[3].returncode == 0
    assert all(r.returncode != 0 for r in runs[4:]), [r.stderr for r in runs[4:]]
    assert not [r.stderr for r in runs if "Traceback" in r.stderr], "every failure is a clear message"
    (tmp_path / "export.jsonl").write_text(runs[1].stdout, encoding="utf-8")
    texts = {f"run {i} {stream}": getattr(r, stream) for i, r in enumerate(runs) for stream in ("stdout", "stderr")}
    for path in tmp_path.iterdir():
        if path.is_file():
            texts[path.name] = path.read_bytes().decode("utf-8", errors="replace")
    assert "copy.db" in texts and "hotline.db" in texts and "export.jsonl" in texts
    for where, text in texts.items():
        for piece in PIECES:
            assert piece not in text, f"the token shows in {where}"
