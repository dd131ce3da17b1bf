-- A large book (years of orders) read without scanning it: an index for each shape of the
-- order list (by status, by day, by customer, by wanted-on day), each ending in the order the
-- list is shown in, so a page reads 25 entries and stops; and the count of orders per status,
-- kept by triggers, so "how many" needs no count over every order.

-- Newest first is by time taken, then number; each index carries both, so LIMIT stops early.
DROP INDEX orders_business_status;
CREATE INDEX orders_business_status_created ON orders(business_id, status, created_at, number);
DROP INDEX orders_business_created;
CREATE INDEX orders_business_created_number ON orders(business_id, created_at, number);

-- A customer's orders in order, and their count, spend and last order read from the index.
DROP INDEX orders_customer;
CREATE INDEX orders_customer_book ON orders(customer_id, created_at, number, status, total_minor);

-- "Wanted on, soonest first", orders that name no day last.
DROP INDEX orders_business_deliver_on;
CREATE INDEX orders_business_wanted ON orders(business_id, deliver_on IS NULL, deliver_on, number);

-- The customer list, most recently active first.
CREATE INDEX customers_business_active ON customers(business_id, updated_at, id);

CREATE TABLE order_counts (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    status      TEXT    NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (business_id, status)
) WITHOUT ROWID;

INSERT INTO order_counts (business_id, status, n)
    SELECT business_id, status, COUNT(*) FROM orders GROUP BY business_id, status;

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
