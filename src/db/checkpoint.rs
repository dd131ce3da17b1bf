//! Copying the log back into the database on a thread of its own, for a connection whose
//! commits others wait on. SQLite copies the log inside the commit that takes it past its mark
//! (1,000 pages): for the webhook writer, every webhook of that batch then waited on the copy
//! and the database file's disk sync, some 6% of the writer's time in a flood. The copier makes
//! the same passive copy at the same mark, on another core, while the writer goes on.

use std::cell::Cell;
use std::os::raw::c_int;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use rusqlite::hooks::Wal;
use rusqlite::Connection;

use super::settle::QUIET;
use super::Db;

/// Pages in the log past which the copier is woken: SQLite's own mark.
pub const COPY_PAST_PAGES: c_int = 1000;

/// Word from the connections' log hooks that a log has passed its mark. SQLite's hook is a
/// plain function with no state of its own, so the word is the process's: a copier woken by
/// another database's log (tests open many) copies its own for nothing, which is harmless.
struct Grown {
    times: Mutex<u64>,
    told: Condvar,
}

static GROWN: Grown = Grown {
    times: Mutex::new(0),
    told: Condvar::new(),
};

impl Grown {
    fn tell(&self) {
        *self.times.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.told.notify_all();
    }

    /// Waits until told after the `seen`th time, `stop` is set, or `most` has passed; returns
    /// the times told.
    fn wait(&self, seen: u64, stop: &AtomicBool, most: Duration) -> u64 {
        let times = self.times.lock().unwrap_or_else(|e| e.into_inner());
        let (times, _) = self
            .told
            .wait_timeout_while(times, most, |t| *t <= seen && !stop.load(Ordering::Acquire))
            .unwrap_or_else(|e| e.into_inner());
        *times
    }
}

/// Pages in the log past which a commit handed over copies it itself, once the copier has
/// copied most of it. A log is only started again from its beginning once a copy has reached
/// its end, which the copier's seldom do while commits go on meanwhile: this short copy does.
pub const COPY_ITSELF_PAST_PAGES: c_int = 4 * COPY_PAST_PAGES;

thread_local! {
    /// The log's pages when this thread's commits last told the copier: it is told once for
    /// each [`COPY_PAST_PAGES`] the log grows, not after every commit past the mark.
    static TOLD_AT: Cell<c_int> = const { Cell::new(0) };
}

/// SQLite's log hook, after every commit on a connection handed over: the pages in its log.
/// An error returned here would fail the commit's statement though the commit stood, so a
/// copy put off (another under way) is let go; the next commit tries again.
fn note(wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    if pages >= COPY_ITSELF_PAST_PAGES {
        let _ = wal.checkpoint();
        return Ok(());
    }
    let told = TOLD_AT.get();
    // Fewer pages than when last told: the log started again.
    let told = if pages < told { 0 } else { told };
    if pages - told >= COPY_PAST_PAGES {
        TOLD_AT.set(pages);
        GROWN.tell();
    } else {
        TOLD_AT.set(told);
    }
    Ok(())
}

/// Leaves the copying of `conn`'s log to a copier ([`Copier::start`]): `conn`'s commits no
/// longer copy it, and tell the copier when it passes the mark. Setting `wal_autocheckpoint`
/// on `conn` afterwards takes the copying back.
pub fn hand_over(conn: &Connection) {
    conn.wal_hook(Some(note));
}

/// The thread that copies the log back; it stops when this is dropped.
pub struct Copier {
    stop: Arc<AtomicBool>,
}

impl Copier {
    /// Starts the copier; `None` if it has no thread, when the connections must copy their
    /// own logs.
    pub fn start(db: &Db) -> Option<Copier> {
        let db = db.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        // Counted from here, not from when the thread first runs: word given in between is
        // for this copier too.
        let seen = *GROWN.times.lock().unwrap_or_else(|e| e.into_inner());
        std::thread::Builder::new()
            .name("novi-checkpoint".into())
            .spawn(move || copy_when_told(&db, seen, &stopping))
            .ok()?;
        Some(Copier { stop })
    }
}

impl Drop for Copier {
    fn drop(&mut self) {
        // Set under the lock its copier waits on, so the word cannot fall between its look at
        // `stop` and its wait. Everyone waiting is woken; the others wait again.
        let _held = GROWN.times.lock().unwrap_or_else(|e| e.into_inner());
        self.stop.store(true, Ordering::Release);
        GROWN.told.notify_all();
    }
}

