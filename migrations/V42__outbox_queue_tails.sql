-- Each person's queue also names its newest row. A reply the same as the newest one still
-- waiting to go to that person says nothing new, and is not queued again: while the link is
-- down, or in a rush, a customer who sends the same order five times is sent one summary, not
-- five (WhatsApp lets about one message in 6 s through to one person). The tail only has to be
-- right when it is compared with the newest row, and a row queued always becomes the tail, so
-- the queues already open start at 0 (nothing to compare with) until their next row.

ALTER TABLE outbox_queues ADD COLUMN tail_id INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER outbox_head_on_insert;
DROP TRIGGER outbox_head_on_reopen;

CREATE TRIGGER outbox_head_on_insert AFTER INSERT ON outbox
WHEN new.state IN ('pending', 'sending')
BEGIN
    UPDATE outbox SET head = 0 WHERE head = 1 AND id = (
        SELECT head_id FROM outbox_queues
        WHERE business_id = new.business_id AND recipient = new.recipient AND head_id > new.id);
    UPDATE outbox SET head = 1 WHERE id = new.id AND new.id < IFNULL((
        SELECT head_id FROM outbox_queues
        WHERE business_id = new.business_id AND recipient = new.recipient), new.id + 1);
    INSERT INTO outbox_queues (business_id, recipient, open, head_id, tail_id)
        VALUES (new.business_id, new.recipient, 1, new.id, new.id)
        ON CONFLICT (business_id, recipient) DO UPDATE
        SET open = open + 1, head_id = MIN(head_id, excluded.head_id),
            tail_id = MAX(tail_id, excluded.tail_id);
END;

CREATE TRIGGER outbox_head_on_reopen AFTER UPDATE OF state ON outbox
WHEN old.state NOT IN ('pending', 'sending') AND new.state IN ('pending', 'sending')
BEGIN
    UPDATE outbox SET head = 0 WHERE head = 1 AND id = (
        SELECT head_id FROM outbox_queues
        WHERE business_id = new.business_id AND recipient = new.recipient AND head_id > new.id);
    UPDATE outbox SET head = 1 WHERE id = new.id AND new.id <= IFNULL((
        SELECT head_id FROM outbox_queues
        WHERE business_id = new.business_id AND recipient = new.recipient), new.id);
    INSERT INTO outbox_queues (business_id, recipient, open, head_id, tail_id)
        VALUES (new.business_id, new.recipient, 1, new.id, new.id)
        ON CONFLICT (business_id, recipient) DO UPDATE
        SET open = open + 1, head_id = MIN(head_id, excluded.head_id),
            tail_id = MAX(tail_id, excluded.tail_id);
END;
