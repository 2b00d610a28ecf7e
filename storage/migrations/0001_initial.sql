-- Chats the bot talks in (private chats, association groups), the people it knows, and their roles.
-- Times are INTEGER unix seconds in UTC.

CREATE TABLE chats (
    id          INTEGER PRIMARY KEY,          -- Telegram chat id (== user id for private chats)
    type        TEXT    NOT NULL CHECK (type IN ('private', 'group', 'supergroup', 'channel')),
    title       TEXT,
    language    TEXT    CHECK (language IN ('fi', 'sv', 'en')),  -- NULL: not chosen yet
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    inactive_reason TEXT,                      -- blocked, deactivated, kicked, left, not_found
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,        -- Telegram user id
    first_name    TEXT    NOT NULL DEFAULT '',
    last_name     TEXT,
    username      TEXT,
    language_code TEXT,                        -- as Telegram reports it
    language      TEXT    CHECK (language IN ('fi', 'sv', 'en')),  -- chosen with /language
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('admin', 'coordinator')),
    granted_by  INTEGER,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX roles_user ON roles (user_id) WHERE revoked_at IS NULL;

-- What a coordinator may reach: whole country ('all'), regions or municipalities.
CREATE TABLE role_scopes (
    role_id   INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    area_kind TEXT    NOT NULL CHECK (area_kind IN ('all', 'region', 'county', 'municipality')),
    area_code TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (role_id, area_kind, area_code)
);
