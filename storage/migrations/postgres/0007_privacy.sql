-- PostgreSQL's text of 0007_privacy.sql (the SQLite file says why): a trigger runs a function
-- there, and a BEFORE trigger that returns NULL skips just that row, as RAISE(IGNORE) does.
CREATE FUNCTION outbox_not_to_anonymised() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_not_to_anonymised BEFORE INSERT ON outbox
FOR EACH ROW WHEN (NEW.chat_id = 0) EXECUTE FUNCTION outbox_not_to_anonymised();

CREATE INDEX feedback_by_user ON feedback (user_id);
