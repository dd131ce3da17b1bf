//! `novi doctor`'s replication check: whether Litestream, where it streams `novi.db` off the
//! machine, has taken every change written so far.
//!
//! Litestream keeps its local state in `.novi.db-litestream/` beside the database: each change it
//! has read out of the write-ahead log becomes an LTX file in `ltx/0/`, and it always keeps the
//! newest one. A write-ahead log written to well after that newest file means Litestream has
//! stopped reading (not running, or stuck). Whether those files also reached the object store is
//! Litestream's own log to tell.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::doctor::{self, Check, Level};
use crate::db::DB_FILE;

/// Litestream copies a change within a second or so; this much later is not a hiccup.
const STALE_AFTER: Duration = Duration::from_secs(120);
/// Where Litestream's configuration is looked for when `LITESTREAM_CONFIG` does not say: the
/// packaged one, then Litestream's own default.
const CONFIG_FILES: [&str; 2] = ["/etc/novi/litestream.yml", "/etc/litestream.yml"];
/// What `novi doctor` prints; its line reads `replication: …`.
pub const NAME: &str = "replication";

/// How replication stands: off, behind (a warning, with why), or current.
#[derive(Debug, PartialEq, Eq)]
pub enum Replica {
    Off,
    Behind(String),
    Current(String),
}

/// The `replication` line: ok when off or current, a warning when behind (never a failure:
/// the shop still works, and the daily backups still run).
pub fn check(data_dir: &Path) -> Check {
    match status(data_dir, SystemTime::now()) {
        Replica::Off => doctor::check(
            Level::Ok,
            NAME,
            "off (no Litestream set up for this database; see \"Off-site copies\" in the README)",
        ),
        Replica::Behind(why) => doctor::check(Level::Warn, NAME, why),
        Replica::Current(detail) => doctor::check(Level::Ok, NAME, detail),
    }
}

/// Litestream's state for the database in `data_dir`.
pub fn status(data_dir: &Path, now: SystemTime) -> Replica {
    let meta = data_dir.join(format!(".{DB_FILE}-litestream"));
    if !meta.is_dir() {
        return match config_naming(&data_dir.join(DB_FILE)) {
            Some(config) => Replica::Behind(format!(
                "{} names {DB_FILE} but Litestream has not replicated it yet: is it running? \
                 (systemctl status novi-litestream)",
                config.display()
            )),
            None => Replica::Off,
        };
    }
    let wal = modified(&data_dir.join(format!("{DB_FILE}-wal")));
    let Some((txid, copied)) = newest_ltx(&meta.join("ltx").join("0")) else {
        return Replica::Behind(
            "Litestream has copied nothing yet: is it running? (systemctl status novi-litestream)"
                .into(),
        );
    };
    let age = |t: SystemTime| minutes(now.duration_since(t).unwrap_or_default());
    match wal {
        Some(w) if w > copied + STALE_AFTER => Replica::Behind(format!(
            "the database changed {} ago, Litestream last copied a change {} ago: is it running? \
             (journalctl -u novi-litestream)",
            age(w),
            age(copied)
        )),
        _ => Replica::Current(format!(
            "Litestream has every change (transaction {txid}, copied {} ago)",
            age(copied)
        )),
    }
}

/// The first Litestream configuration that mentions the database's path, if any.
fn config_naming(db: &Path) -> Option<PathBuf> {
    let db = db.canonicalize().unwrap_or_else(|_| db.to_path_buf());
    let wanted = db.to_string_lossy();
    let candidates: Vec<PathBuf> = match std::env::var_os("LITESTREAM_CONFIG") {
        Some(p) => vec![p.into()],
        None => CONFIG_FILES.iter().map(PathBuf::from).collect(),
    };
    candidates
        .into_iter()
        .find(|c| std::fs::read_to_string(c).is_ok_and(|text| names(&text, &wanted)))
}

/// Whether a line of the YAML that is not a comment holds `path`. Novi reads no YAML: a live
/// line naming the file means someone meant it to be replicated; the packaged config ships its
/// entry commented out, so an untouched install reads as off.
fn names(yaml: &str, path: &str) -> bool {
    yaml.lines()
        .any(|l| !l.trim_start().starts_with('#') && l.contains(path))
}

/// The newest LTX file (by transaction id, from its `MIN-MAX.ltx` name) and when it was written.
fn newest_ltx(level0: &Path) -> Option<(u64, SystemTime)> {
    std::fs::read_dir(level0)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name();
            let max = name.to_str()?.strip_suffix(".ltx")?.split_once('-')?.1;
            let txid = u64::from_str_radix(max, 16).ok()?;
            Some((txid, modified(&e.path())?))
        })
        .max_by_key(|(txid, _)| *txid)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn minutes(d: Duration) -> String {
    match d.as_secs() / 60 {
        0 => "under a minute".into(),
        1 => "1 min".into(),
        m => format!("{m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_ltx_file_is_the_highest_transaction_not_the_longest_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "0000000000000001-0000000000000009.ltx",
            "000000000000000a-000000000000000b.ltx",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        assert_eq!(newest_ltx(dir.path()).map(|(t, _)| t), Some(11));
    }

    #[test]
    fn a_commented_out_path_is_not_a_database_set_up_for_litestream() {
        let db = "/var/lib/novi/novi.db";
        assert!(!names("# dbs:\n#   - path: /var/lib/novi/novi.db\n", db));
        assert!(names(
            "dbs:\n  - path: /var/lib/novi/novi.db # the shop\n",
            db
        ));
        assert!(!names("dbs:\n  - path: /srv/other.db\n", db));
    }

    #[test]
    fn minutes_read_as_a_person_says_them() {
        assert_eq!(minutes(Duration::from_secs(59)), "under a minute");
        assert_eq!(minutes(Duration::from_secs(61)), "1 min");
        assert_eq!(minutes(Duration::from_secs(600)), "10 min");
    }
}
