-- What an order was placed from: a storefront cart ("cart:<id>") or a New order form
-- ("form:<key>"). A second tap on "Place order" or "Save", or the same form sent again, finds
-- the order the first made instead of making another: one cart or form, one order.
-- Adding a column rewrites no row; the index holds only orders placed so from now on.
ALTER TABLE orders ADD COLUMN placed_from TEXT;
CREATE UNIQUE INDEX orders_placed_from ON orders(business_id, placed_from)
    WHERE placed_from IS NOT NULL;
