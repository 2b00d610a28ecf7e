-- One shift of a volunteer call cancelled by its organiser before it starts (the call's other
-- shifts go on; bot/volunteering/shift_cancel.py). The row stays so the call's history does:
-- its sign-ups turn 'cancelled' in the same transaction, and it drops out of the card, the
-- figures and the jobs.
ALTER TABLE call_shifts ADD COLUMN cancelled_at INTEGER;
