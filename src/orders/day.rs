//! A shop's day in figures for the owner's daily summary: orders taken and their totals, cash
//! still to collect on them, and the orders not yet finished. Reads the `orders` table.

use rusqlite::{params, Connection};

use crate::error::AppResult;

/// The day's figures; money in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayFigures {
    /// Orders taken in the day and not cancelled.
    pub orders: i64,
    pub cancelled: i64,
    /// The totals of those orders (payments are not counted here).
    pub totals_minor: i64,
    /// Cash-on-delivery orders of the day still unpaid: how many and for how much.
    pub cash_orders: i64,
    pub cash_minor: i64,
    /// Orders of any day not yet delivered or cancelled.
    pub open: i64,
}

/// The figures for orders taken between `from` (inclusive) and `to` (exclusive), Unix seconds.
pub fn figures(conn: &Connection, business_id: i64, from: i64, to: i64) -> AppResult<DayFigures> {
    let mut f = conn.prepare_cached(
        "SELECT
             COALESCE(SUM(status != 'cancelled'), 0),
             COALESCE(SUM(status = 'cancelled'), 0),
             CAST(TOTAL(CASE WHEN status != 'cancelled' THEN total_minor END) AS INTEGER),
             COALESCE(SUM(status != 'cancelled' AND payment_mode = 'cash' AND payment_status = 'unpaid'), 0),
             CAST(TOTAL(CASE WHEN status != 'cancelled' AND payment_mode = 'cash'
                             AND payment_status = 'unpaid' THEN total_minor END) AS INTEGER)
         FROM orders WHERE business_id = ?1 AND created_at >= ?2 AND created_at < ?3",
    )?
    .query_row(
        params![business_id, from, to],
        |r| {
            Ok(DayFigures {
                orders: r.get(0)?,
                cancelled: r.get(1)?,
                totals_minor: r.get(2)?,
                cash_orders: r.get(3)?,
                cash_minor: r.get(4)?,
                open: 0,
            })
        },
    )?;
    f.open = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM orders WHERE business_id = ?1
             AND status IN ('pending', 'confirmed', 'preparing', 'out_for_delivery')",
        )?
        .query_row([business_id], |r| r.get(0))?;
    Ok(f)
}
