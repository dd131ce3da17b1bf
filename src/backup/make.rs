//! Making a backup while the server runs: each SQLite database is copied with `VACUUM INTO`,
//! which reads one consistent snapshot and lets writers go on, then everything is written into
//! a tar file next to its destination and renamed into place, so a cut-off run leaves no file
//! that looks like a backup.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

use super::manifest::{self, Entry, Manifest};
use super::pace::Pace;
use super::{Progress, SESSIONS_DIR};
use crate::catalog::image;
use crate::db::DB_FILE;

/// A finished backup.
#[derive(Debug)]
pub struct Made {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// The backup file's size.
    pub bytes: u64,
}

/// Backs up `data_dir` into a new file at `dest`.
pub fn make(data_dir: &Path, dest: &Path, progress: &dyn Progress) -> anyhow::Result<Made> {
    if !data_dir.join(DB_FILE).exists() {
        bail!(
            "no Novi database in {} (check --data-dir)",
            data_dir.display()
        );
    }
    if dest.exists() && !by_time(dest) {
        bail!("{} already exists: choose another file", dest.display());
    }
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".novi-backup-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    let mut out = tempfile::Builder::new()
        .prefix(".novi-backup-")
        .suffix(".partial")
        .tempfile_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    // The database's copy and the archive are the large writes; stopped before the final sync.
    let pace = Pace::start(vec![staging.path().join(DB_FILE), out.path().to_owned()]);
    let (sources, schema_version) = gather(data_dir, staging.path())?;
    let manifest = write_archive(out.as_file_mut(), &sources, schema_version, progress)?;
    drop(pace);
    out.as_file()
        .sync_all()
        .context("cannot write the backup")?;
    let bytes = out.as_file().metadata().map(|m| m.len()).unwrap_or(0);
    let dest = persist(out, dest)?;
    Ok(Made {
        path: dest,
        manifest,
        bytes,
    })
}

/// Whether `dest` is named by its time, as Novi names backups (`novi-backup-YYYYMMDD-HHMMSS.tar`).
fn by_time(dest: &Path) -> bool {
    dest.file_name()
        .and_then(|n| super::rotate::made_at(&n.to_string_lossy()))
        .is_some()
}

/// Moves the finished backup to `dest`, never over a file there. A backup named by its time
/// that finds one made in the same second (a cron job beside the server's own at 03:00) takes
/// the next free `-2`, `-3`… name rather than failing; any other name is refused if taken.
fn persist(mut out: tempfile::NamedTempFile, dest: &Path) -> anyhow::Result<PathBuf> {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned());
    let numbered = by_time(dest);
    let mut target = dest.to_owned();
    for n in 2..=100 {
        match out.persist_noclobber(&target) {
            Ok(_) => return Ok(target),
            Err(e) if numbered && e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                out = e.file;
                let stem = name.as_deref().unwrap_or_default().trim_end_matches(".tar");
                target = dest.with_file_name(format!("{stem}-{n}.tar"));
            }
            Err(e) => {
                return Err(e.error).with_context(|| format!("cannot create {}", target.display()))
            }
        }
    }
    anyhow::bail!(
        "cannot create {}: too many backups in one second",
        dest.display()
    )
}

/// The files to archive, as (path in the archive, file on disk): the databases as snapshots
/// in `staging`, the uploads where they are (written once, never changed). Also the schema
/// version of the database snapshot.
fn gather(data_dir: &Path, staging: &Path) -> anyhow::Result<(Vec<(String, PathBuf)>, i64)> {
    let db_copy = staging.join(DB_FILE);
    snapshot(&data_dir.join(DB_FILE), &db_copy)?;
    let schema_version = schema_version(&db_copy)?;
    let mut sources = vec![(DB_FILE.to_owned(), db_copy)];
    let sessions = staging.join(SESSIONS_DIR);
    for (name, path) in files_in(&data_dir.join(SESSIONS_DIR))? {
        if name.ends_with(".db") {
            std::fs::create_dir_all(&sessions).context("cannot write the backup")?;
            snapshot(&path, &sessions.join(&name))?;
            sources.push((format!("{SESSIONS_DIR}/{name}"), sessions.join(&name)));
        }
    }
    for (name, path) in files_in(&data_dir.join(image::DIR))? {
        sources.push((format!("{}/{name}", image::DIR), path));
    }
    Ok((sources, schema_version))
}

