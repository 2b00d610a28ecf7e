-- PostgreSQL's text of 0013_event_kinds.sql (the SQLite file says why): the CHECK on
-- events.kind accepts training and evaluation workshops too.
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('forum', 'association_evening',
    'partnership_evening', 'workshop', 'other', 'training', 'evaluation_workshop'));
