"""Numbered migrations, applied in order at start; the version lives in PRAGMA user_version."""

from __future__ import annotations

import logging
import sqlite3

import aiosqlite

from storage.errors import SchemaTooNew

log = logging.getLogger(__name__)

# Each entry moves the schema from version i to i + 1. Never edit one that has shipped: add a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: the record
    """
    CREATE TABLE workspace (
        id TEXT PRIMARY KEY,
        timezone TEXT,
        editor_role TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE person (
        id INTEGER PRIMARY KEY,
        workspace TEXT NOT NULL,
        name TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('us', 'china', 'other')),
        title TEXT,
        created_at TEXT NOT NULL
    );
    -- Names and aliases share one key space per workspace, so a name resolves to one person.
    CREATE TABLE person_key (
        workspace TEXT NOT NULL,
        key TEXT NOT NULL,
        person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
        alias TEXT,  -- NULL for the person's own name
        PRIMARY KEY (workspace, key)
    ) WITHOUT ROWID;
    CREATE INDEX person_key_person ON person_key(person_id);
    CREATE TABLE issue (
        workspace TEXT NOT NULL,
        slug TEXT NOT NULL,
        title TEXT NOT NULL,
        aliases TEXT NOT NULL DEFAULT '[]',  -- JSON list
        PRIMARY KEY (workspace, slug)
    ) WITHOUT ROWID;
    CREATE TABLE office (
        workspace TEXT NOT NULL,
        slug TEXT NOT NULL,
        title TEXT NOT NULL,
        track TEXT NOT NULL,
        forms TEXT NOT NULL DEFAULT '[]',  -- JSON list
        PRIMARY KEY (workspace, slug)
    ) WITHOUT ROWID;
    CREATE TABLE event (
        id INTEGER PRIMARY KEY,
        workspace TEXT NOT NULL,
        day TEXT NOT NULL,
        time TEXT,
        timezone TEXT,
        kind TEXT NOT NULL,
        track TEXT NOT NULL,
        status TEXT NOT NULL,
        minutes INTEGER CHECK (minutes IS NULL OR minutes BETWEEN 1 AND 1440),
        requested_by TEXT NOT NULL DEFAULT 'unknown',
        location TEXT,
        summary TEXT,
        sources TEXT NOT NULL DEFAULT '[]',  -- JSON list of URLs (from 3: or of records.Source objects)
        dedupe_key TEXT NOT NULL,  -- day|kind|sorted person ids: the duplicate rule
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
    );
    CREATE UNIQUE INDEX event_dedupe ON event(workspace, dedupe_key);
    CREATE INDEX event_latest ON event(workspace, status, day DESC, id DESC);
    CREATE INDEX event_day ON event(workspace, day DESC, id DESC);
    CREATE INDEX event_track ON event(workspace, status, track, day DESC, id DESC);
    -- day and status are copied from the event so that "latest with this person/office" is one
    -- index range scan, whatever the number of events.
    CREATE TABLE participant (
        event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES person(id),
        workspace TEXT NOT NULL,
        side TEXT NOT NULL,
        title TEXT,
        office TEXT,
        position INTEGER NOT NULL,
        day TEXT NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (event_id, person_id)
    ) WITHOUT ROWID;
    CREATE INDEX participant_person ON participant(workspace, person_id, status, day DESC, event_id DESC);
    CREATE INDEX participant_office ON participant(workspace, office, status, day DESC, event_id DESC);
    CREATE INDEX participant_side ON participant(workspace, side, status, day DESC, event_id DESC);
    CREATE TABLE concern (
        id INTEGER PRIMARY KEY,
        workspace TEXT NOT NULL,
        issue TEXT NOT NULL,
        side TEXT NOT NULL,
        text TEXT,
        by_name TEXT,
        day TEXT NOT NULL,
        event_id INTEGER REFERENCES event(id) ON DELETE CASCADE,
        source TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX concern_issue ON concern(workspace, issue, day DESC, id DESC);
    CREATE INDEX concern_day ON concern(workspace, day);
    CREATE INDEX concern_event ON concern(event_id);
    CREATE TABLE question (
        id INTEGER PRIMARY KEY,
        workspace TEXT NOT NULL,
        text TEXT NOT NULL,
        issue TEXT,
        event_id INTEGER REFERENCES event(id) ON DELETE SET NULL,
        status TEXT NOT NULL,
        raised_on TEXT NOT NULL,
        answer TEXT,
        answer_source TEXT,
        closed_on TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX question_status ON question(workspace, status, raised_on, id);
    CREATE INDEX question_event ON question(event_id);
    CREATE INDEX question_closed ON question(workspace, closed_on);
    CREATE TABLE subscription (
        id INTEGER PRIMARY KEY,
        workspace TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
        time TEXT NOT NULL,
        timezone TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        pause_reason TEXT,
        role_id TEXT,
        last_period_end TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (workspace, channel_id)
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        workspace TEXT NOT NULL,
        at TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        action TEXT NOT NULL,
        tbl TEXT NOT NULL,
        record_id TEXT NOT NULL,
        before TEXT,
        after TEXT
    );
    CREATE INDEX audit_workspace ON audit(workspace, id DESC);
    -- One index for every searchable text. `ws` holds a single token naming the workspace, so
    -- the workspace filter is part of the full-text match rather than a scan of every hit.
    CREATE VIRTUAL TABLE search_index USING fts5(
        body, ws, kind UNINDEXED, ref UNINDEXED, tokenize = 'unicode61 remove_diacritics 2'
    );
    """,
    # 2: digest deliveries. One row per subscription and period: claimed before posting, marked sent
    # after, so no restart or second process ever posts the same period twice.
    """
    CREATE TABLE digest_run (
        subscription_id INTEGER NOT NULL REFERENCES subscription(id) ON DELETE CASCADE,
        period_end TEXT NOT NULL,  -- the scheduled instant, UTC ISO
        period_start TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'skipped')),
        late INTEGER NOT NULL DEFAULT 0,
        claimed_at TEXT NOT NULL,
        claimed_by TEXT NOT NULL,  -- which process claimed it
        finished_at TEXT,
        detail TEXT,  -- the error, or why it was skipped, or the posted message ids
        PRIMARY KEY (subscription_id, period_end)
    ) WITHOUT ROWID;
    """,
    # 3: how well an event is established (vocab.CONFIDENCES, with a note on what is unconfirmed); sources
    # may now be objects with the page's title and publisher, or a note for a citation without a link,
    # beside plain URLs (records.Source), in the same JSON list. And every word of every name and alias,
    # so that suggestions match any word by its start ("aus" -> "Lloyd J. Austin III") from an index.
    """
    ALTER TABLE event ADD COLUMN confidence TEXT;
    ALTER TABLE event ADD COLUMN confidence_note TEXT;
    CREATE TABLE person_word (
        workspace TEXT NOT NULL,
        word TEXT NOT NULL,
        person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
        PRIMARY KEY (workspace, word, person_id)
    ) WITHOUT ROWID;
    CREATE INDEX person_word_person ON person_word(person_id);
    WITH RECURSIVE split(workspace, person_id, word, rest) AS (
        SELECT workspace, person_id, '', key || ' ' FROM person_key
        UNION ALL
        SELECT workspace, person_id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
        FROM split WHERE rest != ''
    )
    INSERT OR IGNORE INTO person_word (workspace, word, person_id)
        SELECT workspace, word, person_id FROM split WHERE word != '';
    """,
    # 4: Slack installations (OAuth): one row per app and team, the latest installation as JSON.
    # It holds the team's bot token: never logged, never part of an export.
    """
    CREATE TABLE slack_installation (
        client_id TEXT NOT NULL,
        enterprise_id TEXT NOT NULL DEFAULT '',
        team_id TEXT NOT NULL DEFAULT '',
        installed_at TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (client_id, enterprise_id, team_id)
    ) WITHOUT ROWID;
    """,
    # 5: pictures. The timeline counts contacts by track, status, kind and day (grain 'day') or month
    # (grain 'month', the first day of the month), kept by triggers as events are written: counting a
    # million events at each /timeline took over a second, reading these counts some milliseconds. A
    # digest subscription may leave its chart out.
    """
    CREATE TABLE event_tally (
        workspace TEXT NOT NULL,
        grain TEXT NOT NULL CHECK (grain IN ('day', 'month')),
        track TEXT NOT NULL,
        status TEXT NOT NULL,
        bucket TEXT NOT NULL,  -- the day, or the first day of the month
        kind TEXT NOT NULL,
        n INTEGER NOT NULL CHECK (n > 0),
        PRIMARY KEY (workspace, grain, track, status, bucket, kind)
    ) WITHOUT ROWID;
    CREATE TRIGGER event_tally_insert AFTER INSERT ON event BEGIN
        INSERT INTO event_tally VALUES (new.workspace, 'day', new.track, new.status, new.day, new.kind, 1)
            ON CONFLICT DO UPDATE SET n = n + 1;
        INSERT INTO event_tally VALUES
            (new.workspace, 'month', new.track, new.status, substr(new.day, 1, 8) || '01', new.kind, 1)
            ON CONFLICT DO UPDATE SET n = n + 1;
    END;
    -- A count that falls to nothing goes, so the table holds only what is there.
    CREATE TRIGGER event_tally_delete AFTER DELETE ON event BEGIN
        DELETE FROM event_tally WHERE workspace = old.workspace AND grain = 'day' AND track = old.track
            AND status = old.status AND bucket = old.day AND kind = old.kind AND n = 1;
        UPDATE event_tally SET n = n - 1 WHERE workspace = old.workspace AND grain = 'day' AND track = old.track
            AND status = old.status AND bucket = old.day AND kind = old.kind;
        DELETE FROM event_tally WHERE workspace = old.workspace AND grain = 'month' AND track = old.track
            AND status = old.status AND bucket = substr(old.day, 1, 8) || '01' AND kind = old.kind AND n = 1;
        UPDATE event_tally SET n = n - 1 WHERE workspace = old.workspace AND grain = 'month' AND track = old.track
            AND status = old.status AND bucket = substr(old.day, 1, 8) || '01' AND kind = old.kind;
    END;
    CREATE TRIGGER event_tally_update AFTER UPDATE OF workspace, day, track, status, kind ON event
    WHEN old.workspace IS NOT new.workspace OR old.day IS NOT new.day OR old.track IS NOT new.track
        OR old.status IS NOT new.status OR old.kind IS NOT new.kind
    BEGIN
        DELETE FROM event_tally WHERE workspace = old.workspace AND grain = 'day' AND track = old.track
            AND status = old.status AND bucket = old.day AND kind = old.kind AND n = 1;
        UPDATE event_tally SET n = n - 1 WHERE workspace = old.workspace AND grain = 'day' AND track = old.track
            AND status = old.status AND bucket = old.day AND kind = old.kind;
        DELETE FROM event_tally WHERE workspace = old.workspace AND grain = 'month' AND track = old.track
            AND status = old.status AND bucket = substr(old.day, 1, 8) || '01' AND kind = old.kind AND n = 1;
        UPDATE event_tally SET n = n - 1 WHERE workspace = old.workspace AND grain = 'month' AND track = old.track
            AND status = old.status AND bucket = substr(old.day, 1, 8) || '01' AND kind = old.kind;
        INSERT INTO event_tally VALUES (new.workspace, 'day', new.track, new.status, new.day, new.kind, 1)
            ON CONFLICT DO UPDATE SET n = n + 1;
        INSERT INTO event_tally VALUES
            (new.workspace, 'month', new.track, new.status, substr(new.day, 1, 8) || '01', new.kind, 1)
            ON CONFLICT DO UPDATE SET n = n + 1;
    END;
    INSERT INTO event_tally SELECT workspace, 'day', track, status, day, kind, count(*) FROM event
        GROUP BY workspace, track, status, day, kind;
    INSERT INTO event_tally SELECT workspace, 'month', track, status, substr(day, 1, 8) || '01', kind, count(*)
        FROM event GROUP BY workspace, track, status, substr(day, 1, 8), kind;
    ALTER TABLE subscription ADD COLUMN chart INTEGER NOT NULL DEFAULT 1;
    """,
    # 6: readouts and feeds. A draft is what a readout was read as, kept until an editor records or
    # discards it (buttons find it by id, across restarts and processes). A feed is a watched RSS/Atom
    # feed with its conditional-request validators, its health and its schedule; feed_item holds every
    # item handled, claimed before it is processed, so each is handled once by one process.
    """
    CREATE TABLE feed (
        id INTEGER PRIMARY KEY,
        workspace TEXT NOT NULL,
        url TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        etag TEXT,
        last_modified TEXT,
        next_poll_at TEXT NOT NULL,  -- UTC ISO; also the lease that keeps two processes from polling at once
        last_success_at TEXT,
        last_error TEXT,
        last_error_at TEXT,
        failures INTEGER NOT NULL DEFAULT 0,  -- consecutive failed polls: the backoff's exponent
        items_seen INTEGER NOT NULL DEFAULT 0,
        items_posted INTEGER NOT NULL DEFAULT 0,
        items_skipped INTEGER NOT NULL DEFAULT 0,
        items_failed INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        UNIQUE (workspace, url)
    );
    CREATE INDEX feed_due ON feed(paused, next_poll_at);
    CREATE TABLE feed_item (
        feed_id INTEGER NOT NULL REFERENCES feed(id) ON DELETE CASCADE,
        item_key TEXT NOT NULL,  -- the item's guid, else its link
        claimed_at TEXT NOT NULL,
        claimed_by TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('claimed', 'baseline', 'posted', 'skipped', 'failed')),
        draft_id INTEGER,
        detail TEXT,
        PRIMARY KEY (feed_id, item_key)
    ) WITHOUT ROWID;
    CREATE TABLE draft (
        id INTEGER PRIMARY KEY,
        workspace TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        url TEXT,
        title TEXT,
        publisher TEXT,
        published TEXT,
        extracted TEXT NOT NULL,  -- JSON: commands/drafts.py
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'recorded', 'discarded')),
        event_id INTEGER REFERENCES event(id) ON DELETE SET NULL,
        decided_by TEXT,
        decided_at TEXT,
        feed_id INTEGER REFERENCES feed(id) ON DELETE SET NULL
    );
    CREATE INDEX draft_workspace ON draft(workspace, status, id DESC);
    """,
    # 7: short-lived state of the chat adapters, kept here so that any process can answer for it: replies
    # whose buttons are live (a list's pages, a delete awaiting Confirm) under the random token the
    # buttons carry, and the states of Slack's OAuth install flow. Each row expires; `id` is the order
    # they came in, so that beyond a cap the oldest go first (storage/sqlite/expiring.py).
    """
    CREATE TABLE held_reply (
        id INTEGER PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        workspace TEXT NOT NULL,
        asker TEXT NOT NULL,  -- the user id of the member who ran the command
        held_at TEXT NOT NULL,  -- UTC ISO
        expires_at TEXT NOT NULL,  -- UTC ISO
        data TEXT NOT NULL  -- the adapter's JSON (bot/slack/held.py)
    );
    CREATE INDEX held_reply_workspace ON held_reply(workspace, id);
    CREATE INDEX held_reply_expires ON held_reply(expires_at);
    CREATE TABLE slack_oauth_state (
        id INTEGER PRIMARY KEY,
        state TEXT NOT NULL UNIQUE,
        issued_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX slack_oauth_state_expires ON slack_oauth_state(expires_at);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


async def migrate(db: aiosqlite.Connection) -> int:
    """Bring the schema up to SCHEMA_VERSION; refuse a database newer than this code.

    Several processes may open a new file at once. Each migration runs in a transaction that holds
    SQLite's write lock from its first statement (BEGIN EXCLUSIVE waits out the busy timeout), and the
    version is read again inside it: a process that waited for another's migration finds it applied
    and skips it, rather than creating the same tables twice.
    """
    current = await _user_version(db)
    while current < SCHEMA_VERSION:
        await db.execute("BEGIN EXCLUSIVE")
        try:
            current = await _user_version(db)
            if current < SCHEMA_VERSION:
                for statement in split_statements(MIGRATIONS[current]):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version = {current + 1}")
                log.debug("SQLite schema migrated to version %d", current + 1)
            await db.commit()
        except BaseException:
            # A failing statement leaves the migration's transaction open: it is rolled back whole.
            if db.in_transaction:
                await db.rollback()
            raise
        current = await _user_version(db)
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(current, SCHEMA_VERSION)
    return SCHEMA_VERSION


async def _user_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def split_statements(script: str) -> list[str]:
    """A migration's statements one by one (executescript would commit the open transaction first).

    Split at each ';' that ends a complete statement as SQLite itself judges it, so that a ';' inside
    a string, a comment or a trigger body does not split a statement.
    """
    statements: list[str] = []
    pieces = script.split(";")
    pending = pieces[0]
    for piece in pieces[1:]:
        pending += ";"
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
        pending += piece
    if pending.strip():
        raise ValueError(f"a migration ends in an incomplete statement: {pending.strip()[:80]!r}")
    return statements
