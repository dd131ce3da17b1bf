//! Reading a backup back: every entry hashed and checked against the manifest, and every
//! database checked by SQLite (`quick_check`), before anything is trusted. A damaged, cut-short
//! or foreign file ends in one readable error.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use rusqlite::{Connection, OpenFlags};

use super::make::Hashing;
use super::manifest::{self, Manifest};
use super::{is_backed_up, is_database, Progress, Quiet};

/// The manifest is small; anything larger is not one of ours.
const MANIFEST_LIMIT: u64 = 64 << 20;

/// Checks the backup at `file` whole, writing nothing: what `novi backup verify` does.
pub fn verify(file: &Path, progress: &dyn Progress) -> anyhow::Result<Manifest> {
    let scratch = tempfile::tempdir().context("cannot make a scratch folder")?;
    read(file, Extract::DatabasesOnly(scratch.path()), progress)
}

/// Where entries read from a backup go.
pub enum Extract<'a> {
    /// Databases into the folder (to be checked by SQLite); the rest only hashed.
    DatabasesOnly(&'a Path),
    /// Everything into the folder, laid out as in the data directory.
    All(&'a Path),
}

/// Reads the backup at `file`, checking each entry against the manifest, and writes entries as
/// `into` says. On error, what was written is incomplete and must be thrown away.
pub fn read(file: &Path, into: Extract, progress: &dyn Progress) -> anyhow::Result<Manifest> {
    let opened = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let total = opened.metadata().map(|m| m.len()).unwrap_or(0);
    progress.start("Checking", total);
    let name = file.display().to_string();
    let damaged = |detail: String| anyhow!("{name} is not a complete Novi backup: {detail}");
    let mut archive = tar::Archive::new(Hashing::new(opened, progress));
    let mut seen = BTreeMap::new();
    let mut manifest = None;
    let entries = archive.entries().map_err(|e| damaged(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| damaged(e.to_string()))?;
        let path = entry.path().map_err(|e| damaged(e.to_string()))?;
        let path = path.to_string_lossy().into_owned();
        if manifest.is_some() {
            return Err(damaged(format!("{path} comes after the manifest")));
        }
        let size = entry.header().size().map_err(|e| damaged(e.to_string()))?;
        if path == manifest::NAME {
            manifest =
                Some(read_manifest(&mut entry, size).map_err(|e| damaged(format!("{e:#}")))?);
            continue;
        }
        if !is_backed_up(&path) || entry.header().entry_type() != tar::EntryType::Regular {
            bail!("{name} is not a Novi backup: it holds {path}");
        }
        let sha = copy_entry(&mut entry, &path, size, &into).map_err(|e| {
            if e.is::<NoRoom>() {
                e
            } else {
                damaged(format!("{e:#}"))
            }
        })?;
        if seen.insert(path.clone(), (size, sha)).is_some() {
            return Err(damaged(format!("{path} appears twice")));
        }
    }
    let manifest = manifest.ok_or_else(|| damaged("it has no manifest (cut short?)".into()))?;
    compare(&manifest, &seen).map_err(damaged)?;
    let folder = match into {
        Extract::DatabasesOnly(d) | Extract::All(d) => d,
    };
    for path in seen.keys().filter(|p| is_database(p)) {
        quick_check(&folder.join(path)).map_err(|e| damaged(format!("{path}: {e:#}")))?;
    }
    Ok(manifest)
}

fn read_manifest(entry: &mut impl Read, size: u64) -> anyhow::Result<Manifest> {
    if size > MANIFEST_LIMIT {
        bail!("its manifest is too large");
    }
    let mut text = String::new();
    entry
        .take(size)
        .read_to_string(&mut text)
        .context("its manifest is unreadable")?;
    let manifest: Manifest = serde_json::from_str(&text).context("its manifest is unreadable")?;
    if manifest.format > manifest::FORMAT {
        bail!(
            "it was made by Novi {} in backup format {}; this Novi reads format {}: upgrade Novi",
            manifest.novi_version,
            manifest.format,
            manifest::FORMAT
        );
    }
    Ok(manifest)
}

/// Reads one entry through, writing it where `into` says; returns its SHA-256.
fn copy_entry(
    entry: &mut impl Read,
    path: &str,
    size: u64,
    into: &Extract,
) -> anyhow::Result<String> {
    let target = match into {
        Extract::All(dir) => Some(dir.join(path)),
        Extract::DatabasesOnly(dir) if is_database(path) => Some(dir.join(path)),
        Extract::DatabasesOnly(_) => None,
    };
    let mut reader = Hashing::new(entry.take(size), &Quiet);
    match &target {
        Some(target) => {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).context("cannot write")?;
            }
            let mut out = File::create(target)
                .with_context(|| format!("cannot write {}", target.display()))?;
            let written = std::io::copy(&mut reader, &mut out).and_then(|_| out.sync_all());
            if let Err(e) = written {
                return Err(match NoRoom::from(e, path, target) {
                    Ok(no_room) => no_room.into(),
                    Err(e) => anyhow::Error::new(e).context(format!("reading {path}")),
                });
            }
        }
        None => {
            std::io::copy(&mut reader, &mut std::io::sink())
                .with_context(|| format!("reading {path}"))?;
        }
    }
    if reader.count != size {
        bail!("{path} is cut short");
    }
    Ok(reader.finish())
}

