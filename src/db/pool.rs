//! The pool's connection manager: SQLite connections set up by [`super::configure`], and a
//! way to close the connections a rush opened once it is over. r2d2 closes idle connections
//! only on its own timer, whose least is ten minutes; each one holds the schema, a page cache
//! and its prepared statements, so a server stayed far above its idle size long after a rush.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use r2d2::ManageConnection;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

/// Connections the pool keeps open while idle.
pub const KEEP: u32 = 2;

/// Opens connections to one file; closes as many returning ones as it is asked to retire.
#[derive(Debug)]
pub struct Manager {
    inner: SqliteConnectionManager,
    retiring: Arc<AtomicU32>,
}

impl Manager {
    pub fn new(path: &Path) -> (Self, Arc<AtomicU32>) {
        let retiring = Arc::new(AtomicU32::new(0));
        let inner = SqliteConnectionManager::file(path).with_init(super::configure);
        let manager = Self {
            inner,
            retiring: Arc::clone(&retiring),
        };
        (manager, retiring)
    }
}

impl ManageConnection for Manager {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        self.inner.connect()
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<(), rusqlite::Error> {
        self.inner.is_valid(conn)
    }

    /// r2d2 asks this of every connection coming back, and closes it on `true`: the way to
    /// close a healthy connection it offers.
    fn has_broken(&self, _: &mut Connection) -> bool {
        self.retiring
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }
}
