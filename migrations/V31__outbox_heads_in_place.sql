-- A row finishing rewrote every unfinished row of its person to move the head (V19), so a
-- person's backlog of n messages cost n²/2 row writes to send: a staff group sent a thousand
-- order notices after an outage, or a customer sent many replies while the link was down. On a
-- book where a thousand people each had 3,000 waiting, one send took 9 ms of writes under the
-- write lock. Now a send writes the finished row and, when the head moves, the next row: the
-- next is found by `outbox_open_by_recipient`, and only rows whose flag changes are written.

DROP TRIGGER outbox_head_on_state;

-- A row finishing (sent, failed) is no head; the person's oldest unfinished row is. Also mends a
-- person left without a head.
CREATE TRIGGER outbox_head_on_finish AFTER UPDATE OF state ON outbox
WHEN old.state IN ('pending', 'sending') AND new.state NOT IN ('pending', 'sending')
BEGIN
    UPDATE outbox SET head = 0 WHERE id = new.id AND head = 1;
    UPDATE outbox SET head = 1 WHERE head = 0 AND id = (
        SELECT MIN(id) FROM outbox WHERE business_id = new.business_id AND recipient = new.recipient
          AND state IN ('pending', 'sending'));
END;

-- A row unfinished again (sent again) is its person's head if it is the oldest, and the row
-- that was head (the oldest after it) is not; both found by `outbox_open_by_recipient`, and
-- only those two rows are written.
CREATE TRIGGER outbox_head_on_reopen AFTER UPDATE OF state ON outbox
WHEN old.state NOT IN ('pending', 'sending') AND new.state IN ('pending', 'sending')
BEGIN
    UPDATE outbox SET head = (id = (
        SELECT MIN(id) FROM outbox WHERE business_id = new.business_id AND recipient = new.recipient
          AND state IN ('pending', 'sending')))
    WHERE id IN (new.id, (
        SELECT MIN(id) FROM outbox WHERE business_id = new.business_id AND recipient = new.recipient
          AND state IN ('pending', 'sending') AND id > new.id));
END;
