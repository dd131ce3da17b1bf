//! Response times: per order (first message → first reply → confirmation → each status) and
//! reply-time averages per business per day.

use rusqlite::{params, Connection};

use crate::error::AppResult;
use crate::whatsapp::outbox::now_ms;

/// Stamps a WhatsApp order with when the conversation began, was first answered, and confirmed.
pub fn record(
    conn: &Connection,
    order_id: i64,
    first_message_ms: i64,
    first_reply_ms: Option<i64>,
) -> AppResult<()> {
    conn.execute(
        "UPDATE orders SET first_message_ms = ?2, first_reply_ms = ?3, confirmed_ms = ?4 WHERE id = ?1",
        params![order_id, first_message_ms, first_reply_ms, now_ms()],
    )?;
    Ok(())
}

const TODAY: &str = "date(?2, 'unixepoch', (SELECT utc_offset_minutes FROM businesses WHERE id = ?1) || ' minutes')";

pub fn count_order(conn: &Connection, business_id: i64) -> AppResult<()> {
    let sql = format!(
        "INSERT INTO bot_metrics (business_id, day, orders) VALUES (?1, {TODAY}, 1)
         ON CONFLICT (business_id, day) DO UPDATE SET orders = orders + 1"
    );
    conn.execute(&sql, params![business_id, crate::db::now()])?;
    Ok(())
}

/// Adds one reply to the day's reply-time average.
pub fn count_reply(conn: &Connection, business_id: i64, waited_ms: i64) -> AppResult<()> {
    let sql = format!(
        "INSERT INTO bot_metrics (business_id, day, reply_ms_total, replies) VALUES (?1, {TODAY}, ?3, 1)
         ON CONFLICT (business_id, day) DO UPDATE SET reply_ms_total = reply_ms_total + ?3, replies = replies + 1"
    );
    conn.execute(
        &sql,
        params![business_id, crate::db::now(), waited_ms.max(0)],
    )?;
    Ok(())
}

/// An order's response times, for its page.
#[derive(Debug, Clone, Default)]
pub struct OrderTimes {
    pub first_message_ms: Option<i64>,
    pub first_reply_ms: Option<i64>,
    pub confirmed_ms: Option<i64>,
}

pub fn order_times(conn: &Connection, order_id: i64) -> AppResult<OrderTimes> {
    Ok(conn.query_row(
        "SELECT first_message_ms, first_reply_ms, confirmed_ms FROM orders WHERE id = ?1",
        [order_id],
        |r| {
            Ok(OrderTimes {
                first_message_ms: r.get(0)?,
                first_reply_ms: r.get(1)?,
                confirmed_ms: r.get(2)?,
            })
        },
    )?)
}

/// "0.4 s", "2 min 5 s", "1 h 3 min".
pub fn human(ms: i64) -> String {
    let ms = ms.max(0);
    match ms {
        0..=59_999 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
        _ => format!("{} h {} min", ms / 3_600_000, (ms % 3_600_000) / 60_000),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::human(420), "0.4 s");
        assert_eq!(super::human(125_000), "2 min 5 s");
        assert_eq!(super::human(3_780_000), "1 h 3 min");
    }
}
