"""The store contract (storage/contract.py): the SQLite store satisfies it, and it holds every method
that commands/, bot/ and bench/ call on a store."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from storage.contract import StoreContract, contract_methods, missing_methods
from storage.postgres.store import PostgresStore
from storage.store import Store

ROOT = Path(__file__).resolve().parent.parent


def test_the_sqlite_store_satisfies_the_contract_for_the_type_checker(sqlite_store: Store) -> None:
    # mypy checks this assignment against every method's signature (the suite runs mypy on tests/).
    contract: StoreContract = sqlite_store
    assert isinstance(contract, StoreContract)


def test_the_postgres_store_satisfies_the_contract_for_the_type_checker() -> None:
    store = object.__new__(PostgresStore)  # the class's methods, without a pool
    contract: StoreContract = store
    assert isinstance(contract, StoreContract)


@pytest.mark.parametrize("cls", [Store, PostgresStore])
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
