-- A poll's figures survive /forget and retention. A private chat asked by a poll loses its
-- identity there (/forget deletes the chat; the retention run drops it from old closed polls):
-- its answers move to the placeholder chat 0 under a pseudonym (one per person and poll), and
-- this table keeps one row per such chat, so the poll still counts it as asked, as an answering
-- chat (its pseudonym has answers in chat 0) and in the splits. Only a chat that answered keeps
-- what the splits need (association, municipality, themes); one that never answered is a count.
CREATE TABLE poll_anonymised_recipients (
    poll_id           INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    respondent        INTEGER NOT NULL,           -- the pseudonym its answers in chat 0 carry
    association       TEXT,
    municipality_code TEXT,
    themes            TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (poll_id, respondent)
) WITHOUT ROWID;

-- Answers forgotten before this migration: each pseudonym in chat 0 was one private chat asked
-- (those asked that never answered are gone). Chat 0's own recipient row no longer counts.
INSERT INTO poll_anonymised_recipients (poll_id, respondent)
SELECT DISTINCT poll_id, respondent FROM poll_answers WHERE chat_id = 0;
