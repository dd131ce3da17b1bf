-- The shop teaches the reader its words: what an order read from a message was read from, the
-- lines that were not read for sure, and the words staff corrections show customers use.

-- The customer's words a line was read from, as an alias would hold them ("kaju barfi"), and
-- the sku the reader read them as. NULL on lines not read from a message.
ALTER TABLE order_lines ADD COLUMN said TEXT;
ALTER TABLE order_lines ADD COLUMN read_as TEXT;

-- Lines of the customer's messages that were not read for sure: a name the shop has no
-- product for, or one that fits several. Kept with the order until staff say what they are.
CREATE TABLE order_unread (
    id           INTEGER PRIMARY KEY,
    business_id  INTEGER NOT NULL REFERENCES businesses(id),
    order_id     INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    -- The line as written ("1 kg kesar peda"), at most 120 characters.
    text         TEXT    NOT NULL,
    -- Its words as an alias would hold them ("kesar peda"); may be empty.
    words        TEXT    NOT NULL,
    reason       TEXT    NOT NULL CHECK (reason IN
                     ('unknown', 'no_quantity', 'bare_number_for_weight', 'ambiguous', 'too_much')),
    -- Skus it could be, separated by '|'.
    candidates   TEXT    NOT NULL DEFAULT '',
    -- Set when staff said which product it is and added the line.
    answered_sku TEXT,
    answered_by  TEXT,
    answered_at  INTEGER
);
CREATE INDEX order_unread_order ON order_unread(order_id, id);

-- The same two things while a chat's order is being agreed, as JSON:
-- {"said":[{"sku","words"}],"unread":[{"text","words","reason","candidates"}]}.
ALTER TABLE drafts ADD COLUMN read_from TEXT NOT NULL DEFAULT '{}';

-- Words customers wrote for a product, learnt from staff corrections, offered as an alias.
CREATE TABLE alias_suggestions (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    words       TEXT    NOT NULL,
    -- How many corrected lines said these words for this product.
    count       INTEGER NOT NULL CHECK (count > 0),
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    -- The shop said no: counted on, never offered again.
    dismissed   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (product_id, words)
);
CREATE INDEX alias_suggestions_business ON alias_suggestions(business_id, dismissed);
