-- The outbox: every bulk message (announcements now; invitations, reminders, feedback and digests
-- later) is a row here, written in the same transaction as the change that causes it, and sent
-- by the delivery worker. Times: created/updated INTEGER unix seconds, not_before REAL seconds.

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT    NOT NULL,
    created_by          INTEGER,                 -- user id; NULL when queued from the command line
    report_chat_id      INTEGER,                 -- where progress and the report go
    progress_message_id INTEGER,
    summary             TEXT    NOT NULL DEFAULT '',  -- what was sent, for reports
    audience            TEXT    NOT NULL DEFAULT '',  -- how the audience was chosen (JSON)
    state               TEXT    NOT NULL DEFAULT 'scheduled'
                        CHECK (state IN ('scheduled', 'sending', 'done', 'cancelled')),
    scheduled_at        REAL    NOT NULL,
    started_at          INTEGER,
    finished_at         INTEGER,
    reported            INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL
);
CREATE INDEX broadcasts_open ON broadcasts (state) WHERE state IN ('scheduled', 'sending');

CREATE TABLE outbox_files (
    id               INTEGER PRIMARY KEY,
    filename         TEXT    NOT NULL,
    mime_type        TEXT    NOT NULL DEFAULT 'application/octet-stream',
    data             BLOB,
    telegram_file_id TEXT                         -- set after the first upload, reused after
);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('interactive', 'reminder', 'invitation',
                                                  'feedback', 'announcement', 'digest')),
    priority     INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
    method       TEXT    NOT NULL,               -- Bot API method, e.g. sendMessage
    params       TEXT    NOT NULL,               -- JSON parameters without chat_id
    file_id      INTEGER REFERENCES outbox_files (id),
    file_param   TEXT,                           -- which parameter carries the file
    urgent       INTEGER NOT NULL DEFAULT 0,     -- passes quiet hours (cancellations)
    not_before   REAL    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    message_id   INTEGER,                        -- Telegram's id of the sent message
    error        TEXT,
    error_kind   TEXT,                           -- blocked, not_found, other, cancelled
    broadcast_id INTEGER REFERENCES broadcasts (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE state = 'pending';
CREATE INDEX outbox_by_chat ON outbox (chat_id, state);
CREATE INDEX outbox_by_broadcast ON outbox (broadcast_id, state);
