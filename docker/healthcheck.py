"""The container's health check: the running bot's own /healthz, or else the store on the volume.

With HOTLINE_HTTP_PORT set (the image sets it), it asks http://127.0.0.1:PORT/healthz of the bot in
this container: healthy only if the bot answers 200, that is its store answers and every platform is
connected. Without it, it can only prove that the store on the volume opens, passes quick_check and
has a schema (read-only: a health check must never be what writes or locks the store).
Exit 0 when healthy, 1 otherwise, with one line saying why (Docker keeps it in `docker inspect`).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

HTTP_TIMEOUT = 8.0  # within the HEALTHCHECK's --timeout of 10 s


def check(path: Path) -> tuple[bool, str]:
    if not path.is_file():
        return False, f"unhealthy: no database at {path} (is the volume mounted at {path.parent}?)"
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)) as db:
            result = db.execute("PRAGMA quick_check").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        return False, f"unhealthy: cannot read {path}: {exc}"
    if result != "ok":
        return False, f"unhealthy: {path} fails its check: {result}"
    if version < 1:
        return False, f"unhealthy: {path} has no schema yet"
    return True, f"healthy: {path}, schema version {version}"


def check_http(port: str) -> tuple[bool, str]:
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        # Straight to the loopback: a proxy from the environment must not answer for the bot.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=HTTP_TIMEOUT) as response:
            return True, f"healthy: {url}: {response.read(2000).decode('utf-8', 'replace')}"
    except urllib.error.HTTPError as exc:
        return False, f"unhealthy: {url} answered {exc.code}: {exc.read(2000).decode('utf-8', 'replace')}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"unhealthy: {url} did not answer ({reason}): is the bot running?"


def main() -> int:
    port = os.environ.get("HOTLINE_HTTP_PORT", "").strip()
    if port:
        ok, message = check_http(port)
        print(message)
        return 0 if ok else 1
    ok, message = check(Path(os.environ.get("HOTLINE_DB", "/data/hotline.db")))
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
