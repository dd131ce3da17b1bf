-- Reading orders in conversations: drafts being agreed with customers, the messages Novi
-- sends (editable per business), and how quickly orders were answered.

-- Orders taken in a WhatsApp conversation start confirmed, without a person confirming them.
ALTER TABLE businesses ADD COLUMN auto_confirm INTEGER NOT NULL DEFAULT 0;

-- When a message arrived, in milliseconds, for reply times.
ALTER TABLE messages ADD COLUMN received_ms INTEGER;

-- Response times (Unix milliseconds): the customer's first message about the order, Novi's
-- first reply to it, and the customer's confirmation.
ALTER TABLE orders ADD COLUMN first_message_ms INTEGER;
ALTER TABLE orders ADD COLUMN first_reply_ms INTEGER;
ALTER TABLE orders ADD COLUMN confirmed_ms INTEGER;

-- An order being agreed in a chat, before the customer confirms it.
CREATE TABLE drafts (
    business_id      INTEGER NOT NULL REFERENCES businesses(id),
    phone            TEXT    NOT NULL,
    -- [{"sku","qty"}] in grams or pieces.
    lines            TEXT    NOT NULL DEFAULT '[]',
    -- Lines still to ask about: [{"text","skus","reason"}].
    questions        TEXT    NOT NULL DEFAULT '[]',
    name             TEXT    NOT NULL DEFAULT '',
    address          TEXT    NOT NULL DEFAULT '',
    notes            TEXT    NOT NULL DEFAULT '',
    -- collecting: gathering lines; confirming: summary sent; changing: the next lines replace these.
    stage            TEXT    NOT NULL CHECK (stage IN ('collecting', 'confirming', 'changing')),
    first_message_ms INTEGER NOT NULL,
    first_reply_ms   INTEGER,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (business_id, phone)
);

-- The business's own wording for a message Novi sends; the built-in English is used otherwise.
CREATE TABLE message_templates (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    key         TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    PRIMARY KEY (business_id, key)
);

-- Conversations Novi could not handle, for a person to look at.
CREATE TABLE attention (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    phone       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    since       INTEGER NOT NULL,
    PRIMARY KEY (business_id, phone)
);
