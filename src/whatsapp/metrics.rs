//! The `bot_metrics` table: per business per shop-local day, WhatsApp messages in and out,
//! orders the bot took, its reply times, and how long the server ran and WhatsApp was connected;
//! and `bot_reply_times`, how many replies of each day took each time, for the dashboard's median
//! and p90.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::now;
use crate::error::AppResult;

/// Counts a message sent for the business's current (shop-local) day.
pub fn count_out(conn: &Connection, business_id: i64) -> AppResult<()> {
    conn.prepare_cached(
        "INSERT INTO bot_metrics (business_id, day, messages_out)
         SELECT id, date(?2, 'unixepoch', (utc_offset_minutes || ' minutes')), 1 FROM businesses WHERE id = ?1
         ON CONFLICT (business_id, day) DO UPDATE SET messages_out = messages_out + 1",
    )?
    .execute(params![business_id, now()])?;
    Ok(())
}

/// Counts `n` messages received by the business today, and keeps when they came in: the
/// platform console's "last message in" ([`LAST_IN`]). The row is written for the count anyway,
/// so keeping the time costs nothing, where an index of messages by direction cost every
/// message in and out a page.
pub(super) fn count_in(conn: &Connection, business_id: i64, n: usize) -> AppResult<()> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "INSERT INTO bot_metrics (business_id, day, messages_in, last_in_at)
         SELECT id, date(?2, 'unixepoch', (utc_offset_minutes || ' minutes')), ?3, ?2 FROM businesses WHERE id = ?1
         ON CONFLICT (business_id, day) DO UPDATE SET messages_in = messages_in + ?3, last_in_at = ?2",
    )?
    .execute(params![business_id, now(), n])?;
    Ok(())
}

/// When the business's newest message came in (Unix seconds): the newest day that had one, by
/// the primary key, so it reads a row or two however long the shop has run.
pub const LAST_IN: &str = "SELECT last_in_at FROM bot_metrics
     WHERE business_id = ?1 AND last_in_at IS NOT NULL ORDER BY day DESC LIMIT 1";

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

/// A reply time as `bot_reply_times` keeps it: to 10 ms under a minute, to the second under an
/// hour, to the minute beyond. Finer than the dashboard shows it, and it bounds a day's distinct
/// times to some thousands however many replies it held (migration V29 rounds alike).
pub fn kept_ms(waited_ms: i64) -> i64 {
    let round = |ms: i64, to: i64| (ms + to / 2) / to * to;
    match waited_ms.max(0) {
        ms @ 0..60_000 => round(ms, 10),
        ms @ 60_000..3_600_000 => round(ms, 1000),
        ms => round(ms.min(i64::MAX / 2), 60_000),
    }
}

/// Counts a reply sent at `at` (Unix seconds) that took `waited_ms`, on that day of the shop's
/// clock, for the median and p90.
pub fn count_reply_time(
    conn: &Connection,
    business_id: i64,
    at: i64,
    waited_ms: i64,
) -> AppResult<()> {
    count_reply_times(conn, business_id, at, kept_ms(waited_ms), 1)
}

/// Counts `n` replies sent at `at` that each took `kept_ms`, already as [`kept_ms`] keeps it.
fn count_reply_times(
    conn: &Connection,
    business_id: i64,
    at: i64,
    kept_ms: i64,
    n: i64,
) -> AppResult<()> {
    conn.prepare_cached(concat!(
        "INSERT INTO bot_reply_times (business_id, day, waited_ms, n) VALUES (?1, ",
        today!(),
        ", ?3, ?4) ON CONFLICT (business_id, day, waited_ms) DO UPDATE SET n = n + excluded.n"
    ))?
    .execute(params![business_id, at, kept_ms, n])?;
    Ok(())
}

/// Replies counted over a batch of answers and written together: per shop, the day's average
/// once and each distinct reply time once. Counted reply by reply, that was two statements a
/// reply; a batch's replies mostly share a shop and a time to 10 ms.
#[derive(Debug, Default)]
pub struct Replies(Vec<ShopReplies>);

#[derive(Debug)]
struct ShopReplies {
    business_id: i64,
    total_ms: i64,
    n: i64,
    /// Reply times as kept, and how many replies took each.
    times: Vec<(i64, i64)>,
}

