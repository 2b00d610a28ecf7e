-- Volunteer calls (issue 21): a call for volunteers with one or more shifts, each with its own
-- places and waiting list; the sign-ups; and the person's /volunteer profile that decides who
-- hears of calls besides the subscribed chats. Check-in and hours have their columns here
-- already (checked_in_at, hours) so the later parts need no migration of their own.
CREATE TABLE volunteer_calls (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    skills      TEXT    NOT NULL DEFAULT '',     -- free words, as the organiser wrote them
    listing_id  INTEGER REFERENCES listings (id) ON DELETE SET NULL,  -- the organising association
    created_by  INTEGER,                         -- user id; NULL after /forget or from the CLI
    state       TEXT    NOT NULL DEFAULT 'published'
                CHECK (state IN ('published', 'cancelled')),
    reminders   TEXT    NOT NULL DEFAULT '86400 7200',  -- space-separated seconds before a shift
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX volunteer_calls_by_creator ON volunteer_calls (created_by);

CREATE TABLE call_municipalities (
    call_id INTEGER NOT NULL REFERENCES volunteer_calls (id) ON DELETE CASCADE,
    code    TEXT    NOT NULL,
    PRIMARY KEY (call_id, code)
);

CREATE TABLE call_themes (
    call_id INTEGER NOT NULL REFERENCES volunteer_calls (id) ON DELETE CASCADE,
    theme   TEXT    NOT NULL,
    PRIMARY KEY (call_id, theme)
);

CREATE TABLE call_shifts (
    id        INTEGER PRIMARY KEY,
    call_id   INTEGER NOT NULL REFERENCES volunteer_calls (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,                  -- 1.. in the order the organiser wrote them
    starts_at INTEGER NOT NULL,                  -- unix seconds, UTC
    ends_at   INTEGER NOT NULL CHECK (ends_at > starts_at),
    places    INTEGER NOT NULL CHECK (places > 0)
);
CREATE INDEX call_shifts_by_call ON call_shifts (call_id, position);

-- One row per person and shift. 'waitlist' rows are in line by queued_at (strictly increasing
-- per shift, bot/volunteering/signup.py); a cancelled row is kept so the history stays.
CREATE TABLE shift_signups (
    shift_id      INTEGER NOT NULL REFERENCES call_shifts (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,              -- pseudonymised by /forget (hours stay counted)
    chat_id       INTEGER NOT NULL,              -- where the card was tapped
    status        TEXT    NOT NULL CHECK (status IN ('yes', 'waitlist', 'cancelled')),
    queued_at     INTEGER,                       -- when it joined the waiting list
    confirmed_at  INTEGER,                       -- "✅ I'll be there" on a reminder
    checked_in_at INTEGER,
    hours         REAL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (shift_id, user_id)
);
CREATE INDEX shift_signups_line ON shift_signups (shift_id, status, queued_at);
CREATE INDEX shift_signups_by_user ON shift_signups (user_id, status);

-- /volunteer: a person who wants to hear of calls in their areas, themes or skills.
CREATE TABLE volunteer_profiles (
    user_id     INTEGER PRIMARY KEY,
    wants_calls INTEGER NOT NULL DEFAULT 1 CHECK (wants_calls IN (0, 1)),
    skills      TEXT    NOT NULL DEFAULT '',     -- free words
    updated_at  INTEGER NOT NULL
);

CREATE TABLE volunteer_profile_areas (
    user_id INTEGER NOT NULL REFERENCES volunteer_profiles (user_id) ON DELETE CASCADE,
    kind    TEXT    NOT NULL CHECK (kind IN ('all', 'region', 'county', 'municipality')),
    code    TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, kind, code)
);

CREATE TABLE volunteer_profile_themes (
    user_id INTEGER NOT NULL REFERENCES volunteer_profiles (user_id) ON DELETE CASCADE,
    theme   TEXT    NOT NULL,
    PRIMARY KEY (user_id, theme)
);

-- Shift reminders are scheduled jobs of their own kind ('shift_reminder', ref_id = the shift).
-- The schedule's kinds are a CHECK (0005); widened the way 0013 widens events.kind (that file
-- says why a rebuild is not safe): a wider CHECK accepts every row the old one did.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''retention'')', '''retention'', ''shift_reminder'')')
WHERE type = 'table' AND name = 'schedule';
PRAGMA writable_schema = RESET;
CREATE TABLE jb_schema_bump (x INTEGER);
DROP TABLE jb_schema_bump;
