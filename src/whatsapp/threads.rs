//! Message threads: every message in and out with one number, as staff read them.

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::domain::Phone;
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize)]
pub struct Thread {
    pub phone: String,
    pub name: String,
    pub last_text: String,
    pub last_direction: String,
    pub last_at: i64,
    pub unread: i64,
    /// Why a person should look at it, when Novi could not handle it.
    pub attention: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub id: i64,
    pub direction: String,
    pub kind: String,
    pub text: String,
    pub status: String,
    pub provider_id: Option<String>,
    pub error_code: Option<i64>,
    pub error: Option<String>,
    pub group_id: Option<String>,
    pub created_at: i64,
    /// Written by a person at the shop (reply box or API), not by Novi's own chat.
    #[serde(skip)]
    pub by_staff: bool,
}

/// Conversations with the newest first. Group chats are listed under the group, not the member.
pub fn list(conn: &Connection, business_id: i64, limit: i64) -> AppResult<Vec<Thread>> {
    let mut stmt = conn.prepare(
        "SELECT m.phone, COALESCE(c.name, ''), m.text, m.direction, m.created_at,
                (SELECT COUNT(*) FROM messages u WHERE u.business_id = m.business_id AND u.phone = m.phone
                   AND u.direction = 'in' AND u.seen = 0 AND u.group_id IS NULL),
                (SELECT reason FROM attention a WHERE a.business_id = m.business_id AND a.phone = m.phone)
         FROM messages m LEFT JOIN customers c ON c.business_id = m.business_id AND c.phone = m.phone
         WHERE m.id IN (SELECT MAX(id) FROM messages WHERE business_id = ?1 AND group_id IS NULL GROUP BY phone)
         ORDER BY m.id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![business_id, limit], |r| {
        Ok(Thread {
            phone: r.get(0)?,
            name: r.get(1)?,
            last_text: r.get(2)?,
            last_direction: r.get(3)?,
            last_at: r.get(4)?,
            unread: r.get(5)?,
            attention: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The conversation `raw` names, as stored: first exactly as written, which is how [`list`]
/// gives it (a foreign number of 10 digits, or a business-scoped user id where WhatsApp hides
/// the number, reads as something else to [`Phone::parse_lookup`]); else any spelling of a
/// number, read with the shop's country code. `None` when the business has no such chat.
pub fn conversation_key(
    conn: &Connection,
    business_id: i64,
    raw: &str,
    country_code: &str,
) -> AppResult<Option<String>> {
    let mut has_chat = conn.prepare_cached(
        "SELECT 1 FROM messages WHERE business_id = ?1 AND phone = ?2 AND group_id IS NULL LIMIT 1",
    )?;
    let raw = raw.trim();
    if !raw.is_empty() && has_chat.exists(params![business_id, raw])? {
        return Ok(Some(raw.to_owned()));
    }
    match Phone::parse_lookup(raw, country_code) {
        Ok(p) if has_chat.exists(params![business_id, p.as_str()])? => Ok(Some(p.to_string())),
        _ => Ok(None),
    }
}

/// One of a business's messages, by id.
pub fn one(conn: &Connection, business_id: i64, id: i64) -> AppResult<Option<Message>> {
    let mut stmt = conn.prepare(
        "SELECT id, direction, type, text, status, provider_id, error_code, error, group_id, created_at,
                COALESCE(json_extract(data, '$.by') = 'staff', 0)
         FROM messages WHERE business_id = ?1 AND id = ?2",
    )?;
    let mut rows = stmt.query_map(params![business_id, id], message_at)?;
    Ok(rows.next().transpose()?)
}

fn message_at(r: &rusqlite::Row) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        direction: r.get(1)?,
        kind: r.get(2)?,
        text: r.get(3)?,
        status: r.get(4)?,
        provider_id: r.get(5)?,
        error_code: r.get(6)?,
        error: r.get(7)?,
        group_id: r.get(8)?,
        created_at: r.get(9)?,
        by_staff: r.get(10)?,
    })
}

/// The latest `limit` messages with a number (1:1 chat), oldest first.
pub fn messages(
    conn: &Connection,
    business_id: i64,
    phone: &str,
    limit: i64,
) -> AppResult<Vec<Message>> {
    let mut stmt = conn.prepare(
        "SELECT id, direction, type, text, status, provider_id, error_code, error, group_id, created_at,
                COALESCE(json_extract(data, '$.by') = 'staff', 0)
         FROM messages WHERE business_id = ?1 AND phone = ?2 AND group_id IS NULL
         ORDER BY id DESC LIMIT ?3",
    )?;
    let mut rows: Vec<Message> = stmt
        .query_map(params![business_id, phone, limit], message_at)?
        .collect::<Result<_, _>>()?;
    rows.reverse();
    Ok(rows)
}

/// Staff have read this conversation.
pub fn mark_seen(conn: &Connection, business_id: i64, phone: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE messages SET seen = 1 WHERE business_id = ?1 AND phone = ?2 AND direction = 'in' AND seen = 0",
        params![business_id, phone],
    )?;
    Ok(())
}
