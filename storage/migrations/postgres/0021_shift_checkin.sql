-- PostgreSQL's text of 0021_shift_checkin.sql (the SQLite file says why).
ALTER TABLE schedule DROP CONSTRAINT schedule_kind_check;
ALTER TABLE schedule ADD CONSTRAINT schedule_kind_check CHECK (kind IN ('reminder', 'nudge',
    'feedback', 'invitation', 'digest', 'poll_reminder', 'poll_close', 'retention',
    'shift_reminder', 'shift_checkin', 'shift_thanks'));
