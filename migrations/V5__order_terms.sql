-- How an order reaches the customer, and the day they want it.

-- Delivered to the customer's address, or picked up at the shop (then no delivery fee is charged).
ALTER TABLE orders ADD COLUMN fulfilment TEXT NOT NULL DEFAULT 'delivery'
    CHECK (fulfilment IN ('delivery', 'pickup'));

-- The shop-local day the customer wants the order, as YYYY-MM-DD (which sorts by date);
-- NULL when no day was given.
ALTER TABLE orders ADD COLUMN deliver_on TEXT
    CHECK (deliver_on IS NULL OR deliver_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');

-- Staff sort the order list by the day orders are wanted.
CREATE INDEX orders_business_deliver_on ON orders(business_id, deliver_on);
