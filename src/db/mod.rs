//! The SQLite store: one database file in the data directory, opened through a pool.
//! Every connection is set up the same way, and blocking work never runs on async threads.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::{AppError, AppResult};

pub mod checkpoint;
mod inline;
mod pool;
mod readers;
mod references;
pub mod settle;

use references::without_foreign_keys;

pub use readers::lower_priority;

mod embedded {
    refinery::embed_migrations!("migrations");
}

pub type Pool = r2d2::Pool<pool::Manager>;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "novi.db";

/// How long a connection waits on another writer before giving up with "database is locked".
const BUSY_TIMEOUT_MS: u32 = 5_000;

/// Prepared statements each connection keeps for reuse.
const STATEMENT_CACHE: usize = 128;

/// A cheap, cloneable handle to the database.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    path: PathBuf,
    /// Writers in this process take turns here rather than on SQLite's lock, whose busy
    /// handler waits by sleeping (up to tens of milliseconds) and so adds latency under load.
    writer: std::sync::Arc<std::sync::Mutex<()>>,
    /// Where `read` runs: threads below the writer's priority, each with its own connection.
    readers: std::sync::Arc<readers::Readers>,
    /// How many of the pool's connections to close as they come back (`settle_pool`).
    retiring: std::sync::Arc<std::sync::atomic::AtomicU32>,
    /// The one `write` that may hold a blocking thread while it waits for the turn above; the
    /// rest wait here, on no thread (see `write`).
    write_slot: std::sync::Arc<tokio::sync::Semaphore>,
}

/// Makes the data directory (and any missing parents) readable by Novi's user and group only:
/// it holds every order, customer and secret, and `novi doctor` warns when others can read it.
/// A directory that already exists keeps its mode.
pub fn create_data_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o750)
        .create(dir)
}

