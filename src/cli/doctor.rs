//! `novi doctor`: checks an install the way an operator would, one line per check, and exits
//! non-zero when any check fails (a warning alone does not).

use std::path::Path;

use anyhow::bail;
use rusqlite::{Connection, OpenFlags};

use crate::backup::{schedule, DirLock};
use crate::config::{Config, FileConfig, Overrides};
use crate::db::{self, DB_FILE};

mod whatsapp;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Ok,
    Warn,
    Fail,
}

pub(super) struct Check {
    level: Level,
    name: &'static str,
    detail: String,
}

pub(super) fn check(level: Level, name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        level,
        name,
        detail: detail.into(),
    }
}

/// Free space below this fails: a backup, a migration or SQLite's own journal may not fit.
const MIN_FREE_BYTES: u64 = 200 << 20;
/// A write-ahead log larger than this means checkpoints are not keeping up.
const WAL_WARN_BYTES: u64 = 256 << 20;

/// Runs every check; `full` checks the database with `integrity_check` instead of
/// `quick_check`.
pub fn run(data_dir: &Path, config_file: Option<&Path>, full: bool) -> anyhow::Result<()> {
    let mut checks = vec![data_directory(data_dir)];
    if checks[0].level != Level::Fail {
        checks.extend(database(data_dir, full));
        checks.push(free_disk(data_dir));
        checks.push(backups(data_dir));
        checks.push(super::doctor_replica::check(data_dir));
        let running = DirLock::server_running(data_dir);
        let server = if running {
            "running"
        } else {
            "not running (scheduled backups need it)"
        };
        checks.push(check(Level::Ok, "server", server));
        checks.extend(whatsapp::checks(data_dir));
    }
    checks.push(listen_address(data_dir, config_file));
    checks.push(clock(data_dir));
    for c in &checks {
        let tag = match c.level {
            Level::Ok => "ok  ",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        outln!("{tag}  {}: {}", c.name, c.detail)?;
    }
    let failed = checks.iter().filter(|c| c.level == Level::Fail).count();
    if failed > 0 {
        bail!("{failed} check(s) failed");
    }
    Ok(())
}

/// The data directory exists, Novi's user owns it and can write in it, and others cannot read it.
fn data_directory(dir: &Path) -> Check {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    const NAME: &str = "data directory";
    let meta = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => m,
        Ok(_) => {
            return check(
                Level::Fail,
                NAME,
                format!("{} is not a directory", dir.display()),
            )
        }
        Err(e) => return check(Level::Fail, NAME, format!("{}: {e}", dir.display())),
    };
    // A file made now is owned by whoever runs Novi: the directory should be too.
    let probe = match tempfile::tempfile_in(dir) {
        Ok(f) => f,
        Err(e) => {
            return check(
                Level::Fail,
                NAME,
                format!("cannot write in {}: {e}", dir.display()),
            )
        }
    };
    let me = probe.metadata().map(|m| m.uid()).unwrap_or(meta.uid());
    if meta.uid() != me {
        let detail = format!(
            "{} is owned by uid {}, not by this user (uid {me}): chown it",
            dir.display(),
            meta.uid()
        );
        return check(Level::Fail, NAME, detail);
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o007 != 0 {
        let detail = format!(
            "{} is open to every user (mode {mode:o}): chmod 750 it",
            dir.display()
        );
        return check(Level::Warn, NAME, detail);
    }
    check(
        Level::Ok,
        NAME,
        format!("{} (mode {mode:o}, owned by this user)", dir.display()),
    )
}

/// The database passes SQLite's quick check (its integrity check when `full`), its schema
/// matches this Novi, its log is small.
fn database(dir: &Path, full: bool) -> Vec<Check> {
    let path = dir.join(DB_FILE);
    if !path.exists() {
        return vec![check(
            Level::Fail,
            "database",
            format!("no {} (run `novi migrate` to create one)", path.display()),
        )];
    }
    let conn = match Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY) {
        Ok(c) => c,
        Err(e) => {
            return vec![check(
                Level::Fail,
                "database",
                format!("cannot open {}: {e}", path.display()),
            )]
        }
    };
    let (name, verdict) = if full {
        ("integrity_check", db::integrity_check(&conn))
    } else {
        ("quick_check", db::quick_check(&conn))
    };
    let integrity = match verdict {
        Ok(v) if v == "ok" => check(
            Level::Ok,
            "database",
            format!("{} passes {name}", path.display()),
        ),
        Ok(v) => check(
            Level::Fail,
            "database",
            format!("{} is damaged: {v} (restore a backup)", path.display()),
        ),
        Err(e) => check(
            Level::Fail,
            "database",
            format!("{} is not a readable database: {e}", path.display()),
        ),
    };
    let wal = std::fs::metadata(dir.join(format!("{DB_FILE}-wal")))
        .map(|m| m.len())
        .unwrap_or(0);
    let wal_check = if wal > WAL_WARN_BYTES {
        check(
            Level::Warn,
            "write-ahead log",
            format!("{} MB: checkpoints are not keeping up", wal >> 20),
        )
    } else {
        check(Level::Ok, "write-ahead log", format!("{} KB", wal >> 10))
    };
    vec![integrity, wal_check, migrations(&conn)]
}

