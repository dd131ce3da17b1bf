//! Group commit for webhooks. Handlers hand what a webhook carried to one writer thread and
//! wait; the writer takes everything queued, stores it in one transaction (one fsync for many
//! webhooks under `synchronous=FULL`), then tells each handler it is safe to answer 200.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::{mpsc, oneshot, Notify};

use super::inbound::Inbound;
use super::store::{self, Stored};
use super::LiveEvents;
use crate::db::checkpoint::{self, Copier};
use crate::db::{settle, Db};
use crate::error::{AppError, AppResult};

/// Most webhooks committed together; bounds how long the first in a batch waits.
const MAX_BATCH: usize = 512;
/// Webhooks waiting for the writer before handlers wait for room (back-pressure).
const QUEUE: usize = 8192;
/// A batch this large means webhooks pour in faster than a shop's pace: the allocator keeps
/// freed pages for reuse until Novi goes quiet again (`settle::start_flood`).
const FLOOD_BATCH: usize = 16;

struct Job {
    inbound: Inbound,
    done: oneshot::Sender<Result<Stored, String>>,
}

/// What the writer is handed: a webhook to store, or word that Novi has gone quiet.
enum Work {
    Store(Job),
    /// Empty the writer's page cache (`db::settle`): nothing has come for a while.
    Settle,
}

/// The handle handlers use to store a webhook.
#[derive(Clone)]
pub struct Ingest {
    jobs: mpsc::Sender<Work>,
    /// Webhooks handed over and not yet stored.
    waiting: Arc<AtomicUsize>,
    /// Set when a batch shows a flood (`take_rush`).
    rushed: Arc<AtomicBool>,
    /// Batches committed, for a background writer waiting to let the webhooks in.
    commits: Arc<Commits>,
    /// The writer's connection, which the conversation worker writes through too (see
    /// [`Ingest::with_tx`]); `None` if it could not be opened, when both use the pool's.
    conn: Arc<Mutex<Option<Connection>>>,
    /// Whether a copier thread copies the writer's log back (`db::checkpoint`).
    copied: bool,
}

/// How many batches the writer has committed, and a way to wait for the next.
#[derive(Default)]
struct Commits {
    n: Mutex<u64>,
    next: Condvar,
}

impl Commits {
    fn bump(&self) {
        *self.n.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.next.notify_all();
    }
}

