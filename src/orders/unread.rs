//! The `order_unread` table: lines of the customer's messages that were not read for sure,
//! kept with the order they became, until staff say which product each one is.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::model::{NewUnread, Unread};
use crate::db::now;
use crate::error::AppResult;

const SELECT: &str =
    "SELECT id, text, words, reason, candidates, answered_sku, answered_by FROM order_unread";

fn from_row(r: &Row) -> rusqlite::Result<Unread> {
    let candidates: String = r.get(4)?;
    let sku: Option<String> = r.get(5)?;
    let by: Option<String> = r.get(6)?;
    Ok(Unread {
        id: r.get(0)?,
        line: NewUnread {
            text: r.get(1)?,
            words: r.get(2)?,
            reason: r.get(3)?,
            candidates: candidates
                .split('|')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
        },
        answered: sku.map(|s| (s, by.unwrap_or_default())),
    })
}

/// Keeps a new order's unread lines.
pub fn keep(
    conn: &Connection,
    business_id: i64,
    order_id: i64,
    lines: &[NewUnread],
) -> AppResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO order_unread (business_id, order_id, text, words, reason, candidates)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for l in lines {
        let candidates = l.candidates.join("|");
        stmt.execute(params![
            business_id,
            order_id,
            l.text,
            l.words,
            l.reason,
            candidates
        ])?;
    }
    Ok(())
}

/// An order's unread lines, in the order the customer wrote them.
pub fn of_order(conn: &Connection, business_id: i64, order_id: i64) -> AppResult<Vec<Unread>> {
    let sql = format!("{SELECT} WHERE business_id = ?1 AND order_id = ?2 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![business_id, order_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One unread line of an order, answered or not.
pub fn find(
    conn: &Connection,
    business_id: i64,
    order_id: i64,
    id: i64,
) -> AppResult<Option<Unread>> {
    let sql = format!("{SELECT} WHERE business_id = ?1 AND order_id = ?2 AND id = ?3");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![business_id, order_id, id], from_row)
        .optional()?)
}

/// Records that staff said the line is `sku` and added it to the order.
pub fn answer(conn: &Connection, id: i64, sku: &str, actor: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE order_unread SET answered_sku = ?2, answered_by = ?3, answered_at = ?4 WHERE id = ?1",
        params![id, sku, actor, now()],
    )?;
    Ok(())
}
