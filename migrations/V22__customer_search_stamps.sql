-- A search for a customer by name or number reads a copy of the shop's names held in memory
-- rather than every customer's entry in the name index. The copy is good while the shop's stamp
-- here is the one it was read under. These triggers change the stamp whatever writes the table
-- (a message, a staff edit, an import, another process). The stamp is random, not a count, so a
-- database put back from a backup, or another one at the same path, cannot match a copy by chance.
CREATE TABLE customer_search_stamps (
    business_id INTEGER PRIMARY KEY,
    stamp       INTEGER NOT NULL
);

INSERT INTO customer_search_stamps (business_id, stamp) SELECT id, random() FROM businesses;

CREATE TRIGGER customer_search_stamp_on_insert AFTER INSERT ON customers
BEGIN
    INSERT INTO customer_search_stamps (business_id, stamp) VALUES (new.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
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
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
END;

CREATE TRIGGER customer_search_stamp_on_delete AFTER DELETE ON customers
BEGIN
    INSERT INTO customer_search_stamps (business_id, stamp) VALUES (old.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
END;
