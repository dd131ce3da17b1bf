//! Messages in the database: storing what a webhook carried (once, however often it is
//! delivered), delivery statuses that only move forward, conversations, and daily counts.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::inbound::{status_rank, InMessage, InStatus, Inbound};
use crate::customers;
use crate::db::now;
use crate::domain::Phone;
use crate::error::AppResult;

/// What storing a webhook added (a retried delivery adds nothing).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stored {
    pub new_messages: Vec<i64>,
    /// Conversations (phone numbers) that changed, for live updates.
    pub phones: Vec<String>,
}

/// Stores a webhook's body and everything read from it. Call inside the write transaction
/// that must commit before the webhook is answered.
pub fn store_inbound(conn: &Connection, inbound: &Inbound) -> AppResult<Stored> {
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
    if !stored.new_messages.is_empty() {
        bump_by(
            conn,
            inbound.business_id,
            Counter::In,
            stored.new_messages.len(),
        )?;
    }
    for s in &inbound.statuses {
        if let Some(phone) = store_status(conn, inbound.business_id, s)? {
            stored.phones.push(phone);
        }
    }
    Ok(stored)
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
    let mut insert = conn.prepare_cached(
        "INSERT INTO messages (business_id, phone, direction, type, text, data, provider, provider_id,
                               group_id, payload_id, status, created_at, updated_at, received_ms, customer_id)
         VALUES (?1, ?2, 'in', ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'received', ?10, ?10, ?11, ?12)
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

pub enum Counter {
    In,
    Out,
}

/// Counts a message in or out for the business's current (shop-local) day.
pub fn bump(conn: &Connection, business_id: i64, counter: Counter) -> AppResult<()> {
    bump_by(conn, business_id, counter, 1)
}

fn bump_by(conn: &Connection, business_id: i64, counter: Counter, n: usize) -> AppResult<()> {
    let column = match counter {
        Counter::In => "messages_in",
        Counter::Out => "messages_out",
    };
    let sql = format!(
        "INSERT INTO bot_metrics (business_id, day, {column})
         SELECT id, date(?2, 'unixepoch', (utc_offset_minutes || ' minutes')), ?3 FROM businesses WHERE id = ?1
         ON CONFLICT (business_id, day) DO UPDATE SET {column} = {column} + ?3"
    );
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    conn.prepare_cached(&sql)?
        .execute(params![business_id, now(), n])?;
    Ok(())
}

/// One day's WhatsApp figures for the dashboard.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DayFigures {
    pub messages_in: i64,
    pub messages_out: i64,
    /// Mean time to the bot's reply, once there has been one.
    pub avg_reply_ms: Option<i64>,
}

/// The figures for `day` (`YYYY-MM-DD` on the shop's clock); all zero before any message.
pub fn day_figures(conn: &Connection, business_id: i64, day: &str) -> AppResult<DayFigures> {
    let row: Option<(i64, i64, i64, i64)> = conn
        .query_row(
            "SELECT messages_in, messages_out, reply_ms_total, replies FROM bot_metrics
             WHERE business_id = ?1 AND day = ?2",
            params![business_id, day],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(
        row.map_or_else(DayFigures::default, |(i, o, total, replies)| DayFigures {
            messages_in: i,
            messages_out: o,
            avg_reply_ms: (replies > 0).then(|| total / replies),
        }),
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub day: String,
    pub messages_in: i64,
    pub messages_out: i64,
    pub orders: i64,
}

pub fn metrics(conn: &Connection, business_id: i64, days: i64) -> AppResult<Vec<Metrics>> {
    let mut stmt = conn.prepare(
        "SELECT day, messages_in, messages_out, orders FROM bot_metrics WHERE business_id = ?1
         ORDER BY day DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![business_id, days], |r| {
        Ok(Metrics {
            day: r.get(0)?,
            messages_in: r.get(1)?,
            messages_out: r.get(2)?,
            orders: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