impl Replies {
    /// Counts a reply of shop `business_id` that took `waited_ms`.
    pub fn add(&mut self, business_id: i64, waited_ms: i64) {
        let waited_ms = waited_ms.max(0);
        let at = match self.0.iter().position(|s| s.business_id == business_id) {
            Some(i) => i,
            None => {
                self.0.push(ShopReplies {
                    business_id,
                    total_ms: 0,
                    n: 0,
                    times: Vec::new(),
                });
                self.0.len() - 1
            }
        };
        let shop = &mut self.0[at];
        shop.total_ms = shop.total_ms.saturating_add(waited_ms);
        shop.n += 1;
        let kept = kept_ms(waited_ms);
        match shop.times.iter_mut().find(|(t, _)| *t == kept) {
            Some((_, n)) => *n += 1,
            None => shop.times.push((kept, 1)),
        }
    }

    /// Writes what was counted, all of it on the shop's day now: one moment for both tables, so
    /// replies counted at midnight fall on one day in both.
    pub fn write(&self, conn: &Connection) -> AppResult<()> {
        let at = now();
        for shop in &self.0 {
            for &(kept, n) in &shop.times {
                count_reply_times(conn, shop.business_id, at, kept, n)?;
            }
            conn.prepare_cached(concat!(
                "INSERT INTO bot_metrics (business_id, day, reply_ms_total, replies) VALUES (?1, ",
                today!(),
                ", ?3, ?4) ON CONFLICT (business_id, day) DO UPDATE
                 SET reply_ms_total = reply_ms_total + excluded.reply_ms_total,
                     replies = replies + excluded.replies"
            ))?
            .execute(params![shop.business_id, at, shop.total_ms, shop.n])?;
        }
        Ok(())
    }
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

/// What [`reply_times`] runs (a plan test holds it to the primary key).
pub const REPLY_TIMES: &str = "SELECT waited_ms, n FROM bot_reply_times
     WHERE business_id = ?1 AND day = ?2 ORDER BY waited_ms";

/// The reply times of `day` (`YYYY-MM-DD` on the shop's clock) as (time in ms, replies that
/// took it), shortest first; read by the primary key alone.
pub fn reply_times(conn: &Connection, business_id: i64, day: &str) -> AppResult<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(REPLY_TIMES)?;
    let rows = stmt.query_map(params![business_id, day], |r| Ok((r.get(0)?, r.get(1)?)))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::businesses;
    use crate::db::Db;
    use rusqlite::params;

    /// One reply counted alone, as a batch of one writes it.
    fn count_reply(conn: &Connection, business_id: i64, waited_ms: i64) -> AppResult<()> {
        let mut replies = Replies::default();
        replies.add(business_id, waited_ms);
        replies.write(conn)
    }

    #[test]
    fn reply_times_are_kept_finer_than_the_dashboard_shows_them() {
        let cases = [
            (-5, 0),
            (4, 0),
            (5, 10),
            (1234, 1230),
            (59_994, 59_990),
            (59_995, 60_000),
            (61_499, 61_000),
            (61_500, 62_000),
            (3_629_999, 3_600_000),
            (3_630_000, 3_660_000),
        ];
        for (ms, kept) in cases {
            assert_eq!(kept_ms(ms), kept, "{ms}");
        }
        assert_eq!(kept_ms(i64::MAX) % 60_000, 0);
    }

