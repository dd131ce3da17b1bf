-- What the shop sells, how much is left, who buys, and every order.
-- Money is integer minor units (paise); quantities are integer grams (unit kg) or pieces (unit pc).

-- The country code a bare national number gets (an Indian shop: 98123 45678 -> 919812345678).
ALTER TABLE businesses ADD COLUMN country_code TEXT NOT NULL DEFAULT '91';
-- The shop's clock, as minutes east of UTC (India: 330), for "orders of 22 Nov" and the times shown.
ALTER TABLE businesses ADD COLUMN utc_offset_minutes INTEGER NOT NULL DEFAULT 330;

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    sku         TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    category    TEXT    NOT NULL DEFAULT '',
    unit        TEXT    NOT NULL CHECK (unit IN ('kg', 'pc')),
    -- Per kg for unit kg, per piece for unit pc.
    price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
    -- Other spellings customers use, separated by '|'.
    aliases     TEXT    NOT NULL DEFAULT '',
    -- File name under the data directory's uploads/ folder, and its content type.
    image       TEXT,
    image_type  TEXT,
    active      INTEGER NOT NULL DEFAULT 1,
    -- One figure in the base unit that every variant draws from; never below zero.
    stock       INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
    -- At or below this, lists mark the product as low on stock.
    low_stock   INTEGER NOT NULL DEFAULT 0 CHECK (low_stock >= 0),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (business_id, sku)
);
CREATE INDEX products_business_name ON products(business_id, name);

CREATE TABLE variants (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    label       TEXT    NOT NULL,
    -- In the product's base unit: "500 g" = 500, "Box of 12" = 12.
    amount      INTEGER NOT NULL CHECK (amount > 0),
    -- A variant's own price for one of it; NULL = priced from the product's price.
    price_minor INTEGER CHECK (price_minor >= 0),
    is_default  INTEGER NOT NULL DEFAULT 0,
    position    INTEGER NOT NULL,
    UNIQUE (product_id, label)
);
CREATE INDEX variants_product ON variants(product_id, position);

-- Every change to a product's stock, with why: adjustments by hand, orders, cancellations.
CREATE TABLE stock_moves (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    delta       INTEGER NOT NULL,
    stock_after INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    order_id    INTEGER REFERENCES orders(id),
    actor       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX stock_moves_product ON stock_moves(product_id, id);

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    -- Digits with country code, as WhatsApp knows the number.
    phone       TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (business_id, phone)
);
CREATE INDEX customers_business_name ON customers(business_id, name);

CREATE TABLE customer_addresses (
    id           INTEGER PRIMARY KEY,
    business_id  INTEGER NOT NULL REFERENCES businesses(id),
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    address      TEXT    NOT NULL,
    last_used_at INTEGER NOT NULL,
    UNIQUE (customer_id, address)
);

CREATE TABLE orders (
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
    payment_mode       TEXT    NOT NULL CHECK (payment_mode IN ('cod', 'online')),
    payment_status     TEXT    NOT NULL CHECK (payment_status IN ('unpaid', 'paid', 'refunded')),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (business_id, number)
);
CREATE INDEX orders_business_status ON orders(business_id, status, created_at);
CREATE INDEX orders_business_created ON orders(business_id, created_at);
CREATE INDEX orders_customer ON orders(customer_id);

-- Lines as they were when ordered: later price or name changes do not rewrite history.
CREATE TABLE order_lines (
    id               INTEGER PRIMARY KEY,
    business_id      INTEGER NOT NULL REFERENCES businesses(id),
    order_id         INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    product_id       INTEGER NOT NULL REFERENCES products(id),
    sku              TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    unit             TEXT    NOT NULL CHECK (unit IN ('kg', 'pc')),
    -- Set when the line was ordered as a variant ("2 x Box of 12"): its label and how many.
    variant          TEXT,
    variant_count    INTEGER,
    -- In the base unit (grams or pieces): what leaves the stock.
    qty              INTEGER NOT NULL CHECK (qty > 0),
    -- Per kg / per piece, or per variant when the line is a variant.
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    total_minor      INTEGER NOT NULL CHECK (total_minor >= 0)
);
CREATE INDEX order_lines_order ON order_lines(order_id, position);

-- The timeline: every change to an order, who made it and when.
CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    order_id    INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('created', 'status', 'edited', 'payment', 'note')),
    from_status TEXT,
    to_status   TEXT,
    actor       TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX order_events_order ON order_events(order_id, id);
