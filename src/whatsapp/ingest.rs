//! Group commit for webhooks. Handlers hand what a webhook carried to one writer thread and
//! wait; the writer takes everything queued, stores it in one transaction (one fsync for many
//! webhooks under `synchronous=FULL`), then tells each handler it is safe to answer 200.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot, Notify};

use super::inbound::Inbound;
use super::store::{self, Stored};
use super::LiveEvents;
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// Most webhooks committed together; bounds how long the first in a batch waits.
const MAX_BATCH: usize = 512;
/// Webhooks waiting for the writer before handlers wait for room (back-pressure).
const QUEUE: usize = 8192;

struct Job {
    inbound: Inbound,
    done: oneshot::Sender<Result<Stored, String>>,
}

/// The handle handlers use to store a webhook.
#[derive(Clone)]
pub struct Ingest {
    jobs: mpsc::Sender<Job>,
    /// Webhooks handed over and not yet taken into a batch.
    waiting: Arc<AtomicUsize>,
}

impl Ingest {
    /// Starts the writer thread. `stored` is woken after each commit that added messages.
    pub fn start(db: Db, stored: Arc<Notify>, live: LiveEvents) -> Self {
        let (jobs, rx) = mpsc::channel(QUEUE);
        let waiting = Arc::new(AtomicUsize::new(0));
        let counter = waiting.clone();
        std::thread::Builder::new()
            .name("novi-ingest".into())
            .spawn(move || writer(db, rx, stored, live, counter))
            .expect("the webhook writer thread starts");
        Self { jobs, waiting }
    }

    /// True while webhooks wait to be stored: background writers (the conversation worker)
    /// check it to hand the database back quickly, since a webhook's answer waits on its commit.
    pub fn is_waiting(&self) -> bool {
        self.waiting.load(Ordering::Relaxed) > 0
    }

    /// Stores `inbound` durably; returns once it is committed.
    pub async fn store(&self, inbound: Inbound) -> AppResult<Stored> {
        let (done, wait) = oneshot::channel();
        self.waiting.fetch_add(1, Ordering::Relaxed);
        self.jobs
            .send(Job { inbound, done })
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

fn writer(
    db: Db,
    mut rx: mpsc::Receiver<Job>,
    stored: Arc<Notify>,
    live: LiveEvents,
    waiting: Arc<AtomicUsize>,
) {
    // Its own connection, so it never waits for one: each webhook's answer waits on this
    // writer's commit. (Pages read on their own threads; the pool serves the workers.)
    let mut own = match db.own_connection() {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(error = %e.detail(), "the webhook writer shares the pool's connections");
            None
        }
    };
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        waiting.fetch_sub(batch.len(), Ordering::Relaxed);
        let results = commit(&db, own.as_mut(), &batch);
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
        if any_new {
            stored.notify_one();
        }
    }
}

/// Stores a batch in one transaction. Each webhook gets a savepoint, so one that fails is
/// refused (and retried by its provider) without taking the others down with it. If the
/// commit itself fails, every webhook in the batch is refused.
fn commit(db: &Db, own: Option<&mut Connection>, batch: &[Job]) -> Vec<Result<Stored, String>> {
    let fail_all = |e: String| batch.iter().map(|_| Err(e.clone())).collect();
    let store_all = |conn: &mut Connection| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batch.len());
        for job in batch {
            // `db::savepoint` reuses its prepared statements; rusqlite's own savepoints parse
            // theirs again for every webhook.
            let stored = crate::db::savepoint(&tx, || store::store_inbound(&tx, &job.inbound));
            results.push(stored.map_err(|e| e.detail()));
        }
        tx.commit()?;
        Ok(results)
    };
    let result = match own {
        Some(conn) => db.with_own(conn, store_all),
        None => db.with_raw(store_all),
    };
    result.unwrap_or_else(|e| fail_all(e.detail()))
}
