//! The `messages` table: storing what a webhook carried (once, however often it is delivered),
//! delivery statuses that only move forward, and the inbound messages waiting to be answered.

use super::metrics;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::inbound::{status_rank, InMessage, InStatus, Inbound};
use crate::customers;
use crate::db::now;
use crate::domain::Phone;
use crate::error::{AppError, AppResult};

/// What storing a webhook added (a retried delivery adds nothing).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stored {
    pub new_messages: Vec<i64>,
    /// Conversations (phone numbers) that changed, for live updates.
    pub phones: Vec<String>,
}

/// Stores a webhook's body and everything read from it, and counts its messages in the day's
/// figures. Call inside the write transaction that must commit before the webhook is answered.
pub fn store_inbound(conn: &Connection, inbound: &Inbound) -> AppResult<Stored> {
    let stored = store_uncounted(conn, inbound)?;
    count_in(conn, inbound.business_id, stored.new_messages.len())?;
    Ok(stored)
}

/// Counts `n` messages received by a business today.
pub fn count_in(conn: &Connection, business_id: i64, n: usize) -> AppResult<()> {
    if n == 0 {
        return Ok(());
    }
    metrics::count_in(conn, business_id, n)
}

/// [`store_inbound`] without counting: the webhook writer counts a whole batch at once.
pub fn store_uncounted(conn: &Connection, inbound: &Inbound) -> AppResult<Stored> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO inbound_payloads (business_id, provider, body, received_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    stmt.execute(params![
        inbound.business_id,
        inbound.provider,
        inbound.raw,
        now()
    ])?;
    let payload_id = conn.last_insert_rowid();
    let mut stored = Stored::default();
    for m in &inbound.messages {
        if let Some(id) = store_message(conn, inbound, payload_id, m)? {
            stored.new_messages.push(id);
            stored.phones.push(m.phone.clone());
        }
    }
    for s in &inbound.statuses {
        if let Some(phone) = store_status(conn, inbound.business_id, s)? {
            stored.phones.push(phone);
        }
    }
    for m in &inbound.from_phone {
        if store_from_phone(conn, inbound, payload_id, m)? {
            stored.phones.push(m.phone.clone());
        }
    }
    Ok(stored)
}

/// Keeps a message the shop sent from its own phone as a staff reply: outbound, already sent,
/// handled and seen, so Novi never answers it. Stored once, however often it is delivered.
fn store_from_phone(
    conn: &Connection,
    inbound: &Inbound,
    payload_id: i64,
    m: &InMessage,
) -> AppResult<bool> {
    let t = now();
    // Named after the one before it as it is written, as in `store_message`.
    let changed = conn
        .prepare_cached(
            "INSERT INTO messages (business_id, phone, customer_id, direction, type, text, data, provider,
                                   provider_id, payload_id, status, handled, seen, created_at, updated_at,
                                   prev_id)
             VALUES (?1, ?2, (SELECT id FROM customers WHERE business_id = ?1 AND phone = ?2), 'out',
                     ?3, ?4, ?5, ?6, ?7, ?8, 'sent', 1, 1, ?9, ?9,
                     (SELECT last_id FROM chats WHERE business_id = ?1 AND phone = ?2))
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            inbound.business_id,
            m.phone,
            m.kind,
            m.text,
            m.data.to_string(),
            inbound.provider,
            m.provider_id,
            payload_id,
            t
        ])?;
    Ok(changed == 1)
}

/// Inserts a message unless this provider id was stored already; returns the new row's id.
fn store_message(
    conn: &Connection,
    inbound: &Inbound,
    payload_id: i64,
    m: &InMessage,
) -> AppResult<Option<i64>> {
    let t = now();
    // Group members are staff, not customers; hidden numbers cannot be filed by number. A
    // retried delivery updates the customer again, which is harmless and saves a lookup.
    let customer = match (&m.group_id, Phone::from_digits(&m.phone)) {
        (None, Ok(phone)) => Some(customers::upsert(
            conn,
            inbound.business_id,
            &phone,
            &m.name,
        )?),
        _ => None,
    };
    // Each names the one before it in its conversation (`threads`) as it is written, so the
    // row is not written a second time for it; a group's messages are not chained.
    let mut insert = conn.prepare_cached(
        "INSERT INTO messages (business_id, phone, direction, type, text, data, provider, provider_id,
                               group_id, payload_id, status, created_at, updated_at, received_ms, customer_id,
                               prev_id)
         VALUES (?1, ?2, 'in', ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'received', ?10, ?10, ?11, ?12,
                 CASE WHEN ?8 IS NULL THEN (SELECT last_id FROM chats WHERE business_id = ?1 AND phone = ?2) END)
         ON CONFLICT DO NOTHING",
    )?;
    let data = m.data.to_string();
    let changed = insert.execute(params![
        inbound.business_id,
        m.phone,
        m.kind,
        m.text,
        data,
        inbound.provider,
        m.provider_id,
        m.group_id,
        payload_id,
        t,
        super::outbox::now_ms(),
        customer
    ])?;
    Ok((changed == 1).then(|| conn.last_insert_rowid()))
}