impl Ingest {
    /// Starts the writer thread. `stored` is woken after each commit that added messages, and
    /// after a flood's.
    pub fn start(db: Db, stored: Arc<Notify>, live: LiveEvents) -> Self {
        let (jobs, rx) = mpsc::channel(QUEUE);
        let waiting = Arc::new(AtomicUsize::new(0));
        let rushed = Arc::new(AtomicBool::new(false));
        let commits = Arc::new(Commits::default());
        // Stopped when the writer ends, which owns it.
        let copier = Copier::start(&db);
        let copied = copier.is_some();
        // Its own connection, so it never waits for one: each webhook's answer waits on this
        // writer's commit. (Pages read on their own threads; the pool serves the rest.)
        let conn = match db
            .own_connection()
            .and_then(|c| writer_settings(&c, copied).map(|()| c))
        {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e.detail(), "the webhook writer shares the pool's connections");
                None
            }
        };
        let conn = Arc::new(Mutex::new(conn));
        let signals = Signals {
            waiting: waiting.clone(),
            rushed: rushed.clone(),
            commits: commits.clone(),
            conn: conn.clone(),
        };
        std::thread::Builder::new()
            .name("novi-ingest".into())
            .spawn(move || {
                let _copier = copier;
                writer(db, rx, stored, live, signals)
            })
            .expect("the webhook writer thread starts");
        Self {
            jobs,
            waiting,
            rushed,
            commits,
            conn,
            copied,
        }
    }

    /// Runs `f` in a write transaction on the writer's own connection, between its batches:
    /// for the conversation worker, which takes turns with it. SQLite empties a connection's
    /// page cache whenever another connection has written since its last transaction, so with
    /// a connection each, every turn of either began with a cold cache (the pages of the chats,
    /// customers and queues it touches read again); on one connection they stay warm. The
    /// worker's transaction runs with the pool's settings (savepoint journals in memory, the
    /// log copied back past [`crate::db::CHECKPOINT_PAGES`]), the writer's restored after.
    pub fn with_tx<T, E: From<AppError>>(
        &self,
        db: &Db,
        f: impl FnOnce(&Transaction) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut own = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let Some(conn) = own.as_mut() else {
            return db.with_tx(f);
        };
        db.with_own(conn, |conn| {
            pool_settings(conn)?;
            let done = crate::db::in_tx(conn, f);
            writer_settings(conn, self.copied)?;
            Ok(done)
        })?
    }

    /// Whether a flood was stored since the last time this was asked. The conversation worker,
    /// which settles the server once a rush is over, counts it as work even when the flood
    /// carried nothing to answer (delivery reports for a broadcast, say).
    pub fn take_rush(&self) -> bool {
        self.rushed.swap(false, Ordering::AcqRel)
    }

    /// True while webhooks wait to be stored: background writers (the conversation worker)
    /// check it to hand the database back quickly, since a webhook's answer waits on its commit.
    pub fn is_waiting(&self) -> bool {
        self.waiting() > 0
    }

    /// True while a flood's worth of webhooks waits: more than a shop's pace brings between two
    /// of the writer's batches.
    pub fn is_flooded(&self) -> bool {
        self.waiting() >= FLOOD_BATCH
    }

    fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Batches committed so far: read while holding the write turn, it names the writer's
    /// next batch for [`Ingest::wait_for_batch_after`].
    pub fn batches(&self) -> u64 {
        *self.commits.n.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the writer has committed a batch after the `seen`th, or `most` has passed:
    /// a background writer that held the write turn lets the webhooks queued meanwhile in
    /// before it takes the turn again (a mutex is not fair; it could take it straight back).
    pub fn wait_for_batch_after(&self, seen: u64, most: Duration) {
        let n = self.commits.n.lock().unwrap_or_else(|e| e.into_inner());
        let _ = self
            .commits
            .next
            .wait_timeout_while(n, most, |n| *n <= seen);
    }

    /// Asks the writer to hand its cache back, once it has stored what is queued; the
    /// conversation worker asks when it has been quiet. Dropped if the queue is full, since
    /// then the writer is busy and its cache is earning its keep.
    pub fn settle(&self) {
        let _ = self.jobs.try_send(Work::Settle);
    }

    /// Stores `inbound` durably; returns once it is committed.
    pub async fn store(&self, inbound: Inbound) -> AppResult<Stored> {
        let (done, wait) = oneshot::channel();
        self.waiting.fetch_add(1, Ordering::Relaxed);
        self.jobs
            .send(Work::Store(Job { inbound, done }))
            .await
            .map_err(|_| AppError::internal(anyhow::anyhow!("the webhook writer has stopped")))?;
        match wait.await {
            Ok(Ok(stored)) => Ok(stored),
            Ok(Err(e)) => Err(AppError::internal(anyhow::anyhow!(
                "storing a webhook failed: {e}"
            ))),
            Err(_) => Err(AppError::internal(anyhow::anyhow!(
                "the webhook writer has stopped"
            ))),
        }
    }
}

/// What the writer shares with the rest of the server: what it tells as it goes, and its
/// connection.
struct Signals {
    waiting: Arc<AtomicUsize>,
    rushed: Arc<AtomicBool>,
    commits: Arc<Commits>,
    conn: Arc<Mutex<Option<Connection>>>,
}

fn writer(
    db: Db,
    mut rx: mpsc::Receiver<Work>,
    stored: Arc<Notify>,
    live: LiveEvents,
    Signals {
        waiting,
        rushed,
        commits,
        conn,
    }: Signals,
) {
    let own = || conn.lock().unwrap_or_else(|e| e.into_inner());
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(work) = rx.blocking_recv() {
        let Work::Store(first) = work else {
            if let Some(conn) = own().as_ref() {
                settle::release(conn);
            }
            continue;
        };
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Work::Store(job)) => batch.push(job),
                // Webhooks came after all: the cache stays.
                Ok(Work::Settle) => {}
                Err(_) => break,
            }
        }
        let flood = batch.len() >= FLOOD_BATCH;
        if flood {
            settle::start_flood();
            rushed.store(true, Ordering::Release);
        }
        let results = commit(&db, own().as_mut(), &batch);
        // Counted as waiting until stored: a batch taken waits on the write turn too.
        waiting.fetch_sub(batch.len(), Ordering::Relaxed);
        let mut any_new = false;
        for (job, result) in batch.drain(..).zip(results) {
            if let Ok(s) = &result {
                any_new |= !s.new_messages.is_empty();
                for phone in &s.phones {
                    live.send(job.inbound.business_id, phone);
                }
            }
            let _ = job.done.send(result);
        }
        commits.bump();
        // A flood with no message in it still wakes the worker, whose quiet after a rush
        // hands memory back and ends the flood's allocator setting.
        if any_new || flood {
            stored.notify_one();
        }
    }
}

