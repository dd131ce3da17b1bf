//! The `razorpay_flags` table: money Razorpay took that Novi would not put on an order (the order
//! was cancelled, the amount or currency is not what is due). Staff refund it and say it is
//! dealt with; until then it shows on the order page and the dashboard.

use rusqlite::{params, Connection, Row};

use crate::db::now;
use crate::domain::Money;
use crate::error::AppResult;

/// A payment set aside for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub id: i64,
    pub order_id: i64,
    /// The order's number, for the dashboard's list.
    pub order_number: i64,
    pub reason: String,
    pub payment_id: String,
    pub amount: Money,
    pub currency: String,
    pub raised_at: i64,
    pub dealt_with_at: Option<i64>,
}

/// What to flag.
#[derive(Debug, Clone)]
pub struct NewFlag<'a> {
    pub order_id: i64,
    pub reason: &'a str,
    pub payment_id: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
}

/// Flags payment `f.payment_id` once, however often Razorpay tells of it; returns whether this
/// call raised it.
pub fn raise(conn: &Connection, business_id: i64, f: &NewFlag) -> AppResult<bool> {
    let added = conn
        .prepare_cached(
            "INSERT INTO razorpay_flags (business_id, order_id, reason, payment_id, amount_minor,
                                         currency, raised_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (business_id, payment_id) DO NOTHING",
        )?
        .execute(params![
            business_id,
            f.order_id,
            f.reason,
            f.payment_id,
            f.amount_minor,
            f.currency,
            now()
        ])?;
    Ok(added == 1)
}

// The order's number is read beside each flag (a listing join on `orders`, see ARCHITECTURE.md).
const SELECT: &str = "SELECT f.id, f.order_id, o.number, f.reason, f.payment_id, f.amount_minor,
                             f.currency, f.raised_at, f.dealt_with_at
                      FROM razorpay_flags f JOIN orders o ON o.id = f.order_id";

fn from_row(r: &Row) -> rusqlite::Result<Flag> {
    Ok(Flag {
        id: r.get(0)?,
        order_id: r.get(1)?,
        order_number: r.get(2)?,
        reason: r.get(3)?,
        payment_id: r.get(4)?,
        amount: Money::from_minor(r.get(5)?),
        currency: r.get(6)?,
        raised_at: r.get(7)?,
        dealt_with_at: r.get(8)?,
    })
}

/// The business's flags not yet dealt with, oldest first.
pub fn open(conn: &Connection, business_id: i64) -> AppResult<Vec<Flag>> {
    let sql =
        format!("{SELECT} WHERE f.business_id = ?1 AND f.dealt_with_at IS NULL ORDER BY f.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([business_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every flag of order `order_id`, dealt with or not, oldest first.
pub fn of_order(conn: &Connection, business_id: i64, order_id: i64) -> AppResult<Vec<Flag>> {
    let sql = format!("{SELECT} WHERE f.business_id = ?1 AND f.order_id = ?2 ORDER BY f.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![business_id, order_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What order `order_id`'s payments set aside for staff and not dealt with yet came to: money
/// the customer has paid online that is on no order, so they are not asked to pay again.
pub fn set_aside(conn: &Connection, business_id: i64, order_id: i64) -> AppResult<Money> {
    let open = of_order(conn, business_id, order_id)?;
    let minor: i64 = open
        .iter()
        .filter(|f| f.dealt_with_at.is_none())
        .map(|f| f.amount.minor())
        .sum();
    Ok(Money::from_minor(minor))
}

/// Marks flag `id` dealt with by user `user_id`; false when it is not the business's or was
/// dealt with already (two people pressing at once record the first).
pub fn deal_with(conn: &Connection, business_id: i64, id: i64, user_id: i64) -> AppResult<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE razorpay_flags SET dealt_with_at = ?3, dealt_with_by = ?4
             WHERE id = ?1 AND business_id = ?2 AND dealt_with_at IS NULL",
        )?
        .execute(params![id, business_id, now(), user_id])?;
    Ok(changed == 1)
}
