-- Audience polls and surveys: one question (2–10 options, one or several choices) or a survey
-- of up to 5 questions (choice, 1–5 scale, free text), sent to an audience through the outbox;
-- the chats asked, the messages that carry the questions (with Telegram's poll ids for native
-- polls), one answer per respondent and question, and the "my next message is my answer" drafts.

CREATE TABLE polls (
    id            INTEGER PRIMARY KEY,
    created_by    INTEGER NOT NULL,              -- the coordinator's user id
    title         TEXT    NOT NULL,              -- the first question, for lists and reports
    anonymous     INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    group_mode    TEXT    NOT NULL CHECK (group_mode IN ('association', 'member')),
    audience      TEXT    NOT NULL DEFAULT '',   -- how the audience was chosen (JSON)
    state         TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    share_results INTEGER NOT NULL DEFAULT 0 CHECK (share_results IN (0, 1)),
    reminder_at   INTEGER,                       -- NULL: no reminder
    closes_at     INTEGER NOT NULL,
    broadcast_id  INTEGER REFERENCES broadcasts (id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    closed_at     INTEGER
);
CREATE INDEX polls_by_creator ON polls (created_by, id);

CREATE TABLE poll_questions (
    poll_id  INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position BETWEEN 0 AND 4),
    kind     TEXT    NOT NULL CHECK (kind IN ('single', 'multiple', 'scale', 'text')),
    text     TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    PRIMARY KEY (poll_id, position)
) WITHOUT ROWID;

CREATE TABLE poll_options (
    poll_id  INTEGER NOT NULL,
    question INTEGER NOT NULL,
    position INTEGER NOT NULL CHECK (position BETWEEN 0 AND 9),
    text     TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 100),
    PRIMARY KEY (poll_id, question, position),
    UNIQUE (poll_id, question, text),
    FOREIGN KEY (poll_id, question) REFERENCES poll_questions (poll_id, position) ON DELETE CASCADE
) WITHOUT ROWID;

-- The chats asked, with what the splits need, as it was when the poll went out.
CREATE TABLE poll_recipients (
    poll_id           INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    chat_id           INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    is_group          INTEGER NOT NULL CHECK (is_group IN (0, 1)),
    association       TEXT,                      -- the group's association profile
    municipality_code TEXT,                      -- the profile's, or a private chat's only one
    themes            TEXT    NOT NULL DEFAULT '', -- space-separated theme ids followed ('*': all)
    reminded_at       INTEGER,
    PRIMARY KEY (poll_id, chat_id)
) WITHOUT ROWID;

-- Messages that carry a question (or the introduction, question -1), recorded when sent:
-- Telegram's poll id maps a poll_answer to its poll, question and chat; the message id lets
-- closing stop the native poll or take the buttons away.
CREATE TABLE poll_messages (
    poll_id          INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    question         INTEGER NOT NULL,
    chat_id          INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    message_id       INTEGER NOT NULL,
    telegram_poll_id TEXT    UNIQUE,             -- native polls only
    closed           INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    PRIMARY KEY (poll_id, question, chat_id)
) WITHOUT ROWID;

-- One answer per respondent and question; several rows for several choices. The respondent is
-- the person (user id), or 0 for an association that answers once in its group. `user_id` is
-- who gave it: kept for "a new answer replaces the old one" and for named results; results of
-- anonymous polls never select it. Forgetting a person sets it NULL and the respondent to a
-- negative number, so the counts stay right.
CREATE TABLE poll_answers (
    poll_id    INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    question   INTEGER NOT NULL,
    chat_id    INTEGER NOT NULL,
    respondent INTEGER NOT NULL,
    choice     INTEGER NOT NULL DEFAULT -1,      -- option position, the scale value 1–5, or -1 (text)
    text       TEXT    NOT NULL DEFAULT '' CHECK (length(text) <= 1000),
    user_id    INTEGER,
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (poll_id, question, chat_id, respondent, choice),
    FOREIGN KEY (poll_id, chat_id) REFERENCES poll_recipients (poll_id, chat_id)
        ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX poll_answers_by_user ON poll_answers (user_id) WHERE user_id IS NOT NULL;

-- A person who tapped "write my answer": their next private message is the answer.
CREATE TABLE poll_text_drafts (
    user_id    INTEGER PRIMARY KEY,
    poll_id    INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    question   INTEGER NOT NULL,
    chat_id    INTEGER NOT NULL,                 -- the chat the question was asked in
    created_at INTEGER NOT NULL
);

-- Outbox rows may name what they carry ('poll:<poll>:<question>'), so that the delivery worker
-- can record a sent question's message (and native poll id) in the same write as the send.
ALTER TABLE outbox ADD COLUMN ref TEXT;
