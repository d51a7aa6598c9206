"""The runtime part of requirements.lock: what `python -m bot` needs, with the lock's pins and hashes.

requirements.lock pins the runtime and the development tools together (pip-compile --extra dev). The
image needs only the runtime, so the Dockerfile installs this subset: the lock's own entries, versions
and hashes unchanged, for the dependencies in pyproject.toml and everything they pull in, as the
lock's `# via` lines say. Nothing is resolved anew, so the image gets exactly what CI tested.

    python docker/runtime_requirements.py requirements.lock pyproject.toml > runtime.lock
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+")
REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> dict[str, tuple[list[str], set[str]]]:
    """Each pinned package: its lines (pin, hashes, comments) and the names it is there `via`."""
    entries: dict[str, tuple[list[str], set[str]]] = {}
    current: str | None = None
    in_via = False
    for line in text.splitlines():
        match = ENTRY.match(line)
        if match:
            current = normalize(match.group(1))
            entries[current] = ([line], set())
            in_via = False
            continue
        if current is None or not line.startswith(" "):
            current = None  # options and comments before the first pin
            continue
        lines, parents = entries[current]
        lines.append(line)
        comment = line.strip()
        if comment.startswith("# via"):
            rest = comment.removeprefix("# via").strip()
            in_via = not rest  # "# via" alone: the parents follow, one a line
            if rest:
                parents.add(rest)
        elif in_via and comment.startswith("#   "):
            parents.add(comment.removeprefix("#").strip())
        elif not comment.startswith("#"):
            in_via = False
    # "hotline (pyproject.toml)" -> "hotline": the project itself, never one of the runtime names.
    return {name: (lines, {normalize(p.split(" ")[0]) for p in parents}) for name, (lines, parents) in entries.items()}


def runtime_names(lock: dict[str, tuple[list[str], set[str]]], roots: set[str]) -> set[str]:
    """The roots and, repeatedly, every package one of the runtime packages pulls in."""
    runtime = {r for r in roots if r in lock}
    missing = roots - runtime
    if missing:
        raise SystemExit(f"not in the lock: {', '.join(sorted(missing))}; run `make lock`")
    grown = True
    while grown:
        grown = False
        for name, (_, parents) in lock.items():
            if name not in runtime and parents & runtime:
                runtime.add(name)
                grown = True
    return runtime


def main(lock_path: str, pyproject_path: str) -> int:
    project = tomllib.loads(Path(pyproject_path).read_text(encoding="utf-8"))["project"]
    roots = {normalize(m.group(1)) for r in project["dependencies"] if (m := REQUIREMENT_NAME.match(r))}
    lock = parse_lock(Path(lock_path).read_text(encoding="utf-8"))
    names = runtime_names(lock, roots)
    print(f"# The runtime part of {lock_path} (docker/runtime_requirements.py): {len(names)} packages.")
    for name in sorted(names):
        print("\n".join(lock[name][0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
