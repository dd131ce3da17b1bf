-- The platform console's "last message in" read the shop's newest inbound message from
-- `messages_business_direction`, an index that every message in and out wrote a page of for
-- that one figure. The time is now kept beside the day's count of messages in, whose row each
-- batch of inbound messages writes anyway, and the index is gone: one page less in every
-- commit that stores a message or queues a reply.

ALTER TABLE bot_metrics ADD COLUMN last_in_at INTEGER;

-- Each shop's newest message in, on the day of the shop's clock it came (read from the index
-- before it goes).
INSERT INTO bot_metrics (business_id, day, last_in_at)
    SELECT b.id, date(m.created_at, 'unixepoch', (b.utc_offset_minutes || ' minutes')), m.created_at
    FROM businesses b
    JOIN messages m ON m.id = (SELECT id FROM messages
                               WHERE business_id = b.id AND direction = 'in' AND status = 'received'
                               ORDER BY id DESC LIMIT 1)
    WHERE true
    ON CONFLICT (business_id, day) DO UPDATE SET last_in_at = excluded.last_in_at;

DROP INDEX messages_business_direction;
