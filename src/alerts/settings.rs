//! The `alert_settings` table: the owner's WhatsApp number for alerts (blank: the shop's phone)
//! and the closing time the daily summary is sent at.

use chrono::NaiveTime;
use rusqlite::{params, Connection, OptionalExtension};

use crate::accounts::businesses::Business;
use crate::db::now;
use crate::domain::Phone;
use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlertSettings {
    /// Digits with country code; blank sends to the shop's own phone.
    pub owner_phone: String,
    /// On the shop's clock; none sends no daily summary.
    pub closing_time: Option<NaiveTime>,
}

impl AlertSettings {
    /// Where the owner's alerts go: their number, else the shop's; none when neither is set.
    pub fn recipient(&self, b: &Business) -> Option<Phone> {
        [self.owner_phone.as_str(), b.phone.as_str()]
            .into_iter()
            .find(|p| !p.trim().is_empty())
            .and_then(|p| Phone::parse(p, &b.country_code).ok())
    }
}

fn time_of(text: Option<String>) -> Option<NaiveTime> {
    text.and_then(|t| NaiveTime::parse_from_str(&t, "%H:%M").ok())
}

pub fn load(conn: &Connection, business_id: i64) -> AppResult<AlertSettings> {
    let found = conn
        .prepare_cached(
            "SELECT owner_phone, closing_time FROM alert_settings WHERE business_id = ?1",
        )?
        .query_row([business_id], |r| {
            Ok(AlertSettings {
                owner_phone: r.get(0)?,
                closing_time: time_of(r.get(1)?),
            })
        })
        .optional()?;
    Ok(found.unwrap_or_default())
}

pub fn save(conn: &Connection, business_id: i64, s: &AlertSettings) -> AppResult<()> {
    let closing = s.closing_time.map(|t| t.format("%H:%M").to_string());
    conn.execute(
        "INSERT INTO alert_settings (business_id, owner_phone, closing_time, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (business_id) DO UPDATE SET owner_phone = ?2, closing_time = ?3, updated_at = ?4",
        params![business_id, s.owner_phone, closing, now()],
    )?;
    Ok(())
}

/// Every business with a closing time, and that time.
pub fn with_closing_time(conn: &Connection) -> AppResult<Vec<(i64, NaiveTime)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT business_id, closing_time FROM alert_settings WHERE closing_time IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, text) = row?;
        if let Some(t) = time_of(Some(text)) {
            out.push((id, t));
        }
    }
    Ok(out)
}

/// Reads a closing time as typed: `HH:MM` (24-hour, as a time input sends it); blank is none.
pub fn parse_closing_time(text: &str) -> Result<Option<NaiveTime>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveTime::parse_from_str(text, "%H:%M")
        .map(Some)
        .map_err(|_| format!("\"{text}\" is not a time of the form HH:MM, like 21:30"))
}
