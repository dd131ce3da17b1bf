//! What the WhatsApp bridge keeps only for a while: the raw body of each webhook (the messages
//! and delivery reports read from it are kept for good) and the outbox row of a message sent
//! (its text and status stay in the chat). Kept for ever, both grow with every message and
//! delivery report for as long as the shop runs, and every backup carries them.

use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::watch;

use crate::db::{now, Db};
use crate::error::AppResult;

/// How long both are kept. A delivery report saying a sent message failed comes within
/// WhatsApp's 30 days of trying to deliver it, and *Send again* needs the outbox row until then.
pub const KEEP_DAYS: i64 = 30;

/// How often the server looks for what has outlived [`KEEP_DAYS`]; a look with nothing to do
/// is a few dozen lookups by id.
pub const EVERY: Duration = Duration::from_secs(3600);

/// Rows changed per transaction, so webhooks never wait long on a tidy.
const CHUNK: i64 = 500;

/// What one tidy did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tidied {
    /// Raw webhook bodies emptied.
    pub payloads: usize,
    /// Outbox rows of sent messages removed.
    pub sent: usize,
}

/// Tidies every [`EVERY`] until `stopping` turns true, the first an [`EVERY`] after start (a
/// start is not slowed by it). A failure is logged and tried again next time.
pub async fn run(db: Db, mut stopping: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            _ = stopping.changed() => return,
        }
        let cutoff = now() - KEEP_DAYS * 86_400;
        let mut total = Tidied::default();
        loop {
            let step = db.write(move |tx| tidy_some(tx, cutoff)).await;
            match step {
                Ok(t) if t == Tidied::default() => break,
                Ok(t) => {
                    total.payloads += t.payloads;
                    total.sent += t.sent;
                    // Webhooks and answers get the database between chunks.
                    tokio::task::yield_now().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e.detail(), "could not tidy old webhooks");
                    break;
                }
            }
        }
        if total != Tidied::default() {
            tracing::info!(
                payloads = total.payloads,
                sent = total.sent,
                "old webhook bodies and sent outbox rows tidied"
            );
        }
    }
}

/// Everything older than `cutoff` (Unix seconds), a chunk at a time.
pub fn tidy(conn: &Connection, cutoff: i64) -> AppResult<Tidied> {
    let mut total = Tidied::default();
    loop {
        let t = tidy_some(conn, cutoff)?;
        if t == Tidied::default() {
            return Ok(total);
        }
        total.payloads += t.payloads;
        total.sent += t.sent;
    }
}

/// Up to a chunk of each: raw bodies received before `cutoff` emptied, and outbox rows of
/// messages sent before it removed.
pub fn tidy_some(conn: &Connection, cutoff: i64) -> AppResult<Tidied> {
    Ok(Tidied {
        payloads: empty_payloads(conn, cutoff)?,
        sent: drop_sent(conn, cutoff)?,
    })
}

/// Bodies are emptied, not their rows removed: a message names the payload it came in, and
/// the emptied row is a few bytes. They are emptied in id order, so the emptied ones are the
/// first ids and the ones to keep the last; both edges are found by lookups by id, never by
/// reading the table.
fn empty_payloads(conn: &Connection, cutoff: i64) -> AppResult<usize> {
    let Some(from) = first_where(conn, "inbound_payloads", "body <> ''")? else {
        return Ok(0);
    };
    let until = first_where(
        conn,
        "inbound_payloads",
        &format!("received_at >= {cutoff}"),
    )?;
    let end = until.unwrap_or(i64::MAX).min(from.saturating_add(CHUNK));
    let n = conn.execute(
        "UPDATE inbound_payloads SET body = '' WHERE id >= ?1 AND id < ?2 AND body <> ''",
        params![from, end],
    )?;
    Ok(n)
}

/// Removes sent messages' outbox rows made and last changed before `cutoff`. Failed and
/// waiting ones stay whatever their age: they are shown to be sent again.
fn drop_sent(conn: &Connection, cutoff: i64) -> AppResult<usize> {
    let until = first_where(conn, "outbox", &format!("created_at >= {cutoff}"))?;
    let n = conn.execute(
        "DELETE FROM outbox WHERE id IN (
             SELECT id FROM outbox WHERE id < ?1 AND state = 'sent' AND updated_at < ?2
             ORDER BY id LIMIT ?3)",
        params![until.unwrap_or(i64::MAX), cutoff, CHUNK],
    )?;
    Ok(n)
}

