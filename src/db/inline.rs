//! Lookups small enough to run on the async thread that asks for them: who a cookie or an API
//! token belongs to, an index probe or two. Every page asks one first, and handing it to a
//! reading thread and back cost a thread switch each way; a profile of 32 owners clicking put a
//! fifth of the server's samples in switching threads.
//!
//! Each async thread keeps one connection of its own for them, opened at its first lookup,
//! read-only, and quick to give up on a lock: a lookup that cannot run here at once (the
//! database busy, or any other error) runs on a reading thread instead, so an async thread
//! never waits on the database.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use crate::error::AppResult;

/// How long a lookup here waits on a lock before a reading thread takes it over.
const BUSY_MS: u64 = 20;

thread_local! {
    /// This thread's connection, and the database it is to (tests open many on one thread).
    static CONN: RefCell<Option<(PathBuf, Connection)>> = const { RefCell::new(None) };
}

/// Runs `f` here on this thread's connection to `path`; `None` when it could not (the caller
/// hands it to a reading thread).
pub(super) fn try_here<T>(path: &Path, f: &dyn Fn(&Connection) -> AppResult<T>) -> Option<T> {
    CONN.with(|cell| {
        // A lookup inside a lookup would find the connection taken: it goes to a reading thread.
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.as_ref().is_none_or(|(p, _)| p != path) {
            *slot = open(path).map(|c| (path.to_owned(), c));
        }
        let (_, conn) = slot.as_ref()?;
        f(conn).ok()
    })
}

fn open(path: &Path) -> Option<Connection> {
    let conn = super::open_configured(path).ok()?;
    conn.busy_timeout(Duration::from_millis(BUSY_MS)).ok()?;
    // Lookups only read; a write here would bypass this process's write turn.
    conn.execute_batch("PRAGMA query_only = ON").ok()?;
    Some(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{scratch, Db};
    use crate::error::AppError;

    fn thread_name() -> String {
        std::thread::current().name().unwrap_or("").to_owned()
    }

    #[tokio::test]
    async fn a_lookup_runs_on_the_asking_thread_and_a_read_on_a_reading_thread() {
        let (_dir, db) = scratch();
        let here = thread_name();
        let looked_up = db.lookup(|_| Ok(thread_name())).await.unwrap();
        assert_eq!(looked_up, here);
        let read = db.read(|_| Ok(thread_name())).await.unwrap();
        assert_eq!(read, "novi-read");
    }

    #[tokio::test]
    async fn a_lookup_that_fails_here_is_answered_by_a_reading_thread() {
        let (_dir, db) = scratch();
        let answer = db
            .lookup(|_| {
                let name = thread_name();
                if name == "novi-read" {
                    Ok(name)
                } else {
                    Err(AppError::internal(anyhow::anyhow!("database is locked")))
                }
            })
            .await
            .unwrap();
        assert_eq!(answer, "novi-read");
    }

    #[tokio::test]
    async fn each_database_is_looked_up_in_itself_and_sees_what_was_committed() {
        let (_a_dir, a) = scratch();
        let (_b_dir, b) = scratch();
        let add = |db: &Db, n: i64| {
            db.with_tx(|tx| {
                tx.execute("CREATE TABLE IF NOT EXISTS seen (n INTEGER)", [])?;
                Ok::<_, AppError>(tx.execute("INSERT INTO seen (n) VALUES (?1)", [n])?)
            })
            .unwrap()
        };
        let total = |c: &Connection| -> AppResult<i64> {
            Ok(c.query_row("SELECT TOTAL(n) FROM seen", [], |r| r.get::<_, f64>(0))? as i64)
        };
        add(&a, 1);
        add(&b, 10);
        assert_eq!(a.lookup(total).await.unwrap(), 1);
        assert_eq!(b.lookup(total).await.unwrap(), 10);
        add(&a, 2);
        assert_eq!(a.lookup(total).await.unwrap(), 3);
    }

    #[tokio::test]
    async fn a_lookup_cannot_write() {
        let (_dir, db) = scratch();
        let here = thread_name();
        let wrote = db
            .lookup(move |c| {
                let refused = matches!(
                    c.execute("DELETE FROM businesses", []),
                    Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ReadOnly
                );
                Ok((thread_name() == here, refused))
            })
            .await
            .unwrap();
        assert_eq!(wrote, (true, true));
    }
}
