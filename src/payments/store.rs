//! The `payments` table: each payment and refund of an order, in minor units, with who recorded
//! it and when. Rows are only added: a mistake is put right with a refund, as on paper.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{Kind, NewPayment, Payment};
use crate::db::now;
use crate::domain::Money;
use crate::error::AppResult;

/// Adds one payment or refund of order `order_id`; the caller has checked the amount.
pub fn insert(
    conn: &Connection,
    business_id: i64,
    order_id: i64,
    p: &NewPayment,
) -> AppResult<i64> {
    insert_at(conn, business_id, order_id, p, now())
}

/// [`insert`], recorded at `at` (Unix seconds): for a book filled with past orders.
pub fn insert_at(
    conn: &Connection,
    business_id: i64,
    order_id: i64,
    p: &NewPayment,
    at: i64,
) -> AppResult<i64> {
    conn.prepare_cached(
        "INSERT INTO payments (business_id, order_id, amount_minor, mode, kind, reference, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        business_id,
        order_id,
        p.amount.minor(),
        p.mode.as_str(),
        p.kind.as_str(),
        p.reference.trim(),
        p.recorded_by,
        at
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The order a Razorpay payment (`pay_…`) or refund (`rfnd_…`) was recorded on, if it was: each
/// is recorded once (the `payments_razorpay_once` index).
pub fn razorpay_order(
    conn: &Connection,
    business_id: i64,
    kind: Kind,
    reference: &str,
) -> AppResult<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT order_id FROM payments
             WHERE business_id = ?1 AND kind = ?2 AND reference = ?3 AND mode = 'razorpay'
               AND reference <> ''",
        )?
        .query_row(params![business_id, kind.as_str(), reference.trim()], |r| {
            r.get(0)
        })
        .optional()?)
}

/// What an order has been paid and given back in all, and of that what gave back money held
/// beyond its total; what Razorpay refunds not yet processed hold back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sums {
    pub paid: Money,
    pub refunded: Money,
    /// Refunded money that was held beyond the order's total when it went back.
    pub gave_back: Money,
    /// Razorpay refunds asked for and not yet processed.
    pub pending: Money,
}

impl Sums {
    /// Received less refunded.
    pub fn received(&self) -> Money {
        Money::from_minor(self.paid.minor() - self.refunded.minor())
    }

    /// What could still go back: received, less Razorpay refunds already on their way.
    pub fn returnable(&self) -> Money {
        Money::from_minor(self.received().minor() - self.pending.minor())
    }
}

/// An order's [`Sums`].
pub fn sums(conn: &Connection, order_id: i64) -> AppResult<Sums> {
    let (paid, refunded, gave_back, pending): (i64, i64, i64, i64) = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(CASE kind WHEN 'payment' THEN amount_minor END), 0),
                    COALESCE(SUM(CASE kind WHEN 'refund' THEN amount_minor END), 0),
                    COALESCE(SUM(gives_back_minor), 0),
                    (SELECT COALESCE(SUM(amount_minor), 0) FROM razorpay_refunds_pending
                     WHERE order_id = ?1)
             FROM payments WHERE order_id = ?1",
        )?
        .query_row([order_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    Ok(Sums {
        paid: Money::from_minor(paid),
        refunded: Money::from_minor(refunded),
        gave_back: Money::from_minor(gave_back),
        pending: Money::from_minor(pending),
    })
}

/// Notes that Razorpay refund `refund_id` went back through payment `payment_id`.
pub fn set_refund_of(
    conn: &Connection,
    business_id: i64,
    refund_id: &str,
    payment_id: &str,
) -> AppResult<()> {
    conn.prepare_cached(
        "UPDATE payments SET refund_of = ?3
         WHERE business_id = ?1 AND kind = 'refund' AND mode = 'razorpay' AND reference = ?2",
    )?
    .execute(params![business_id, refund_id, payment_id])?;
    Ok(())
}

/// Notes that `amount` of refund `payment_id` gave back money held beyond its order's total.
pub fn set_gives_back(conn: &Connection, payment_id: i64, amount: Money) -> AppResult<()> {
    conn.prepare_cached("UPDATE payments SET gives_back_minor = ?2 WHERE id = ?1")?
        .execute(params![payment_id, amount.minor()])?;
    Ok(())
}

fn from_row(r: &Row) -> rusqlite::Result<Payment> {
    let text = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    let bad = |i: usize, t: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, t.into())
    };
    let mode = text(2)?;
    let kind = text(3)?;
    Ok(Payment {
        id: r.get(0)?,
        amount: Money::from_minor(r.get(1)?),
        mode: mode.parse().map_err(|_| bad(2, mode))?,
        kind: Kind::parse(&kind).ok_or_else(|| bad(3, kind))?,
        reference: r.get(4)?,
        recorded_by: r.get(5)?,
        recorded_by_name: r.get(6)?,
        recorded_at: r.get(7)?,
        refund_of: r.get(8)?,
    })
}

/// An order's payments and refunds, oldest first, with the username of whoever recorded each.
pub fn of_order(conn: &Connection, order_id: i64) -> AppResult<Vec<Payment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.amount_minor, p.mode, p.kind, p.reference, p.recorded_by, u.username, p.recorded_at,
                p.refund_of
         FROM payments p LEFT JOIN users u ON u.id = p.recorded_by
         WHERE p.order_id = ?1 ORDER BY p.id",
    )?;
    let rows = stmt.query_map([order_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Money received in `[from, to)` (Unix seconds): payments less refunds, in minor units.
/// `TOTAL` adds in floating point and never fails on overflow, as the order figures do.
pub fn received_between(conn: &Connection, business_id: i64, from: i64, to: i64) -> AppResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT CAST(TOTAL(CASE kind WHEN 'payment' THEN amount_minor ELSE -amount_minor END) AS INTEGER)
             FROM payments WHERE business_id = ?1 AND recorded_at >= ?2 AND recorded_at < ?3",
        )?
        .query_row(params![business_id, from, to], |r| r.get(0))?)
}

/// One staff member's (or Novi's, `who` = None) sum of one mode and kind in a time range.
pub struct Tally {
    pub who: Option<String>,
    pub mode: String,
    pub kind: String,
    pub amount_minor: i64,
    pub count: i64,
}

/// The payments and refunds recorded in `[from, to)`, summed per person, mode and kind.
pub fn tallies(conn: &Connection, business_id: i64, from: i64, to: i64) -> AppResult<Vec<Tally>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.username, p.mode, p.kind, CAST(TOTAL(p.amount_minor) AS INTEGER), COUNT(*)
         FROM payments p LEFT JOIN users u ON u.id = p.recorded_by
         WHERE p.business_id = ?1 AND p.recorded_at >= ?2 AND p.recorded_at < ?3
         GROUP BY p.recorded_by, p.mode, p.kind
         ORDER BY u.username IS NULL, u.username COLLATE NOCASE",
    )?;
    let rows = stmt.query_map(params![business_id, from, to], |r| {
        Ok(Tally {
            who: r.get(0)?,
            mode: r.get(1)?,
            kind: r.get(2)?,
            amount_minor: r.get(3)?,
            count: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