impl Db {
    /// Opens (creating if missing) the database in `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let db = Self::open_without_migrating(data_dir)?;
        db.migrate()?;
        Ok(db)
    }

    pub fn open_without_migrating(data_dir: &Path) -> anyhow::Result<Self> {
        create_data_dir(data_dir)
            .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
        let path = data_dir.join(DB_FILE);
        let (manager, retiring) = pool::Manager::new(&path);
        // One connection opened now, as the pool would: a damaged file, or one that cannot be
        // opened (a read-only disk), is said at once in SQLite's words, not after the pool has
        // retried for its ten seconds and said only that it timed out.
        r2d2::ManageConnection::connect(&manager).map_err(|e| {
            anyhow::anyhow!(
                "cannot open database {}: {e} (`novi doctor` checks it; see \"When something \
                 breaks\" in the README)",
                path.display()
            )
        })?;
        // Connections open as work asks for them (up to eight), and those beyond two close once
        // the server goes quiet (`settle_pool`): each holds the schema and a page cache, and an
        // idle shop should not pay for eight. r2d2 keeps no minimum open (it replaced every
        // connection `settle_pool` took out to empty) and no idle timer (ten minutes at least);
        // its 30-minute lifetime still closes old connections, opened again when work asks.
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(0))
            .idle_timeout(None)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .with_context(|| format!("cannot open database {}", path.display()))?;
        Ok(Self {
            pool,
            readers: std::sync::Arc::new(readers::Readers::new(path.clone())),
            path,
            writer: Default::default(),
            retiring,
            write_slot: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies pending migrations; returns the names of those applied now.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let _turn = migration_turn(&self.path);
        let mut conn = self
            .pool
            .get()
            .context("cannot get a database connection")?;
        let report = without_foreign_keys(&mut conn, |c| {
            embedded::migrations::runner()
                .run(c)
                .context("migrating the database failed")
        })?;
        Ok(report
            .applied_migrations()
            .iter()
            .map(|m| format!("V{}__{}", m.version(), m.name()))
            .collect())
    }

    /// Applies migrations up to `version` only: a database as an older Novi left it, for the
    /// upgrade tests.
    #[cfg(test)]
    pub(crate) fn migrate_to(&self, version: i32) -> anyhow::Result<()> {
        let mut conn = self.pool.get()?;
        without_foreign_keys(&mut conn, |c| {
            embedded::migrations::runner()
                .set_target(refinery::Target::Version(version))
                .run(c)
                .map(drop)
                .context("migrating the database failed")
        })
    }

    /// A database in `data_dir` as Novi left it at migration `version`, for an upgrade test to
    /// fill before [`Db::upgrade_with`].
    #[cfg(test)]
    pub(crate) fn as_of(data_dir: &Path, version: i32) -> Self {
        let db = Self::open_without_migrating(data_dir).expect("a new database");
        db.migrate_to(version).expect("the older migrations");
        db
    }

    /// Applies the migrations after [`Db::as_of`]'s, asserting the first is `first` (so an
    /// upgrade test runs the migration it names).
    #[cfg(test)]
    pub(crate) fn upgrade_with(&self, first: &str) {
        let applied = self.migrate().expect("the upgrade");
        assert_eq!(applied.first().map(String::as_str), Some(first));
    }

    /// Runs `f` with a connection, synchronously: for the CLI and for code already off the
    /// async threads.
    pub fn with_conn<T>(&self, f: impl FnOnce(&Connection) -> AppResult<T>) -> AppResult<T> {
        let conn = self.pool.get().map_err(AppError::internal)?;
        f(&conn)
    }

    /// Runs `f` with a mutable connection and this process's write turn, for code that
    /// manages its own write transaction.
    pub fn with_raw<T>(&self, f: impl FnOnce(&mut Connection) -> AppResult<T>) -> AppResult<T> {
        let mut conn = self.pool.get().map_err(AppError::internal)?;
        let _turn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut conn)
    }

    /// Runs `f` in a write transaction that takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so two writers never both read, then deadlock upgrading. Commits when `f` succeeds.
    /// `f` may fail with its own error type (an order's refusal, say), which reaches the caller
    /// as it was, after the transaction is rolled back.
    pub fn with_tx<T, E: From<AppError>>(
        &self,
        f: impl FnOnce(&Transaction) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.pool.get().map_err(AppError::internal)?;
        let _turn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        in_tx(&mut conn, f)
    }

    /// A connection of its own, outside the pool and set up like the pool's, for a thread that
    /// must never queue behind page reads for one.
    pub fn own_connection(&self) -> AppResult<Connection> {
        open_configured(&self.path)
    }

    /// `with_raw` with the caller's own connection (`own_connection`): this process's write
    /// turn, and no wait for the pool.
    pub fn with_own<T>(
        &self,
        conn: &mut Connection,
        f: impl FnOnce(&mut Connection) -> AppResult<T>,
    ) -> AppResult<T> {
        let _turn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        f(conn)
    }

    /// `with_conn` for handlers, on a reading thread: below the priority of the webhook writer
    /// and the async threads (see `readers`).
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
    {
        self.readers.read(f).await
    }

    /// `read` for a lookup of an index probe or two (who a cookie or token belongs to), run on
    /// the asking async thread when it can be at once, and on a reading thread when not
    /// (`inline`). It may run twice, so it must only read.
    pub async fn lookup<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> AppResult<T> + Send + 'static,
    {
        match inline::try_here(&self.path, &f) {
            Some(found) => Ok(found),
            None => self.read(f).await,
        }
    }

    /// `with_tx` on the blocking pool, for handlers. Writes queue for the write turn here, and
    /// only the one at the head of the queue holds a blocking thread.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<AppError> + Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, E> + Send + 'static,
    {
        // Writes take the turn one at a time whatever waits for it, so a write waits here
        // for its thread. Waiting in `with_tx` instead, each held a blocking thread: the
        // replies of a flood's first moments, failing at once against an unreachable
        // WhatsApp, started some twenty threads behind the webhook writer, and the memory
        // those threads had allocated from stayed with the process after they ended.
        // The thread holds the slot, so a caller that stops waiting does not let another in.
        let slot = std::sync::Arc::clone(&self.write_slot)
            .acquire_owned()
            .await
            .map_err(AppError::internal)?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            db.with_tx(f)
        })
        .await
        .map_err(AppError::internal)?
    }

    /// True when the database answers and every migration built into this binary has been
    /// applied to it (so a missing or half-migrated schema is not ready): what `/ready` reports.
    pub async fn ping(&self) -> bool {
        let expected = embedded::migrations::runner().get_migrations().len();
        self.read(move |c| {
            let applied: i64 = c
                .query_row("SELECT COUNT(*) FROM refinery_schema_history", [], |r| {
                    r.get(0)
                })
                .map_err(AppError::internal)?;
            Ok(usize::try_from(applied).is_ok_and(|n| n >= expected))
        })
        .await
        .unwrap_or(false)
    }
}

