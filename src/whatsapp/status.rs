//! Each business's bot as the platform console shows it: provider, whether it is connected,
//! the last message in and the last one sent, what waits to be sent, and sends given up on
//! today. Reads `messages`, `outbox`, `whatsapp_configs` and `linked_sessions` by index, the
//! waiting count the outbox's triggers keep and the last time in the day's counts keep, so no
//! figure grows with the book.

use rusqlite::{params, Connection, OptionalExtension};

use super::link::Links;
use super::linked::state::{self as linked_state, State};
use super::metrics::LAST_IN;
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

/// The newest message sent, from `messages_sent_by_business` (named, since the planner would
/// otherwise take the shop's messages by direction), so replies that never went (a link down
/// for days) are not walked past. Its condition is the index's, word for word, as SQLite
/// requires to read a partial index.
pub(crate) const LAST_SENT: &str =
    "SELECT created_at FROM messages INDEXED BY messages_sent_by_business
     WHERE business_id = ?1 AND direction = 'out'
       AND (status = 'sent' OR status = 'delivered' OR status = 'read')
     ORDER BY id DESC LIMIT 1";

/// What waits to be sent, as the outbox's triggers keep it (`outbox_waiting`).
pub(crate) const BACKLOG: &str =
    "SELECT IFNULL((SELECT n FROM outbox_waiting WHERE business_id = ?1), 0)";

/// Sends given up on since a moment, from the partial index of failed rows.
pub(crate) const FAILURES_SINCE: &str = "SELECT COUNT(*) FROM outbox
     WHERE business_id = ?1 AND state = 'failed' AND updated_at >= ?2";

