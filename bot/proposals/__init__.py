"""Event proposals: an association proposes an event, a coordinator of its municipality
approves (publishing it with the association as co-organiser), edits or declines it."""
