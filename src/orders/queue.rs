//! Orders as they are confirmed, for the counter page that prints their kitchen tickets: read
//! from `order_events` after a cursor (an event id), so none is printed twice or missed.

use rusqlite::{params, Connection};

use crate::error::AppResult;

/// The newest event's id: where a counter page opened now starts.
pub fn cursor(conn: &Connection) -> AppResult<i64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(id), 0) FROM order_events", [], |r| {
            r.get(0)
        })?,
    )
}

/// Orders of `business_id` confirmed by events after `after`, oldest first: (event id, number).
pub fn confirmed_after(
    conn: &Connection,
    business_id: i64,
    after: i64,
    limit: i64,
) -> AppResult<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, o.number FROM order_events e JOIN orders o ON o.id = e.order_id
         WHERE e.id > ?2 AND e.business_id = ?1 AND e.to_status = 'confirmed'
         ORDER BY e.id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![business_id, after, limit], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
