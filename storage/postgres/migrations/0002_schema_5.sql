-- What the SQLite store gained in its schema versions 3 to 5 (storage/schema.py): an event's confidence,
-- the words of every name for suggestions, Slack installations, the timeline's counts, a subscription's
-- chart. After this migration both backends hold the same record.

-- 3: how well an event is established, and what of it is unconfirmed.
ALTER TABLE event ADD COLUMN confidence TEXT;
ALTER TABLE event ADD COLUMN confidence_note TEXT;

-- 3: every word of every name and alias, so that suggestions match any word by its start ("aus" ->
-- "Lloyd J. Austin III") from one index range. A trigger on person_key writes the words, so no writer
-- (one command, an import, a copy from SQLite) can forget them. COLLATE "C": a prefix is a byte range
-- whatever the database's own collation, as it is in SQLite.
CREATE TABLE person_word (
    workspace TEXT NOT NULL,
    word TEXT COLLATE "C" NOT NULL,
    person_id BIGINT NOT NULL,
    PRIMARY KEY (workspace, word, person_id),
    FOREIGN KEY (workspace, person_id) REFERENCES person (workspace, id) ON DELETE CASCADE
);
CREATE INDEX person_word_person ON person_word (person_id);
-- Names and aliases that start with what was typed, as a byte range of the key.
CREATE INDEX person_key_prefix ON person_key (workspace, (key COLLATE "C"));

CREATE FUNCTION person_key_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_word (workspace, word, person_id)
    SELECT DISTINCT k.workspace, w.word, k.person_id
    FROM new_keys k CROSS JOIN LATERAL unnest(string_to_array(k.key, ' ')) AS w(word)
    WHERE w.word <> ''
    ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER person_key_words AFTER INSERT ON person_key
    REFERENCING NEW TABLE AS new_keys FOR EACH STATEMENT EXECUTE FUNCTION person_key_words();
INSERT INTO person_word (workspace, word, person_id)
SELECT DISTINCT k.workspace, w.word, k.person_id
FROM person_key k CROSS JOIN LATERAL unnest(string_to_array(k.key, ' ')) AS w(word)
WHERE w.word <> ''
ON CONFLICT DO NOTHING;

-- 4: Slack installations (OAuth): one row per app and team, the latest installation as JSON. It holds
-- the team's bot token: never logged, never part of an export.
CREATE TABLE slack_installation (
    client_id TEXT NOT NULL,
    enterprise_id TEXT NOT NULL DEFAULT '',
    team_id TEXT NOT NULL DEFAULT '',
    installed_at TIMESTAMPTZ NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (client_id, enterprise_id, team_id)
);

-- 5: the timeline's counts: contacts by track, status, kind and day (grain 'day') or month (grain
-- 'month', bucket the first of the month). Kept by statement-level triggers with transition tables
-- rather than a materialized view: a view is as stale as its last REFRESH, which would either make a
-- timeline miss the contact just added or make every write pay a refresh of every count, while these
-- triggers change only the counts a statement touches, in the statement's own transaction, and a bulk
-- INSERT or COPY of 100k events updates each count once, not once per row. Deltas are applied in key
-- order, so two writers that touch the same counts lock them in the same order and never deadlock.
CREATE TABLE event_tally (
    workspace TEXT NOT NULL,
    grain TEXT NOT NULL CHECK (grain IN ('day', 'month')),
    track TEXT NOT NULL,
    status TEXT NOT NULL,
    bucket DATE NOT NULL,
    kind TEXT NOT NULL,
    n BIGINT NOT NULL CHECK (n >= 0),
    PRIMARY KEY (workspace, grain, track, status, bucket, kind)
);

