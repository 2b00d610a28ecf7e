-- Event proposals and co-organisers (issue 20): an association proposes an event, the
-- coordinators of its municipality approve, edit or decline it; an approved proposal becomes an
-- event that names the association (and, later, further associations and coordinators) as its
-- co-organisers.

-- One proposal. `fields` is the event wizard's draft as JSON (bot/events/draft.py to_json);
-- `revision` grows with every change of the fields, so a coordinator's approval of an edited
-- copy can tell that the proposer changed it meanwhile. pending: waits for a coordinator;
-- escalated: waited 7 days and went to the network's administrators (still approvable).
CREATE TABLE proposals (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,                 -- the proposer
    chat_id     INTEGER,                          -- the association's group, when from one
    listing_id  INTEGER REFERENCES listings (id) ON DELETE SET NULL,
    association TEXT    NOT NULL DEFAULT '',      -- its name as shown to the coordinators
    fields      TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'declined', 'escalated')),
    handled_by  INTEGER,
    reason      TEXT,
    revision    INTEGER NOT NULL DEFAULT 1,
    event_id    INTEGER REFERENCES events (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX proposals_by_status ON proposals (status, updated_at);
CREATE INDEX proposals_by_user ON proposals (user_id);

-- An event's co-organisers: associations (a directory listing) and coordinators (a user).
CREATE TABLE event_organisers (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    listing_id INTEGER REFERENCES listings (id) ON DELETE CASCADE,
    user_id    INTEGER,
    CHECK ((listing_id IS NULL) <> (user_id IS NULL))
);
CREATE UNIQUE INDEX event_organisers_listing ON event_organisers (event_id, listing_id);
CREATE UNIQUE INDEX event_organisers_user ON event_organisers (event_id, user_id);
CREATE INDEX event_organisers_by_listing ON event_organisers (listing_id);
CREATE INDEX event_organisers_by_user ON event_organisers (user_id);
