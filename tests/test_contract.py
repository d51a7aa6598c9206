"""The store contract (storage/contract.py): the SQLite store satisfies it, and it holds every method
that commands/, bot/ and bench/ call on a store."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from storage.contract import StoreContract, contract_methods, missing_methods
from storage.postgres.store import PostgresStore
from storage.sqlite.store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent


def test_the_sqlite_store_satisfies_the_contract_for_the_type_checker(sqlite_store: SqliteStore) -> None:
    # mypy checks this assignment against every method's signature (the suite runs mypy on tests/).
    contract: StoreContract = sqlite_store
    assert isinstance(contract, StoreContract)


def test_the_postgres_store_satisfies_the_contract_for_the_type_checker() -> None:
    store = object.__new__(PostgresStore)  # the class's methods, without a pool
    contract: StoreContract = store
    assert isinstance(contract, StoreContract)


@pytest.mark.parametrize("cls", [SqliteStore, PostgresStore])
def test_every_contract_method_exists_on_each_store_with_the_same_signature(cls: type) -> None:
    assert missing_methods(cls) == []
    for name in contract_methods():
        ours, theirs = inspect.signature(getattr(StoreContract, name)), inspect.signature(getattr(cls, name))
        assert inspect.iscoroutinefunction(getattr(cls, name)), name
        assert [(p.name, p.kind, p.default, p.annotation) for p in ours.parameters.values()] == [
            (p.name, p.kind, p.default, p.annotation) for p in theirs.parameters.values()
        ], name
        assert ours.return_annotation == theirs.return_annotation, name


def test_the_contract_holds_every_method_the_callers_use() -> None:
    called: set[str] = set()
    for folder in ("commands", "bot", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            called |= set(re.findall(r"\bstore\.([a-z_]+)\(", path.read_text(encoding="utf-8")))
    assert called, "no store calls found: the pattern no longer matches how callers name the store"
    assert sorted(called - set(contract_methods())) == []


def test_no_backend_keeps_a_copy_of_a_shared_rule() -> None:
    """Each rule of storage/rules.py is defined there only: no module of either backend defines a function
    or constant of the same name (public or with an underscore)."""
    import ast

    def defined(path: Path) -> set[str]:
        names: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            names.add(name.id)
        return {n.lstrip("_") for n in names}

    rules = {n for n in defined(ROOT / "storage" / "rules.py") if n}
    assert {"dedupe_key", "track_of", "slug_for_title", "event_dict", "person_dict", "grain_for"} <= rules
    copies = {
        f"{path.relative_to(ROOT)}: {name}"
        for backend in ("sqlite", "postgres")
        for path in (ROOT / "storage" / backend).glob("*.py")
        for name in defined(path) & rules
    }
    assert sorted(copies) == []
