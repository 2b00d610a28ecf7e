-- Whom an event is for and its programme (issue 20), both optional.
-- for_whom: space-separated codes from bot/events/audience.py (staff, volunteers,
-- public_sector, everyone); '' means not said, which counts as everyone.
-- programme: at most 10 lines such as '18.00 Welcome', joined by newlines; '' means none.
ALTER TABLE events ADD COLUMN for_whom TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN programme TEXT NOT NULL DEFAULT '';
