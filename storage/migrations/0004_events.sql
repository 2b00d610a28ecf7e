-- Events (forums, association evenings, workshops), their invitations and RSVPs, and the
-- one-time links that appoint coordinators. Times are INTEGER unix seconds in UTC; each event
-- keeps the time zone its times are shown and exported in.

CREATE TABLE coordinator_invites (
    token_hash TEXT    PRIMARY KEY,              -- sha256 of the link's token; the token is not stored
    scope      TEXT    NOT NULL,                 -- space-separated kind:code, e.g. 'municipality:167'
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by    INTEGER,
    used_at    INTEGER,
    role_id    INTEGER REFERENCES roles (id) ON DELETE SET NULL
) WITHOUT ROWID;

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    uid           TEXT    NOT NULL UNIQUE,       -- iCalendar UID, stable across edits
    kind          TEXT    NOT NULL CHECK (kind IN ('forum', 'association_evening',
                                                   'partnership_evening', 'workshop', 'other')),
    title         TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER,
    timezone      TEXT    NOT NULL,
    place         TEXT    NOT NULL DEFAULT '',
    online_url    TEXT    NOT NULL DEFAULT '',
    capacity      INTEGER CHECK (capacity IS NULL OR capacity > 0),
    rsvp_deadline INTEGER,
    reminders     TEXT    NOT NULL DEFAULT '',   -- space-separated offsets in seconds before start
    state         TEXT    NOT NULL DEFAULT 'draft'
                  CHECK (state IN ('draft', 'published', 'cancelled')),
    sequence      INTEGER NOT NULL DEFAULT 0,    -- iCalendar SEQUENCE, +1 on every change
    created_by    INTEGER,
    broadcast_id  INTEGER REFERENCES broadcasts (id) ON DELETE SET NULL,  -- the invitations
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    published_at  INTEGER,
    cancelled_at  INTEGER
);
CREATE INDEX events_upcoming ON events (state, starts_at);
CREATE INDEX events_by_creator ON events (created_by, starts_at);

CREATE TABLE event_municipalities (
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    code     TEXT    NOT NULL,
    PRIMARY KEY (event_id, code)
) WITHOUT ROWID;
CREATE INDEX event_municipalities_by_code ON event_municipalities (code, event_id);

-- No rows: the event is for every theme.
CREATE TABLE event_themes (
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    theme_id TEXT    NOT NULL,
    PRIMARY KEY (event_id, theme_id)
) WITHOUT ROWID;

-- One answer per person and event, wherever they tapped; 'waitlist' is a yes beyond capacity.
CREATE TABLE rsvps (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    status      TEXT    NOT NULL CHECK (status IN ('yes', 'maybe', 'no', 'waitlist')),
    headcount   INTEGER NOT NULL DEFAULT 1 CHECK (headcount BETWEEN 1 AND 50),
    association TEXT,                            -- answered for this association (group profile)
    municipality_code TEXT,                      -- the association's municipality, when known
    queued_at   INTEGER,                         -- waitlist order
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (event_id, user_id)
) WITHOUT ROWID;
CREATE INDEX rsvps_by_status ON rsvps (event_id, status, queued_at);
CREATE INDEX rsvps_by_user ON rsvps (user_id);
