-- A payment or refund changes the takings of the shop day it is recorded on, whichever day its
-- order was taken: it moves that day's stamp, so the dashboard's cached figures for it renew.
CREATE TRIGGER order_stamps_payment AFTER INSERT ON payments BEGIN
    INSERT INTO order_stamps (business_id, day, n)
        VALUES (NEW.business_id, date(NEW.recorded_at, 'unixepoch',
            (SELECT utc_offset_minutes FROM businesses WHERE id = NEW.business_id) || ' minutes'), 1)
        ON CONFLICT (business_id, day) DO UPDATE SET n = n + 1;
END;
