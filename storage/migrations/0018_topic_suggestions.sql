-- Topic suggestions (issue 20): people suggest topics for a forum or workshop before a date.
-- `topics_until` is the coordinator's own date; NULL means the default (bot/topics/rules.py:
-- seven days before the start, or the day before it for an event published later than that).
ALTER TABLE events ADD COLUMN topics_until INTEGER;

-- One row per suggestion. `user_id` is kept also for an anonymous one (/mydata exports it,
-- /forget deletes it), but coordinators never see it: they see `association` (a snapshot of the
-- group's directory name when the suggester chose to give it) or "anonymous".
CREATE TABLE event_topics (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    association TEXT    NOT NULL DEFAULT '',
    anonymous   INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    text        TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    created_at  INTEGER NOT NULL
);
CREATE INDEX event_topics_by_event ON event_topics (event_id, id);
CREATE INDEX event_topics_by_user ON event_topics (user_id);