/// The bot of `business_id`; `day_start` is when the shop's day began (Unix seconds).
pub fn of(
    conn: &Connection,
    links: &Links,
    business_id: i64,
    day_start: i64,
) -> AppResult<BotStatus> {
    let c = settings::load(conn, business_id)?;
    let (connected, connection) = connection(conn, links, business_id, &c)?;
    let at = |sql: &str| -> AppResult<Option<i64>> {
        Ok(conn
            .prepare_cached(sql)?
            .query_row([business_id], |r| r.get(0))
            .optional()?)
    };
    let backlog = conn
        .prepare_cached(BACKLOG)?
        .query_row([business_id], |r| r.get(0))?;
    let failures_today = conn
        .prepare_cached(FAILURES_SINCE)?
        .query_row(params![business_id, day_start], |r| r.get(0))?;
    Ok(BotStatus {
        provider: c.provider,
        connection,
        connected,
        last_in: at(LAST_IN)?,
        last_sent: at(LAST_SENT)?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::now;
    use crate::db::Db;
    use crate::error::AppError;
    use crate::whatsapp::inbound::Inbound;
    use crate::whatsapp::outbox::{self, Content};
    use crate::whatsapp::store;

    const ASHA: &str = "919812345678";

    fn status(db: &Db, business_id: i64) -> BotStatus {
        db.with_conn(|c| of(c, &Links::new(), business_id, 0))
            .unwrap()
    }

    /// Queues a reply stamped `at` and returns its message id.
    fn reply(db: &Db, business_id: i64, at: i64) -> i64 {
        db.with_tx(|tx| {
            let id = outbox::enqueue(tx, business_id, ASHA, &Content::text("ok"), "simulator")?;
            tx.execute(
                "UPDATE messages SET created_at = ?2 WHERE id = ?1",
                [id, at],
            )?;
            Ok::<_, AppError>(id)
        })
        .unwrap()
    }

    /// Sends the oldest reply waiting, as WhatsApp's id `wamid` says it went.
    fn send_oldest(db: &Db, wamid: &str) {
        db.with_tx(|tx| {
            let due = outbox::due(tx, outbox::now_ms(), 10)?.remove(0);
            assert!(outbox::claim(tx, due.id)?);
            outbox::sent(tx, &due, wamid)
        })
        .unwrap();
    }

    /// "Last sent" is the newest message that went, not the newest one queued, and what waits
    /// is counted per shop.
    #[test]
    fn last_sent_passes_over_replies_that_never_went() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let shop = crate::accounts::create_business(&db, "Shop", "shop")
            .unwrap()
            .id;
        let other = crate::accounts::create_business(&db, "Other", "other")
            .unwrap()
            .id;
        assert_eq!(status(&db, shop).last_sent, None);
        reply(&db, shop, 1_000);
        send_oldest(&db, "wamid.1");
        for at in [2_000, 3_000, 4_000] {
            reply(&db, shop, at);
        }
        reply(&db, other, 5_000);
        let s = status(&db, shop);
        assert_eq!((s.last_sent, s.backlog), (Some(1_000), 3));
        let s = status(&db, other);
        assert_eq!((s.last_sent, s.backlog), (None, 1));
    }

    /// A message from Asha to `business_id` as a webhook carries it, `id` its provider id.
    fn says(db: &Db, business_id: i64, id: &str) {
        let inbound = Inbound::text(business_id, ASHA, id, "hi");
        db.with_tx(|tx| store::store_inbound(tx, &inbound)).unwrap();
    }

    fn sql(db: &Db, sql: &str) {
        db.with_conn(|c| Ok::<_, AppError>(c.execute_batch(sql)?))
            .unwrap();
    }

    /// "Last message in" is when the shop's newest message came. A delivery retried, a reply
    /// sent and another shop's message leave it be, and a day with no message in yet (only a
    /// reply sent) does not hide the day before's.
    #[test]
    fn last_in_is_when_the_newest_message_came() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let (shop, other) = db
            .with_tx(|tx| {
                let shop = crate::accounts::businesses::insert(tx, "Shop", "shop")?.id;
                let other = crate::accounts::businesses::insert(tx, "Other", "other")?.id;
                Ok::<_, AppError>((shop, other))
            })
            .unwrap();
        assert_eq!(status(&db, shop).last_in, None);
        let before = now();
        says(&db, shop, "wamid.1");
        let came = status(&db, shop).last_in.expect("a message came");
        assert!((before..=now()).contains(&came), "{came}");

        // The shop's day before, as far as its message in goes.
        sql(
            &db,
            "UPDATE bot_metrics SET day = '2020-01-01', last_in_at = 1000",
        );
        says(&db, shop, "wamid.1");
        says(&db, other, "wamid.2");
        reply(&db, shop, 5_000);
        send_oldest(&db, "wamid.3");
        assert_eq!(status(&db, shop).last_in, Some(1000));
        assert!(status(&db, other).last_in.is_some());

        let before = now();
        says(&db, shop, "wamid.4");
        let came = status(&db, shop).last_in.expect("a message came");
        assert!((before..=now()).contains(&came), "{came}");
    }

    /// A book from before V34 keeps each shop's last message in, on the day of the shop's
    /// clock it came, beside that day's counts; the index it was read from is gone.
    #[test]
    fn an_upgraded_book_keeps_its_last_message_in() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::as_of(dir.path(), 33);
        // 1,700,000,000 is 2023-11-14 22:13 UTC, 2023-11-15 03:43 in India.
        sql(
            &db,
            "INSERT INTO businesses (id, short_code, name, utc_offset_minutes, created_at)
                 VALUES (1, 'one', 'One', 330, 1), (2, 'two', 'Two', 0, 1), (3, 'three', 'Three', 0, 1);
             INSERT INTO messages (business_id, phone, direction, type, text, provider, status,
                                   created_at, updated_at)
                 VALUES (1, 'a', 'in', 'text', 'hi', 'cloud', 'received', 1600000000, 1),
                        (1, 'a', 'in', 'text', 'hi', 'cloud', 'received', 1700000000, 1),
                        (1, 'a', 'out', 'text', 'ok', 'cloud', 'sent', 1700000100, 1),
                        (2, 'b', 'out', 'text', 'ok', 'cloud', 'sent', 1700000000, 1),
                        (3, 'c', 'in', 'text', 'hi', 'cloud', 'received', 1700000000, 1);
             INSERT INTO bot_metrics (business_id, day, messages_in, messages_out)
                 VALUES (1, '2023-11-15', 1, 1), (3, '2023-11-10', 4, 0);",
        );
        db.upgrade_with("V34__last_in_kept");
        type Row = (i64, String, i64, i64, Option<i64>);
        let kept: Vec<Row> = db
            .with_conn(|c| {
                let mut s = c.prepare(
                    "SELECT business_id, day, messages_in, messages_out, last_in_at
                     FROM bot_metrics ORDER BY business_id, day",
                )?;
                let rows = s.query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?;
                Ok::<_, AppError>(rows.collect::<Result<_, _>>()?)
            })
            .unwrap();
        let row = |b, day: &str, i, o, at| (b, day.to_owned(), i, o, at);
        assert_eq!(
            kept,
            [
                row(1, "2023-11-15", 1, 1, Some(1_700_000_000)),
                row(3, "2023-11-10", 4, 0, None),
                row(3, "2023-11-14", 0, 0, Some(1_700_000_000)),
            ]
        );
        assert_eq!(status(&db, 1).last_in, Some(1_700_000_000));
        assert_eq!(status(&db, 2).last_in, None);
        let index: i64 = db
            .with_conn(|c| {
                Ok::<_, AppError>(c.query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages_business_direction'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(index, 0);
    }

    /// Each figure is read from an index or a kept count: none walks the shop's messages or
    /// its outbox row by row.
    #[test]
    fn every_figure_is_read_by_index() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        for (sql, index, args) in [
            (LAST_IN, "sqlite_autoindex_bot_metrics_1", &[1][..]),
            (LAST_SENT, "messages_sent_by_business", &[1]),
            (BACKLOG, "outbox_waiting", &[1]),
            (FAILURES_SINCE, "outbox_failed", &[1, 0]),
        ] {
            let plan = db
                .with_conn(|c| {
                    let args = rusqlite::params_from_iter(args);
                    Ok::<_, AppError>(crate::db::query_plan(c, sql, args))
                })
                .unwrap();
            let scans = plan
                .lines()
                .any(|l| l.contains("SCAN") && !l.ends_with("SCAN CONSTANT ROW"));
            assert!(plan.contains(index) && !scans, "{sql}\n{plan}");
        }
    }
}
