-- Only a person's oldest unfinished message may go, so their messages keep their order. Finding
-- those "heads" by grouping every unfinished row made each sender pass cost as much as the whole
-- backlog; instead each row says whether it is its person's head, kept right by the triggers
-- below whatever writes the table, and the sender reads only heads through small indexes.
ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0;

CREATE INDEX outbox_open_by_recipient ON outbox(business_id, recipient, id)
    WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_heads ON outbox(business_id, id) WHERE head = 1 AND state = 'pending';
CREATE INDEX outbox_heads_next ON outbox(next_attempt_at) WHERE head = 1 AND state = 'pending';

UPDATE outbox SET head = 1 WHERE id IN (
    SELECT MIN(id) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY business_id, recipient);

-- A new row is its person's head when nothing older of theirs is unfinished.
CREATE TRIGGER outbox_head_on_insert AFTER INSERT ON outbox
WHEN new.state IN ('pending', 'sending') AND NOT EXISTS (
    SELECT 1 FROM outbox WHERE business_id = new.business_id AND recipient = new.recipient
      AND state IN ('pending', 'sending') AND id < new.id)
BEGIN
    UPDATE outbox SET head = 1 WHERE id = new.id;
END;

-- A row finishing (sent, failed), or unfinished again (sent again), or taken back, moves the
-- head to whichever of that person's unfinished rows is now the oldest.
CREATE TRIGGER outbox_head_on_state AFTER UPDATE OF state ON outbox
WHEN (old.state IN ('pending', 'sending')) <> (new.state IN ('pending', 'sending'))
BEGIN
    UPDATE outbox SET head = 0 WHERE id = new.id AND new.state NOT IN ('pending', 'sending');
    UPDATE outbox SET head = (id = (
        SELECT MIN(id) FROM outbox WHERE business_id = new.business_id AND recipient = new.recipient
          AND state IN ('pending', 'sending')))
    WHERE business_id = new.business_id AND recipient = new.recipient
      AND state IN ('pending', 'sending');
END;

CREATE TRIGGER outbox_head_on_delete AFTER DELETE ON outbox
WHEN old.head = 1
BEGIN
    UPDATE outbox SET head = 1 WHERE id = (
        SELECT MIN(id) FROM outbox WHERE business_id = old.business_id AND recipient = old.recipient
          AND state IN ('pending', 'sending'));
END;
