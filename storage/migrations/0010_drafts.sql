-- What a person is in the middle of: one row per wizard they have open in a chat (/newevent,
-- /announce, /poll). In the database, not in a process's memory, so a draft survives a restart
-- and any bot process can take the next answer. `revision` grows with every save: a timer that
-- saw revision n knows the draft was touched again when it finds another.
CREATE TABLE drafts (
    user_id    INTEGER NOT NULL,
    chat_id    INTEGER NOT NULL,
    kind       TEXT    NOT NULL,              -- the wizard: newevent, announce, poll
    step       TEXT    NOT NULL,              -- the named step waiting for an answer
    payload    TEXT    NOT NULL DEFAULT '{}', -- the wizard's draft as JSON
    revision   INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, chat_id, kind)
) WITHOUT ROWID;
CREATE INDEX drafts_by_age ON drafts (updated_at);

-- The /subscribe menu's working copy was a table of its own; it is a shared draft of kind
-- 'subscribe' now (one per chat, step = the menu's view), read and written through
-- storage/subscription_drafts.py.
INSERT INTO drafts (user_id, chat_id, kind, step, payload, revision, updated_at)
SELECT user_id, chat_id, 'subscribe', view,
       json_object('message_id', message_id, 'areas', areas, 'themes', themes), 1, updated_at
FROM subscription_drafts;
DROP TABLE subscription_drafts;