/// The writer's own connection, set apart from the pool's in two ways.
///
/// Statement journals kept in one 64 KiB piece rather than in pieces of 1 KiB. Each statement
/// that fires a trigger (storing a message keeps its chat) journals the pages it changes,
/// and with temporary storage in memory SQLite keeps that journal in 1 KiB pieces, five
/// allocations for each page: a sixth of this writer's time in a flood. With temporary storage
/// in files, it keeps the journal in memory in one piece up to 64 KiB, past which it would
/// spill to a file; a webhook's statements journal a few pages each.
///
/// The log is copied back into the database past SQLite's 1,000 pages, not the
/// [`crate::db::CHECKPOINT_PAGES`] of the other connections, and by the copier thread when it
/// runs (`copied`), not by the commit that passes the mark: every webhook of a batch waits on
/// that commit, and in a flood larger copies held them longer.
fn writer_settings(conn: &Connection, copied: bool) -> AppResult<()> {
    conn.pragma_update(None, "temp_store", "FILE")?;
    if copied {
        checkpoint::hand_over(conn);
    } else {
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
    }
    Ok(())
}

/// The settings of the pool's connections (`db::configure`) that the writer's differ from.
fn pool_settings(conn: &Connection) -> AppResult<()> {
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "wal_autocheckpoint", crate::db::CHECKPOINT_PAGES)?;
    Ok(())
}

/// Pages in the log past which the webhook writer's log is copied into the database.
const WRITER_CHECKPOINT_PAGES: i64 = checkpoint::COPY_PAST_PAGES as i64;

/// Stores a batch in one transaction; if the commit fails, every webhook in it is refused.
fn commit(db: &Db, own: Option<&mut Connection>, batch: &[Job]) -> Vec<Result<Stored, String>> {
    let store_all = |conn: &mut Connection| {
        // Nearly every batch stores every webhook, so it is tried without a savepoint for
        // each (one journals every page its webhook touches). Only if one fails is the batch
        // stored again with them, so that webhook alone is refused (and retried by its
        // provider) without taking the others down with it.
        match store_batch(conn, batch, false)? {
            Some(results) => Ok(results),
            None => store_batch(conn, batch, true)?.ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("a webhook failed without its savepoint"))
            }),
        }
    };
    let result = match own {
        Some(conn) => db.with_own(conn, store_all),
        None => db.with_raw(store_all),
    };
    result.unwrap_or_else(|e| batch.iter().map(|_| Err(e.detail())).collect())
}

