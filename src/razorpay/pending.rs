//! Refunds Razorpay has accepted but not processed yet (`razorpay_refunds_pending`). Each holds
//! its amount back from what can still be refunded on its order, from the moment Razorpay
//! answers "pending" until `refund.processed` records it or `refund.failed` lets it go.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::now;
use crate::error::AppResult;

/// A refund asked of Razorpay and not processed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub refund_id: String,
    /// The payment it goes back through.
    pub payment_id: String,
    pub amount_minor: i64,
}

/// Holds back refund `p` of order `order_id` while it is processed. Told twice of one
/// refund, it holds once.
pub fn hold(conn: &Connection, business_id: i64, order_id: i64, p: &Pending) -> AppResult<()> {
    conn.prepare_cached(
        "INSERT INTO razorpay_refunds_pending
             (business_id, order_id, refund_id, amount_minor, asked_at, payment_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (business_id, refund_id) DO NOTHING",
    )?
    .execute(params![
        business_id,
        order_id,
        p.refund_id,
        p.amount_minor,
        now(),
        p.payment_id
    ])?;
    Ok(())
}

/// Order `order_id`'s pending refunds, oldest first.
pub fn of_order(conn: &Connection, order_id: i64) -> AppResult<Vec<Pending>> {
    let mut stmt = conn.prepare_cached(
        "SELECT refund_id, payment_id, amount_minor FROM razorpay_refunds_pending
         WHERE order_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([order_id], |r| {
        Ok(Pending {
            refund_id: r.get(0)?,
            payment_id: r.get(1)?,
            amount_minor: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Lets go of refund `refund_id`'s hold, processed or failed: the order and amount it held,
/// or `None` if it held nothing (it was processed at once, or told of before).
pub fn release(
    conn: &Connection,
    business_id: i64,
    refund_id: &str,
) -> AppResult<Option<(i64, i64)>> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM razorpay_refunds_pending WHERE business_id = ?1 AND refund_id = ?2
             RETURNING order_id, amount_minor",
        )?
        .query_row(params![business_id, refund_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}
