-- Privacy: /forget and the retention job keep counts by moving a person's answers to a random
-- negative pseudonym and the chat they answered in to the placeholder chat 0 (created when first
-- needed: type 'channel', inactive, reason 'anonymised'). Nothing is ever sent there.

-- A reminder, feedback questionnaire or notice for an anonymised answer would go to chat 0:
-- such rows are dropped as they are written (RAISE(IGNORE) skips just that row).
CREATE TRIGGER outbox_not_to_anonymised BEFORE INSERT ON outbox
WHEN NEW.chat_id = 0
BEGIN
    SELECT RAISE(IGNORE);
END;

-- /mydata and /forget look answers up by person.
CREATE INDEX feedback_by_user ON feedback (user_id);
