-- The Chats page listed conversations by grouping every message the shop ever had by number,
-- then counted each listed number's unread messages one by one: 126 s a visit on a book of
-- six million messages. Settings → WhatsApp looked for unmapped groups through every message
-- too (1 s). Each 1:1 conversation now keeps its newest message and its unread count, by
-- triggers on `messages`, and group messages have an index of their own.

CREATE TABLE chats (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    phone       TEXT    NOT NULL,
    -- The conversation's newest message.
    last_id     INTEGER NOT NULL,
    -- Messages in that staff have not opened yet.
    unread      INTEGER NOT NULL,
    PRIMARY KEY (business_id, phone)
) WITHOUT ROWID;

-- The Chats page: newest conversation first.
CREATE INDEX chats_newest ON chats(business_id, last_id);

INSERT INTO chats (business_id, phone, last_id, unread)
    SELECT business_id, phone, MAX(id), SUM(direction = 'in' AND seen = 0)
    FROM messages WHERE group_id IS NULL GROUP BY business_id, phone;

CREATE TRIGGER chats_on_insert AFTER INSERT ON messages
WHEN new.group_id IS NULL
BEGIN
    INSERT INTO chats (business_id, phone, last_id, unread)
        VALUES (new.business_id, new.phone, new.id, new.direction = 'in' AND new.seen = 0)
        ON CONFLICT (business_id, phone) DO UPDATE
        SET last_id = MAX(last_id, excluded.last_id), unread = unread + excluded.unread;
END;

CREATE TRIGGER chats_on_seen AFTER UPDATE OF seen ON messages
WHEN new.group_id IS NULL AND new.direction = 'in' AND old.seen IS NOT new.seen
BEGIN
    UPDATE chats SET unread = unread + (CASE WHEN new.seen = 0 THEN 1 ELSE -1 END)
        WHERE business_id = new.business_id AND phone = new.phone;
END;

-- A message taken back (a held notice withdrawn) or moved: its conversation forgets it, and
-- finds its newest message again when it was that one (from `messages_conversation`).
CREATE TRIGGER chats_on_delete AFTER DELETE ON messages
WHEN old.group_id IS NULL
BEGIN
    UPDATE chats SET unread = unread - (old.direction = 'in' AND old.seen = 0),
        last_id = IFNULL((SELECT MAX(id) FROM messages WHERE business_id = old.business_id
                            AND phone = old.phone AND group_id IS NULL), 0)
        WHERE business_id = old.business_id AND phone = old.phone;
    DELETE FROM chats WHERE business_id = old.business_id AND phone = old.phone AND last_id = 0;
END;

CREATE TRIGGER chats_on_move AFTER UPDATE OF business_id, phone, group_id, direction ON messages
WHEN old.business_id IS NOT new.business_id OR old.phone IS NOT new.phone
  OR old.group_id IS NOT new.group_id OR old.direction IS NOT new.direction
BEGIN
    UPDATE chats SET unread = unread - (old.direction = 'in' AND old.seen = 0),
        last_id = IFNULL((SELECT MAX(id) FROM messages WHERE business_id = old.business_id
                            AND phone = old.phone AND group_id IS NULL), 0)
        WHERE old.group_id IS NULL AND business_id = old.business_id AND phone = old.phone;
    DELETE FROM chats WHERE business_id = old.business_id AND phone = old.phone AND last_id = 0;
    INSERT INTO chats (business_id, phone, last_id, unread)
        SELECT new.business_id, new.phone, new.id, new.direction = 'in' AND new.seen = 0
        WHERE new.group_id IS NULL
        ON CONFLICT (business_id, phone) DO UPDATE
        SET last_id = MAX(last_id, excluded.last_id), unread = unread + excluded.unread;
END;

-- Group messages by group, for Settings → WhatsApp's groups not yet mapped.
CREATE INDEX messages_groups ON messages(business_id, group_id) WHERE group_id IS NOT NULL;
