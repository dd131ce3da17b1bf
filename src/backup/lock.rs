//! Who is using the data directory: `novi serve` and every admin command that reads or writes
//! it hold a shared lock on `novi.lock` for as long as they run, and `novi restore` an
//! exclusive one, so a restore never swaps the data out from under a running server, and a
//! change a command reports made is never made to the database a restore then moves aside. The OS drops the lock when the process ends, even on a
//! crash, so a stale lock file never blocks anything.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use anyhow::{bail, Context};

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "novi.lock";

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

fn open(data_dir: &Path) -> anyhow::Result<File> {
    crate::db::create_data_dir(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    let path = data_dir.join(LOCK_FILE);
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))
}

/// Whether opening the lock file failed for want of permission to write there.
fn written_refused(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem};
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| matches!(io.kind(), PermissionDenied | ReadOnlyFilesystem))
}

impl DirLock {
    /// For `novi serve`: several servers may share a directory, but not with a restore.
    pub fn for_server(data_dir: &Path) -> anyhow::Result<Self> {
        let file = open(data_dir)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => bail!(
                "a restore is under way in {}; start Novi again when it has finished",
                data_dir.display()
            ),
            Err(TryLockError::Error(e)) => Err(e).context("cannot lock the data directory"),
        }
    }

    /// For an admin command: refused while a restore runs. A directory that does not exist
    /// is not made for the lock (no restore is under way in it; the command says what it
    /// finds there).
    pub fn for_command(data_dir: &Path) -> anyhow::Result<Option<Self>> {
        if !data_dir.is_dir() {
            return Ok(None);
        }
        // A user who may read the directory but not write in it (a report run by someone
        // else) cannot hold the lock; nor could they restore into it, or write what a restore
        // would lose, so the command goes on without it.
        let file = match open(data_dir) {
            Ok(f) => f,
            Err(e) if written_refused(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        match file.try_lock_shared() {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(TryLockError::WouldBlock) => bail!(
                "a restore is under way in {}; run this again when it has finished",
                data_dir.display()
            ),
            Err(TryLockError::Error(e)) => Err(e).context("cannot lock the data directory"),
        }
    }

    /// For `novi restore`: refused while any server or command uses the directory.
    pub fn exclusive(data_dir: &Path) -> anyhow::Result<Self> {
        let file = open(data_dir)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => bail!(
                "Novi is using {} (a server, or another command such as a restore): stop it \
                 first (for example `systemctl stop novi`), then restore",
                data_dir.display()
            ),
            Err(TryLockError::Error(e)) => Err(e).context("cannot lock the data directory"),
        }
    }

    /// True when a server holds the directory now (`novi doctor`, the console).
    pub fn server_running(data_dir: &Path) -> bool {
        let Ok(file) = open(data_dir) else {
            return false;
        };
        matches!(file.try_lock(), Err(TryLockError::WouldBlock))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_lock_blocks_restore_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let server = DirLock::for_server(dir.path()).unwrap();
        let second = DirLock::for_server(dir.path()).unwrap();
        let err = DirLock::exclusive(dir.path()).unwrap_err().to_string();
        assert!(err.contains("Novi is using"), "{err}");
        drop((server, second));
        let restore = DirLock::exclusive(dir.path()).unwrap();
        let err = DirLock::for_server(dir.path()).unwrap_err().to_string();
        assert!(err.contains("restore is under way"), "{err}");
        drop(restore);
    }

    #[test]
    fn a_lock_file_that_cannot_be_written_is_gone_without() {
        let refused = |kind| {
            written_refused(
                &anyhow::Error::new(std::io::Error::from(kind)).context("cannot open novi.lock"),
            )
        };
        assert!(refused(std::io::ErrorKind::PermissionDenied));
        assert!(refused(std::io::ErrorKind::ReadOnlyFilesystem));
        assert!(!refused(std::io::ErrorKind::NotFound));
    }
}
