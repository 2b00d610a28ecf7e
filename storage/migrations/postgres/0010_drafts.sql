-- PostgreSQL's text of 0010_drafts.sql (the SQLite file says why): json_build_object for
-- SQLite's json_object, and 64-bit ids.
CREATE TABLE drafts (
    user_id    BIGINT NOT NULL,
    chat_id    BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    step       TEXT   NOT NULL,
    payload    TEXT   NOT NULL DEFAULT '{}',
    revision   BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, chat_id, kind)
);
CREATE INDEX drafts_by_age ON drafts (updated_at);

INSERT INTO drafts (user_id, chat_id, kind, step, payload, revision, updated_at)
SELECT user_id, chat_id, 'subscribe', view,
       json_build_object('message_id', message_id, 'areas', areas, 'themes', themes)::text, 1,
       updated_at
FROM subscription_drafts;
DROP TABLE subscription_drafts;
