//! Low stock told to the owner: each alert raised by a stock move (`catalog::alerts`) becomes
//! one WhatsApp message through the outbox, queued in the transaction that marks it told.

use rusqlite::Connection;

use super::settings;
use crate::accounts::businesses;
use crate::catalog::alerts::{self, StockAlert};
use crate::domain::format_amount;
use crate::error::AppResult;
use crate::whatsapp::{outbox, settings as whatsapp_settings};

/// How many alerts one pass tells, so a flood (a large import) is spread over passes.
const PER_PASS: i64 = 50;

/// The message for one alert.
pub fn text(a: &StockAlert) -> String {
    let left = format_amount(a.unit, a.stock_after.unsigned_abs());
    let level = format_amount(a.unit, a.low_stock.unsigned_abs());
    format!(
        "Low stock: {} ({}) is down to {left}, at or below its low-stock level of {level}.",
        a.name, a.sku
    )
}

/// Whether any alert waits to be told: read outside a write transaction, to skip the pass.
pub fn any_waiting(conn: &Connection) -> AppResult<bool> {
    Ok(!alerts::unnotified(conn, 1)?.is_empty())
}

/// Tells the owners of the waiting alerts; returns how many messages were queued. An alert
/// whose shop has no number to send to is marked told too: the dashboard still shows it.
pub fn notify(conn: &Connection) -> AppResult<usize> {
    let mut queued = 0;
    for a in alerts::unnotified(conn, PER_PASS)? {
        alerts::mark_notified(conn, a.id)?;
        let Some(b) = businesses::by_id(conn, a.business_id)? else {
            continue;
        };
        let Some(to) = settings::load(conn, b.id)?.recipient(&b) else {
            continue;
        };
        let provider = whatsapp_settings::load(conn, b.id)?.provider;
        let content = outbox::Content::text(text(&a));
        outbox::enqueue(conn, b.id, to.as_str(), &content, provider.as_str())?;
        queued += 1;
    }
    Ok(queued)
}
