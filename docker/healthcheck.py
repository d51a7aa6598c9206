"""The container's health check: the store on the volume opens, passes quick_check and has a schema.

Exit 0 when healthy, 1 otherwise, with one line saying why (Docker keeps it in `docker inspect`).
It opens the database read-only: a health check must never be what writes or locks the store.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path


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


def main() -> int:
    ok, message = check(Path(os.environ.get("HOTLINE_DB", "/data/hotline.db")))
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
