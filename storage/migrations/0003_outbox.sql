-- The outbox: bulk and scheduled messages, one row per recipient, and the broadcasts grouping them.
-- Times are INTEGER unix seconds in UTC, except not_before / scheduled_at (REAL: back-off needs
-- sub-second precision).
-- (Reconstructed from storage/outbox.py's queries after an accidental overwrite; check it.)

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT    NOT NULL
                        CHECK (kind IN ('interactive', 'reminder', 'invitation', 'feedback',
                                        'announcement', 'digest')),
    created_by          INTEGER,
    report_chat_id      INTEGER,
    progress_message_id INTEGER,
    summary             TEXT    NOT NULL DEFAULT '',
    audience            TEXT    NOT NULL DEFAULT '',
    state               TEXT    NOT NULL DEFAULT 'scheduled'
                        CHECK (state IN ('scheduled', 'sending', 'done', 'cancelled')),
    scheduled_at        REAL    NOT NULL,
    started_at          INTEGER,
    finished_at         INTEGER,
    reported            INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1)),
    created_at          INTEGER NOT NULL
);

CREATE TABLE outbox_files (
    id               INTEGER PRIMARY KEY,
    filename         TEXT NOT NULL,
    mime_type        TEXT,
    data             BLOB NOT NULL,
    telegram_file_id TEXT
);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind         TEXT    NOT NULL
                 CHECK (kind IN ('interactive', 'reminder', 'invitation', 'feedback',
                                 'announcement', 'digest')),
    priority     INTEGER NOT NULL,
    method       TEXT    NOT NULL,
    params       TEXT    NOT NULL,
    file_id      INTEGER REFERENCES outbox_files (id),
    file_param   TEXT,
    urgent       INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    not_before   REAL    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    error        TEXT,
    error_kind   TEXT,
    message_id   INTEGER,
    broadcast_id INTEGER REFERENCES broadcasts (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE state = 'pending';
CREATE INDEX outbox_chat_pending ON outbox (chat_id) WHERE state = 'pending';
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state) WHERE broadcast_id IS NOT NULL;
CREATE INDEX outbox_sending ON outbox (state) WHERE state = 'sending';
