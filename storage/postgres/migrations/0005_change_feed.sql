-- The change feed (storage/changes.py): every audited write announces itself to every process listening
-- on the channel hotline_changes, from inside its own transaction. PostgreSQL delivers a notification only
-- when its transaction commits (and drops it when the transaction, or its savepoint, rolls back), so a
-- listener hears of a change once it can read it, and never of one that did not happen.
--
-- The payload names the workspace and the kind of record (the audit row's table), never an id or a word
-- a user typed. The trigger runs once per statement, over the distinct (workspace, kind) of the rows it
-- inserted, and PostgreSQL folds identical notifications of one transaction into one: an import of many
-- events, or a bulk copy of the audit table, sends a handful. A payload of 8000 bytes or more would fail
-- the write itself; a workspace id longer than 400 characters is left out (the change names no workspace).

CREATE FUNCTION hotline_announce_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(
        'hotline_changes',
        json_build_object(
            'workspace', CASE WHEN length(changed.workspace) <= 400 THEN changed.workspace END,
            'area', left(changed.tbl, 64)
        )::text
    )
    FROM (SELECT DISTINCT workspace, tbl FROM added) AS changed;
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_announces_changes AFTER INSERT ON audit REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION hotline_announce_changes();
