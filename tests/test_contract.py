"""The store contract (storage/contract.py): the SQLite store satisfies it, and it holds every method
that commands/, bot/ and bench/ call on a store."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from storage.contract import StoreContract, contract_methods, missing_methods
from storage.postgres.store import PostgresStore
from storage.store import Store

ROOT = Path(__file__).resolve().parent.parent


def test_the_sqlite_store_satisfies_the_contract_for_the_type_checker(store: Store) -> None:
    # mypy checks this assignment against every method's signature (the suite runs mypy on tests/).
    contract: StoreContract = store
    assert isinstance(contract, StoreContract)


def test_every_contract_method_exists_on_the_sqlite_store_with_the_same_signature() -> None:
    assert missing_methods(Store) == []
    for name in contract_methods():
        ours, theirs = inspect.signature(getattr(StoreContract, name)), inspect.signature(getattr(Store, name))
        assert inspect.iscoroutinefunction(getattr(Store, name)), name
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


def test_the_postgres_store_is_not_yet_complete() -> None:
    # What storage.factory refuses on, and names: the port of the queries fills this list in.
    missing = missing_methods(PostgresStore)
    assert "close" not in missing
    assert {"add_event", "search", "claim_digest"} <= set(missing)
    assert not isinstance(object.__new__(PostgresStore), StoreContract)
