-- PostgreSQL's text of 0011_relayed_replies.sql (the SQLite file says why), plus the signals
-- other processes wait on. NOTIFY is transactional: a listener hears of a row only once it is
-- committed, and one transaction's repeats of a channel and payload arrive once.
ALTER TABLE outbox ADD COLUMN result TEXT;

-- New rows to send: the delivery leader wakes at once instead of at its next poll.
CREATE FUNCTION jb_notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('jb_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER jb_outbox_added AFTER INSERT ON outbox
FOR EACH STATEMENT EXECUTE FUNCTION jb_notify_outbox();

-- A relayed reply finished: the process whose handler waits for it reads Telegram's answer.
CREATE FUNCTION jb_notify_reply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('jb_reply', NEW.id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER jb_reply_finished AFTER UPDATE OF state ON outbox
FOR EACH ROW WHEN (NEW.ref = 'relay' AND NEW.state IN ('sent', 'failed', 'skipped'))
EXECUTE FUNCTION jb_notify_reply();

-- Scheduled work added or moved: the leader's scheduler looks now, not at its next refresh.
CREATE FUNCTION jb_notify_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('jb_schedule', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER jb_schedule_changed AFTER INSERT OR UPDATE ON schedule
FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION jb_notify_schedule();

-- A chat's settings changed: every process drops what it keeps of them (quiet hours).
CREATE FUNCTION jb_notify_chat_settings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('jb_chat_settings', OLD.chat_id::text);
    ELSE
        PERFORM pg_notify('jb_chat_settings', NEW.chat_id::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER jb_chat_settings_changed AFTER INSERT OR UPDATE OR DELETE ON chat_settings
FOR EACH ROW EXECUTE FUNCTION jb_notify_chat_settings();
