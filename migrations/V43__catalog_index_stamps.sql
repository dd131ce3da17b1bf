-- Kept per business by the triggers below, whatever writes `products` or `variants` (the owner's
-- pages, an import, the API, another process): `stamp` changes whenever something the message
-- reader indexes changes, a product added, removed, renamed, re-categorised, given aliases,
-- switched on or off, or a variant added, removed or changed. Stock and prices are not read by
-- the reader, so an order taking stock leaves the stamp as it is. The conversation worker keeps
-- each shop's index from one batch to the next and uses it only while the stamp is the one it
-- was built under. The stamp is random, not a count, so a database put back from a backup, or
-- another one at the same path, cannot match a kept index by chance.
CREATE TABLE catalog_index_stamps (
    business_id INTEGER PRIMARY KEY REFERENCES businesses(id),
    stamp       INTEGER NOT NULL
);

INSERT INTO catalog_index_stamps (business_id, stamp) SELECT id, random() FROM businesses;

CREATE TRIGGER catalog_index_stamp_product_insert AFTER INSERT ON products
BEGIN
    INSERT INTO catalog_index_stamps (business_id, stamp) VALUES (new.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
END;

CREATE TRIGGER catalog_index_stamp_product_update
AFTER UPDATE OF business_id, sku, name, category, unit, aliases, active ON products
BEGIN
    INSERT INTO catalog_index_stamps (business_id, stamp) VALUES (old.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
    INSERT INTO catalog_index_stamps (business_id, stamp) VALUES (new.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
END;

CREATE TRIGGER catalog_index_stamp_product_delete AFTER DELETE ON products
BEGIN
    INSERT INTO catalog_index_stamps (business_id, stamp) VALUES (old.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
END;

CREATE TRIGGER catalog_index_stamp_variant_insert AFTER INSERT ON variants
BEGIN
    INSERT INTO catalog_index_stamps (business_id, stamp) VALUES (new.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
END;

CREATE TRIGGER catalog_index_stamp_variant_update
AFTER UPDATE OF business_id, product_id, label, amount, position ON variants
BEGIN
    INSERT INTO catalog_index_stamps (business_id, stamp) VALUES (old.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
    INSERT INTO catalog_index_stamps (business_id, stamp) VALUES (new.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
END;

CREATE TRIGGER catalog_index_stamp_variant_delete AFTER DELETE ON variants
BEGIN
    INSERT INTO catalog_index_stamps (business_id, stamp) VALUES (old.business_id, random())
        ON CONFLICT (business_id) DO UPDATE SET stamp = excluded.stamp;
END;
