//! Threads that run the pages' reads, each with a connection of its own, at a lower CPU
//! priority than the webhook writer and the async threads. On a two-core shop PC a dashboard
//! kept open by many people could otherwise take the CPU that acknowledging WhatsApp's
//! webhooks needs: a page may wait a millisecond longer, a webhook must not queue.
//!
//! The threads start with the first read (a command-line run that reads nothing starts none),
//! and each opens its connection when it is first given a read.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::Connection;

use super::settle::{self, Spell};
use crate::error::{AppError, AppResult};

/// How many reads run at once: one per core, and at least two, so one long read (an export
/// of a year) leaves another thread for pages. More only adds threads that take turns on the
/// same cores: on two cores, eight reading threads beside 2,000 webhooks/s kept the webhooks'
/// p99 at 3 s and memory at 210 MB; two kept them at 41-72 ms and 99-141 MB, and served as many
/// pages.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

/// How much lower than the rest of the process the reading threads run (a `nice` value).
/// At 10 the kernel gives a busy reader about a tenth of the share a webhook's thread gets.
const LOWER_BY: i32 = 10;

/// A read, handed its thread's connection (or why it could not be opened).
type Job = Box<dyn FnOnce(AppResult<&Connection>) + Send>;

pub(super) struct Readers {
    jobs: Sender<Job>,
    shared: Arc<Shared>,
    /// How many threads started, once they have.
    threads: OnceLock<usize>,
}

struct Shared {
    path: PathBuf,
    queue: Mutex<Receiver<Job>>,
}

impl Readers {
    /// No thread starts until the first read.
    pub(super) fn new(path: PathBuf) -> Self {
        let (jobs, queue) = channel();
        let shared = Arc::new(Shared {
            path,
            queue: Mutex::new(queue),
        });
        Readers {
            jobs,
            shared,
            threads: OnceLock::new(),
        }
    }

    /// Runs `f` on a reading thread and waits for it without holding an async thread.
    pub(super) async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
    {
        if *self.threads.get_or_init(|| self.start()) == 0 {
            return Err(AppError::internal(anyhow::anyhow!(
                "no thread could be started to read the database"
            )));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = tx.send(conn.and_then(f));
        });
        self.jobs
            .send(job)
            .map_err(|_| AppError::internal(anyhow::anyhow!("the reading threads have stopped")))?;
        // A read that panicked drops its sender: the page gets an error, the thread goes on.
        rx.await
            .map_err(|_| AppError::internal(anyhow::anyhow!("a read failed unexpectedly")))?
    }

    /// Starts the threads; how many did.
    fn start(&self) -> usize {
        let mut started = 0;
        for _ in 0..threads() {
            let shared = self.shared.clone();
            let spawned = std::thread::Builder::new()
                .name("novi-read".into())
                .spawn(move || serve(&shared));
            // Fewer threads only means fewer reads at once.
            match spawned {
                Ok(_) => started += 1,
                Err(e) => tracing::warn!("could not start a reading thread: {e}"),
            }
        }
        started
    }
}

