//! Each business's bot as the platform console shows it: provider, whether it is connected,
//! the last message in and the last one sent, what waits to be sent, and sends given up on
//! today. Reads `messages`, `outbox`, `whatsapp_configs` and `linked_sessions` by index.

use rusqlite::{params, Connection, OptionalExtension};

use super::link::Links;
use super::linked::state::{self as linked_state, State};
use super::settings::{self, Provider};
use crate::error::AppResult;

#[derive(Debug, Clone)]
pub struct BotStatus {
    pub provider: Provider,
    /// In words: "connected", "not set up", "down: <reason>", "paused: <reason>"…
    pub connection: String,
    pub connected: bool,
    pub last_in: Option<i64>,
    pub last_sent: Option<i64>,
    /// Outbox rows waiting or being sent.
    pub backlog: i64,
    /// Sends given up on since `day_start`.
    pub failures_today: i64,
}

/// The bot of `business_id`; `day_start` is when the shop's day began (Unix seconds).
pub fn of(
    conn: &Connection,
    links: &Links,
    business_id: i64,
    day_start: i64,
) -> AppResult<BotStatus> {
    let c = settings::load(conn, business_id)?;
    let (connected, connection) = connection(conn, links, business_id, &c)?;
    let last = |direction: &str, statuses: &str| -> AppResult<Option<i64>> {
        Ok(conn
            .prepare_cached(&format!(
                "SELECT created_at FROM messages WHERE business_id = ?1 AND direction = ?2
                   AND status IN ({statuses}) ORDER BY id DESC LIMIT 1"
            ))?
            .query_row(params![business_id, direction], |r| r.get(0))
            .optional()?)
    };
    let backlog = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending') AND business_id = ?1",
        )?
        .query_row([business_id], |r| r.get(0))?;
    let failures_today = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM outbox WHERE business_id = ?1 AND state = 'failed'
               AND updated_at >= ?2",
        )?
        .query_row(params![business_id, day_start], |r| r.get(0))?;
    Ok(BotStatus {
        provider: c.provider,
        connection,
        connected,
        last_in: last("in", "'received'")?,
        last_sent: last("out", "'sent', 'delivered', 'read'")?,
        backlog,
        failures_today,
    })
}

fn connection(
    conn: &Connection,
    links: &Links,
    business_id: i64,
    c: &settings::WhatsappSettings,
) -> AppResult<(bool, String)> {
    if !crate::accounts::businesses::is_active(conn, business_id)? {
        return Ok((false, "paused: the business is deactivated".to_owned()));
    }
    if let Some(why) = &c.paused_reason {
        return Ok((false, format!("paused: {why}")));
    }
    let status = match c.provider {
        Provider::Simulator => (false, "simulator only".to_owned()),
        Provider::Linked => match linked_state::load(conn, business_id)?.state {
            State::Connected => (true, "connected".to_owned()),
            State::Connecting => (false, "connecting".to_owned()),
            State::LoggedOut => (false, "logged out from the phone".to_owned()),
            State::NotLinked => (false, "not linked".to_owned()),
        },
        Provider::Cloud | Provider::Gateway => {
            if let Err(why) = settings::validate(c) {
                (false, format!("not set up: {why}"))
            } else if let Some(down) = links.down(business_id) {
                (false, format!("down: {}", down.reason))
            } else {
                (true, "connected".to_owned())
            }
        }
    };
    Ok(status)
}
