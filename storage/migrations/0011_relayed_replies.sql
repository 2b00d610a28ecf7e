-- Several bot processes share one database (docs/scale-out.md). Only the delivery leader talks
-- to Telegram for messages, so the bot-wide budget and each chat's limits hold in one place; a
-- reply a handler in another process sends is relayed through the outbox (ref 'relay') and its
-- handler waits for Telegram's answer, stored here as Telegram returned it (JSON).
ALTER TABLE outbox ADD COLUMN result TEXT;