/// `f` in a transaction on `conn` that takes the write lock at once, committed when `f`
/// succeeds (see [`Db::with_tx`]); the caller holds the write turn.
pub(crate) fn in_tx<T, E: From<AppError>>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction) -> Result<T, E>,
) -> Result<T, E> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(AppError::internal)?;
    let value = f(&tx)?;
    tx.commit().map_err(AppError::internal)?;
    Ok(value)
}

/// The lock file processes take turns on to migrate, beside the database.
const MIGRATE_LOCK: &str = "novi-migrate.lock";

/// Waits for this process's turn to migrate the database at `db_path`. Two processes opening a
/// new data directory at once (the service starting while an administrator runs a command)
/// both applied the same migration, and the second failed ("duplicate column name"); in turn,
/// the second finds nothing left to do. Held until dropped. Without a lock file (a directory
/// this user may read but not write) there is no turn to take, and migrating goes on as before.
fn migration_turn(db_path: &Path) -> Option<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(db_path.with_file_name(MIGRATE_LOCK))
        .ok()?;
    file.lock().ok()?;
    Some(file)
}

/// The newest migration built into this binary: the schema version it brings a database to.
pub fn latest_migration() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// SQLite's quick structural check of the database: "ok", or what is wrong.
pub fn quick_check(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("PRAGMA quick_check", [], |r| r.get(0))
}

/// SQLite's full check (`integrity_check`: the structure, and every index against its table):
/// "ok", or the first few things wrong, one per line.
pub fn integrity_check(conn: &Connection) -> rusqlite::Result<String> {
    let mut stmt = conn.prepare("PRAGMA integrity_check(10)")?;
    let found = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(found.join("; "))
}

/// The newest migration applied to the database (0 for none).
pub fn applied_migration(conn: &Connection) -> rusqlite::Result<i64> {
    let v: Option<i64> = conn.query_row(
        "SELECT MAX(version) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )?;
    Ok(v.unwrap_or(0))
}

/// A connection outside the pool, set up like the pool's.
fn open_configured(path: &Path) -> AppResult<Connection> {
    let mut conn = Connection::open(path)?;
    configure(&mut conn)?;
    Ok(conn)
}

/// Per-connection settings. `synchronous=FULL` because a shop PC can lose power, and an order
/// that was acknowledged must still be there when it comes back.
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS.into()))?;
    // Answering one message runs some twenty distinct statements; rusqlite keeps 16 by
    // default, so they pushed each other out and every one was parsed again each time.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Without the query planner stability guarantee, SQLite plans a `LIMIT ?` (and a few other
    // shapes) around the value bound, so binding any new value expires the statement and the
    // next run parses and plans it again: the cache above kept nothing for such statements.
    // With it, a statement's plan never depends on its bindings.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // Temporary storage in memory, because a savepoint's journal (the pages as they were
    // before it) passing 64 KiB would otherwise spill to a file, a write per page: the
    // conversation worker places each order in a savepoint, and an order's journal (its
    // lines, events, counts and stock) passes that. In memory it is freed at each release.
    // Reading threads keep sorts on disk (`readers`), so a report over a large book does not
    // grow the process, and the webhook writer, which saves no orders, keeps its statement
    // journals in one piece (`ingest::writer_settings`).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)
}

/// Pages in the log past which a connection's commit copies it into the database, rather than
/// SQLite's 1,000. While the conversation worker answers a backlog it is the one writer, and
/// each copy ran inside one of its commits: a page its batches rewrite over and over (the
/// chats, drafts and queue of the same customers) is copied once per 4,000 pages, not four
/// times. The webhook writer keeps 1,000 (`ingest::writer_settings`): in a flood of webhooks
/// larger copies held their acknowledgements longer.
pub const CHECKPOINT_PAGES: i64 = 4000;

