//! The `bot_metrics` table: per business per shop-local day, WhatsApp messages in and out,
//! orders the bot took, its reply times, and how long the server ran and WhatsApp was connected;
//! and `bot_replies`, each reply's time, for the dashboard's median and p90.

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

/// Adds one reply to the day's reply-time average, and keeps it for the median and p90.
pub fn count_reply(conn: &Connection, business_id: i64, waited_ms: i64) -> AppResult<()> {
    conn.prepare_cached(
        "INSERT INTO bot_replies (business_id, at_ms, waited_ms) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        business_id,
        super::outbox::now_ms(),
        waited_ms.max(0)
    ])?;
    conn.prepare_cached(concat!(
        "INSERT INTO bot_metrics (business_id, day, reply_ms_total, replies) VALUES (?1, ",
        today!(),
        ", ?3, 1) ON CONFLICT (business_id, day) DO UPDATE SET reply_ms_total = reply_ms_total + ?3, replies = replies + 1"
    ))?
    .execute(params![business_id, now(), waited_ms.max(0)])?;
    Ok(())
}

/// One day of the bot's history, as kept.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BotDay {
    /// `YYYY-MM-DD` on the shop's clock.
    pub day: String,
    pub messages_in: i64,
    pub messages_out: i64,
    pub orders: i64,
    pub avg_reply_ms: Option<i64>,
    /// Seconds of the day the server ran, and of those, seconds WhatsApp was connected.
    pub up_seconds: i64,
    pub linked_seconds: i64,
}

/// The kept days from `first` to `last` (`YYYY-MM-DD`, both included), oldest first; days
/// without a row are left out.
pub fn days(
    conn: &Connection,
    business_id: i64,
    first: &str,
    last: &str,
) -> AppResult<Vec<BotDay>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, messages_in, messages_out, orders, reply_ms_total, replies, up_seconds,
                linked_seconds
         FROM bot_metrics WHERE business_id = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day",
    )?;
    let rows = stmt.query_map(params![business_id, first, last], |r| {
        let (total, replies): (i64, i64) = (r.get(4)?, r.get(5)?);
        Ok(BotDay {
            day: r.get(0)?,
            messages_in: r.get(1)?,
            messages_out: r.get(2)?,
            orders: r.get(3)?,
            avg_reply_ms: (replies > 0).then(|| total / replies),
            up_seconds: r.get(6)?,
            linked_seconds: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Each reply's time (ms) among replies sent in `[from_ms, to_ms)`, read from the index alone.
pub fn reply_times(
    conn: &Connection,
    business_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> AppResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT waited_ms FROM bot_replies WHERE business_id = ?1 AND at_ms >= ?2 AND at_ms < ?3",
    )?;
    let rows = stmt.query_map(params![business_id, from_ms, to_ms], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Adds `seconds` of the server running to every business's current day, and as many seconds
/// connected to those in `connected`.
pub fn add_uptime(conn: &Connection, seconds: i64, connected: &[i64]) -> AppResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO bot_metrics (business_id, day, up_seconds, linked_seconds)
         SELECT id, date(?1, 'unixepoch', (utc_offset_minutes || ' minutes')), ?2,
                CASE WHEN id IN (SELECT value FROM json_each(?3)) THEN ?2 ELSE 0 END
         FROM businesses WHERE true
         ON CONFLICT (business_id, day) DO UPDATE SET up_seconds = up_seconds + excluded.up_seconds,
             linked_seconds = linked_seconds + excluded.linked_seconds",
    )?;
    let ids = serde_json::to_string(connected).unwrap_or_else(|_| "[]".into());
    stmt.execute(params![now(), seconds, ids])?;
    Ok(())
}
