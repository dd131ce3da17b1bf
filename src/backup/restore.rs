//! Restoring a backup into a data directory no server is using: the file is read and checked
//! whole into a scratch folder first, then the current data is moved aside into
//! `previous-<time>/` and the restored files are moved in, each a rename on one file system.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::read::{read, Extract};
use super::{DirLock, Manifest, Progress, SESSIONS_DIR};
use crate::catalog::image;
use crate::db::DB_FILE;

/// A finished restore.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Where the data that was there before now is; `None` when there was none.
    pub aside: Option<PathBuf>,
}

/// What a restore replaces: the database with its journal files, uploads and session stores.
fn replaced() -> [String; 6] {
    [
        DB_FILE.to_owned(),
        format!("{DB_FILE}-wal"),
        format!("{DB_FILE}-shm"),
        format!("{DB_FILE}-journal"),
        image::DIR.to_owned(),
        SESSIONS_DIR.to_owned(),
    ]
}

/// Restores the backup at `file` into `data_dir`. Refused while a server uses the directory;
/// on any error before the swap, nothing in `data_dir` has changed.
pub fn restore(data_dir: &Path, file: &Path, progress: &dyn Progress) -> anyhow::Result<Restored> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    // A restore into a directory that is not there yet makes it; if the backup is then
    // refused, the directory it made goes too, so a failed restore changes nothing.
    let made = !data_dir.exists();
    let done = restore_into(data_dir, file, progress);
    if done.is_err() && made {
        let _ = std::fs::remove_dir_all(data_dir);
    }
    done
}

fn restore_into(data_dir: &Path, file: &Path, progress: &dyn Progress) -> anyhow::Result<Restored> {
    let _lock = DirLock::exclusive(data_dir)?;
    let staging = tempfile::Builder::new()
        .prefix(".novi-restore-")
        .tempdir_in(data_dir)
        .with_context(|| format!("cannot write in {}", data_dir.display()))?;
    let manifest = read(file, Extract::All(staging.path()), progress)?;
    let known = crate::db::latest_migration();
    if manifest.schema_version > known {
        bail!(
            "{} was made by Novi {}, whose database is newer (schema {}) than this Novi knows ({known}): upgrade Novi, then restore",
            file.display(),
            manifest.novi_version,
            manifest.schema_version
        );
    }
    let aside = move_aside(data_dir)?;
    if let Err(e) = move_all(staging.path(), data_dir, &replaced()) {
        // Put the old data back rather than leave a half-restored directory.
        if let Some(aside) = &aside {
            for name in replaced() {
                let _ = std::fs::rename(aside.join(&name), data_dir.join(&name));
            }
        }
        return Err(e.context("the restore could not finish; the data was left as it was"));
    }
    Ok(Restored { manifest, aside })
}

/// Moves what a restore replaces into a new `previous-<time>` folder; `None` if there was nothing.
fn move_aside(data_dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    let names = replaced();
    if !names.iter().any(|n| data_dir.join(n).exists()) {
        return Ok(None);
    }
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
    let mut aside = data_dir.join(format!("previous-{stamp}"));
    for n in 2.. {
        if !aside.exists() {
            break;
        }
        aside = data_dir.join(format!("previous-{stamp}-{n}"));
    }
    std::fs::create_dir(&aside).with_context(|| format!("cannot create {}", aside.display()))?;
    if let Err(e) = move_all(data_dir, &aside, &names) {
        let _ = move_all(&aside, data_dir, &names);
        return Err(e);
    }
    Ok(Some(aside))
}

/// Renames each of `names` that exists in `from` into `to`.
fn move_all(from: &Path, to: &Path, names: &[String]) -> anyhow::Result<()> {
    for name in names {
        let src = from.join(name);
        if src.exists() {
            std::fs::rename(&src, to.join(name))
                .with_context(|| format!("cannot move {} into {}", src.display(), to.display()))?;
        }
    }
    Ok(())
}
