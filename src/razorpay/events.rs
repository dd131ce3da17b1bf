//! The `razorpay_events` table: every webhook delivery Razorpay makes, stored before it is
//! answered, once per `x-razorpay-event-id` (Razorpay retries for a day, and may deliver the
//! same event several times, at once, or out of order).

use rusqlite::{params, Connection};

use crate::db::now;
use crate::error::AppResult;

/// Whether a delivery was new or one already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New(i64),
    Duplicate,
}

pub fn store(
    conn: &Connection,
    business_id: i64,
    event_id: &str,
    event: &str,
    body: &str,
) -> AppResult<Stored> {
    let added = conn
        .prepare_cached(
            "INSERT INTO razorpay_events (business_id, event_id, event, body, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (business_id, event_id) DO NOTHING",
        )?
        .execute(params![business_id, event_id, event, body, now()])?;
    Ok(if added == 1 {
        Stored::New(conn.last_insert_rowid())
    } else {
        Stored::Duplicate
    })
}

/// A stored delivery not yet acted on.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: i64,
    pub business_id: i64,
    pub event: String,
    pub body: String,
}

/// Deliveries not yet acted on, oldest first.
pub fn pending(conn: &Connection, limit: i64) -> AppResult<Vec<Pending>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, business_id, event, body FROM razorpay_events
         WHERE handled_at IS NULL ORDER BY id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(Pending {
            id: r.get(0)?,
            business_id: r.get(1)?,
            event: r.get(2)?,
            body: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records what acting on delivery `id` did ("paid order #12", "ignored: unknown order", …).
pub fn handled(conn: &Connection, id: i64, outcome: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE razorpay_events SET handled_at = ?2, outcome = ?3 WHERE id = ?1",
        params![id, now(), outcome],
    )?;
    Ok(())
}
