//! The `linked_sessions` table: how each linked business's connection stands (connected,
//! connecting with the next retry time, logged out, or not linked), kept true by its
//! connection task and read by Settings, `/ready`, the banner and `novi whatsapp show`.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::db::now;
use crate::error::AppResult;

/// Where a linked connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Never linked, or unlinked from Novi: a QR code or pairing code links it.
    NotLinked,
    /// Trying to reach WhatsApp; `next_retry_at` says when the next try is, if one is waiting.
    Connecting,
    Connected,
    /// Unlinked from the phone (or by WhatsApp): the owner must link again.
    LoggedOut,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::NotLinked => "not_linked",
            State::Connecting => "connecting",
            State::Connected => "connected",
            State::LoggedOut => "logged_out",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "connecting" => State::Connecting,
            "connected" => State::Connected,
            "logged_out" => State::LoggedOut,
            _ => State::NotLinked,
        }
    }
}

/// One business's link, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub state: State,
    /// Unix seconds of the next connection attempt, while connecting after a failure.
    pub next_retry_at: Option<i64>,
    /// The linked number (digits), once known.
    pub phone: String,
    /// The name the linked WhatsApp account shows.
    pub push_name: String,
    /// Unix seconds since when it has been connected.
    pub connected_since: Option<i64>,
    /// Why it is not connected, in words, when there is a reason.
    pub reason: String,
}

impl Link {
    pub fn not_linked() -> Self {
        Self {
            state: State::NotLinked,
            next_retry_at: None,
            phone: String::new(),
            push_name: String::new(),
            connected_since: None,
            reason: String::new(),
        }
    }
}

fn from_row(r: &Row) -> rusqlite::Result<Link> {
    Ok(Link {
        state: State::parse(&r.get::<_, String>(0)?),
        next_retry_at: r.get(1)?,
        phone: r.get(2)?,
        push_name: r.get(3)?,
        connected_since: r.get(4)?,
        reason: r.get(5)?,
    })
}

/// The business's link; not linked when nothing was stored.
pub fn load(conn: &Connection, business_id: i64) -> AppResult<Link> {
    let found = conn
        .query_row(
            "SELECT state, next_retry_at, phone, push_name, connected_since, reason
             FROM linked_sessions WHERE business_id = ?1",
            [business_id],
            from_row,
        )
        .optional()?;
    Ok(found.unwrap_or_else(Link::not_linked))
}

/// Every stored link, by business id.
pub fn all(conn: &Connection) -> AppResult<Vec<(i64, Link)>> {
    let mut stmt = conn.prepare(
        "SELECT state, next_retry_at, phone, push_name, connected_since, reason, business_id
         FROM linked_sessions ORDER BY business_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(6)?, from_row(r)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn save(conn: &Connection, business_id: i64, l: &Link) -> AppResult<()> {
    conn.execute(
        "INSERT INTO linked_sessions (business_id, state, next_retry_at, phone, push_name,
                                      connected_since, reason, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (business_id) DO UPDATE SET state = excluded.state,
             next_retry_at = excluded.next_retry_at, phone = excluded.phone,
             push_name = excluded.push_name, connected_since = excluded.connected_since,
             reason = excluded.reason, updated_at = excluded.updated_at",
        params![
            business_id,
            l.state.as_str(),
            l.next_retry_at,
            l.phone,
            l.push_name,
            l.connected_since,
            l.reason,
            now()
        ],
    )?;
    Ok(())
}