/// Copies the log each time it is told to, on a connection of its own opened for the first
/// copy and closed after a quiet spell ([`QUIET`]): an idle Novi holds no connection, nor its
/// copy of the schema, for the copier. Should none open, the commits past
/// [`COPY_ITSELF_PAST_PAGES`] still copy the log.
fn copy_when_told(db: &Db, mut seen: u64, stop: &AtomicBool) {
    let mut conn: Option<Connection> = None;
    loop {
        let told = GROWN.wait(seen, stop, QUIET);
        if stop.load(Ordering::Acquire) {
            return;
        }
        if told == seen {
            // What the copies allocated stays with this thread's heap until it collects.
            if conn.take().is_some() {
                super::settle::collect_own_heap();
            }
            continue;
        }
        seen = told;
        if conn.is_none() {
            conn = db
                .own_connection()
                .inspect_err(
                    |e| tracing::warn!(error = %e.detail(), "the log copier has no connection"),
                )
                .ok();
        }
        // Passive: it copies what no reader still needs and waits for nobody. A copy already
        // under way elsewhere answers busy, and the next word tries again.
        if let Some(Err(e)) = conn.as_ref().map(copy) {
            tracing::debug!(error = %e, "copying the log back was put off");
        }
    }
}

/// One passive copy of the log into the database; the pages in the log and the pages copied.
pub fn copy(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The database file's size: only a copy of the log grows it.
    fn copied_bytes(db: &Db) -> u64 {
        std::fs::metadata(db.path()).unwrap().len()
    }

    /// A new database, and a connection to it with a table to write pages to; handed over
    /// when `handed`.
    fn writer(handed: bool) -> (tempfile::TempDir, Db, Connection) {
        let (dir, db) = crate::db::scratch();
        let writer = db.own_connection().unwrap();
        writer.execute("CREATE TABLE t (b BLOB)", []).unwrap();
        if handed {
            hand_over(&writer);
        } else {
            writer
                .pragma_update(None, "wal_autocheckpoint", COPY_PAST_PAGES)
                .unwrap();
        }
        (dir, db, writer)
    }

    /// A writer (`handed` over or not) whose one commit of `pages` pages copied the log in
    /// that commit.
    fn copied_by_its_commit(handed: bool, pages: usize) -> (tempfile::TempDir, Db, Connection) {
        let (dir, db, mut writer) = writer(handed);
        let before = copied_bytes(&db);
        insert_pages(&mut writer, pages);
        assert!(copied_bytes(&db) >= before + pages as u64 * 4096);
        (dir, db, writer)
    }

    fn insert_pages(writer: &mut Connection, n: usize) {
        // Each row fills a page of its own.
        let tx = writer.transaction().unwrap();
        for _ in 0..n {
            tx.execute("INSERT INTO t VALUES (zeroblob(4000))", [])
                .unwrap();
        }
        tx.commit().unwrap();
    }

    /// A connection handed over commits past the mark without copying its log; a copier
    /// started copies it once a commit tells it the log has grown by the mark again.
    #[test]
    fn a_handed_over_log_is_copied_by_the_copier_not_the_commit() {
        let (_dir, db, mut writer) = writer(true);
        let before = copied_bytes(&db);
        insert_pages(&mut writer, 1_100);
        assert_eq!(copied_bytes(&db), before, "the commit copied its log");

        let copier = Copier::start(&db).expect("the copier starts");
        insert_pages(&mut writer, 1_000);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while copied_bytes(&db) < before + 2_100 * 4096 {
            assert!(
                std::time::Instant::now() < deadline,
                "the copier copied nothing"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(copier);
    }

    /// Past four marks a commit handed over copies the log itself, with or without a copier,
    /// so that the log starts again from its beginning.
    #[test]
    fn a_handed_over_log_far_past_the_mark_is_copied_by_its_commit() {
        let (_dir, db, mut writer) = copied_by_its_commit(true, 4_100);
        insert_pages(&mut writer, 1);
        let pages = copy(&db.own_connection().unwrap()).unwrap().0;
        assert!(pages < 10, "the log started again, {pages} pages");
    }

    /// Without a hand-over SQLite copies inside the commit, as before.
    #[test]
    fn a_connection_not_handed_over_copies_its_own_log() {
        copied_by_its_commit(false, 1_100);
    }
}
