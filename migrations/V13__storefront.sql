-- The storefront: the shop's opening hours, and a catalog version that every change to a
-- product, a variant or stock moves on, so the public catalog page can be served from a cache
-- until the catalog really changes. Triggers keep it, so no write path (a form, an import, the
-- CLI in another process, an order taking stock) can forget to.

-- Opening hours as the owner writes them ("Mon-Sat 09:00-21:00, Sun 10:00-14:00"); '' = not given.
ALTER TABLE businesses ADD COLUMN hours TEXT NOT NULL DEFAULT '';
ALTER TABLE businesses ADD COLUMN catalog_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER catalog_version_product_insert AFTER INSERT ON products BEGIN
    UPDATE businesses SET catalog_version = catalog_version + 1 WHERE id = NEW.business_id;
END;
CREATE TRIGGER catalog_version_product_update AFTER UPDATE ON products BEGIN
    UPDATE businesses SET catalog_version = catalog_version + 1 WHERE id = NEW.business_id;
END;
CREATE TRIGGER catalog_version_product_delete AFTER DELETE ON products BEGIN
    UPDATE businesses SET catalog_version = catalog_version + 1 WHERE id = OLD.business_id;
END;
CREATE TRIGGER catalog_version_variant_insert AFTER INSERT ON variants BEGIN
    UPDATE businesses SET catalog_version = catalog_version + 1 WHERE id = NEW.business_id;
END;
CREATE TRIGGER catalog_version_variant_update AFTER UPDATE ON variants BEGIN
    UPDATE businesses SET catalog_version = catalog_version + 1 WHERE id = NEW.business_id;
END;
CREATE TRIGGER catalog_version_variant_delete AFTER DELETE ON variants BEGIN
    UPDATE businesses SET catalog_version = catalog_version + 1 WHERE id = OLD.business_id;
END;
