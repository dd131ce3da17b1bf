//! The `businesses` table: each shop (tenant) and its profile.

use std::sync::LazyLock;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::db::{is_unique_violation, now};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Business {
    pub id: i64,
    pub short_code: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub currency: String,
    pub delivery_fee_minor: i64,
    /// The country code a bare national phone number gets ("91" for India).
    pub country_code: String,
    /// The shop's clock, in minutes east of UTC.
    pub utc_offset_minutes: i32,
    /// Orders taken in a WhatsApp conversation start confirmed.
    pub auto_confirm: bool,
    /// The most of one product a chat order may take without a person: grams, and pieces.
    pub chat_max_grams: i64,
    pub chat_max_pieces: i64,
    /// The shop's own UPI id (`name@bank`) customers pay to; empty when not set.
    pub upi_id: String,
    /// When the platform admin deactivated the shop (Unix seconds); `None` while it is active.
    pub deactivated_at: Option<i64>,
}

impl Business {
    pub fn active(&self) -> bool {
        self.deactivated_at.is_none()
    }

    pub fn offset(&self) -> chrono::FixedOffset {
        chrono::FixedOffset::east_opt(self.utc_offset_minutes * 60)
            .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"))
    }

    /// A stored time (Unix seconds) on the shop's clock, as people read it.
    pub fn local_time(&self, unix: i64) -> String {
        use chrono::{Datelike, Timelike};
        // Written field by field: a list page shows fifty of these, and `format` reads its
        // pattern again for each one.
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        chrono::DateTime::from_timestamp(unix, 0)
            .map(|t| {
                let t = t.with_timezone(&self.offset());
                format!(
                    "{:02} {} {}, {:02}:{:02}",
                    t.day(),
                    MONTHS[t.month0() as usize % 12],
                    t.year(),
                    t.hour(),
                    t.minute()
                )
            })
            .unwrap_or_default()
    }
}

/// What an owner may edit on the settings page.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub currency: String,
    pub delivery_fee_minor: i64,
}

const COLUMNS: &str =
    "id, short_code, name, address, phone, currency, delivery_fee_minor, country_code, utc_offset_minutes, auto_confirm, \
     chat_max_grams, chat_max_pieces, upi_id, deactivated_at";

fn from_row(row: &Row) -> rusqlite::Result<Business> {
    Ok(Business {
        id: row.get(0)?,
        short_code: row.get(1)?,
        name: row.get(2)?,
        address: row.get(3)?,
        phone: row.get(4)?,
        currency: row.get(5)?,
        delivery_fee_minor: row.get(6)?,
        country_code: row.get(7)?,
        utc_offset_minutes: row.get(8)?,
        auto_confirm: row.get(9)?,
        chat_max_grams: row.get(10)?,
        chat_max_pieces: row.get(11)?,
        upi_id: row.get(12)?,
        deactivated_at: row.get(13)?,
    })
}

/// Creates a business; a taken short code is a conflict, not a fault.
pub fn insert(conn: &Connection, name: &str, short_code: &str) -> AppResult<Business> {
    let result = conn.execute(
        "INSERT INTO businesses (short_code, name, created_at) VALUES (?1, ?2, ?3)",
        params![short_code, name, now()],
    );
    match result {
        Ok(_) => by_id(conn, conn.last_insert_rowid())?.ok_or(AppError::NotFound),
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict(format!(
            "short code \"{short_code}\" is already taken"
        ))),
        Err(e) => Err(e.into()),
    }
}

pub fn by_id(conn: &Connection, id: i64) -> AppResult<Option<Business>> {
    // Written once: every API request reads its shop here on the async thread (`Db::lookup`).
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {COLUMNS} FROM businesses WHERE id = ?1"));
    Ok(conn
        .prepare_cached(&SQL)?
        .query_row([id], from_row)
        .optional()?)
}

pub fn by_code(conn: &Connection, short_code: &str) -> AppResult<Option<Business>> {
    let sql = format!("SELECT {COLUMNS} FROM businesses WHERE short_code = ?1");
    Ok(conn.query_row(&sql, [short_code], from_row).optional()?)
}

/// Like `by_code`, but a missing business is an error that names it: for the CLI.
pub fn require(conn: &Connection, short_code: &str) -> AppResult<Business> {
    by_code(conn, short_code)?
        .ok_or_else(|| AppError::Invalid(format!("no business with short code \"{short_code}\"")))
}

pub fn list(conn: &Connection) -> AppResult<Vec<Business>> {
    let sql = format!("SELECT {COLUMNS} FROM businesses ORDER BY short_code");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count(conn: &Connection) -> AppResult<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM businesses", [], |r| r.get(0))?)
}