/// The disk being written to is full (or read-only): the backup is not to blame, and saying it
/// is damaged would send an admin away from a good one.
#[derive(Debug)]
struct NoRoom {
    path: String,
    folder: String,
    error: std::io::Error,
}

impl NoRoom {
    /// `e` as no room to write `path` at `target`, or `e` itself when it is something else.
    fn from(e: std::io::Error, path: &str, target: &Path) -> Result<Self, std::io::Error> {
        use std::io::ErrorKind::{QuotaExceeded, ReadOnlyFilesystem, StorageFull};
        if !matches!(e.kind(), StorageFull | QuotaExceeded | ReadOnlyFilesystem) {
            return Err(e);
        }
        let folder = target.parent().unwrap_or(target).display().to_string();
        Ok(NoRoom {
            path: path.to_owned(),
            folder,
            error: e,
        })
    }
}

impl std::fmt::Display for NoRoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "there is no room to unpack {} into {} ({}); the backup itself was not found \
             damaged: free space there, or for `backup verify` set TMPDIR to a folder with room",
            self.path, self.folder, self.error
        )
    }
}

impl std::error::Error for NoRoom {}

/// The entries read must be exactly those the manifest lists, byte for byte.
fn compare(manifest: &Manifest, seen: &BTreeMap<String, (u64, String)>) -> Result<(), String> {
    manifest::match_entries(&manifest.entries, seen)?;
    if manifest.entry(crate::db::DB_FILE).is_none() {
        return Err("it holds no database".into());
    }
    Ok(())
}

/// SQLite's own check of a database file's structure.
fn quick_check(path: &Path) -> anyhow::Result<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict = crate::db::quick_check(&conn).context("not a database")?;
    if verdict != "ok" {
        bail!("the database is damaged ({verdict})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_said_to_be_full_not_the_backup_damaged() {
        let data = tempfile::tempdir().unwrap();
        crate::db::Db::open(data.path()).unwrap();
        let out = tempfile::tempdir().unwrap();
        let file = out.path().join("shop.tar");
        super::super::make(data.path(), &file, &Quiet).unwrap();
        // The database unpacks onto a device that is always full.
        let scratch = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/full", scratch.path().join(crate::db::DB_FILE)).unwrap();
        let err = read(&file, Extract::All(scratch.path()), &Quiet).unwrap_err();
        let text = format!("{err:#}");
        assert!(err.is::<NoRoom>(), "{text}");
        assert!(
            text.starts_with("there is no room to unpack novi.db into")
                && !text.contains("not a complete"),
            "{text}"
        );
        // The same backup read into a folder with room is good.
        let roomy = tempfile::tempdir().unwrap();
        read(&file, Extract::All(roomy.path()), &Quiet).unwrap();
    }
}