/// The plain files directly in `dir`, by name, sorted; none when it does not exist.
fn files_in(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let listing = match std::fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut files = Vec::new();
    for item in listing {
        let item = item.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = item.file_name().to_string_lossy().into_owned();
        if item.file_type().is_ok_and(|t| t.is_file())
            && super::is_backed_up(&format!("{}/{name}", dir_name(dir)))
        {
            files.push((name, item.path()));
        }
    }
    files.sort();
    Ok(files)
}

fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A consistent copy of the SQLite database at `src`, taken while others may be writing to it.
pub fn snapshot(src: &Path, dest: &Path) -> anyhow::Result<()> {
    let dest_text = dest
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", dest.display()))?;
    let conn = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .with_context(|| format!("cannot open {}", src.display()))?;
    // A writer holds the lock only for a moment; wait for it rather than fail.
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.execute("VACUUM INTO ?1", [dest_text])
        .with_context(|| format!("cannot copy {}", src.display()))?;
    Ok(())
}

/// The newest migration applied to the database at `path` (0 for none).
pub fn schema_version(path: &Path) -> anyhow::Result<i64> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    crate::db::applied_migration(&conn)
        .with_context(|| format!("{} has no migration history", path.display()))
}

fn write_archive(
    out: &mut File,
    sources: &[(String, PathBuf)],
    schema_version: i64,
    progress: &dyn Progress,
) -> anyhow::Result<Manifest> {
    let mut sized = Vec::new();
    for (name, path) in sources {
        let size = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        sized.push((name, path, size));
    }
    progress.start("Backing up", sized.iter().map(|s| s.2).sum());
    let mut tar = tar::Builder::new(std::io::BufWriter::new(out));
    let mut entries = Vec::new();
    for (name, path, size) in sized {
        let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut reader = Hashing::new(file.take(size), progress);
        tar.append_data(&mut header(size), name, &mut reader)
            .with_context(|| format!("cannot write {name} into the backup"))?;
        if reader.count != size {
            bail!(
                "{} changed while it was being backed up; try again",
                path.display()
            );
        }
        entries.push(Entry {
            path: name.clone(),
            size,
            sha256: reader.finish(),
        });
    }
    let manifest = Manifest {
        format: manifest::FORMAT,
        novi_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        entries,
    };
    let json = serde_json::to_vec_pretty(&manifest).context("cannot write the manifest")?;
    tar.append_data(
        &mut header(json.len() as u64),
        manifest::NAME,
        json.as_slice(),
    )
    .context("cannot write the manifest")?;
    tar.into_inner()
        .and_then(|mut w| w.flush())
        .context("cannot write the backup")?;
    Ok(manifest)
}

/// A tar header for a private regular file of `size` bytes, dated now.
pub(crate) fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o600);
    h.set_mtime(u64::try_from(crate::db::now()).unwrap_or(0));
    h.set_entry_type(tar::EntryType::Regular);
    h
}

/// A reader that hashes and counts what passes through it, and reports progress.
pub struct Hashing<'p, R> {
    inner: R,
    hasher: Sha256,
    pub count: u64,
    progress: &'p dyn Progress,
}

impl<'p, R: Read> Hashing<'p, R> {
    pub fn new(inner: R, progress: &'p dyn Progress) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
            progress,
        }
    }

    /// The SHA-256 of everything read, as hex.
    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

impl<R: Read> Read for Hashing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::Quiet;

    #[test]
    fn two_backups_in_one_second_both_land() {
        let data = tempfile::tempdir().unwrap();
        crate::db::Db::open(data.path()).unwrap();
        let dest = data.path().join("backups/novi-backup-20261205-030000.tar");
        let first = make(data.path(), &dest, &Quiet).unwrap();
        let second = make(data.path(), &dest, &Quiet).unwrap();
        assert_eq!(first.path, dest);
        assert_eq!(
            second.path,
            dest.with_file_name("novi-backup-20261205-030000-2.tar")
        );
        assert!(second.path.exists());
        // A name the admin chose is never taken over, nor renamed.
        let chosen = data.path().join("shop.tar");
        make(data.path(), &chosen, &Quiet).unwrap();
        let err = make(data.path(), &chosen, &Quiet).unwrap_err();
        assert!(format!("{err:#}").contains("already exists"), "{err:#}");
    }
}
