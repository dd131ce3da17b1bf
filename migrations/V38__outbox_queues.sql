-- Whether a reply queued is its person's head (the oldest of theirs unfinished, the one that may
-- go) was asked of `outbox_open_by_recipient`, an index of every unfinished row by shop, person
-- and id. While the link is down every reply waits there, and with many people waiting nearly
-- every reply queued wrote a page of that index of its own: 104 of the 143 pages a batch of 100
-- answers wrote. Each person's queue is now one row: how many of theirs are unfinished and which
-- is the head. When the head finishes, the next is the oldest unfinished row after it, found
-- by id from there; sends are paced, and the search stops at that person's next row.

CREATE TABLE outbox_queues (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    recipient   TEXT    NOT NULL,
    -- Rows pending or being sent.
    open        INTEGER NOT NULL,
    -- The oldest of them: the one that may go.
    head_id     INTEGER NOT NULL,
    PRIMARY KEY (business_id, recipient)
) WITHOUT ROWID;

INSERT INTO outbox_queues (business_id, recipient, open, head_id)
    SELECT business_id, recipient, COUNT(*), MIN(id) FROM outbox
    WHERE state IN ('pending', 'sending') GROUP BY business_id, recipient;

-- Heads as the queues say, mending any person left without one.
UPDATE outbox SET head = (id IN (SELECT head_id FROM outbox_queues))
    WHERE head IS NOT (id IN (SELECT head_id FROM outbox_queues));

DROP TRIGGER outbox_head_on_insert;
DROP TRIGGER outbox_head_on_delete;
DROP TRIGGER outbox_head_on_finish;
DROP TRIGGER outbox_head_on_reopen;
DROP INDEX outbox_open_by_recipient;

-- A row queued is its person's head when nothing of theirs is unfinished; otherwise it waits
-- behind, or goes first when it is older than their head (only tests give ids).
CREATE TRIGGER outbox_head_on_insert AFTER INSERT ON outbox
WHEN new.state IN ('pending', 'sending')
BEGIN
    UPDATE outbox SET head = 0 WHERE head = 1 AND id = (
        SELECT head_id FROM outbox_queues
        WHERE business_id = new.business_id AND recipient = new.recipient AND head_id > new.id);
    UPDATE outbox SET head = 1 WHERE id = new.id AND new.id < IFNULL((
        SELECT head_id FROM outbox_queues
        WHERE business_id = new.business_id AND recipient = new.recipient), new.id + 1);
    INSERT INTO outbox_queues (business_id, recipient, open, head_id)
        VALUES (new.business_id, new.recipient, 1, new.id)
        ON CONFLICT (business_id, recipient) DO UPDATE
        SET open = open + 1, head_id = MIN(head_id, excluded.head_id);
END;

-- The same for a row unfinished again (sent again).
CREATE TRIGGER outbox_head_on_reopen AFTER UPDATE OF state ON outbox
WHEN old.state NOT IN ('pending', 'sending') AND new.state IN ('pending', 'sending')
BEGIN
    UPDATE outbox SET head = 0 WHERE head = 1 AND id = (
        SELECT head_id FROM outbox_queues
        WHERE business_id = new.business_id AND recipient = new.recipient AND head_id > new.id);
    UPDATE outbox SET head = 1 WHERE id = new.id AND new.id <= IFNULL((
        SELECT head_id FROM outbox_queues
        WHERE business_id = new.business_id AND recipient = new.recipient), new.id);
    INSERT INTO outbox_queues (business_id, recipient, open, head_id)
        VALUES (new.business_id, new.recipient, 1, new.id)
        ON CONFLICT (business_id, recipient) DO UPDATE
        SET open = open + 1, head_id = MIN(head_id, excluded.head_id);
END;

-- A row finished (sent, failed) or taken back leaves its queue; when it was the head, the
-- oldest unfinished row after it is. `+` keeps that search on ids after this one.
CREATE TRIGGER outbox_head_on_finish AFTER UPDATE OF state ON outbox
WHEN old.state IN ('pending', 'sending') AND new.state NOT IN ('pending', 'sending')
BEGIN
    UPDATE outbox SET head = 0 WHERE id = new.id AND head = 1;
    UPDATE outbox_queues SET open = open - 1, head_id = CASE WHEN head_id <> new.id THEN head_id
        ELSE IFNULL((SELECT id FROM outbox WHERE open > 1 AND id > new.id
                       AND +business_id = new.business_id AND +recipient = new.recipient
                       AND state IN ('pending', 'sending') ORDER BY id LIMIT 1), 0) END
        WHERE business_id = new.business_id AND recipient = new.recipient;
    DELETE FROM outbox_queues
        WHERE business_id = new.business_id AND recipient = new.recipient AND open <= 0;
    UPDATE outbox SET head = 1 WHERE head = 0 AND id = (
        SELECT head_id FROM outbox_queues
        WHERE business_id = new.business_id AND recipient = new.recipient);
END;

CREATE TRIGGER outbox_head_on_delete AFTER DELETE ON outbox
WHEN old.state IN ('pending', 'sending')
BEGIN
    UPDATE outbox_queues SET open = open - 1, head_id = CASE WHEN head_id <> old.id THEN head_id
        ELSE IFNULL((SELECT id FROM outbox WHERE open > 1 AND id > old.id
                       AND +business_id = old.business_id AND +recipient = old.recipient
                       AND state IN ('pending', 'sending') ORDER BY id LIMIT 1), 0) END
        WHERE business_id = old.business_id AND recipient = old.recipient;
    DELETE FROM outbox_queues
        WHERE business_id = old.business_id AND recipient = old.recipient AND open <= 0;
    UPDATE outbox SET head = 1 WHERE head = 0 AND id = (
        SELECT head_id FROM outbox_queues
        WHERE business_id = old.business_id AND recipient = old.recipient);
END;
