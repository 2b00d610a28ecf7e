-- The year's volunteering figures (storage/volunteer_stats.py), the check-in sweep and retention
-- select shifts by when they start; without an index each of them read every shift ever made.
CREATE INDEX call_shifts_by_start ON call_shifts (starts_at);
