-- The change feed (storage/changes.py): every audited write announces itself to every process listening
-- on the channel hotline_changes, from inside its own transaction. PostgreSQL delivers a notification only
-- when its transaction commits (and drops it when the transaction, or its savepoint, rolls back), so a
-- listener hears of a change once it can read it, and never of one that did not happen.
--
-- The payload names the workspace and the kind of record (the audit row's table), never an id or a word
-- a user typed. PostgreSQL folds identical notifications of one transaction into one, so an import of
-- many events in one workspace sends a handful. A payload of 8000 bytes or more would fail the write
-- itself; a workspace id longer than 400 characters is left out (the change then names no workspace).

CREATE FUNCTION hotline_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(
        'hotline_changes',
        json_build_object(
            'workspace', CASE WHEN length(NEW.workspace) <= 400 THEN NEW.workspace END,
            'area', left(NEW.tbl, 64)
        )::text
    );
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_announces_change AFTER INSERT ON audit
    FOR EACH ROW EXECUTE FUNCTION hotline_announce_change();
