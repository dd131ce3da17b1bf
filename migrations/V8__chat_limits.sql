-- The most of one product a WhatsApp chat order may take without a person: larger orders are
-- flagged for staff instead of reserving stock. Weight in grams, count in pieces.
ALTER TABLE businesses ADD COLUMN chat_max_grams INTEGER NOT NULL DEFAULT 25000
    CHECK (chat_max_grams > 0);
ALTER TABLE businesses ADD COLUMN chat_max_pieces INTEGER NOT NULL DEFAULT 250
    CHECK (chat_max_pieces > 0);
