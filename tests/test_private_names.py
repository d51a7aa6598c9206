"""No module reaches into another module's or a library's private names: an AST scan of every Python file
of the repository (tests included).

What counts as reaching in:
- importing a name that starts with one underscore (`from x import _name`), or from a module whose path
  has such a part (`from tests import _child`, `import x._y`);
- reading or writing `obj._name` where `_name` is not defined in the same module (as a function, a class,
  a method, a class attribute or a `self._name` assignment) and `obj` is not `self` or `cls`: that is
  another module's or a library's private attribute (`db._conn`, `connecting._thread`, `store.db.writer`);
- the same through a string: getattr/setattr/hasattr/delattr or monkeypatch.setattr with an underscore name.

Dunder names (`__init__`, `__future__`) are public. The underscore names a library documents as its public
API are listed in DOCUMENTED.
"""

from __future__ import annotations

import ast
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "bench/data", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", "node_modules"}
# Underscore names that are their library's documented public API: namedtuple's methods and fields, and
# os._exit (leave a forked or failing child at once, without running cleanup twice).
DOCUMENTED = {"_replace", "_asdict", "_fields", "_make", "_field_defaults", "_exit"}
# Calls that name an attribute by a string (monkeypatch.setattr is a "setattr" too).
ATTR_CALLS = {"getattr", "setattr", "hasattr", "delattr"}


@dataclass(frozen=True)
class Reach:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name not in DOCUMENTED


def python_files(root: Path = ROOT) -> list[Path]:
    files = []
    for folder, subfolders, names in os.walk(root):
        here = Path(folder)
        # Pruned, not filtered: .venv alone holds tens of thousands of files.
        subfolders[:] = [d for d in subfolders if (here / d).relative_to(root).as_posix() not in SKIP]
        files += [here / name for name in names if name.endswith(".py")]
    return sorted(files)


def own_names(tree: ast.AST) -> set[str]:
    """The underscore names a module defines itself: its functions, classes, methods, class attributes,
    module globals and the attributes it assigns on `self` or `cls`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            names.add(node.attr)
    return {n for n in names if n.startswith("_")}


def reaches(source: str, path: str) -> list[Reach]:
    tree = ast.parse(source, filename=path)
    own = own_names(tree)
    found: list[Reach] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if any(private(part) for part in module.split(".")):
                found.append(Reach(path, node.lineno, f"imports from the private module {module}"))
            for alias in node.names:
                if private(alias.name):
                    found.append(Reach(path, node.lineno, f"imports the private name {alias.name} from {module}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if any(private(part) for part in alias.name.split(".")):
                    found.append(Reach(path, node.lineno, f"imports the private module {alias.name}"))
        elif isinstance(node, ast.Attribute) and private(node.attr):
            mine = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            if not mine and node.attr not in own:
                found.append(Reach(path, node.lineno, f"reaches into {ast.unparse(node)}"))
        elif isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            target = node.args[1]
            if (
                name in ATTR_CALLS
                and isinstance(target, ast.Constant)
                and isinstance(target.value, str)
                and private(target.value)
                and target.value not in own
            ):
                found.append(Reach(path, node.lineno, f"{name}(…, {target.value!r})"))
    return found


def scan(root: Path = ROOT) -> list[Reach]:
    found: list[Reach] = []
    for path in python_files(root):
        found += reaches(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix())
    return found


def test_no_module_reaches_into_a_private_name() -> None:
    assert [str(r) for r in scan()] == []


def test_the_scan_covers_the_whole_repository() -> None:
    folders = {p.relative_to(ROOT).parts[0] for p in python_files()}
    assert {"bot", "commands", "storage", "tests", "tools", "bench", "extraction"} <= folders
    assert not any(".venv" in p.parts for p in python_files())


def test_the_scan_finds_each_kind_of_reach() -> None:
    source = "\n".join(
        [
            "from storage.people import _person_dict",
            "from tests.reliability import _writer_child",
            "from tests._child import run",
            "import storage._hidden",
            "import aiosqlite",
            "async def go(db: aiosqlite.Connection) -> None:",
            "    await db._execute(lambda: db._conn)",
            "    getattr(db, '_thread')",
            "    monkeypatch.setattr(db, '_writer', None)",
        ]
    )
    found = sorted((r.line, r.what) for r in reaches(source, "x.py"))
    assert found == [
        (1, "imports the private name _person_dict from storage.people"),
        (2, "imports the private name _writer_child from tests.reliability"),
        (3, "imports from the private module tests._child"),
        (4, "imports the private module storage._hidden"),
        (7, "reaches into db._conn"),
        (7, "reaches into db._execute"),
        (8, "getattr(…, '_thread')"),
        (9, "setattr(…, '_writer')"),
    ]


def test_the_scan_lets_legitimate_code_be() -> None:
    source = "\n".join(
        [
            "from __future__ import annotations",
            "import os",
            "from collections import namedtuple",
            "_LIMIT = 3",
            "class Box:",
            "    def __init__(self) -> None:",
            "        self._items: list[int] = []",
            "    def same(self, other: Box) -> bool:",
            "        return self._items == other._items and other.__class__ is Box",
            "    @classmethod",
            "    def make(cls) -> Box:",
            "        return cls._build()",
            "    @classmethod",
            "    def _build(cls) -> Box:",
            "        return cls()",
            "Point = namedtuple('Point', 'x y')",
            "p = Point(1, 2)._replace(x=3)._asdict()",
            "os._exit(0) if _LIMIT < 0 else None",
        ]
    )
    assert reaches(source, "x.py") == []


def aiosqlite_private_names() -> set[str]:
    """The private attributes of aiosqlite's connection and cursor: their classes' and an instance's."""
    import aiosqlite

    names = {n for cls in (aiosqlite.Connection, aiosqlite.Cursor) for n in vars(cls)}
    names |= set(vars(aiosqlite.Connection(lambda: sqlite3.connect(":memory:"), 64)))
    return {n for n in names if private(n)}


def test_no_code_touches_aiosqlite_private_attributes() -> None:
    """Stricter than the scan above for aiosqlite: a module that happens to define a `_conn` of its own
    still may not read another object's `_conn`, `_execute` or `_thread`."""
    hidden = aiosqlite_private_names()
    assert {"_conn", "_execute", "_thread"} <= hidden
    found = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in hidden
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []
