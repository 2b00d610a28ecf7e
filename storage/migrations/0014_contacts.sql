-- Contact people (issue 19): an opaque reference for each listing. The "✉️ Write to them"
-- button and its deep link (`start=cw_<ref>`) name a contact person by it: callback data and
-- links are readable on the asker's device, so they must not carry the contact's Telegram id.
-- Random, set when the person lists themselves; a new listing after /contactme off gets a new
-- one, so an old button no longer reaches them.
ALTER TABLE contact_people ADD COLUMN ref TEXT;
CREATE UNIQUE INDEX contact_people_by_ref ON contact_people (ref);
