-- A send whose answer never came (the request timed out, the connection broke after it was
-- written, a proxy answered 502/504) may or may not have reached the chat. `uncertain` counts
-- such attempts: the delivery worker sends a row again at most once after one (so a chat gets at
-- most two copies), and a row that was sent after one "may have arrived twice" in the reports.
-- A row left 'sending' by a crash counts the same way when it is recovered at start-up.
ALTER TABLE outbox ADD COLUMN uncertain INTEGER NOT NULL DEFAULT 0;
