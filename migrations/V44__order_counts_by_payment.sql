-- The kept per-status counts (V11) by payment status as well: a list of unpaid (or paid, or
-- refunded) orders over the whole book is then counted from a few rows. Summed from the day
-- counts (V28) instead, it read every day the shop has: 3,293 rows, about 0.24 ms, for each
-- page of a 1,000,000-order book.
DROP TRIGGER order_counts_insert;
DROP TRIGGER order_counts_status;
DROP TRIGGER order_counts_delete;
DROP TABLE order_counts;

CREATE TABLE order_counts (
    business_id    INTEGER NOT NULL REFERENCES businesses(id),
    status         TEXT    NOT NULL,
    payment_status TEXT    NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (business_id, status, payment_status)
) WITHOUT ROWID;

-- Added up from the day counts, which already hold every order by status and payment status:
-- a few thousand rows where counting the orders themselves took 5.9 s for 1,000,000.
INSERT INTO order_counts (business_id, status, payment_status, n)
    SELECT business_id, status, payment_status, SUM(n) FROM order_days
    GROUP BY 1, 2, 3 HAVING SUM(n) != 0;

CREATE TRIGGER order_counts_insert AFTER INSERT ON orders BEGIN
    INSERT INTO order_counts (business_id, status, payment_status, n)
        VALUES (NEW.business_id, NEW.status, NEW.payment_status, 1)
        ON CONFLICT (business_id, status, payment_status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER order_counts_status AFTER UPDATE OF status, payment_status, business_id ON orders
    WHEN OLD.status IS NOT NEW.status OR OLD.payment_status IS NOT NEW.payment_status
        OR OLD.business_id IS NOT NEW.business_id BEGIN
    UPDATE order_counts SET n = n - 1
        WHERE business_id = OLD.business_id AND status = OLD.status
          AND payment_status = OLD.payment_status;
    INSERT INTO order_counts (business_id, status, payment_status, n)
        VALUES (NEW.business_id, NEW.status, NEW.payment_status, 1)
        ON CONFLICT (business_id, status, payment_status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER order_counts_delete AFTER DELETE ON orders BEGIN
    UPDATE order_counts SET n = n - 1
        WHERE business_id = OLD.business_id AND status = OLD.status
          AND payment_status = OLD.payment_status;
END;
