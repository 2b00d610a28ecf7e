-- Subscriptions: which areas and themes each chat follows, its pause state and association profile.
-- Also the municipality classification, synced from the packaged CSV at start-up.

CREATE TABLE municipalities (
    code        TEXT PRIMARY KEY,              -- 3-digit Statistics Finland code, e.g. '091'
    name_fi     TEXT NOT NULL,
    name_sv     TEXT NOT NULL,
    region_code TEXT NOT NULL,                 -- maakunta, 2 digits
    county_id   TEXT NOT NULL,                 -- wellbeing services county slug
    successor   TEXT                           -- set when merged away; subscriptions move to it
) WITHOUT ROWID;

-- kind 'all' (code ''), 'region' (maakunta code), 'county' (slug), 'municipality' (code).
CREATE TABLE subscription_areas (
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('all', 'region', 'county', 'municipality')),
    code       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, kind, code)
) WITHOUT ROWID;
CREATE INDEX subscription_areas_by_area ON subscription_areas (kind, code, chat_id);

-- theme_id '*' means all themes, including ones added later.
CREATE TABLE subscription_themes (
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    theme_id   TEXT    NOT NULL,
    PRIMARY KEY (chat_id, theme_id)
) WITHOUT ROWID;
CREATE INDEX subscription_themes_by_theme ON subscription_themes (theme_id, chat_id);

-- NULL: deliveries on; otherwise paused until this moment (a far-future value: until /resume).
ALTER TABLE chats ADD COLUMN paused_until INTEGER;

CREATE TABLE association_profiles (
    chat_id           INTEGER PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    name              TEXT    NOT NULL,
    municipality_code TEXT,
    themes            TEXT    NOT NULL DEFAULT '',   -- space-separated theme ids
    contact           TEXT,
    updated_at        INTEGER NOT NULL
);

-- The /subscribe menu being edited in a chat: saved to subscription_* only on confirm. Kept in the
-- database so a restart does not break an open menu; a tap on any other message is stale.
CREATE TABLE subscription_drafts (
    chat_id    INTEGER PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE ON UPDATE CASCADE,
    message_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    areas      TEXT    NOT NULL DEFAULT '',      -- space-separated kind:code
    themes     TEXT    NOT NULL DEFAULT '',      -- space-separated theme ids, '*' for all
    view       TEXT    NOT NULL DEFAULT 'regions',
    updated_at INTEGER NOT NULL
);
