-- Every message had an entry in `messages_conversation` (by shop, number and id), placed beside
-- its number's other messages: with many customers writing at once, nearly every message
-- stored or answered changed a page of that index of its own, two thirds of the pages a batch
-- of webhooks wrote. Each message of a 1:1 conversation now names the one before it instead,
-- and `chats` already names each conversation's newest: a chat is read by following the chain
-- back from there, as far as it is shown. `messages_next` finds the message after one when
-- one is taken out of the chain; its entries are recent ids, written beside each other.

ALTER TABLE messages ADD COLUMN prev_id INTEGER;

UPDATE messages SET prev_id = chain.prev FROM (
    SELECT id, LAG(id) OVER (PARTITION BY business_id, phone ORDER BY id) AS prev
    FROM messages WHERE group_id IS NULL
) AS chain
WHERE messages.id = chain.id AND chain.prev IS NOT NULL;

CREATE INDEX messages_next ON messages(prev_id) WHERE prev_id IS NOT NULL;

DROP INDEX messages_conversation;

-- A message stored comes after its conversation's newest. One stored with a lower id than that
-- (only tests give ids; an import's come after every id there is) is placed by
-- `messages_chain_between`; each trigger leaves the other's case alone, whichever runs first.
DROP TRIGGER chats_on_insert;
CREATE TRIGGER chats_on_insert AFTER INSERT ON messages
WHEN new.group_id IS NULL
BEGIN
    UPDATE messages SET prev_id = (
        SELECT last_id FROM chats WHERE business_id = new.business_id AND phone = new.phone)
    WHERE id = new.id AND new.id > IFNULL((
        SELECT last_id FROM chats WHERE business_id = new.business_id AND phone = new.phone), 0);
    INSERT INTO chats (business_id, phone, last_id, unread)
        VALUES (new.business_id, new.phone, new.id, new.direction = 'in' AND new.seen = 0)
        ON CONFLICT (business_id, phone) DO UPDATE
        SET last_id = MAX(last_id, excluded.last_id), unread = unread + excluded.unread;
END;

-- Between two messages of its conversation: after the one before the next. `+` keeps the
-- search for the next on ids after this one, which it is near.
CREATE TRIGGER messages_chain_between AFTER INSERT ON messages
WHEN new.group_id IS NULL AND new.id < (
    SELECT last_id FROM chats WHERE business_id = new.business_id AND phone = new.phone)
BEGIN
    UPDATE messages SET prev_id = (
        SELECT n.prev_id FROM messages n WHERE n.id = (
            SELECT id FROM messages WHERE id > new.id AND +business_id = new.business_id
              AND +phone = new.phone AND group_id IS NULL ORDER BY id LIMIT 1))
    WHERE id = new.id;
    UPDATE messages SET prev_id = new.id WHERE id = (
        SELECT id FROM messages WHERE id > new.id AND +business_id = new.business_id
          AND +phone = new.phone AND group_id IS NULL ORDER BY id LIMIT 1);
END;

-- A message taken back (a held notice withdrawn): the next one follows the one before it, and
-- the conversation's newest is the one before it when it was that one.
DROP TRIGGER chats_on_delete;
CREATE TRIGGER chats_on_delete AFTER DELETE ON messages
WHEN old.group_id IS NULL
BEGIN
    UPDATE messages SET prev_id = old.prev_id WHERE prev_id = old.id;
    UPDATE chats SET unread = unread - (old.direction = 'in' AND old.seen = 0),
        last_id = CASE WHEN last_id = old.id THEN IFNULL(old.prev_id, 0) ELSE last_id END
        WHERE business_id = old.business_id AND phone = old.phone;
    DELETE FROM chats WHERE business_id = old.business_id AND phone = old.phone AND last_id = 0;
END;

-- A message moved to another conversation: out of its chain as if taken back, into the other's
-- as if stored, in its place by id.
DROP TRIGGER chats_on_move;
CREATE TRIGGER chats_on_move AFTER UPDATE OF business_id, phone, group_id, direction ON messages
WHEN old.business_id IS NOT new.business_id OR old.phone IS NOT new.phone
  OR old.group_id IS NOT new.group_id OR old.direction IS NOT new.direction
BEGIN
    UPDATE messages SET prev_id = old.prev_id WHERE old.group_id IS NULL AND prev_id = old.id;
    UPDATE chats SET unread = unread - (old.direction = 'in' AND old.seen = 0),
        last_id = CASE WHEN last_id = old.id THEN IFNULL(old.prev_id, 0) ELSE last_id END
        WHERE old.group_id IS NULL AND business_id = old.business_id AND phone = old.phone;
    DELETE FROM chats WHERE business_id = old.business_id AND phone = old.phone AND last_id = 0;
    UPDATE messages SET prev_id = CASE WHEN new.group_id IS NOT NULL THEN NULL
        WHEN new.id > IFNULL((SELECT last_id FROM chats
                              WHERE business_id = new.business_id AND phone = new.phone), 0)
        THEN (SELECT last_id FROM chats WHERE business_id = new.business_id AND phone = new.phone)
        ELSE (SELECT n.prev_id FROM messages n WHERE n.id = (
            SELECT id FROM messages WHERE id > new.id AND +business_id = new.business_id
              AND +phone = new.phone AND group_id IS NULL ORDER BY id LIMIT 1)) END
    WHERE id = new.id;
    UPDATE messages SET prev_id = new.id WHERE new.group_id IS NULL AND id = (
        SELECT id FROM messages
        WHERE new.id < (SELECT last_id FROM chats
                        WHERE business_id = new.business_id AND phone = new.phone)
          AND id > new.id AND +business_id = new.business_id AND +phone = new.phone
          AND group_id IS NULL ORDER BY id LIMIT 1);
    INSERT INTO chats (business_id, phone, last_id, unread)
        SELECT new.business_id, new.phone, new.id, new.direction = 'in' AND new.seen = 0
        WHERE new.group_id IS NULL
        ON CONFLICT (business_id, phone) DO UPDATE
        SET last_id = MAX(last_id, excluded.last_id), unread = unread + excluded.unread;
END;
