//! What Novi tells the owner by itself, on WhatsApp through the outbox: a product's stock
//! crossing its low-stock level (`low_stock`), and the daily summary at closing time
//! (`summary`). One task in `serve` checks both every few seconds by the bridge's clock.

pub mod low_stock;
pub mod settings;
pub mod summary;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::accounts::businesses;
use crate::db::Db;
use crate::error::AppResult;
use crate::whatsapp::Bridge;

/// How often the task looks for alerts to tell and summaries due. A low-stock message within
/// seconds is soon enough; the check is two small indexed reads when nothing is due.
const EVERY_MS: i64 = 2_000;

/// The alert task's progress, for tests: the clock time (Unix ms) of its last finished pass.
#[derive(Clone)]
pub struct Alerts {
    passed: Arc<watch::Sender<i64>>,
}

impl Alerts {
    pub fn new() -> Self {
        Self {
            passed: Arc::new(watch::Sender::new(i64::MIN)),
        }
    }

    /// Waits until a pass that began at clock time `at_ms` or later has finished; false if
    /// none did within `limit`.
    pub async fn passed(&self, at_ms: i64, limit: Duration) -> bool {
        let mut rx = self.passed.subscribe();
        tokio::time::timeout(limit, rx.wait_for(|t| *t >= at_ms))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

impl Default for Alerts {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs until `stopping` turns true: each pass tells waiting low-stock alerts and sends the
/// summaries due, then sleeps on the bridge's clock (which tests move ahead).
pub async fn run(db: Db, bridge: Bridge, alerts: Alerts, mut stopping: watch::Receiver<bool>) {
    loop {
        let now_ms = bridge.clock.now_ms();
        match pass(&db, now_ms).await {
            Ok(0) => {}
            Ok(_) => bridge.wake_sender(),
            Err(e) => tracing::error!(error = %e, "owner alerts failed; trying again"),
        }
        alerts.passed.send_replace(now_ms);
        tokio::select! {
            () = bridge.clock.sleep_until(now_ms + EVERY_MS) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
    }
}

/// One pass: what is due found by reading, then written in one transaction only if there is
/// something to do. Returns how many messages were queued.
async fn pass(db: &Db, now_ms: i64) -> AppResult<usize> {
    let work = db.read(move |c| due_work(c, now_ms)).await?;
    if work.is_empty() {
        return Ok(0);
    }
    db.write(move |tx| do_work(tx, &work)).await
}

/// What one pass has to do, found by reading only.
#[derive(Debug, Default)]
struct Work {
    low_stock: bool,
    /// Businesses and the day whose summary is due and not yet sent.
    summaries: Vec<(i64, chrono::NaiveDate)>,
}

impl Work {
    fn is_empty(&self) -> bool {
        !self.low_stock && self.summaries.is_empty()
    }
}

fn due_work(conn: &rusqlite::Connection, now_ms: i64) -> AppResult<Work> {
    let mut work = Work {
        low_stock: low_stock::any_waiting(conn)?,
        summaries: Vec::new(),
    };
    for (id, closing) in settings::with_closing_time(conn)? {
        let Some(b) = businesses::by_id(conn, id)? else {
            continue;
        };
        if let Some(day) = summary::due_day(&b, closing, now_ms) {
            if !summary::sent(conn, id, day)? {
                work.summaries.push((id, day));
            }
        }
    }
    Ok(work)
}

/// Queues the messages; returns how many. The summary's row is claimed in this transaction,
/// so a pass racing another (or a restart) never sends a day twice.
fn do_work(conn: &rusqlite::Connection, work: &Work) -> AppResult<usize> {
    let mut queued = if work.low_stock {
        low_stock::notify(conn)?
    } else {
        0
    };
    for (id, day) in &work.summaries {
        if let Some(b) = businesses::by_id(conn, *id)? {
            queued += usize::from(summary::send(conn, &b, *day)?);
        }
    }
    Ok(queued)
}
