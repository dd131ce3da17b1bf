//! The owner's daily summary at closing time, and the `daily_summaries` table: one row per shop
//! and shop-local day, inserted in the transaction that queues the message, so a day's summary
//! goes once even across restarts.

use chrono::{NaiveDate, NaiveTime};
use rusqlite::{params, Connection, OptionalExtension};

use super::settings;
use crate::accounts::businesses::Business;
use crate::catalog::alerts::{self, StockAlert};
use crate::db::now;
use crate::domain::{format_amount, plural, Money};
use crate::error::AppResult;
use crate::orders::day::{figures, DayFigures};
use crate::orders::export::day_range;
use crate::whatsapp::metrics::day_figures;
use crate::whatsapp::{outbox, settings as whatsapp_settings};

/// The shop-local day whose summary is due at `now_ms` for a shop closing at `closing`: today,
/// once its closing time has passed. A day missed while Novi was stopped is sent when it starts
/// again that same day; an older one is not, as it would no longer be news.
pub fn due_day(b: &Business, closing: NaiveTime, now_ms: i64) -> Option<NaiveDate> {
    let local = chrono::DateTime::from_timestamp_millis(now_ms)?.with_timezone(&b.offset());
    (local.time() >= closing).then(|| local.date_naive())
}

/// Whether `day`'s summary has gone (or was passed over for want of a number) already.
pub fn sent(conn: &Connection, business_id: i64, day: NaiveDate) -> AppResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM daily_summaries WHERE business_id = ?1 AND day = ?2")?
        .query_row(params![business_id, day.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Sends `day`'s summary to the owner unless it went already; true when queued now. Call in
/// a write transaction: the row claiming the day and the outbox row commit together.
pub fn send(conn: &Connection, b: &Business, day: NaiveDate) -> AppResult<bool> {
    let claimed = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO daily_summaries (business_id, day, sent_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![b.id, day.to_string(), now()])?;
    if claimed == 0 {
        return Ok(false);
    }
    let Some(to) = settings::load(conn, b.id)?.recipient(b) else {
        return Ok(false);
    };
    let text = compose(conn, b, day)?;
    let provider = whatsapp_settings::load(conn, b.id)?.provider;
    let id = outbox::enqueue(
        conn,
        b.id,
        to.as_str(),
        &outbox::Content::text(text),
        provider.as_str(),
    )?;
    conn.prepare_cached(
        "UPDATE daily_summaries SET message_id = ?3 WHERE business_id = ?1 AND day = ?2",
    )?
    .execute(params![b.id, day.to_string(), id])?;
    Ok(true)
}

/// The summary's words for `day`, from the day's orders, open alerts and reply times.
pub fn compose(conn: &Connection, b: &Business, day: NaiveDate) -> AppResult<String> {
    let text_day = day.to_string();
    let (from, to) = day_range(b, Some(&text_day), Some(&text_day))?;
    let f = figures(conn, b.id, from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX))?;
    let low = alerts::open(conn, b.id)?;
    let reply = day_figures(conn, b.id, &text_day)?.avg_reply_ms;
    let taken = crate::payments::drawer::drawer(conn, b, day)?.total;
    Ok(text(b, day, &f, &taken, &low, reply))
}

/// The summary as the owner reads it on WhatsApp.
pub fn text(
    b: &Business,
    day: NaiveDate,
    f: &DayFigures,
    taken: &crate::payments::drawer::Line,
    low: &[StockAlert],
    reply_ms: Option<i64>,
) -> String {
    let money = |minor: i64| Money::from_minor(minor).format(&b.currency);
    let low_items = if low.is_empty() {
        "none".to_owned()
    } else {
        let names: Vec<String> = low
            .iter()
            .map(|a| {
                format!(
                    "{} ({} left)",
                    a.name,
                    format_amount(a.unit, a.stock.unsigned_abs())
                )
            })
            .collect();
        names.join(", ")
    };
    let reply = reply_ms.map_or_else(|| "no replies".to_owned(), spoken);
    format!(
        "*{name}: the day in brief, {date}*\n\
         Orders: {orders} ({cancelled} cancelled)\n\
         Takings: {takings} (cash {in_cash}, UPI {upi}, Razorpay {razorpay}, refunds {refunds})\n\
         Cash to collect: {cash} on {cash_orders}\n\
         Orders still open: {open}\n\
         Low stock: {low_items}\n\
         Average reply time: {reply}",
        name = b.name,
        date = day.format("%a %d %b %Y"),
        orders = f.orders,
        cancelled = f.cancelled,
        takings = money(
            (taken.cash.minor() + taken.upi.minor() + taken.razorpay.minor())
                .saturating_sub(taken.refunds.minor())
        ),
        in_cash = money(taken.cash.minor()),
        upi = money(taken.upi.minor()),
        razorpay = money(taken.razorpay.minor()),
        refunds = money(taken.refunds.minor()),
        cash = money(f.cash_minor),
        cash_orders = plural::count(f.cash_orders, "unpaid cash order", "unpaid cash orders"),
        open = f.open,
    )
}

/// A duration as people say it: "45 s", "2 min 5 s".
fn spoken(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match (s / 60, s % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Business {
        Business::sample("Sharma Sweets")
    }

    #[test]
    fn the_summary_is_due_from_closing_time_on_the_shops_clock() {
        let closing = NaiveTime::from_hms_opt(21, 0, 0).unwrap();
        let ms = |t: &str| {
            chrono::DateTime::parse_from_rfc3339(t)
                .unwrap()
                .timestamp_millis()
        };
        // 15:29 UTC is 20:59 in India: not yet; 15:30 is 21:00.
        assert_eq!(due_day(&shop(), closing, ms("2026-12-01T15:29:00Z")), None);
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            due_day(&shop(), closing, ms("2026-12-01T15:30:00Z")),
            Some(day)
        );
        // 19:00 UTC is 00:30 the next day in India: that day's summary is not due yet.
        assert_eq!(due_day(&shop(), closing, ms("2026-12-01T19:00:00Z")), None);
    }

    #[test]
    fn the_summary_says_each_figure() {
        let f = DayFigures {
            orders: 12,
            cancelled: 1,
            totals_minor: 456_000,
            cash_orders: 3,
            cash_minor: 120_000,
            open: 4,
        };
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let taken = crate::payments::drawer::Line {
            cash: Money::from_minor(300_000),
            upi: Money::from_minor(100_000),
            refunds: Money::from_minor(20_000),
            ..Default::default()
        };
        let text = text(&shop(), day, &f, &taken, &[], Some(65_000));
        for part in [
            "Sharma Sweets: the day in brief, Tue 01 Dec 2026",
            "Orders: 12 (1 cancelled)",
            "Takings: ₹3,800.00 (cash ₹3,000.00, UPI ₹1,000.00, Razorpay ₹0.00, refunds ₹200.00)",
            "Cash to collect: ₹1,200.00 on 3 unpaid cash orders",
            "Orders still open: 4",
            "Low stock: none",
            "Average reply time: 1 min 5 s",
        ] {
            assert!(text.contains(part), "{part:?} missing from {text}");
        }
    }
}
