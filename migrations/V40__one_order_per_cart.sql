-- The storefront cart an order was placed from. A second tap on "Place order", or the same form
-- sent again, finds the order the first made instead of making another: one cart, one order.
-- Adding a column rewrites no row; the index holds only storefront orders placed from now on.
ALTER TABLE orders ADD COLUMN cart_id TEXT;
CREATE UNIQUE INDEX orders_by_cart ON orders(business_id, cart_id) WHERE cart_id IS NOT NULL;