/// Runs `f` inside a savepoint of the current transaction: its writes are kept when it
/// succeeds and undone when it fails, without ending the transaction around it.
pub fn savepoint<T, E: From<AppError>>(
    conn: &Connection,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    // Cached statements: the conversation worker runs this for every order it prices.
    let run = |sql: &str| {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.execute([]))
            .map_err(AppError::from)
    };
    run("SAVEPOINT step")?;
    match f() {
        Ok(v) => {
            run("RELEASE step")?;
            Ok(v)
        }
        Err(e) => {
            run("ROLLBACK TO step")?;
            run("RELEASE step")?;
            Err(e)
        }
    }
}

/// Runs slow synchronous work (password hashing, several statements) on the blocking pool.
pub async fn blocking<T, F>(f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> AppResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(AppError::internal)?
}

/// Ids as a JSON array, to bind as one parameter and read back with `json_each`.
pub fn id_list(ids: &[i64]) -> String {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("[{}]", ids.join(","))
}

/// A `LIKE ... ESCAPE '\'` pattern for text containing `text` as typed: `%`, `_` and the
/// backslash itself are escaped, so a search for "50%" or "a_b" finds only those characters.
pub fn like_containing(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A migrated database in a new temporary directory, for unit tests: the directory is removed
/// when the first value drops, so keep it alive as long as the database.
#[cfg(test)]
pub(crate) fn scratch() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = Db::open(dir.path()).expect("a new database opens");
    (dir, db)
}

/// Seconds since the Unix epoch: how times are stored.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// True when `err` is SQLite refusing a row for a UNIQUE constraint.
pub fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

