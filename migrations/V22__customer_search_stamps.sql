-- Kept per business, by the triggers below whatever writes `customers` (a message, a staff edit,
-- an import, another process):
-- * `stamp` changes whenever a customer is added, renamed, renumbered or removed. A search reads
--   a copy of the shop's names held in memory rather than every customer's entry in the name
--   index, and uses it only while the stamp is the one it was read under. The stamp is random,
--   not a count, so a database put back from a backup, or another one at the same path, cannot
--   match a copy by chance.
-- * `customers` is how many customers the business has, so the customer list does not count
--   them all for every page.
CREATE TABLE customer_search_stamps (
    business_id INTEGER PRIMARY KEY REFERENCES businesses(id),
    stamp       INTEGER NOT NULL,
    customers   INTEGER NOT NULL DEFAULT 0
);

INSERT INTO customer_search_stamps (business_id, stamp, customers)
    SELECT b.id, random(), (SELECT COUNT(*) FROM customers c WHERE c.business_id = b.id)
    FROM businesses b;

CREATE TRIGGER customer_search_stamp_on_insert AFTER INSERT ON customers
BEGIN
    INSERT INTO customer_search_stamps (business_id, stamp, customers)
        VALUES (new.business_id, random(), 1)
        ON CONFLICT (business_id) DO UPDATE
        SET stamp = excluded.stamp, customers = customers + 1;
END;

CREATE TRIGGER customer_search_stamp_on_change AFTER UPDATE OF business_id, name, phone ON customers
BEGIN
    INSERT INTO customer_search_stamps (business_id, stamp) VALUES (new.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
END;

CREATE TRIGGER customer_search_stamp_on_move AFTER UPDATE OF business_id ON customers
WHEN old.business_id IS NOT new.business_id
BEGIN
    INSERT INTO customer_search_stamps (business_id, stamp) VALUES (old.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp, customers = customers - 1;
    INSERT INTO customer_search_stamps (business_id, stamp, customers)
        VALUES (new.business_id, random(), 1)
        ON CONFLICT (business_id) DO UPDATE
        SET stamp = excluded.stamp, customers = customers + 1;
END;

CREATE TRIGGER customer_search_stamp_on_delete AFTER DELETE ON customers
BEGIN
    INSERT INTO customer_search_stamps (business_id, stamp) VALUES (old.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp, customers = customers - 1;
END;
