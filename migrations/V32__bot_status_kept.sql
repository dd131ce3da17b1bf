-- The platform console's bots table and `/metrics` read, for each shop, what waits to be sent
-- and when a message was last sent. Both grew with the book: counting what waits read every
-- waiting row (0.3 s warm, 4.5 s cold with 3 million waiting after a long outage, at every
-- scrape and every visit), and "last sent" walked the shop's messages newest first past every
-- one never sent (28 s cold on the same book).

-- How many outbox rows of each business wait or are being sent, kept by triggers. A row counts
-- while its state is 'pending' or 'sending'; moving between those two changes nothing, so a
-- send writes this table once, when it finishes.
-- Every business has its row from the start (a trigger on `businesses`), so the outbox's
-- triggers only ever add and take away: an upsert in their place cost a reply about a
-- microsecond more.
CREATE TABLE outbox_waiting (
    business_id INTEGER PRIMARY KEY REFERENCES businesses(id),
    n           INTEGER NOT NULL
);

INSERT INTO outbox_waiting (business_id, n)
    SELECT b.id, (SELECT COUNT(*) FROM outbox o
                  WHERE o.business_id = b.id AND o.state IN ('pending', 'sending'))
    FROM businesses b;

CREATE TRIGGER outbox_waiting_business AFTER INSERT ON businesses
BEGIN
    INSERT OR IGNORE INTO outbox_waiting (business_id, n) VALUES (new.id, 0);
END;

CREATE TRIGGER outbox_waiting_insert AFTER INSERT ON outbox
WHEN new.state IN ('pending', 'sending')
BEGIN
    UPDATE outbox_waiting SET n = n + 1 WHERE business_id = new.business_id;
END;

CREATE TRIGGER outbox_waiting_update AFTER UPDATE OF state, business_id ON outbox
WHEN (old.state IN ('pending', 'sending')) IS NOT (new.state IN ('pending', 'sending'))
  OR old.business_id IS NOT new.business_id
BEGIN
    UPDATE outbox_waiting SET n = n - 1
        WHERE business_id = old.business_id AND old.state IN ('pending', 'sending');
    UPDATE outbox_waiting SET n = n + 1
        WHERE business_id = new.business_id AND new.state IN ('pending', 'sending');
END;

CREATE TRIGGER outbox_waiting_delete AFTER DELETE ON outbox
WHEN old.state IN ('pending', 'sending')
BEGIN
    UPDATE outbox_waiting SET n = n - 1 WHERE business_id = old.business_id;
END;

-- Messages that went out, newest first by shop: "last sent" is the first entry. Replies
-- waiting to be sent are not in it, so queueing one costs no more; a message enters when sent.
CREATE INDEX messages_sent_by_business ON messages(business_id, id)
    WHERE direction = 'out' AND status IN ('sent', 'delivered', 'read');
