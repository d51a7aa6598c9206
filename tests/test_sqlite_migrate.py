"""How SQLite migrations are split into statements, so that each runs inside the migration's lock."""

from __future__ import annotations

import pytest

from storage.sqlite.schema import MIGRATIONS, split_statements


def test_statements_split_where_sqlite_says_a_statement_ends() -> None:
    script = (
        "CREATE TABLE t (a TEXT DEFAULT ';');  -- a comment; with a semicolon\n"
        "CREATE TRIGGER t_log AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;\n"
    )
    assert split_statements(script) == [
        "CREATE TABLE t (a TEXT DEFAULT ';');",
        "-- a comment; with a semicolon\nCREATE TRIGGER t_log AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;",
    ]
    # Every shipped migration splits cleanly.
    assert all(split_statements(m) for m in MIGRATIONS)


def test_a_migration_ending_in_an_incomplete_statement_is_refused() -> None:
    with pytest.raises(ValueError, match="incomplete statement: 'CREATE TABLE x \\(a'"):
        split_statements("CREATE TABLE ok (a); CREATE TABLE x (a")
