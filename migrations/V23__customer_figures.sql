-- Each customer's figures, kept by the triggers below whatever writes `orders` (a chat, a staff
-- member, the API, an import): how many orders were not cancelled, what they came to, and when
-- the last order of any status was taken. The customer list, a customer's page and the API read
-- them here, where summing a regular's thousands of orders for every view cost milliseconds.
-- A customer without orders has no row, and reads as none, ₹0.00 and never.
CREATE TABLE customer_figures (
    customer_id   INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    business_id   INTEGER NOT NULL REFERENCES businesses(id),
    orders        INTEGER NOT NULL,
    spent_minor   INTEGER NOT NULL,
    last_order_at INTEGER
);

INSERT INTO customer_figures (customer_id, business_id, orders, spent_minor, last_order_at)
    SELECT o.customer_id, c.business_id,
        COUNT(*) FILTER (WHERE o.status != 'cancelled'),
        CAST(TOTAL(o.total_minor) FILTER (WHERE o.status != 'cancelled') AS INTEGER),
        MAX(o.created_at)
    FROM orders o JOIN customers c ON c.id = o.customer_id
    GROUP BY o.customer_id;

CREATE TRIGGER customer_figures_on_insert AFTER INSERT ON orders
BEGIN
    INSERT INTO customer_figures (customer_id, business_id, orders, spent_minor, last_order_at)
        VALUES (new.customer_id, new.business_id, new.status != 'cancelled',
            CASE WHEN new.status != 'cancelled' THEN new.total_minor ELSE 0 END, new.created_at)
        ON CONFLICT (customer_id) DO UPDATE
        SET orders = orders + excluded.orders,
            spent_minor = spent_minor + excluded.spent_minor,
            last_order_at = MAX(COALESCE(last_order_at, excluded.last_order_at),
                excluded.last_order_at);
END;

-- The old figures out, the new in: a status, a total, the customer or the time changed.
CREATE TRIGGER customer_figures_on_change
AFTER UPDATE OF status, total_minor, customer_id, created_at ON orders
BEGIN
    UPDATE customer_figures
        SET orders = orders - (old.status != 'cancelled'),
            spent_minor = spent_minor
                - CASE WHEN old.status != 'cancelled' THEN old.total_minor ELSE 0 END,
            last_order_at = (SELECT MAX(created_at) FROM orders WHERE customer_id = old.customer_id)
        WHERE customer_id = old.customer_id;
    INSERT INTO customer_figures (customer_id, business_id, orders, spent_minor, last_order_at)
        VALUES (new.customer_id, new.business_id, new.status != 'cancelled',
            CASE WHEN new.status != 'cancelled' THEN new.total_minor ELSE 0 END, new.created_at)
        ON CONFLICT (customer_id) DO UPDATE
        SET orders = orders + excluded.orders,
            spent_minor = spent_minor + excluded.spent_minor,
            last_order_at = MAX(COALESCE(last_order_at, excluded.last_order_at),
                excluded.last_order_at);
END;

CREATE TRIGGER customer_figures_on_delete AFTER DELETE ON orders
BEGIN
    UPDATE customer_figures
        SET orders = orders - (old.status != 'cancelled'),
            spent_minor = spent_minor
                - CASE WHEN old.status != 'cancelled' THEN old.total_minor ELSE 0 END,
            last_order_at = (SELECT MAX(created_at) FROM orders WHERE customer_id = old.customer_id)
        WHERE customer_id = old.customer_id;
END;

CREATE TRIGGER customer_figures_follow_the_customer AFTER UPDATE OF business_id ON customers
BEGIN
    UPDATE customer_figures SET business_id = new.business_id WHERE customer_id = new.id;
END;
