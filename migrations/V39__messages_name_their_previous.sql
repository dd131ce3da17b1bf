-- Storing a message wrote its row twice: once as inserted, then again by `chats_on_insert` to
-- name the message before it (`prev_id`). Webhooks and replies now give `prev_id` in the row
-- they insert, read from `chats` in the same statement, so the trigger only names it for a
-- message inserted without one after its conversation's newest. A message that is a
-- conversation's first has no previous, so the trigger writes nothing for it either.
DROP TRIGGER chats_on_insert;
CREATE TRIGGER chats_on_insert AFTER INSERT ON messages
WHEN new.group_id IS NULL
BEGIN
    UPDATE messages SET prev_id = (
        SELECT last_id FROM chats WHERE business_id = new.business_id AND phone = new.phone)
    WHERE new.prev_id IS NULL AND id = new.id AND new.id > IFNULL((
        SELECT last_id FROM chats WHERE business_id = new.business_id AND phone = new.phone), new.id);
    INSERT INTO chats (business_id, phone, last_id, unread)
        VALUES (new.business_id, new.phone, new.id, new.direction = 'in' AND new.seen = 0)
        ON CONFLICT (business_id, phone) DO UPDATE
        SET last_id = MAX(last_id, excluded.last_id), unread = unread + excluded.unread;
END;
