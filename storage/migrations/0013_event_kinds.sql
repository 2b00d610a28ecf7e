-- Two more event kinds (issue 19): training and evaluation workshop. Only the CHECK of
-- events.kind widens. SQLite cannot alter a CHECK, and rebuilding the table is not safe here:
-- with foreign keys on (they cannot be turned off inside the migration's transaction) dropping
-- the old table would cascade into every RSVP, reminder and feedback row. A wider CHECK accepts
-- every row the old one did, which is the case SQLite documents editing the stored schema text
-- for ("Making Other Kinds Of Table Schema Changes", sqlite.org/lang_altertable.html).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''workshop'', ''other'')', '''workshop'', ''other'', ''training'', ''evaluation_workshop'')')
WHERE type = 'table' AND name = 'events';
-- RESET: this connection reloads the schema now.
PRAGMA writable_schema = RESET;
-- Any DDL bumps the schema cookie, so other open connections reload it before their next write.
CREATE TABLE jb_schema_bump (x INTEGER);
DROP TABLE jb_schema_bump;
