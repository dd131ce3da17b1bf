//! The business export file: a tar of `rows/<table>.jsonl` (one JSON object a row), the shop's
//! `uploads/`, its linked phone's `whatsapp/session.db`, and `business.json` last, naming the
//! shop and giving each entry's size and SHA-256, so a cut-short or altered file is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use serde::{Deserialize, Serialize};

use crate::backup::make::{header, Hashing};
use crate::backup::manifest::{self as backup_manifest, Entry};
use crate::backup::Quiet;

/// The format this Novi writes and reads; a later one is refused rather than half-read.
pub const FORMAT: u32 = 1;

/// The manifest's name inside the archive (a backup's is `manifest.json`).
pub const MANIFEST: &str = "business.json";

/// What `kind` says, so a file is known for what it is.
pub const KIND: &str = "novi-business-export";

/// The linked phone's session store, whatever the business's id was.
pub const SESSION: &str = "whatsapp/session.db";

/// The manifest is small; anything larger is not one of ours.
const MANIFEST_LIMIT: u64 = 16 << 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub kind: String,
    pub format: u32,
    pub novi_version: String,
    /// The newest migration of the database the rows were read from.
    pub schema_version: i64,
    pub created_at: String,
    pub short_code: String,
    pub name: String,
    /// Always true: the rows hold the shop's WhatsApp credentials, API token hashes and
    /// password hashes in the clear, as its database does. The file is written readable by
    /// its owner only.
    pub holds_secrets: bool,
    /// Rows in each `rows/<table>.jsonl`.
    pub rows: BTreeMap<String, u64>,
    pub entries: Vec<Entry>,
}

/// The entry holding a table's rows.
pub fn rows_entry(table: &str) -> String {
    format!("rows/{table}.jsonl")
}

/// True for the paths an export may hold (besides its manifest).
fn allowed(path: &str) -> bool {
    let plain =
        |name: &str| !name.is_empty() && crate::catalog::image::path(Path::new(""), name).is_some();
    match path.split_once('/') {
        Some(("rows", file)) => file.strip_suffix(".jsonl").is_some_and(|t| {
            super::tables::find(t).is_some() || super::retired::NAMES.contains(&t)
        }),
        Some((crate::catalog::image::DIR, name)) => plain(name),
        _ => path == SESSION,
    }
}

/// Writes the files `sources` (path in the archive, file on disk) and then the manifest into
/// `out`, filling in the manifest's entries.
pub fn write(
    out: &mut File,
    sources: &[(String, std::path::PathBuf)],
    mut manifest: Manifest,
) -> anyhow::Result<Manifest> {
    let mut tar = tar::Builder::new(std::io::BufWriter::new(out));
    for (name, path) in sources {
        let size = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut reader = Hashing::new(file.take(size), &Quiet);
        tar.append_data(&mut header(size), name, &mut reader)
            .with_context(|| format!("cannot write {name} into the export"))?;
        if reader.count != size {
            bail!(
                "{} changed while it was being exported; try again",
                path.display()
            );
        }
        let sha256 = reader.finish();
        manifest.entries.push(Entry {
            path: name.clone(),
            size,
            sha256,
        });
    }
    let json = serde_json::to_vec_pretty(&manifest).context("cannot write the manifest")?;
    tar.append_data(&mut header(json.len() as u64), MANIFEST, json.as_slice())
        .context("cannot write the manifest")?;
    tar.into_inner()
        .and_then(|mut w| w.flush())
        .context("cannot write the export")?;
    Ok(manifest)
}

/// Reads the export at `file` into the folder `into`, laid out as in the archive, checking
/// every entry against the manifest. Any fault ends in one readable error.
pub fn read(file: &Path, into: &Path) -> anyhow::Result<Manifest> {
    let name = file.display().to_string();
    let opened = File::open(file).with_context(|| format!("cannot open {name}"))?;
    let damaged =
        |detail: String| anyhow!("{name} is not a complete Novi business export: {detail}");
    let mut archive = tar::Archive::new(opened);
    let mut seen = BTreeMap::new();
    let mut manifest = None;
    for entry in archive.entries().map_err(|e| damaged(e.to_string()))? {
        let mut entry = entry.map_err(|e| damaged(e.to_string()))?;
        let path = entry.path().map_err(|e| damaged(e.to_string()))?;
        let path = path.to_string_lossy().into_owned();
        let size = entry.header().size().map_err(|e| damaged(e.to_string()))?;
        if manifest.is_some() {
            return Err(damaged(format!("{path} comes after the manifest")));
        }
        if path == backup_manifest::NAME || path == crate::db::DB_FILE {
            bail!("{name} is a Novi backup, not a business export: restore it with `novi restore`");
        }
        if path == MANIFEST {
            let m = read_manifest(&mut entry, size).map_err(|e| damaged(format!("{e:#}")))?;
            manifest = Some(m);
            continue;
        }
        if !allowed(&path) || entry.header().entry_type() != tar::EntryType::Regular {
            bail!("{name} is not a Novi business export: it holds {path}");
        }
        let sha = extract(&mut entry, &into.join(&path), size)
            .map_err(|e| damaged(format!("{path}: {e:#}")))?;
        if seen.insert(path.clone(), (size, sha)).is_some() {
            return Err(damaged(format!("{path} appears twice")));
        }
    }
    let manifest = manifest.ok_or_else(|| damaged("it has no manifest (cut short?)".into()))?;
    compare(&manifest, &seen).map_err(damaged)?;
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
    let m: Manifest = serde_json::from_str(&text).context("its manifest is unreadable")?;
    if m.kind != KIND {
        bail!("its manifest is of a {}", m.kind);
    }
    if m.format > FORMAT {
        bail!(
            "it was made by Novi {} in format {}; this Novi reads format {FORMAT}: upgrade Novi",
            m.novi_version,
            m.format
        );
    }
    Ok(m)
}

/// Copies one entry to `target`; returns its SHA-256.
fn extract(entry: &mut impl Read, target: &Path, size: u64) -> anyhow::Result<String> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).context("cannot write")?;
    }
    let mut out =
        File::create(target).with_context(|| format!("cannot write {}", target.display()))?;
    let mut reader = Hashing::new(entry.take(size), &Quiet);
    std::io::copy(&mut reader, &mut out).context("cannot read it")?;
    if reader.count != size {
        bail!("it is cut short");
    }
    Ok(reader.finish())
}

/// The entries read must be exactly those the manifest lists, byte for byte, and hold every
/// table's rows; an export from an older schema may lack a table newer than it, which its
/// manifest then does not count either.
fn compare(m: &Manifest, seen: &BTreeMap<String, (u64, String)>) -> Result<(), String> {
    backup_manifest::match_entries(&m.entries, seen)?;
    let listed: BTreeSet<&str> = m.entries.iter().map(|e| e.path.as_str()).collect();
    let older = m.schema_version < crate::db::latest_migration();
    for table in super::tables::TABLES {
        let newer = older && !m.rows.contains_key(table.name);
        if !listed.contains(rows_entry(table.name).as_str()) && !newer {
            return Err(format!("it has no rows of {}", table.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rows_uploads_and_the_session_may_be_in_an_export() {
        assert!(allowed("rows/orders.jsonl"));
        assert!(allowed("uploads/ab12.jpg"));
        assert!(allowed(SESSION));
        for other in [
            "rows/order_counts.jsonl",
            "rows/../novi.db",
            "uploads/../secret.key",
            "uploads/.hidden",
            "uploads/",
            "novi.db",
            "whatsapp/business-1.db",
            "/etc/passwd",
        ] {
            assert!(!allowed(other), "{other}");
        }
    }
}
