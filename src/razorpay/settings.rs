//! The `razorpay_configs` table: a shop's Razorpay keys. The secrets are write-only in the UI
//! (shown masked, kept when a form leaves them blank); a shop without keys offers no Razorpay.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::now;
use crate::error::AppResult;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RazorpaySettings {
    pub key_id: String,
    pub key_secret: String,
    pub webhook_secret: String,
}

impl RazorpaySettings {
    /// Whether the shop can take payments through Razorpay: it has both keys.
    pub fn ready(&self) -> bool {
        !self.key_id.is_empty() && !self.key_secret.is_empty()
    }
}

/// Shop `b`'s Razorpay keys, when it can take rupees online through them (Razorpay takes
/// rupees; a shop in another currency is never offered it).
pub fn taking(
    conn: &Connection,
    b: &crate::accounts::businesses::Business,
) -> AppResult<Option<RazorpaySettings>> {
    if b.currency != "INR" {
        return Ok(None);
    }
    load(conn, b.id)
}

pub fn load(conn: &Connection, business_id: i64) -> AppResult<Option<RazorpaySettings>> {
    let found = conn
        .prepare_cached(
            "SELECT key_id, key_secret, webhook_secret FROM razorpay_configs WHERE business_id = ?1",
        )?
        .query_row([business_id], |r| {
            Ok(RazorpaySettings {
                key_id: r.get(0)?,
                key_secret: r.get(1)?,
                webhook_secret: r.get(2)?,
            })
        })
        .optional()?;
    Ok(found.filter(|s| s.ready()))
}

/// Saves the keys; an empty secret keeps the one stored (the form never shows them).
pub fn save(conn: &Connection, business_id: i64, s: &RazorpaySettings) -> AppResult<()> {
    conn.execute(
        "INSERT INTO razorpay_configs (business_id, key_id, key_secret, webhook_secret, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (business_id) DO UPDATE SET
           key_id = excluded.key_id,
           key_secret = CASE WHEN excluded.key_secret = '' THEN key_secret ELSE excluded.key_secret END,
           webhook_secret = CASE WHEN excluded.webhook_secret = '' THEN webhook_secret ELSE excluded.webhook_secret END,
           updated_at = excluded.updated_at",
        params![business_id, s.key_id, s.key_secret, s.webhook_secret, now()],
    )?;
    Ok(())
}

/// Forgets the shop's keys: Razorpay is no longer offered.
pub fn remove(conn: &Connection, business_id: i64) -> AppResult<()> {
    conn.execute(
        "DELETE FROM razorpay_configs WHERE business_id = ?1",
        [business_id],
    )?;
    Ok(())
}