/// The first row id of `table` for which `holds` is true, where it is false for every row
/// before that one and true for every row after (ids grow with time): a binary search over
/// ids, each step one lookup. `None` when it holds of no row.
fn first_where(conn: &Connection, table: &str, holds: &str) -> AppResult<Option<i64>> {
    let at = format!("SELECT id, ({holds}) FROM {table} WHERE id >= ?1 ORDER BY id LIMIT 1");
    // Not cached: the cutoff is in the text, and a tidy runs once an hour.
    let mut stmt = conn.prepare(&at)?;
    // The first row at or after `x`, and whether it holds.
    let mut row_at = |x: i64| -> AppResult<Option<(i64, bool)>> {
        Ok(stmt
            .query_row([x], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    };
    let ends: (Option<i64>, Option<i64>) =
        conn.query_row(&format!("SELECT min(id), max(id) FROM {table}"), [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let (Some(mut lo), Some(mut hi)) = ends else {
        return Ok(None);
    };
    if !matches!(row_at(hi)?, Some((_, true))) {
        return Ok(None);
    }
    // The smallest x whose first row at or after it holds: true at `hi`, and once true for
    // an x, true for every larger one.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if matches!(row_at(mid)?, Some((_, true))) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(row_at(lo)?.map(|(id, _)| id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whatsapp::outbox::{self, Content, Retry};

    const DAY: i64 = 86_400;
    const ASHA: &str = "919812345678";

    fn count(db: &Db, sql: &str) -> i64 {
        db.with_conn(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .unwrap()
    }

    /// `n` raw webhooks received at `at`, the first of them the payload of a message.
    fn received(db: &Db, b: i64, n: usize, at: i64) {
        db.with_tx(|tx| {
            for i in 0..n {
                tx.execute(
                    "INSERT INTO inbound_payloads (business_id, provider, body, received_at)
                     VALUES (?1, 'cloud', '{\"entry\":[]}', ?2)",
                    params![b, at],
                )?;
                if i == 0 {
                    tx.execute(
                        "INSERT INTO messages (business_id, phone, direction, type, text, provider,
                                               payload_id, status, handled, seen, created_at, updated_at)
                         VALUES (?1, ?2, 'in', 'text', 'hello', 'cloud', ?3, 'received', 1, 1, ?4, ?4)",
                        params![b, ASHA, tx.last_insert_rowid(), at],
                    )?;
                }
            }
            Ok::<_, crate::error::AppError>(())
        })
        .unwrap();
    }

    /// A reply queued, then left in `state`, made at `made` and last changed at `changed`.
    fn reply(db: &Db, b: i64, state: &str, made: i64, changed: i64) -> i64 {
        db.with_tx(|tx| {
            let id = outbox::enqueue(tx, b, ASHA, &Content::text("hi"), "cloud")?;
            tx.execute(
                "UPDATE outbox SET state = ?2, created_at = ?3, updated_at = ?4 WHERE message_id = ?1",
                params![id, state, made, changed],
            )?;
            let status = if state == "pending" { "queued" } else { state };
            tx.execute("UPDATE messages SET status = ?2 WHERE id = ?1", params![id, status])?;
            Ok::<_, crate::error::AppError>(id)
        })
        .unwrap()
    }

    #[test]
    fn old_bodies_are_emptied_in_chunks_and_their_messages_kept() {
        let (_dir, db, b) = crate::accounts::test_shop();
        let t = now();
        received(&db, b, 1_200, t - 40 * DAY);
        received(&db, b, 3, t - DAY);
        let cutoff = t - KEEP_DAYS * DAY;
        let done = db.with_conn(|c| tidy(c, cutoff)).unwrap();
        assert_eq!(done.payloads, 1_200);
        assert_eq!(
            count(&db, "SELECT count(*) FROM inbound_payloads WHERE body = ''"),
            1_200
        );
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM inbound_payloads WHERE body <> '' AND received_at > 0"
            ),
            3,
            "the last month's are kept"
        );
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM messages WHERE text = 'hello' AND payload_id IS NOT NULL"
            ),
            2,
            "the messages read from them stay"
        );
        assert_eq!(
            db.with_conn(|c| tidy(c, cutoff)).unwrap(),
            Tidied::default()
        );
    }

    #[test]
    fn only_old_sent_replies_leave_the_outbox() {
        let (_dir, db, b) = crate::accounts::test_shop();
        let (t, old) = (now(), now() - 40 * DAY);
        reply(&db, b, "sent", old, old);
        let failed = reply(&db, b, "failed", old, old);
        reply(&db, b, "pending", old, old);
        let late = reply(&db, b, "sent", old, t - DAY);
        let recent = reply(&db, b, "sent", t - DAY, t - DAY);
        let done = db.with_conn(|c| tidy(c, t - KEEP_DAYS * DAY)).unwrap();
        assert_eq!(done.sent, 1);
        let left: Vec<i64> = db
            .with_conn(|c| {
                let mut s = c.prepare("SELECT message_id FROM outbox ORDER BY id")?;
                let ids = s.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
                Ok(ids)
            })
            .unwrap();
        assert_eq!(left, [failed, failed + 1, late, recent]);
        assert_eq!(
            count(&db, "SELECT count(*) FROM messages WHERE direction = 'out'"),
            5,
            "every reply stays in the chat"
        );
        let again = db.with_tx(|tx| outbox::retry(tx, b, ASHA, failed)).unwrap();
        assert_eq!(again, Retry::Queued, "a failed one can still be sent again");
    }

    #[test]
    fn the_edge_is_found_across_gaps_in_the_ids() {
        let (_dir, db, b) = crate::accounts::test_shop();
        let t = now();
        received(&db, b, 50, t - 40 * DAY);
        received(&db, b, 50, t);
        db.with_tx(|tx| {
            // Rows 20-70 gone: the first recent one is row 71.
            tx.execute("DELETE FROM messages", [])?;
            Ok::<_, crate::error::AppError>(tx.execute(
                "DELETE FROM inbound_payloads WHERE id BETWEEN 20 AND 70",
                [],
            )?)
        })
        .unwrap();
        let edge = |holds: &str| {
            db.with_conn(|c| first_where(c, "inbound_payloads", holds))
                .unwrap()
        };
        assert_eq!(edge(&format!("received_at >= {t}")), Some(71));
        assert_eq!(edge("body <> ''"), Some(1));
        assert_eq!(edge("received_at > 0"), Some(1));
        assert_eq!(edge("received_at < 0"), None);
    }
}
