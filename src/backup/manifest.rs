//! `manifest.json`, the last entry of a backup file: which Novi made it, its schema version,
//! and the size and SHA-256 of every other entry, so a damaged or cut-short file is caught.

use serde::{Deserialize, Serialize};

/// The backup file format this Novi writes and reads. A file of a later format is refused
/// with a clear message rather than half-read.
pub const FORMAT: u32 = 1;

/// The manifest's name inside the archive.
pub const NAME: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The version of Novi that made the backup.
    pub novi_version: String,
    /// The newest database migration applied when the backup was made.
    pub schema_version: i64,
    /// When it was made, RFC 3339 in UTC.
    pub created_at: String,
    pub entries: Vec<Entry>,
}

/// One file in the backup, by its path relative to the data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn entry(&self, path: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.path == path)
    }

    /// Total bytes of the entries: what a progress bar counts up to.
    pub fn total_bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }
}

/// Checks that the entries read from an archive are exactly those listed, byte for byte:
/// none missing, none altered, none extra. `seen` maps each path read to its size and SHA-256.
pub fn match_entries(
    entries: &[Entry],
    seen: &std::collections::BTreeMap<String, (u64, String)>,
) -> Result<(), String> {
    for e in entries {
        match seen.get(&e.path) {
            None => return Err(format!("{} is missing", e.path)),
            Some((size, sha)) if *size != e.size || *sha != e.sha256 => {
                return Err(format!("{} does not match its checksum", e.path))
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = seen.keys().find(|p| !entries.iter().any(|e| &e.path == *p)) {
        return Err(format!("{extra} is not in its manifest"));
    }
    Ok(())
}
