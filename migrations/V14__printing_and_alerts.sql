-- Printing at the counter, low-stock alerts and the owner's daily summary.

-- How a shop prints: the paper its print pages are sized for, the GSTIN its bills show, whether
-- the counter page prints a kitchen ticket for each confirmed order, and the network thermal
-- printer (host:port, ESC/POS) if it has one. No row: 80 mm paper, nothing else.
CREATE TABLE print_settings (
    business_id INTEGER PRIMARY KEY REFERENCES businesses(id),
    paper       TEXT    NOT NULL DEFAULT '80mm' CHECK (paper IN ('58mm', '80mm', 'a4')),
    gstin       TEXT    NOT NULL DEFAULT '',
    auto_kot    INTEGER NOT NULL DEFAULT 0,
    printer     TEXT    NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
);

-- Where the owner hears of the shop's day: their WhatsApp number (blank: the shop's phone) and
-- the closing time the daily summary is sent at, 'HH:MM' on the shop's clock (NULL: none sent).
CREATE TABLE alert_settings (
    business_id  INTEGER PRIMARY KEY REFERENCES businesses(id),
    owner_phone  TEXT    NOT NULL DEFAULT '',
    closing_time TEXT,
    updated_at   INTEGER NOT NULL
);

-- A product's stock crossing its low-stock level (from above it to at or below it). One row per
-- crossing; it stays open until stock goes back above the level, which re-arms the alert.
CREATE TABLE stock_alerts (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    stock_after INTEGER NOT NULL,
    low_stock   INTEGER NOT NULL,
    raised_at   INTEGER NOT NULL,
    -- Set when the owner's WhatsApp message was queued (or there was no number to send to).
    notified_at INTEGER,
    -- Set when stock went back above the level.
    cleared_at  INTEGER
);
CREATE INDEX stock_alerts_open ON stock_alerts(business_id, product_id) WHERE cleared_at IS NULL;
CREATE INDEX stock_alerts_unnotified ON stock_alerts(id) WHERE notified_at IS NULL;

-- Daily summaries sent: one row per business and shop-local day, written in the transaction
-- that queues the message, so a restart never sends a day's summary twice.
CREATE TABLE daily_summaries (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    day         TEXT    NOT NULL,
    message_id  INTEGER,
    sent_at     INTEGER NOT NULL,
    PRIMARY KEY (business_id, day)
);