/// Stores the batch and commits. With `each_alone`, each webhook runs in a savepoint and one
/// that fails is refused alone; without, one failing rolls back the batch and returns `None`.
fn store_batch(
    conn: &mut Connection,
    batch: &[Job],
    each_alone: bool,
) -> AppResult<Option<Vec<Result<Stored, String>>>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(batch.len());
    // The day's received count, bumped once per business rather than once per webhook.
    let mut received: Vec<(i64, usize)> = Vec::new();
    for job in batch {
        let inbound = &job.inbound;
        let stored = if each_alone {
            // `db::savepoint` reuses its prepared statements; rusqlite's own savepoints parse
            // theirs again for every webhook.
            crate::db::savepoint(&tx, || store::store_uncounted(&tx, inbound))
        } else {
            store::store_uncounted(&tx, inbound)
        };
        match stored {
            Ok(s) => {
                match received.iter_mut().find(|(b, _)| *b == inbound.business_id) {
                    Some((_, n)) => *n += s.new_messages.len(),
                    None => received.push((inbound.business_id, s.new_messages.len())),
                }
                results.push(Ok(s));
            }
            // Dropping the transaction rolls back what the batch wrote.
            Err(_) if !each_alone => return Ok(None),
            Err(e) => results.push(Err(e.detail())),
        }
    }
    for (business_id, n) in received {
        store::count_in(&tx, business_id, n)?;
    }
    tx.commit()?;
    Ok(Some(results))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::businesses;

    fn job(business_id: i64, phone: &str, id: &str) -> Job {
        let inbound = Inbound::text(business_id, phone, id, "1 kg jalebi");
        Job {
            inbound,
            done: oneshot::channel().0,
        }
    }

    /// A new database with one shop, Sweets.
    fn sweets() -> (tempfile::TempDir, Db, businesses::Business) {
        let (dir, db) = crate::db::scratch();
        let b = db
            .with_tx(|tx| businesses::insert(tx, "Sweets", "sweets"))
            .unwrap();
        (dir, db, b)
    }

    /// Holds this process's write turn on another thread until told to let go.
    fn hold_write_turn(
        db: &Db,
    ) -> (
        std::thread::JoinHandle<AppResult<()>>,
        std::sync::mpsc::Sender<()>,
    ) {
        let (held, release) = (std::sync::mpsc::channel(), std::sync::mpsc::channel::<()>());
        let holder = {
            let db = db.clone();
            std::thread::spawn(move || {
                db.with_raw(|_| {
                    held.0.send(()).unwrap();
                    release.1.recv().ok();
                    Ok(())
                })
            })
        };
        held.1.recv().unwrap();
        (holder, release.0)
    }

    /// A delivery report for a message Novi never sent: stored as nothing, like most reports
    /// in a broadcast's flood as far as answering goes.
    fn report(business_id: i64, n: usize) -> Inbound {
        Inbound {
            business_id,
            provider: "cloud",
            raw: "{}".into(),
            messages: Vec::new(),
            statuses: vec![super::super::inbound::InStatus {
                provider_id: format!("wamid.report{n}"),
                status: "delivered".into(),
                error_code: None,
                error: None,
            }],
            from_phone: Vec::new(),
        }
    }

    /// The conversation worker writes through the writer's connection with the pool's settings
    /// (an order's savepoints journal in memory, the log copied back at the pool's mark); the
    /// writer's are back for its next batch, and a transaction that fails leaves nothing.
    #[tokio::test]
    async fn the_worker_writes_through_the_writers_connection_with_the_pools_settings() {
        let (_dir, db, b) = sweets();
        let ingest = Ingest::start(db.clone(), Arc::new(Notify::new()), LiveEvents::default());
        // (temp_store: 1 file, 2 memory; pages past which the log is copied back)
        let settings = |c: &Connection| -> (i64, i64) {
            let get = |pragma: &str| c.query_row(pragma, [], |r| r.get(0)).unwrap();
            (get("PRAGMA temp_store"), get("PRAGMA wal_autocheckpoint"))
        };
        // A mark on the writer's connection alone, to know it inside the worker's transaction.
        let mark =
            |c: &Connection| -> i64 { c.query_row("PRAGMA cache_size", [], |r| r.get(0)).unwrap() };
        {
            let own = ingest.conn.lock().unwrap();
            let own = own.as_ref().expect("the writer has its own connection");
            own.pragma_update(None, "cache_size", -1234).unwrap();
        }
        let seen = ingest.with_tx(&db, |tx| Ok::<_, AppError>((mark(tx), settings(tx))));
        assert_eq!(
            seen.unwrap(),
            (-1234, (2, crate::db::CHECKPOINT_PAGES)),
            "the writer's connection, set as the pool's"
        );
        let failed = ingest.with_tx(&db, |tx| {
            tx.execute("UPDATE businesses SET name = 'Gone' WHERE id = ?1", [b.id])?;
            Err::<(), _>(AppError::Invalid("refused".into()))
        });
        assert!(failed.is_err());
        let name: String = db
            .with_conn(|c| Ok(c.query_row("SELECT name FROM businesses", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(name, "Sweets", "rolled back");
        {
            let own = ingest.conn.lock().unwrap();
            let own = own.as_ref().expect("the writer has its own connection");
            assert_eq!(settings(own), (1, 0), "the copier copies its log back");
        }
        let after = Inbound::text(b.id, "919800000001", "wamid.after", "1 kg jalebi");
        let stored = ingest.store(after).await.unwrap();
        assert_eq!(
            stored.new_messages.len(),
            1,
            "the writer stores on after it"
        );
    }

    /// A flood that carried no message (delivery reports alone) still wakes the conversation
    /// worker and tells it there was a rush, so the quiet after it hands memory back; a report
    /// at a shop's pace does neither.
    #[tokio::test]
    async fn a_flood_of_reports_alone_wakes_the_worker_as_a_rush() {
        let (_dir, db, b) = sweets();
        let stored = Arc::new(Notify::new());
        let ingest = Ingest::start(db.clone(), stored.clone(), LiveEvents::default());
        ingest.store(report(b.id, 0)).await.unwrap();
        assert!(!ingest.take_rush(), "one report is no rush");
        // The write turn is held while the flood queues, so the writer meets it as one batch.
        let (holder, release) = hold_write_turn(&db);
        let flood: Vec<_> = (1..=FLOOD_BATCH * 2)
            .map(|n| {
                let (ingest, report) = (ingest.clone(), report(b.id, n));
                tokio::spawn(async move { ingest.store(report).await })
            })
            .collect();
        let queued = async {
            while ingest.waiting.load(Ordering::Relaxed) < FLOOD_BATCH
                && !ingest.rushed.load(Ordering::Acquire)
            {
                tokio::task::yield_now().await;
            }
        };
        let minute = std::time::Duration::from_secs(60);
        tokio::time::timeout(minute, queued)
            .await
            .expect("the flood queued");
        release.send(()).unwrap();
        holder.join().unwrap().unwrap();
        for stored in futures_util::future::join_all(flood).await {
            assert!(stored.unwrap().unwrap().new_messages.is_empty());
        }
        tokio::time::timeout(minute, stored.notified())
            .await
            .expect("the worker is woken");
        assert!(ingest.take_rush(), "the flood is a rush");
        assert!(!ingest.take_rush(), "told once");
    }

    /// A background writer that held the write turn waits for the webhook writer's next batch
    /// before taking it again; a webhook counts as waiting until stored, held up or not.
    #[tokio::test]
    async fn a_writer_waiting_for_the_next_batch_is_let_go_when_it_commits() {
        let (_dir, db, b) = sweets();
        let ingest = Ingest::start(db.clone(), Arc::new(Notify::new()), LiveEvents::default());
        let (holder, release) = hold_write_turn(&db);
        let seen = ingest.batches();
        let store = tokio::spawn({
            let (ingest, inbound) = (ingest.clone(), job(b.id, "919800000001", "w1").inbound);
            async move { ingest.store(inbound).await }
        });
        while !ingest.is_waiting() {
            tokio::task::yield_now().await;
        }
        let waiter = {
            let ingest = ingest.clone();
            tokio::task::spawn_blocking(move || {
                ingest.wait_for_batch_after(seen, std::time::Duration::from_secs(3600));
                ingest.batches()
            })
        };
        release.send(()).unwrap();
        holder.join().unwrap().unwrap();
        let minute = std::time::Duration::from_secs(60);
        let stored = tokio::time::timeout(minute, store).await.expect("stored");
        assert_eq!(stored.unwrap().unwrap().new_messages.len(), 1);
        assert!(!ingest.is_waiting(), "stored, it no longer waits");
        let after = tokio::time::timeout(minute, waiter)
            .await
            .expect("the batch's commit lets the waiting writer go");
        assert!(after.unwrap() > seen);
    }

    #[tokio::test]
    async fn webhooks_are_stored_around_a_settle() {
        let (_dir, db, b) = sweets();
        let (stored, live) = (Arc::new(Notify::new()), LiveEvents::default());
        let ingest = Ingest::start(db.clone(), stored, live);
        ingest.settle();
        let first = ingest.store(job(b.id, "919800000001", "s1").inbound).await;
        ingest.settle();
        ingest.settle();
        let second = ingest.store(job(b.id, "919800000002", "s2").inbound).await;
        assert_eq!(first.unwrap().new_messages.len(), 1);
        assert_eq!(second.unwrap().new_messages.len(), 1);
        let n: i64 = db
            .with_conn(|c| Ok(c.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(n, 2);
    }

    /// The writer's commits leave copying the log back to the copier when it runs (SQLite's
    /// own copying reads as off), and copy it themselves past 1,000 pages when it does not;
    /// the other connections copy past 4,000.
    #[test]
    fn the_writer_copies_the_log_back_sooner_than_the_other_connections() {
        let (_dir, db, _) = sweets();
        let copied_past = |c: &Connection| -> i64 {
            c.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
                .unwrap()
        };
        let own = db.own_connection().unwrap();
        writer_settings(&own, true).unwrap();
        assert_eq!(copied_past(&own), 0);
        writer_settings(&own, false).unwrap();
        assert_eq!(copied_past(&own), WRITER_CHECKPOINT_PAGES);
        assert_eq!(db.with_conn(|c| Ok(copied_past(c))).unwrap(), 4000);
    }

    #[test]
    fn a_webhook_that_fails_is_refused_alone_and_the_day_counts_the_rest() {
        let (_dir, db, b) = sweets();
        db.with_conn(|c| {
            c.execute_batch(
                "CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN new.phone = '919800000002'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )?;
            Ok(())
        })
        .unwrap();
        let batch = [
            job(b.id, "919800000001", "w1"),
            job(b.id, "919800000002", "w2"),
            job(b.id, "919800000003", "w3"),
        ];
        let results = commit(&db, None, &batch);
        let refused: Vec<bool> = results.iter().map(Result::is_err).collect();
        assert_eq!(refused, [false, true, false]);
        let (stored, counted): (i64, i64) = db
            .with_conn(|c| {
                Ok(c.query_row(
                    "SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'in'),
                            (SELECT SUM(messages_in) FROM bot_metrics)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .unwrap();
        assert_eq!(
            (stored, counted),
            (2, 2),
            "the two stored, counted once each"
        );
    }
}
