//! One storefront cart, one order: the cart an order was placed from is kept on it, so that a
//! second tap on "Place order" (or the same form sent again, by a slow network or the back
//! button) finds the order the first made rather than making another.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::AppResult;

/// The number of the order placed from cart `cart_id`, if one was.
pub fn placed(conn: &Connection, business_id: i64, cart_id: &str) -> AppResult<Option<i64>> {
    let number = conn
        .prepare_cached("SELECT number FROM orders WHERE business_id = ?1 AND cart_id = ?2")?
        .query_row(params![business_id, cart_id], |r| r.get(0))
        .optional()?;
    Ok(number)
}

/// Notes that order `order_id` was placed from cart `cart_id`, in the transaction that took it.
pub fn mark(conn: &Connection, order_id: i64, cart_id: &str) -> AppResult<()> {
    conn.prepare_cached("UPDATE orders SET cart_id = ?2 WHERE id = ?1")?
        .execute(params![order_id, cart_id])?;
    Ok(())
}
