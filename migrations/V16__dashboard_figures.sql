-- The dashboard's history: each business's reply times one by one (for the median and p90), how
-- long each day the server ran and the WhatsApp link was up, and a stamp per shop-local day that
-- moves whenever an order of that day changes, so cached figures know when they are stale.

-- Seconds of the shop-local day the server was running, and of those, with WhatsApp connected.
ALTER TABLE bot_metrics ADD COLUMN up_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bot_metrics ADD COLUMN linked_seconds INTEGER NOT NULL DEFAULT 0;

-- One row per reply Novi sent to a customer's message: when (Unix ms) and how long it took.
-- The index holds both, so a day's reply times are read from it alone.
CREATE TABLE bot_replies (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    at_ms       INTEGER NOT NULL,
    waited_ms   INTEGER NOT NULL CHECK (waited_ms >= 0)
);
CREATE INDEX bot_replies_business_at ON bot_replies(business_id, at_ms, waited_ms);

-- A counter per business and shop-local day of taking, moved by every insert or update of an
-- order taken that day (its lines change only together with its totals). A cached day whose
-- stamp still reads the same is still right.
CREATE TABLE order_stamps (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    day         TEXT    NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (business_id, day)
) WITHOUT ROWID;

CREATE TRIGGER order_stamps_insert AFTER INSERT ON orders BEGIN
    INSERT INTO order_stamps (business_id, day, n)
        VALUES (NEW.business_id, date(NEW.created_at, 'unixepoch',
            (SELECT utc_offset_minutes FROM businesses WHERE id = NEW.business_id) || ' minutes'), 1)
        ON CONFLICT (business_id, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER order_stamps_update AFTER UPDATE ON orders BEGIN
    INSERT INTO order_stamps (business_id, day, n)
        VALUES (NEW.business_id, date(NEW.created_at, 'unixepoch',
            (SELECT utc_offset_minutes FROM businesses WHERE id = NEW.business_id) || ' minutes'), 1)
        ON CONFLICT (business_id, day) DO UPDATE SET n = n + 1;
END;