/// Sets the most of one product a chat order may take (grams, pieces); both above zero.
pub fn set_chat_limits(conn: &Connection, id: i64, grams: i64, pieces: i64) -> AppResult<()> {
    conn.execute(
        "UPDATE businesses SET chat_max_grams = ?2, chat_max_pieces = ?3 WHERE id = ?1",
        rusqlite::params![id, grams, pieces],
    )?;
    Ok(())
}

/// Sets the shop's UPI id, checked by the caller (`payments::upi::parse_upi_id`); empty unsets it.
pub fn set_upi_id(conn: &Connection, id: i64, upi_id: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE businesses SET upi_id = ?2 WHERE id = ?1",
        params![id, upi_id],
    )?;
    Ok(())
}

pub fn set_auto_confirm(conn: &Connection, id: i64, on: bool) -> AppResult<()> {
    conn.execute(
        "UPDATE businesses SET auto_confirm = ?2 WHERE id = ?1",
        params![id, on],
    )?;
    Ok(())
}

pub fn update_profile(conn: &Connection, id: i64, p: &Profile) -> AppResult<()> {
    conn.execute(
        "UPDATE businesses SET name = ?2, address = ?3, phone = ?4, currency = ?5,
                delivery_fee_minor = ?6 WHERE id = ?1",
        params![
            id,
            p.name,
            p.address,
            p.phone,
            p.currency,
            p.delivery_fee_minor
        ],
    )?;
    Ok(())
}

/// The shop's opening hours as the owner wrote them ('' when not given).
pub fn hours(conn: &Connection, id: i64) -> AppResult<String> {
    Ok(conn
        .prepare_cached("SELECT hours FROM businesses WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// Saves opening hours already checked by `domain::Hours::parse`.
pub fn set_hours(conn: &Connection, id: i64, hours: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE businesses SET hours = ?2 WHERE id = ?1",
        params![id, hours.trim()],
    )?;
    Ok(())
}

/// Deactivates (`true`) or reactivates a business; its rows are kept either way.
pub fn set_deactivated(conn: &Connection, id: i64, deactivated: bool) -> AppResult<()> {
    conn.execute(
        "UPDATE businesses SET deactivated_at = CASE WHEN ?2 THEN COALESCE(deactivated_at, ?3) END
         WHERE id = ?1",
        params![id, deactivated, now()],
    )?;
    Ok(())
}

/// A number that changes whenever any of the business's products, variants or stock change
/// (triggers on those tables move it, migration V13): the storefront's catalog cache key.
pub fn catalog_version(conn: &Connection, id: i64) -> AppResult<i64> {
    Ok(conn
        .prepare_cached("SELECT catalog_version FROM businesses WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// True unless the business is deactivated (or gone): read by the worker and the sender on
/// their hot paths, by primary key.
pub fn is_active(conn: &Connection, id: i64) -> AppResult<bool> {
    let off: Option<Option<i64>> = conn
        .prepare_cached("SELECT deactivated_at FROM businesses WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(matches!(off, Some(None)))
}

#[cfg(test)]
impl Business {
    /// A shop in India (UTC+5:30, INR) for unit tests, named `name`.
    pub fn sample(name: &str) -> Business {
        Business {
            id: 1,
            short_code: "s".into(),
            name: name.into(),
            address: String::new(),
            phone: String::new(),
            currency: "INR".into(),
            delivery_fee_minor: 0,
            country_code: "91".into(),
            utc_offset_minutes: 330,
            auto_confirm: false,
            chat_max_grams: 25_000,
            chat_max_pieces: 250,
            upi_id: String::new(),
            deactivated_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_on_the_shops_clock() {
        let b = Business::sample("S");
        // 00:00 UTC is 05:30 in India.
        assert_eq!(b.local_time(0), "01 Jan 1970, 05:30");
    }

    #[test]
    fn a_time_reads_as_the_calendar_writes_it_in_every_month_and_zone() {
        let mut b = Business::sample("S");
        for offset in [330, -210, 0, 345, -720] {
            b.utc_offset_minutes = offset;
            // Every 9 days and 7 hours for 30 years: each month, hours either side of midnight.
            for unix in (1_000_000_000_i64..1_950_000_000).step_by(803_000) {
                let t = chrono::DateTime::from_timestamp(unix, 0).unwrap();
                let calendar = t.with_timezone(&b.offset()).format("%d %b %Y, %H:%M");
                assert_eq!(
                    b.local_time(unix),
                    calendar.to_string(),
                    "{unix} at {offset}"
                );
            }
        }
    }
}
