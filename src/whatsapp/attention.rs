//! The `attention` table: conversations that need a person, and why. The bot flags a
//! conversation it could not answer; a person replying clears the flag.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::now;
use crate::error::AppResult;

/// Flags a conversation, keeping the first reason and time if it is already flagged.
pub fn flag(conn: &Connection, business_id: i64, phone: &str, reason: &str) -> AppResult<()> {
    conn.execute(
        "INSERT INTO attention (business_id, phone, reason, since) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (business_id, phone) DO NOTHING",
        params![business_id, phone, reason, now()],
    )?;
    Ok(())
}

/// A person has answered: the conversation no longer needs one.
pub fn clear(conn: &Connection, business_id: i64, phone: &str) -> AppResult<()> {
    conn.execute(
        "DELETE FROM attention WHERE business_id = ?1 AND phone = ?2",
        params![business_id, phone],
    )?;
    Ok(())
}

/// Why a conversation needs a person, or `None` when it does not.
pub fn reason(conn: &Connection, business_id: i64, phone: &str) -> AppResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT reason FROM attention WHERE business_id = ?1 AND phone = ?2",
            params![business_id, phone],
            |r| r.get(0),
        )
        .optional()?)
}

/// How far back a person's reply counts as a conversation still going on: a day, as
/// WhatsApp's own window for answering a customer.
const TALKING_SECS: i64 = 24 * 60 * 60;
/// How many of the conversation's newest messages are looked through for it.
const TALKING_LOOKBACK: i64 = 30;

/// True when someone from the shop wrote to `phone` within the last day, among the
/// conversation's newest messages (followed back along their chain, so a long chat costs no
/// more than a short one).
pub fn person_talking(conn: &Connection, business_id: i64, phone: &str) -> AppResult<bool> {
    Ok(conn
        .prepare_cached(
            "WITH RECURSIVE back(id, n) AS (
                 SELECT last_id, 1 FROM chats WHERE business_id = ?1 AND phone = ?2
                 UNION ALL
                 SELECT m.prev_id, back.n + 1 FROM back JOIN messages m ON m.id = back.id
                 WHERE back.n < ?3 AND m.prev_id IS NOT NULL)
             SELECT EXISTS (SELECT 1 FROM back JOIN messages m ON m.id = back.id
                            WHERE m.direction = 'out' AND m.created_at >= ?4
                              AND json_extract(m.data, '$.by') = 'staff')",
        )?
        .query_row(
            params![business_id, phone, TALKING_LOOKBACK, now() - TALKING_SECS],
            |r| r.get(0),
        )?)
}

/// A conversation waiting for a person, with the customer's name when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub phone: String,
    pub name: String,
    pub reason: String,
    pub since: i64,
}

/// The `n` conversations that have waited longest for a person.
pub fn waiting(conn: &Connection, business_id: i64, n: i64) -> AppResult<Vec<Waiting>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.phone, COALESCE(c.name, ''), a.reason, a.since FROM attention a
         LEFT JOIN customers c ON c.business_id = a.business_id AND c.phone = a.phone
         WHERE a.business_id = ?1 ORDER BY a.since LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![business_id, n], |r| {
        Ok(Waiting {
            phone: r.get(0)?,
            name: r.get(1)?,
            reason: r.get(2)?,
            since: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
