//! One order per storefront cart or New order form: what an order was placed from is kept on
//! it, so that a second tap on "Place order" or "Save" (or the same form sent again, by a slow
//! network or the back button) finds the order the first made rather than making another.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::AppResult;

/// What an order is placed from: a storefront cart, or a New order form, by its id.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Cart(&'a str),
    Form(&'a str),
    /// An API client's `Idempotency-Key`.
    Api(&'a str),
}

impl Source<'_> {
    fn key(self) -> String {
        match self {
            Source::Cart(id) => format!("cart:{id}"),
            Source::Form(id) => format!("form:{id}"),
            Source::Api(id) => format!("api:{id}"),
        }
    }
}

/// The number of the order placed from `from`, if one was.
pub fn placed(conn: &Connection, business_id: i64, from: Source) -> AppResult<Option<i64>> {
    let number = conn
        .prepare_cached("SELECT number FROM orders WHERE business_id = ?1 AND placed_from = ?2")?
        .query_row(params![business_id, from.key()], |r| r.get(0))
        .optional()?;
    Ok(number)
}

/// Notes that order `order_id` was placed from `from`, in the transaction that took it.
pub fn mark(conn: &Connection, order_id: i64, from: Source) -> AppResult<()> {
    conn.prepare_cached("UPDATE orders SET placed_from = ?2 WHERE id = ?1")?
        .execute(params![order_id, from.key()])?;
    Ok(())
}