/// Records a status report once and moves the message's status forward only. Returns the
/// conversation it belongs to when the message is known.
fn store_status(conn: &Connection, business_id: i64, s: &InStatus) -> AppResult<Option<String>> {
    if status_rank(&s.status).is_none() {
        return Ok(None);
    }
    conn.prepare_cached(
        "INSERT INTO message_statuses (business_id, provider_id, status, error_code, error, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        business_id,
        s.provider_id,
        s.status,
        s.error_code,
        s.error,
        now()
    ])?;
    advance(
        conn,
        business_id,
        &s.provider_id,
        &s.status,
        s.error_code,
        s.error.as_deref(),
    )
}

/// The SQL rank of a status column, matching `status_rank`.
const RANK: &str = "CASE status WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2
                    WHEN 'read' THEN 3 WHEN 'failed' THEN 4 ELSE 0 END";

/// Moves an outbound message to `status` if that is further along than where it is.
pub fn advance(
    conn: &Connection,
    business_id: i64,
    provider_id: &str,
    status: &str,
    code: Option<i64>,
    error: Option<&str>,
) -> AppResult<Option<String>> {
    let Some(rank) = status_rank(status) else {
        return Ok(None);
    };
    let sql = format!(
        "UPDATE messages SET status = ?3, error_code = COALESCE(?4, error_code), error = COALESCE(?5, error),
                updated_at = ?6
         WHERE business_id = ?1 AND direction = 'out' AND provider_id = ?2 AND {RANK} < ?7
         RETURNING phone"
    );
    let phone = conn
        .query_row(
            &sql,
            params![business_id, provider_id, status, code, error, now(), rank],
            |r| r.get(0),
        )
        .optional()?;
    Ok(phone)
}

/// Applies statuses that arrived before Novi learned the message's provider id (a webhook can
/// beat the send call's answer).
pub fn catch_up_statuses(conn: &Connection, business_id: i64, provider_id: &str) -> AppResult<()> {
    let mut stmt = conn.prepare(
        "SELECT status, error_code, error FROM message_statuses WHERE business_id = ?1 AND provider_id = ?2",
    )?;
    let early: Vec<(String, Option<i64>, Option<String>)> = stmt
        .query_map(params![business_id, provider_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    for (status, code, error) in early {
        advance(
            conn,
            business_id,
            provider_id,
            &status,
            code,
            error.as_deref(),
        )?;
    }
    Ok(())
}

/// An inbound message the conversation has yet to answer.
#[derive(Debug, Clone)]
pub struct Unhandled {
    pub id: i64,
    pub business_id: i64,
    pub phone: String,
    pub kind: String,
    pub text: String,
    pub data: Value,
    pub group_id: Option<String>,
    pub received_ms: i64,
}

/// Inbound messages nobody has answered yet, oldest first: up to `limit` of those after
/// message `after` (0 for all).
pub fn unhandled(conn: &Connection, after: i64, limit: i64) -> AppResult<Vec<Unhandled>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, business_id, phone, type, text, data, group_id, COALESCE(received_ms, created_at * 1000)
         FROM messages WHERE direction = 'in' AND handled = 0 AND id > ?2 ORDER BY id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit, after], |r| {
        let data: String = r.get(5)?;
        Ok(Unhandled {
            id: r.get(0)?,
            business_id: r.get(1)?,
            phone: r.get(2)?,
            kind: r.get(3)?,
            text: r.get(4)?,
            data: serde_json::from_str(&data).unwrap_or(Value::Null),
            group_id: r.get(6)?,
            received_ms: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Backlogs are counted up to this many rows, so a scrape stays quick even in a flood.
pub const BACKLOG_CAP: i64 = 1_000_000;

/// How many inbound messages wait for an answer (at most [`BACKLOG_CAP`]), read from the
/// partial index of unhandled messages.
pub fn inbound_backlog(conn: &Connection) -> AppResult<i64> {
    let n = conn
        .prepare_cached(INBOUND_BACKLOG)?
        .query_row([BACKLOG_CAP], |r| r.get(0))?;
    Ok(n)
}

/// What `inbound_backlog` runs: its terms are the partial index's own.
pub(crate) const INBOUND_BACKLOG: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM messages
     WHERE handled = 0 AND direction = 'in' LIMIT ?1)";

/// Marks a message answered (or set aside), so it is read once.
/// Marks messages `ids` handled, in one statement: the conversation worker marks a batch's
/// messages together once it has answered them, rather than one update each.
pub fn mark_handled(conn: &Connection, ids: &[i64]) -> AppResult<()> {
    let list = serde_json::to_string(ids).map_err(AppError::internal)?;
    conn.prepare_cached(
        "UPDATE messages SET handled = 1 WHERE id IN (SELECT value FROM json_each(?1))",
    )?
    .execute([list])?;
    Ok(())
}