CREATE FUNCTION event_tally_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO event_tally AS t (workspace, grain, track, status, bucket, kind, n)
        SELECT e.workspace, g.grain, e.track, e.status,
            CASE g.grain WHEN 'day' THEN e.day ELSE date_trunc('month', e.day)::date END, e.kind, count(*)
        FROM new_rows e CROSS JOIN (VALUES ('day'), ('month')) AS g(grain)
        GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (workspace, grain, track, status, bucket, kind) DO UPDATE SET n = t.n + excluded.n;
        RETURN NULL;
    END IF;
    -- Counts that fall are lowered in place (an INSERT of a negative count would fail the CHECK before
    -- ON CONFLICT is looked at); counts that rise are upserted as above.
    IF TG_OP = 'DELETE' THEN
        UPDATE event_tally AS t SET n = t.n + d.n
        FROM (
            SELECT c.workspace, g.grain, c.track, c.status,
                CASE g.grain WHEN 'day' THEN c.day ELSE date_trunc('month', c.day)::date END AS bucket, c.kind,
                sum(c.n) AS n
            FROM (SELECT workspace, track, status, day, kind, -1 AS n FROM old_rows) AS c
                CROSS JOIN (VALUES ('day'), ('month')) AS g(grain)
            GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(c.n) < 0
        ) AS d
        WHERE t.workspace = d.workspace AND t.grain = d.grain AND t.track = d.track AND t.status = d.status
            AND t.bucket = d.bucket AND t.kind = d.kind;
    ELSE
        UPDATE event_tally AS t SET n = t.n + d.n
        FROM (
            SELECT c.workspace, g.grain, c.track, c.status,
                CASE g.grain WHEN 'day' THEN c.day ELSE date_trunc('month', c.day)::date END AS bucket, c.kind,
                sum(c.n) AS n
            FROM (SELECT workspace, track, status, day, kind, -1 AS n FROM old_rows
                  UNION ALL SELECT workspace, track, status, day, kind, 1 FROM new_rows) AS c
                CROSS JOIN (VALUES ('day'), ('month')) AS g(grain)
            GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(c.n) < 0
        ) AS d
        WHERE t.workspace = d.workspace AND t.grain = d.grain AND t.track = d.track AND t.status = d.status
            AND t.bucket = d.bucket AND t.kind = d.kind;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO event_tally AS t (workspace, grain, track, status, bucket, kind, n)
        SELECT c.workspace, g.grain, c.track, c.status,
            CASE g.grain WHEN 'day' THEN c.day ELSE date_trunc('month', c.day)::date END, c.kind, sum(c.n)
        FROM (SELECT workspace, track, status, day, kind, 1 AS n FROM new_rows
              UNION ALL SELECT workspace, track, status, day, kind, -1 FROM old_rows) AS c
            CROSS JOIN (VALUES ('day'), ('month')) AS g(grain)
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(c.n) > 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (workspace, grain, track, status, bucket, kind) DO UPDATE SET n = t.n + excluded.n;
    END IF;
    -- A count that falls to nothing goes, so the table holds only what is there.
    DELETE FROM event_tally t USING (SELECT DISTINCT workspace, track, status, day, kind FROM old_rows) AS o
    WHERE t.n = 0 AND t.workspace = o.workspace AND t.track = o.track AND t.status = o.status
        AND t.kind = o.kind AND t.bucket IN (o.day, date_trunc('month', o.day)::date);
    RETURN NULL;
END
$$;
-- Three triggers: a trigger with transition tables is for one kind of statement.
CREATE TRIGGER event_tally_insert AFTER INSERT ON event
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION event_tally_apply();
CREATE TRIGGER event_tally_delete AFTER DELETE ON event
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION event_tally_apply();
CREATE TRIGGER event_tally_update AFTER UPDATE ON event
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION event_tally_apply();

INSERT INTO event_tally SELECT workspace, 'day', track, status, day, kind, count(*) FROM event
    GROUP BY workspace, track, status, day, kind;
INSERT INTO event_tally SELECT workspace, 'month', track, status, date_trunc('month', day)::date, kind, count(*)
    FROM event GROUP BY workspace, track, status, date_trunc('month', day), kind;

-- 5: a digest subscription may leave its chart out.
ALTER TABLE subscription ADD COLUMN chart BOOLEAN NOT NULL DEFAULT TRUE;
