//! Backups that can be restored: one tar file holding a consistent copy of the database, the
//! uploads, the linked phones' session stores and a manifest with checksums (`make`), checked
//! whole before it is trusted (`read`), and restored with the previous data kept aside (`restore`).

pub mod business;
pub mod lock;
pub mod make;
pub mod manifest;
mod pace;
pub mod read;
pub mod restore;
pub mod rotate;
pub mod schedule;
mod watch;

use std::path::{Path, PathBuf};

pub use lock::DirLock;
pub use make::make;
pub use manifest::Manifest;
pub use read::verify;
pub use restore::restore;
pub use watch::Watch;

/// The folder in the data directory that scheduled backups (and `novi backup` without `--to`)
/// go into.
pub const DIR: &str = "backups";

/// The linked provider's SQLite stores, one per business (`whatsapp::linked::task::session_path`).
pub const SESSIONS_DIR: &str = "whatsapp";

/// What is backed up, by its path in the data directory. Everything else there (settings,
/// the server key, backups themselves) is left alone by backup and restore.
pub fn is_backed_up(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let plain =
        |name: &str| !name.is_empty() && name != "." && name != ".." && !name.contains('\\');
    match parts.as_slice() {
        [db] => *db == crate::db::DB_FILE,
        [dir, name] if *dir == crate::catalog::image::DIR => plain(name),
        [dir, name] if *dir == SESSIONS_DIR => plain(name) && name.ends_with(".db"),
        _ => false,
    }
}

/// True for entries that are SQLite databases, copied with `VACUUM INTO` and checked with
/// `quick_check` on the way back.
pub fn is_database(path: &str) -> bool {
    path.ends_with(".db")
}

/// Told how far a long step has got, for a progress bar at the shell.
pub trait Progress {
    /// A step of `total` bytes begins.
    fn start(&self, what: &str, total: u64);
    /// `bytes` more are done.
    fn advance(&self, bytes: u64);
}

/// Reports nothing: for the server's scheduled backups and tests.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// The file name a backup made at `at` gets in the backups folder; the rotation reads the time
/// back from it.
pub fn file_name(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("novi-backup-{}.tar", at.format("%Y%m%d-%H%M%S"))
}

/// The default place for a new backup in `data_dir`.
pub fn default_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DIR).join(file_name(chrono::Utc::now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_data_is_backed_up() {
        assert!(is_backed_up("novi.db"));
        assert!(is_backed_up("uploads/ab12.jpg"));
        assert!(is_backed_up("whatsapp/business-3.db"));
        for other in [
            "novi.toml",
            "secret.key",
            "novi.db-wal",
            "uploads/../novi.toml",
            "uploads/..",
            "/etc/passwd",
            "whatsapp/notes.txt",
            "uploads/a/b.jpg",
            "backups/novi-backup-20260101-000000.tar",
        ] {
            assert!(!is_backed_up(other), "{other}");
        }
    }
}
