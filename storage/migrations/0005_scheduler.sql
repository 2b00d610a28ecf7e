-- Scheduled work (reminders, nudges, feedback rounds, series invitations, weekly digests), the
-- feedback answers, per-chat settings (quiet hours, digest) and repeating event series.
-- The database is the source of truth: the scheduler's in-memory jobs are rebuilt from
-- `schedule` at start-up, and a row turns 'done' in the same transaction that queues its
-- messages, so a restart neither loses nor repeats anything.

CREATE TABLE schedule (
    key      TEXT    PRIMARY KEY,                -- deterministic job id, e.g. 'reminder:12:86400'
    kind     TEXT    NOT NULL CHECK (kind IN ('reminder', 'nudge', 'feedback', 'invitation',
                                              'digest', 'poll_reminder', 'poll_close',
                                              'retention')),
    event_id INTEGER REFERENCES events (id) ON DELETE CASCADE,
    chat_id  INTEGER REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    ref_id   INTEGER,                            -- another aggregate's id (a poll) for its jobs
    due_at   INTEGER NOT NULL,                   -- unix seconds, UTC
    state    TEXT    NOT NULL DEFAULT 'pending'
             CHECK (state IN ('pending', 'done', 'skipped', 'cancelled')),
    done_at  INTEGER,
    note     TEXT    NOT NULL DEFAULT '',        -- why a row was skipped
    changed_at INTEGER NOT NULL                  -- last write; the running scheduler picks up
                                                 -- rows written by other processes (the CLI)
) WITHOUT ROWID;
CREATE INDEX schedule_pending ON schedule (due_at) WHERE state = 'pending';
CREATE INDEX schedule_changed ON schedule (changed_at);
CREATE INDEX schedule_by_event ON schedule (event_id, state);

-- One feedback round per event: opened when the questionnaire goes out, closed after open_for.
CREATE TABLE feedback_rounds (
    event_id  INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    opened_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    asked     INTEGER NOT NULL DEFAULT 0         -- people asked (yes + maybe), for the response rate
);

-- One answer per person and event; a second rating replaces the first. Coordinators only ever
-- see aggregates and comments without names.
CREATE TABLE feedback (
    event_id          INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id           INTEGER NOT NULL,
    rating            INTEGER CHECK (rating BETWEEN 1 AND 5),
    attended          INTEGER CHECK (attended IN (0, 1)),
    comment           TEXT    NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
    association       TEXT,                      -- from the RSVP, for the splits
    municipality_code TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (event_id, user_id)
) WITHOUT ROWID;

-- A person who tapped "add a comment": their next private message is the comment.
CREATE TABLE feedback_drafts (
    user_id    INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);

CREATE TABLE chat_settings (
    chat_id        INTEGER PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    quiet_hours    TEXT,                         -- NULL: the configured default; '': none; 'HH:MM-HH:MM'
    digest_weekday INTEGER CHECK (digest_weekday BETWEEN 0 AND 6),  -- NULL: no digest; 0 = Monday
    digest_hour    INTEGER NOT NULL DEFAULT 9 CHECK (digest_hour BETWEEN 0 AND 23),
    updated_at     INTEGER NOT NULL
);

-- A repeating event: each occurrence is its own row in events (own RSVPs and reminders).
CREATE TABLE event_series (
    id         INTEGER PRIMARY KEY,
    rule       TEXT    NOT NULL,                 -- see bot/series.py for the format
    created_by INTEGER,
    created_at INTEGER NOT NULL
);
ALTER TABLE events ADD COLUMN series_id INTEGER REFERENCES event_series (id) ON DELETE SET NULL;
CREATE INDEX events_by_series ON events (series_id, starts_at) WHERE series_id IS NOT NULL;
