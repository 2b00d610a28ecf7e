-- Who does what (issue 19): the association directory, the network's contact people, and the
-- one-message relay between a person and a contact person.

-- One association's record. A group chat's profile (chat_id set) is what coordinators see when
-- the group answers an invitation; published, it is also public in /directory. An association
-- without a Telegram group is listed by a person who represents it (chat_id NULL, user_id that
-- person), and waits in 'pending' until a coordinator of its municipality approves it.
-- Replaces association_profiles (0002), whose rows become private profiles here.
CREATE TABLE listings (
    id                  INTEGER PRIMARY KEY,
    chat_id             INTEGER UNIQUE REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    user_id             INTEGER,                      -- the representative, or who published
    name                TEXT    NOT NULL,
    themes              TEXT    NOT NULL DEFAULT '',  -- space-separated theme ids
    contact             TEXT,                         -- as typed: t.me link, e-mail, phone, web
    about               TEXT    NOT NULL DEFAULT '',  -- "what we do", at most 500 characters
    languages           TEXT    NOT NULL DEFAULT '',  -- space-separated ISO 639-1 codes
    welcomes_volunteers INTEGER NOT NULL DEFAULT 0,
    join_link           TEXT,
    -- private: a group's profile only; pending: waits for a coordinator; public: in the
    -- directory; hidden: by a coordinator (status_reason says why); lapsed: not confirmed in
    -- time after the yearly question.
    status              TEXT    NOT NULL DEFAULT 'private'
                        CHECK (status IN ('private', 'pending', 'public', 'hidden', 'lapsed')),
    status_reason       TEXT,
    status_by           INTEGER,                      -- the coordinator who approved or hid it
    confirmed_at        INTEGER,                      -- published or last confirmed
    review_asked_at     INTEGER,                      -- "is this still right?" sent
    search_text         TEXT    NOT NULL DEFAULT '',  -- folded words of name, about, contact
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX listings_by_status ON listings (status, confirmed_at);
CREATE INDEX listings_by_user ON listings (user_id);

-- A listing's municipalities, in the order given (the first is the one a profile shows). The
-- key's columns come first: SQLite 3.40's integrity_check reports a NULL in a WITHOUT ROWID
-- table's column that sits between its key's columns.
CREATE TABLE listing_municipalities (
    listing_id INTEGER NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    code       TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (listing_id, code)
) WITHOUT ROWID;
CREATE INDEX listing_municipalities_by_code ON listing_municipalities (code, listing_id);

INSERT INTO listings (chat_id, name, themes, contact, created_at, updated_at)
SELECT chat_id, name, themes, contact, updated_at, updated_at FROM association_profiles;
INSERT INTO listing_municipalities (listing_id, code, position)
SELECT l.id, p.municipality_code, 0
FROM listings l JOIN association_profiles p ON p.chat_id = l.chat_id
WHERE p.municipality_code IS NOT NULL;
DROP TABLE association_profiles;

-- Directory searches that found nothing, for the statistics: the words only, never who asked.
CREATE TABLE directory_misses (
    id          INTEGER PRIMARY KEY,
    words       TEXT    NOT NULL,
    searched_at INTEGER NOT NULL
);
CREATE INDEX directory_misses_by_time ON directory_misses (searched_at);

-- A coordinator listed as a contact person (/contactme): one listing per person, with a title
-- and how to reach them. Their areas are all or part of their coordinator scope; an empty set
-- of areas with covers_all = 1 is "the network's staff" (everywhere).
CREATE TABLE contact_people (
    user_id    INTEGER PRIMARY KEY,
    title      TEXT    NOT NULL,
    reach      TEXT    NOT NULL DEFAULT 'relay' CHECK (reach IN ('relay', 'username')),
    username   TEXT,                                 -- shown only when reach = 'username'
    covers_all INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE contact_areas (
    user_id   INTEGER NOT NULL REFERENCES contact_people (user_id) ON DELETE CASCADE,
    area_kind TEXT    NOT NULL CHECK (area_kind IN ('region', 'county', 'municipality')),
    area_code TEXT    NOT NULL,
    PRIMARY KEY (user_id, area_kind, area_code)
) WITHOUT ROWID;
CREATE INDEX contact_areas_by_area ON contact_areas (area_kind, area_code);

-- One relayed message between an asker and a contact person ("✉️ Write to them"), so that the
-- reply button knows whom to answer without either side learning the other's id. Kept for
-- the retention period, then removed.
CREATE TABLE contact_messages (
    id           INTEGER PRIMARY KEY,
    from_user_id INTEGER NOT NULL,
    to_user_id   INTEGER NOT NULL,
    reply_to     INTEGER REFERENCES contact_messages (id) ON DELETE SET NULL,
    sent_at      INTEGER NOT NULL
);
CREATE INDEX contact_messages_by_from ON contact_messages (from_user_id);
CREATE INDEX contact_messages_by_to ON contact_messages (to_user_id);
CREATE INDEX contact_messages_by_time ON contact_messages (sent_at);
