//! The `bot_metrics` table: per business per shop-local day, WhatsApp messages in and out,
//! orders the bot took and its reply times, for the dashboard.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::now;
use crate::error::AppResult;

pub enum Counter {
    In,
    Out,
}

/// Counts a message in or out for the business's current (shop-local) day.
pub fn bump(conn: &Connection, business_id: i64, counter: Counter) -> AppResult<()> {
    bump_by(conn, business_id, counter, 1)
}

pub(super) fn bump_by(
    conn: &Connection,
    business_id: i64,
    counter: Counter,
    n: usize,
) -> AppResult<()> {
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

/// The shop-local day of `?2` (unix seconds) for business `?1`, as SQL. A macro so the
/// statements below are constant strings, prepared once per connection and then reused.
macro_rules! today {
    () => {
        "date(?2, 'unixepoch', (SELECT utc_offset_minutes FROM businesses WHERE id = ?1) || ' minutes')"
    };
}

pub fn count_order(conn: &Connection, business_id: i64) -> AppResult<()> {
    conn.prepare_cached(concat!(
        "INSERT INTO bot_metrics (business_id, day, orders) VALUES (?1, ",
        today!(),
        ", 1) ON CONFLICT (business_id, day) DO UPDATE SET orders = orders + 1"
    ))?
    .execute(params![business_id, now()])?;
    Ok(())
}

/// Adds one reply to the day's reply-time average.
pub fn count_reply(conn: &Connection, business_id: i64, waited_ms: i64) -> AppResult<()> {
    conn.prepare_cached(concat!(
        "INSERT INTO bot_metrics (business_id, day, reply_ms_total, replies) VALUES (?1, ",
        today!(),
        ", ?3, 1) ON CONFLICT (business_id, day) DO UPDATE SET reply_ms_total = reply_ms_total + ?3, replies = replies + 1"
    ))?
    .execute(params![business_id, now(), waited_ms.max(0)])?;
    Ok(())
}
