-- The kept day counts (V25) by payment status as well: a list of unpaid (or paid, or refunded)
-- orders is then counted exactly and its deep pages found as a status filter's are. Counted
-- only to 10,000 before, a payment filter said "10,000+" and its page 4,000 stepped over every
-- newer order of that payment status.
DROP TRIGGER order_days_insert;
DROP TRIGGER order_days_change;
DROP TRIGGER order_days_delete;
DROP TABLE order_days;

CREATE TABLE order_days (
    business_id    INTEGER NOT NULL REFERENCES businesses(id),
    day            INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    payment_status TEXT    NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (business_id, day, status, payment_status)
) WITHOUT ROWID;

-- `created_at / 86400` rounds toward zero; the day is rounded down, so a day is always
-- [day * 86400, day * 86400 + 86400) seconds.
INSERT INTO order_days (business_id, day, status, payment_status, n)
    SELECT business_id, created_at / 86400 - (created_at % 86400 < 0), status, payment_status,
        COUNT(*)
    FROM orders GROUP BY 1, 2, 3, 4;

CREATE TRIGGER order_days_insert AFTER INSERT ON orders BEGIN
    INSERT INTO order_days (business_id, day, status, payment_status, n)
        VALUES (NEW.business_id, NEW.created_at / 86400 - (NEW.created_at % 86400 < 0),
            NEW.status, NEW.payment_status, 1)
        ON CONFLICT (business_id, day, status, payment_status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER order_days_change
    AFTER UPDATE OF status, payment_status, business_id, created_at ON orders
    WHEN OLD.status IS NOT NEW.status OR OLD.payment_status IS NOT NEW.payment_status
        OR OLD.business_id IS NOT NEW.business_id OR OLD.created_at IS NOT NEW.created_at BEGIN
    UPDATE order_days SET n = n - 1
        WHERE business_id = OLD.business_id
          AND day = OLD.created_at / 86400 - (OLD.created_at % 86400 < 0)
          AND status = OLD.status AND payment_status = OLD.payment_status;
    INSERT INTO order_days (business_id, day, status, payment_status, n)
        VALUES (NEW.business_id, NEW.created_at / 86400 - (NEW.created_at % 86400 < 0),
            NEW.status, NEW.payment_status, 1)
        ON CONFLICT (business_id, day, status, payment_status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER order_days_delete AFTER DELETE ON orders BEGIN
    UPDATE order_days SET n = n - 1
        WHERE business_id = OLD.business_id
          AND day = OLD.created_at / 86400 - (OLD.created_at % 86400 < 0)
          AND status = OLD.status AND payment_status = OLD.payment_status;
END;
