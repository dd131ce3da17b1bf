-- `outbox_due` held every row waiting to be sent or being sent, by state and due time, and was
-- read only for rows being sent (`sending`: few at any moment, by when they were claimed). Every
-- reply queued wrote an entry to it, and every send moved it. It now holds the claimed rows
-- alone: a reply queued writes nothing to it, a send adds an entry and takes it away.

DROP INDEX outbox_due;
CREATE INDEX outbox_claimed ON outbox(updated_at) WHERE state = 'sending';
