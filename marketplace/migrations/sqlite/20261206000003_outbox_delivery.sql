-- Delivery of the outbox by SMTP: a message is claimed by one instance before it is
-- sent, and failures are counted and kept, so that nothing is sent twice or lost.
ALTER TABLE outbox ADD COLUMN claimed_at INTEGER;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