fn serve(s: &Shared) {
    lower_priority(LOWER_BY);
    let mut conn: Option<Connection> = None;
    let mut spell = Spell::default();
    loop {
        // The thread waiting here holds the queue's lock, so the threads hand their memory
        // back in turn, each within a quiet spell of its own.
        let queue = s.queue.lock().unwrap_or_else(|e| e.into_inner());
        let next = queue.recv_timeout(settle::QUIET);
        drop(queue);
        let job = match next {
            Ok(job) => {
                // What this thread allocated and others freed (a read's rows, handed to a page
                // or a cache) waits on its heap until it collects, and a read every few seconds
                // keeps it from ever waiting a whole quiet spell: it collects when Novi asks.
                settle::collect_if_asked();
                job
            }
            Err(RecvTimeoutError::Timeout) => {
                // After work, the connection's cache and the allocators are handed back. Idle
                // or not, the heap is collected: rows this thread read may be freed long after
                // its quiet, when a cache drops them, and collecting an idle heap costs next to
                // nothing.
                match conn.as_ref() {
                    Some(c) if spell.busy() => spell.quiet(|| settle::release(c)),
                    _ => settle::collect_own_heap(),
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        spell.worked();
        if conn.is_none() {
            // Opened on first use, and again after a failure, so a passing error (a full
            // disk, too many files) costs one read, not the thread.
            // Sorts and temporary tables of a large read spill to a file, not to memory.
            // Reads only: a write here would bypass the write turn.
            let opened = super::open_configured(&s.path).and_then(|c| {
                c.execute_batch("PRAGMA temp_store = FILE; PRAGMA query_only = ON")?;
                Ok(c)
            });
            match opened {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    job(Err(e));
                    continue;
                }
            }
        }
        if let Some(c) = conn.as_ref() {
            let _ = catch_unwind(AssertUnwindSafe(|| job(Ok(c))));
        }
    }
}

/// Lowers the calling thread's CPU priority by `nice` from where it is (never raises it back:
/// an unprivileged process cannot). Relative, so that a Novi started under `nice` or a unit's
/// `Nice=` keeps the threads that call this below the rest of it: setting the value outright
/// would put them back above it when run as root, and fail (leaving them level) otherwise.
pub fn lower_priority(nice: i32) {
    #[cfg(unix)]
    // SAFETY: nice only reads its argument; on Linux it changes the calling thread alone.
    // Failing (already at the lowest priority) is harmless.
    unsafe {
        libc::nice(nice);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Barrier;

    use super::*;
    use crate::db::scratch;

    fn one(c: &Connection) -> AppResult<i64> {
        Ok(c.query_row("SELECT 1", [], |r| r.get(0))?)
    }

    #[tokio::test]
    async fn a_read_that_panics_fails_alone_and_the_next_is_answered() {
        let (_dir, db) = scratch();
        let failed = db
            .read(|_| -> AppResult<()> { panic!("a bug in a page") })
            .await;
        assert!(matches!(failed, Err(AppError::Internal(_))), "{failed:?}");
        for _ in 0..=threads() {
            assert_eq!(db.read(one).await.unwrap(), 1);
        }
    }

    /// The calling thread's nice value.
    fn own_priority() -> i32 {
        // SAFETY: getpriority only reads its arguments; 0 names the calling thread.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }

    #[tokio::test]
    async fn reads_run_below_the_priority_of_the_rest() {
        let (_dir, db) = scratch();
        let nice = db.read(|_| Ok(own_priority())).await.unwrap();
        assert_eq!(nice, (own_priority() + LOWER_BY).min(19));
    }

    #[test]
    fn priority_is_lowered_from_where_the_thread_already_is() {
        let (before, after) = std::thread::spawn(|| {
            // SAFETY: setpriority only reads its arguments; 0 names the calling thread, a
            // thread of this test's own.
            unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, (own_priority() + 5).min(19)) };
            let before = own_priority();
            lower_priority(3);
            (before, own_priority())
        })
        .join()
        .unwrap();
        assert_eq!(after, (before + 3).min(19));
    }

    fn sum(c: &Connection) -> AppResult<i64> {
        Ok(c.query_row("SELECT IFNULL(SUM(n), 0) FROM t", [], |r| r.get(0))?)
    }

    /// A write slipped into a read is refused and changes nothing: writes take the write turn.
    #[tokio::test]
    async fn a_read_cannot_write() {
        let (_dir, db) = scratch();
        db.with_tx(|tx| Ok::<_, AppError>(tx.execute_batch("CREATE TABLE t (n INTEGER)")?))
            .unwrap();
        let wrote = db
            .read(|c| Ok(c.execute("INSERT INTO t VALUES (1)", [])?))
            .await;
        assert!(wrote.is_err(), "{wrote:?}");
        assert_eq!(db.read(sum).await.unwrap(), 0);
        assert_eq!(db.with_conn(sum).unwrap(), 0);
    }

    /// As many reads as there are threads run at once (each waits for all the others here), and
    /// reads beyond that wait their turn rather than fail.
    #[tokio::test]
    async fn reads_run_side_by_side_and_the_rest_queue() {
        let (_dir, db) = scratch();
        let n = threads();
        let all_in = Arc::new(Barrier::new(n));
        let reads: Vec<_> = (0..n * 3)
            .map(|i| {
                let (db, all_in) = (db.clone(), all_in.clone());
                tokio::spawn(async move {
                    db.read(move |c| {
                        if i < n {
                            all_in.wait();
                        }
                        one(c)
                    })
                    .await
                })
            })
            .collect();
        // Reads that could not all run at once would wait on each other for ever.
        let all = futures_util::future::join_all(reads);
        let done = tokio::time::timeout(std::time::Duration::from_secs(60), all)
            .await
            .expect("the reads finished");
        for r in done {
            assert_eq!(r.unwrap().unwrap(), 1);
        }
    }
}
