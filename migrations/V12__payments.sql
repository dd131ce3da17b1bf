-- Payments on every order: how the customer pays (cash, UPI to the shop, Razorpay), what has
-- been paid and refunded as rows of their own, and the shop's own UPI id.
--
-- `orders` is rebuilt because SQLite cannot change a CHECK in place: the old modes ('cod',
-- 'online') become 'cash' and 'razorpay', and the status gains 'partly_paid' and
-- 'partly_refunded'. Novi runs migrations with foreign keys off (see `db::Db::migrate`), so
-- dropping the old table neither cascades into `order_lines`, `order_events`, `order_unread`
-- and `alias_suggestions` nor is refused for `stock_moves`; their references name `orders`,
-- which the new table becomes. Every column keeps its place, its data and its CHECK.
CREATE TABLE orders_v12 (
    id                 INTEGER PRIMARY KEY,
    business_id        INTEGER NOT NULL REFERENCES businesses(id),
    -- Per business: 1, 2, 3, ... shown as #1042.
    number             INTEGER NOT NULL,
    channel            TEXT    NOT NULL CHECK (channel IN ('whatsapp', 'group', 'storefront', 'manual', 'api')),
    customer_id        INTEGER NOT NULL REFERENCES customers(id),
    subtotal_minor     INTEGER NOT NULL CHECK (subtotal_minor >= 0),
    delivery_fee_minor INTEGER NOT NULL CHECK (delivery_fee_minor >= 0),
    total_minor        INTEGER NOT NULL CHECK (total_minor >= 0),
    currency           TEXT    NOT NULL,
    address            TEXT    NOT NULL DEFAULT '',
    notes              TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL CHECK (status IN
                           ('pending', 'confirmed', 'preparing', 'out_for_delivery', 'delivered', 'cancelled')),
    -- How the customer pays: cash (on delivery or at the counter), UPI to the shop, Razorpay.
    payment_mode       TEXT    NOT NULL CHECK (payment_mode IN ('cash', 'upi', 'razorpay')),
    -- Worked out from the order's `payments` rows against its total, in the same transaction.
    payment_status     TEXT    NOT NULL CHECK (payment_status IN
                           ('unpaid', 'partly_paid', 'paid', 'refunded', 'partly_refunded')),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    first_message_ms   INTEGER,
    first_reply_ms     INTEGER,
    confirmed_ms       INTEGER,
    fulfilment         TEXT    NOT NULL DEFAULT 'delivery' CHECK (fulfilment IN ('delivery', 'pickup')),
    deliver_on         TEXT
        CHECK (deliver_on IS NULL OR deliver_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    UNIQUE (business_id, number)
);

INSERT INTO orders_v12 (id, business_id, number, channel, customer_id, subtotal_minor,
        delivery_fee_minor, total_minor, currency, address, notes, status, payment_mode,
        payment_status, created_at, updated_at, first_message_ms, first_reply_ms, confirmed_ms,
        fulfilment, deliver_on)
    SELECT id, business_id, number, channel, customer_id, subtotal_minor,
        delivery_fee_minor, total_minor, currency, address, notes, status,
        CASE payment_mode WHEN 'online' THEN 'razorpay' ELSE 'cash' END,
        payment_status, created_at, updated_at, first_message_ms, first_reply_ms, confirmed_ms,
        fulfilment, deliver_on
    FROM orders;

DROP TABLE orders;
ALTER TABLE orders_v12 RENAME TO orders;

-- The indexes and triggers went with the old table (V11's, as they were).
CREATE INDEX orders_business_status_created ON orders(business_id, status, created_at, number);
CREATE INDEX orders_business_created_number ON orders(business_id, created_at, number);
CREATE INDEX orders_customer_book ON orders(customer_id, created_at, number, status, total_minor);
CREATE INDEX orders_business_wanted ON orders(business_id, deliver_on IS NULL, deliver_on, number);

CREATE TRIGGER order_counts_insert AFTER INSERT ON orders BEGIN
    INSERT INTO order_counts (business_id, status, n) VALUES (NEW.business_id, NEW.status, 1)
        ON CONFLICT (business_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER order_counts_status AFTER UPDATE OF status, business_id ON orders
    WHEN OLD.status IS NOT NEW.status OR OLD.business_id IS NOT NEW.business_id BEGIN
    UPDATE order_counts SET n = n - 1 WHERE business_id = OLD.business_id AND status = OLD.status;
    INSERT INTO order_counts (business_id, status, n) VALUES (NEW.business_id, NEW.status, 1)
        ON CONFLICT (business_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER order_counts_delete AFTER DELETE ON orders BEGIN
    UPDATE order_counts SET n = n - 1 WHERE business_id = OLD.business_id AND status = OLD.status;
END;

-- Money received for an order, or given back: each row is one payment or refund, in minor units.
CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    business_id  INTEGER NOT NULL REFERENCES businesses(id),
    order_id     INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    mode         TEXT    NOT NULL CHECK (mode IN ('cash', 'upi', 'razorpay')),
    kind         TEXT    NOT NULL CHECK (kind IN ('payment', 'refund')),
    -- The UPI reference or Razorpay id; empty for cash.
    reference    TEXT    NOT NULL DEFAULT '',
    -- The staff member who recorded it; NULL when Novi did (an API client, a gateway).
    recorded_by  INTEGER REFERENCES users(id),
    recorded_at  INTEGER NOT NULL
);
CREATE INDEX payments_order ON payments(order_id, id);
-- The day's takings and the drawer read a business's payments by time.
CREATE INDEX payments_business_recorded ON payments(business_id, recorded_at);

-- The shop's own UPI id (`name@bank`), for upi://pay links and QR codes; empty when not set.
ALTER TABLE businesses ADD COLUMN upi_id TEXT NOT NULL DEFAULT '';

-- Orders listed by payment status (the list's "Payment" filter), newest first.
CREATE INDEX orders_business_payment_created ON orders(business_id, payment_status, created_at, number);
