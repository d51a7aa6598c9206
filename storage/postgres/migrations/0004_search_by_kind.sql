-- Search: one partition of search_doc per kind of record, each with its own full-text (GIN) index and an
-- index of the workspace's records newest first; the workspace index alone goes.
--
-- A search ranks the workspace's newest 200 matches. The GIN index finds every match, in no useful order,
-- so a common word ("taiwan": a third of all events) had every match read from the table to be sorted:
-- 0.5 s at 100k events. Walking (workspace, ref) newest first and testing each record's words stops
-- after about 200 / (the word's share) records: for a common word, a few hundred. The planner chooses
-- between the two by how common the words are, and that it can only judge kind by kind: a place name is
-- in many events and in no concern, and concerns' ids run three times as high as events', so a walk
-- newest first through all kinds would pass every newer concern before reaching an event. A partition
-- per kind gives each kind its own statistics (ANALYZE keeps the most common words of each partition).

ALTER TABLE search_doc RENAME TO search_doc_by_kind_old;
ALTER INDEX search_doc_tsv RENAME TO search_doc_by_kind_old_tsv;

CREATE TABLE search_doc (
    kind TEXT NOT NULL CHECK (kind IN ('event', 'concern', 'question', 'person')),
    ref BIGINT NOT NULL,
    workspace TEXT NOT NULL,
    body TEXT NOT NULL,
    folded TEXT NOT NULL,
    tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, folded)) STORED
) PARTITION BY LIST (kind);
CREATE TABLE search_doc_event PARTITION OF search_doc FOR VALUES IN ('event');
CREATE TABLE search_doc_concern PARTITION OF search_doc FOR VALUES IN ('concern');
CREATE TABLE search_doc_question PARTITION OF search_doc FOR VALUES IN ('question');
CREATE TABLE search_doc_person PARTITION OF search_doc FOR VALUES IN ('person');

-- The rows first, the indexes after: building an index over loaded rows is faster than growing it.
INSERT INTO search_doc (kind, ref, workspace, body, folded)
SELECT kind, ref, workspace, body, folded FROM search_doc_by_kind_old;
DROP TABLE search_doc_by_kind_old;

ALTER TABLE search_doc ADD PRIMARY KEY (kind, ref);
CREATE INDEX search_doc_tsv ON search_doc USING GIN (tsv);
CREATE INDEX search_doc_newest ON search_doc (workspace, ref);
ANALYZE search_doc;
