-- How many orders of each status a business took on each day (UTC, counted from the Unix
-- epoch), kept by the triggers below whatever writes `orders`. A page deep in the order list
-- finds the day it starts on by adding these up, and steps over that day's orders alone: stepping
-- over every newer order cost 44 ms for the last page of a 1,000,000-order book.
CREATE TABLE order_days (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    day         INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (business_id, day, status)
) WITHOUT ROWID;

-- `created_at / 86400` rounds toward zero; the day is rounded down, so a day is always
-- [day * 86400, day * 86400 + 86400) seconds.
INSERT INTO order_days (business_id, day, status, n)
    SELECT business_id, created_at / 86400 - (created_at % 86400 < 0), status, COUNT(*)
    FROM orders GROUP BY 1, 2, 3;

CREATE TRIGGER order_days_insert AFTER INSERT ON orders BEGIN
    INSERT INTO order_days (business_id, day, status, n)
        VALUES (NEW.business_id, NEW.created_at / 86400 - (NEW.created_at % 86400 < 0),
            NEW.status, 1)
        ON CONFLICT (business_id, day, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER order_days_change AFTER UPDATE OF status, business_id, created_at ON orders
    WHEN OLD.status IS NOT NEW.status OR OLD.business_id IS NOT NEW.business_id
        OR OLD.created_at IS NOT NEW.created_at BEGIN
    UPDATE order_days SET n = n - 1
        WHERE business_id = OLD.business_id
          AND day = OLD.created_at / 86400 - (OLD.created_at % 86400 < 0)
          AND status = OLD.status;
    INSERT INTO order_days (business_id, day, status, n)
        VALUES (NEW.business_id, NEW.created_at / 86400 - (NEW.created_at % 86400 < 0),
            NEW.status, 1)
        ON CONFLICT (business_id, day, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER order_days_delete AFTER DELETE ON orders BEGIN
    UPDATE order_days SET n = n - 1
        WHERE business_id = OLD.business_id
          AND day = OLD.created_at / 86400 - (OLD.created_at % 86400 < 0)
          AND status = OLD.status;
END;
