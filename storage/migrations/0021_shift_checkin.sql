-- Check-in and thanks for volunteer shifts (issue 21): two more scheduled job kinds, both with
-- ref_id = the shift. 'shift_checkin' sends "📍 I'm here" 30 minutes before the start;
-- 'shift_thanks' thanks those who attended, with their hours, after the end
-- (bot/volunteering/checkin.py, bot/volunteering/thanks.py). Widened as 0020 does.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''shift_reminder'')', '''shift_reminder'', ''shift_checkin'', ''shift_thanks'')')
WHERE type = 'table' AND name = 'schedule';
PRAGMA writable_schema = RESET;
CREATE TABLE jb_schema_bump (x INTEGER);
DROP TABLE jb_schema_bump;
