-- Grant calls (issue 21): a funder's call for applications, sent to the matching subscribers
-- like an announcement, listed by /grants until the day after its deadline, with deadline
-- reminders for those who asked for them.

-- One grant call. `deadline_at` is the moment applications close (UTC unix seconds); `opens_at`
-- optional. `amount` is free text ("500–3 000 €"). `sequence` grows with every deadline change
-- (the .ics SEQUENCE, so a calendar app replaces its earlier copy).
CREATE TABLE grant_calls (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    funder      TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    amount      TEXT    NOT NULL DEFAULT '',
    link        TEXT    NOT NULL DEFAULT '',
    opens_at    INTEGER,
    deadline_at INTEGER NOT NULL,
    sequence    INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER,
    state       TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'cancelled')),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX grant_calls_by_deadline ON grant_calls (state, deadline_at);

CREATE TABLE grant_call_municipalities (
    call_id INTEGER NOT NULL REFERENCES grant_calls (id) ON DELETE CASCADE,
    code    TEXT    NOT NULL,
    PRIMARY KEY (call_id, code)
);
CREATE INDEX grant_call_municipalities_by_code ON grant_call_municipalities (code);

-- No row: every theme.
CREATE TABLE grant_call_themes (
    call_id INTEGER NOT NULL REFERENCES grant_calls (id) ON DELETE CASCADE,
    theme   TEXT    NOT NULL,
    PRIMARY KEY (call_id, theme)
);

-- "🔔 Remind me": the person (their private chat is their user id) wants deadline reminders.
CREATE TABLE grant_reminders (
    call_id    INTEGER NOT NULL REFERENCES grant_calls (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (call_id, user_id)
);
CREATE INDEX grant_reminders_by_user ON grant_reminders (user_id);

-- Reminders already queued, one per (call, person, offset in days): the daily sweep's memory,
-- so a repeated run sends nothing twice. A changed deadline clears the call's rows.
CREATE TABLE grant_reminders_sent (
    call_id  INTEGER NOT NULL REFERENCES grant_calls (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL,
    days     INTEGER NOT NULL,
    sent_at  INTEGER NOT NULL,
    PRIMARY KEY (call_id, user_id, days)
);