    #[test]
    fn replies_of_a_day_are_counted_by_time_and_the_mean_stays_exact() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let (b, day) = db
            .with_tx(|tx| {
                let b = businesses::insert(tx, "Sweets", "sweets")?;
                for ms in [1234, 1226, 4000, -3] {
                    count_reply(tx, b.id, ms)?;
                }
                let day: String = tx.query_row(
                    "SELECT day FROM bot_metrics WHERE business_id = ?1",
                    [b.id],
                    |r| r.get(0),
                )?;
                Ok::<_, crate::error::AppError>((b, day))
            })
            .unwrap();
        let (times, figures) = db
            .with_conn(|c| Ok((reply_times(c, b.id, &day)?, day_figures(c, b.id, &day)?)))
            .unwrap();
        assert_eq!(times, vec![(0, 1), (1230, 2), (4000, 1)]);
        // (1234 + 1226 + 4000 + 0) / 4, from the exact times.
        assert_eq!(figures.avg_reply_ms, Some(1615));
        assert!(db
            .with_conn(|c| reply_times(c, b.id, "2001-01-01"))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn replies_written_by_the_batch_count_as_replies_written_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let waits = [1234, 1226, 4000, -3, 1231, 61_499, 61_500];
        let (one, batched, day) = db
            .with_tx(|tx| {
                let one = businesses::insert(tx, "One by one", "one")?.id;
                let batched = businesses::insert(tx, "Batched", "batched")?.id;
                for ms in waits {
                    count_reply(tx, one, ms)?;
                }
                // Two batches, the second adding to the rows the first wrote, each with
                // another shop's reply among them.
                for part in [&waits[..3], &waits[3..]] {
                    let mut replies = Replies::default();
                    for &ms in part {
                        replies.add(batched, ms);
                        replies.add(one, 5);
                    }
                    replies.write(tx)?;
                    for _ in part {
                        count_reply(tx, one, -5)?;
                    }
                }
                let day: String =
                    tx.query_row("SELECT MAX(day) FROM bot_metrics", [], |r| r.get(0))?;
                Ok::<_, crate::error::AppError>((one, batched, day))
            })
            .unwrap();
        let figures = |b: i64| {
            db.with_conn(|c| Ok((reply_times(c, b, &day)?, day_figures(c, b, &day)?)))
                .unwrap()
        };
        let (times, day_of_batched) = figures(batched);
        assert_eq!(
            times,
            vec![(0, 1), (1230, 3), (4000, 1), (61_000, 1), (62_000, 1)]
        );
        assert_eq!(
            day_of_batched.avg_reply_ms,
            Some((1234 + 1226 + 4000 + 1231 + 61_499 + 61_500) / 7)
        );
        // The other shop: its own seven, its seven batched at 5 ms and seven at 0.
        let (times, day_of_one) = figures(one);
        assert_eq!(
            times,
            vec![
                (0, 8),
                (10, 7),
                (1230, 3),
                (4000, 1),
                (61_000, 1),
                (62_000, 1)
            ]
        );
        assert_eq!(
            day_of_one.avg_reply_ms,
            Some((1234 + 1226 + 4000 + 1231 + 61_499 + 61_500 + 7 * 5) / 21)
        );
    }

    /// Reply times one row each, as V16 to V28 kept them, for two shops on either side of UTC.
    const V28_REPLY_TIMES: &[i64] = &[
        0, 4, 5, 1234, 1226, 59_994, 59_995, 61_499, 61_500, 3_629_999, 3_630_000, 86_400_000,
    ];

    #[test]
    fn reply_times_kept_one_by_one_become_counts_on_each_shops_day() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::as_of(dir.path(), 28);
        db.with_conn(|c| {
            c.execute_batch(
                "INSERT INTO businesses (id, short_code, name, created_at, utc_offset_minutes)
                     VALUES (1, 'india', 'India', 1, 330), (2, 'peru', 'Peru', 1, -300);",
            )?;
            // 9 Mar 2026 18:40 UTC: 10 Mar 00:10 in India, 9 Mar 13:40 in Peru.
            for (i, ms) in V28_REPLY_TIMES.iter().enumerate() {
                let at_ms = 1_773_081_600_000 + i64::try_from(i).unwrap() * 1000;
                for shop in [1, 2] {
                    c.execute(
                        "INSERT INTO bot_replies (business_id, at_ms, waited_ms) VALUES (?1, ?2, ?3)",
                        params![shop, at_ms, ms],
                    )?;
                }
            }
            Ok(())
        })
        .unwrap();

        db.upgrade_with("V29__reply_time_counts");

        // Each shop's day holds every reply, each time kept as the running server keeps it.
        let mut expected: Vec<(i64, i64)> = Vec::new();
        for &ms in V28_REPLY_TIMES {
            let kept = kept_ms(ms);
            match expected.iter_mut().find(|(t, _)| *t == kept) {
                Some((_, n)) => *n += 1,
                None => expected.push((kept, 1)),
            }
        }
        expected.sort_unstable();
        db.with_conn(|c| {
            for (shop, day) in [(1, "2026-03-10"), (2, "2026-03-09")] {
                let counts = reply_times(c, shop, day)?;
                assert_eq!(counts, expected, "shop {shop} on {day}");
            }
            let left: i64 = c.query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'bot_replies'",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(left, 0, "the one-row-a-reply table is gone");
            Ok(())
        })
        .unwrap();
    }
}