fn migrations(conn: &Connection) -> Check {
    let known = db::latest_migration();
    match db::applied_migration(conn) {
        Ok(v) if v == known => check(Level::Ok, "migrations", format!("all applied (schema {v})")),
        Ok(v) if v > known => check(
            Level::Fail,
            "migrations",
            format!(
                "the database (schema {v}) is newer than this Novi ({known}): run the newer Novi"
            ),
        ),
        Ok(v) => check(
            Level::Warn,
            "migrations",
            format!("schema {v} of {known}: `novi serve` or `novi migrate` applies the rest"),
        ),
        Err(e) => check(
            Level::Fail,
            "migrations",
            format!("no migration history: {e}"),
        ),
    }
}

fn free_disk(dir: &Path) -> Check {
    let Some(free) = free_bytes(dir) else {
        return check(
            Level::Warn,
            "free disk",
            "cannot tell how much space is free",
        );
    };
    let db_size = std::fs::metadata(dir.join(DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    room(free, db_size)
}

/// Enough room is the floor, or twice the database (a backup beside it, and room to grow).
fn room(free: u64, db_size: u64) -> Check {
    let need = MIN_FREE_BYTES.max(db_size.saturating_mul(2));
    let detail = format!("{} MB free", free >> 20);
    if free < need {
        let why = format!(
            "{detail}; at least {} MB needed for backups and the database to grow",
            need >> 20
        );
        return check(Level::Fail, "free disk", why);
    }
    check(Level::Ok, "free disk", detail)
}

fn free_bytes(dir: &Path) -> Option<u64> {
    crate::telemetry::metrics::free_disk_bytes(dir)
}

fn backups(dir: &Path) -> Check {
    let status = schedule::status(dir, chrono::Utc::now());
    let detail = crate::web::layout::backup_age(&status);
    if status.overdue {
        return check(
            Level::Fail,
            "backups",
            format!("{detail} Make one with `novi backup`; is `novi serve` running?"),
        );
    }
    check(Level::Ok, "backups", detail)
}

/// Novi reachable from other machines should be behind HTTPS.
fn listen_address(dir: &Path, config_file: Option<&Path>) -> Check {
    const NAME: &str = "listen address";
    let overrides = Overrides {
        listen: std::env::var("NOVI_LISTEN").ok(),
        behind_https: std::env::var("NOVI_BEHIND_HTTPS").is_ok_and(|v| v == "true" || v == "1"),
        ..Default::default()
    };
    let config = match FileConfig::load_from(dir, config_file)
        .and_then(|f| Config::resolve(dir.to_owned(), overrides, f))
    {
        Ok(c) => c,
        // The file or the environment is wrong, whichever setting it is: not the address.
        Err(e) => return check(Level::Fail, "configuration", format!("{e:#}")),
    };
    let ip = config.listen.ip();
    if ip.is_loopback() {
        return check(
            Level::Ok,
            NAME,
            format!("{} (this machine only)", config.listen),
        );
    }
    if config.behind_https {
        return check(Level::Ok, NAME, format!("{} behind HTTPS", config.listen));
    }
    check(Level::Warn, NAME, format!("{} is reachable from the network without HTTPS: put a proxy such as Caddy in front and set behind_https", config.listen))
}

/// The clock is not behind the newest backup (a clock gone back stamps orders in the past).
fn clock(dir: &Path) -> Check {
    let now = chrono::Utc::now();
    let detail = format!("{}", now.format("%Y-%m-%d %H:%M UTC"));
    match crate::backup::rotate::latest(dir) {
        Some(b) if b.made > now + chrono::Duration::minutes(5) => check(
            Level::Fail,
            "clock",
            format!(
                "{detail} is behind the newest backup ({}): set the clock (NTP)",
                b.made.format("%Y-%m-%d %H:%M UTC")
            ),
        ),
        _ => check(Level::Ok, "clock", detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1 << 20;

    #[test]
    fn free_disk_needs_the_floor_or_twice_the_database() {
        let small_db = 10 * MB;
        assert_eq!(room(200 * MB, small_db).level, Level::Ok);
        let short = room(200 * MB - 1, small_db);
        assert_eq!(short.level, Level::Fail);
        assert_eq!(
            short.detail,
            "199 MB free; at least 200 MB needed for backups and the database to grow"
        );
        let big_db = 300 * MB;
        assert_eq!(room(599 * MB, big_db).level, Level::Fail);
        assert!(room(599 * MB, big_db)
            .detail
            .contains("at least 600 MB needed"));
        assert_eq!(room(600 * MB, big_db).level, Level::Ok);
        assert_eq!(room(600 * MB, big_db).detail, "600 MB free");
    }
}
