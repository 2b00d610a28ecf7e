-- Each update handled once, whichever process gets it (handlers/tracking.py): Telegram sends a
-- webhook update again when no 200 came in time (a process starting or starved), and after a
-- crash long polling gets the updates it had not confirmed yet. A tap handled twice would undo
-- itself (a shift's button toggles). Ids are kept two days (Telegram keeps an update 24 hours),
-- then the daily job forgets them.
CREATE TABLE seen_updates (
    update_id INTEGER PRIMARY KEY,
    seen_at   INTEGER NOT NULL
);
CREATE INDEX seen_updates_by_time ON seen_updates (seen_at);
