//! Refunds Razorpay has accepted but not processed yet (`razorpay_refunds_pending`). Each holds
//! its amount back from what can still be refunded on its order, from the moment Razorpay
//! answers "pending" until `refund.processed` records it or `refund.failed` lets it go.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::now;
use crate::error::AppResult;

/// Holds back `amount_minor` of order `order_id` while refund `refund_id` is processed. Told
/// twice of one refund, it holds once.
pub fn hold(
    conn: &Connection,
    business_id: i64,
    order_id: i64,
    refund_id: &str,
    amount_minor: i64,
) -> AppResult<()> {
    conn.prepare_cached(
        "INSERT INTO razorpay_refunds_pending
             (business_id, order_id, refund_id, amount_minor, asked_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (business_id, refund_id) DO NOTHING",
    )?
    .execute(params![
        business_id,
        order_id,
        refund_id,
        amount_minor,
        now()
    ])?;
    Ok(())
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

/// What order `order_id`'s pending refunds hold back, in minor units.
pub fn held(conn: &Connection, order_id: i64) -> AppResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM razorpay_refunds_pending
             WHERE order_id = ?1",
        )?
        .query_row([order_id], |r| r.get(0))?)
}
