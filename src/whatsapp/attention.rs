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
