-- Breakout sessions (issue 20): an event may offer 2–6 parallel sessions ("Työpaja 1", "Työpaja
-- 2"…), each with its own places; saying "coming" picks one. A session's title is what people
-- chose, so a change keeps the ids of the sessions whose titles stay.
CREATE TABLE event_sessions (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,                   -- 1.. in the order the coordinator wrote them
    title    TEXT    NOT NULL,
    capacity INTEGER CHECK (capacity IS NULL OR capacity > 0)
);
CREATE INDEX event_sessions_by_event ON event_sessions (event_id, position);

-- The session an answer is for: NULL = none (an event without sessions, a maybe or a can't).
-- A session is removed only while nobody has chosen it (bot/events/sessions.py).
ALTER TABLE rsvps ADD COLUMN session_id INTEGER REFERENCES event_sessions (id) ON DELETE SET NULL;
CREATE INDEX rsvps_by_session ON rsvps (session_id, status, queued_at);