/// The plan SQLite chooses for `sql` with `args`, one step a line: the plan tests hold a
/// statement to its index with it.
#[cfg(test)]
pub(crate) fn query_plan(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> String {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("a statement SQLite can plan");
    let steps = stmt
        .query_map(args, |r| r.get::<_, String>(3))
        .expect("its plan");
    steps
        .map(|s| s.expect("a step"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod upgrade_tests;

#[cfg(test)]
mod check_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_like_pattern_finds_the_text_as_typed() {
        let conn = Connection::open_in_memory().unwrap();
        let like = |hay: &str, text: &str| -> bool {
            conn.query_row(
                "SELECT ?1 LIKE ?2 ESCAPE '\\'",
                [hay, &like_containing(text)],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert!(like("Box of 50% off", "50%"));
        assert!(
            !like("Box of 500", "50%"),
            "a percent sign is not a wildcard"
        );
        assert!(like("a_b", "a_b"));
        assert!(!like("axb", "a_b"), "an underscore is not a wildcard");
        assert!(like(r"C:\shop", r"C:\"));
        assert!(!like("C:shop", r"C:\"), "a backslash is itself");
        assert!(
            like("Asha", "ASH"),
            "any case, as SQLite's LIKE is for ASCII"
        );
        assert!(like("anything", ""));
    }

    #[test]
    fn opens_with_wal_full_sync_and_foreign_keys() {
        let (_dir, db) = scratch();
        db.with_conn(|c| {
            let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
            let fk: i64 = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
            let copied_past: i64 = c.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?;
            assert_eq!(mode, "wal");
            assert_eq!(sync, 2, "synchronous must be FULL");
            assert_eq!(fk, 1);
            assert_eq!(
                copied_past, 4000,
                "pages in the log before it is copied back"
            );
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn a_cached_statement_is_not_parsed_again_when_its_limit_is_bound_anew() {
        let (_dir, db) = scratch();
        db.with_conn(|c| {
            let sql = "SELECT id FROM businesses WHERE id > ?1 ORDER BY id LIMIT ?2";
            for limit in [8, 25, 8] {
                let mut stmt = c.prepare_cached(sql)?;
                stmt.query_map(rusqlite::params![0, limit], |r| r.get::<_, i64>(0))?
                    .for_each(drop);
                let parsed_again = stmt.get_status(rusqlite::StatementStatus::RePrepare);
                assert_eq!(
                    parsed_again, 0,
                    "LIMIT {limit} made SQLite prepare it again"
                );
            }
            Ok(())
        })
        .unwrap();
    }

    /// Writes queued behind a held write turn wait without a thread each: one blocking thread
    /// waits for the turn, however many writes are queued. Counted while the turn is held:
    /// once it is let go, a write may start a second thread while the one before is still on
    /// its way back to the idle pool, so the count after them all is not the property.
    #[test]
    fn queued_writes_wait_for_the_turn_without_a_thread_each() {
        let (_dir, db) = scratch();
        let started = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let runtime = {
            let started = started.clone();
            tokio::runtime::Builder::new_current_thread()
                .on_thread_start(move || {
                    started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                })
                .build()
                .unwrap()
        };
        let turn = db.writer.lock().unwrap();
        let writes: Vec<_> = (0..32)
            .map(|i| {
                let db = db.clone();
                runtime.spawn(async move {
                    db.write(move |tx| {
                        tx.execute("CREATE TABLE IF NOT EXISTS w (i INTEGER)", [])?;
                        tx.execute("INSERT INTO w VALUES (?1)", [i])?;
                        Ok::<_, AppError>(())
                    })
                    .await
                })
            })
            .collect();
        // The first write's thread starts when the OS gets to it, so it is waited for. Then, on
        // a current-thread runtime each yield runs every other ready task once: every write
        // has gone as far as it can while the turn is held.
        runtime.block_on(async {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while started.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "no write reached a blocking thread"
                );
                tokio::task::yield_now().await;
            }
            for _ in 0..64 {
                tokio::task::yield_now().await;
            }
        });
        let waiting = started.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(
            waiting, 1,
            "{waiting} blocking threads for 32 writes queued behind the turn"
        );
        drop(turn);
        runtime.block_on(async {
            for w in writes {
                w.await.unwrap().unwrap();
            }
        });
        let rows: i64 = db
            .with_conn(|c| Ok(c.query_row("SELECT COUNT(*) FROM w", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(rows, 32, "every queued write committed");
    }

    #[test]
    fn migrating_twice_applies_nothing_the_second_time() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_without_migrating(dir.path()).unwrap();
        assert!(!db.migrate().unwrap().is_empty());
        assert!(db.migrate().unwrap().is_empty());
    }

    #[test]
    fn two_processes_opening_a_new_directory_take_turns_to_migrate() {
        let all = embedded::migrations::runner().get_migrations().len();
        for _ in 0..8 {
            let dir = tempfile::tempdir().unwrap();
            let start = std::sync::Arc::new(std::sync::Barrier::new(2));
            let migrating: Vec<_> = (0..2)
                .map(|_| {
                    let db = Db::open_without_migrating(dir.path()).unwrap();
                    let start = start.clone();
                    std::thread::spawn(move || {
                        start.wait();
                        db.migrate().map_err(|e| format!("{e:#}"))
                    })
                })
                .collect();
            let applied: Vec<usize> = migrating
                .into_iter()
                .map(|t| t.join().unwrap().unwrap().len())
                .collect();
            assert_eq!(
                applied.iter().sum::<usize>(),
                all,
                "each applied once: {applied:?}"
            );
        }
    }

    /// Which of the built-in migrations call for the check of every reference: V44 rebuilds a
    /// table, V45 only drops an index, and a start with nothing to apply runs none.
    #[test]
    fn only_migrations_that_could_move_a_reference_call_for_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::as_of(dir.path(), 43);
        let mut conn = db.pool.get().unwrap();
        let mut to = |version: i32| {
            let (result, moved) = references::watched(&mut conn, |c| {
                let runner = embedded::migrations::runner();
                Ok(runner
                    .set_target(refinery::Target::Version(version))
                    .run(c)?)
            })
            .unwrap();
            let applied = result.unwrap().applied_migrations().len();
            (applied, moved)
        };
        assert_eq!(to(44), (1, true), "V44 rebuilds order_counts");
        assert_eq!(to(45), (1, false), "V45 drops an index");
        assert_eq!(to(45), (0, false), "nothing to apply");
    }
}
