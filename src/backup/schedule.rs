//! Scheduled backups in `novi serve`: one a day at the configured time into the backups
//! folder, then rotation; and how old the last good one is, for the owners' banner.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};

use super::make::Made;
use super::{default_path, make, rotate, Quiet};

/// A backup older than this, or none on an install older than this, is warned about.
pub const OVERDUE_DAYS: i64 = 2;

/// Makes a backup every day at `at` (the machine's local time), then rotates. Runs until the
/// server stops; a failed backup is logged and tried again the next day. One missed while the
/// server was not running (off at `at`) is made at once.
pub async fn daily(data_dir: PathBuf, at: NaiveTime, keep_daily: u32, keep_weekly: u32) {
    if missed(&data_dir, at, chrono::Local::now()) {
        tracing::info!("a scheduled backup was missed while Novi was stopped: making it now");
        run(&data_dir, keep_daily, keep_weekly).await;
    }
    loop {
        let next = rotate::next_run(chrono::Local::now(), at);
        // Sleep in short steps against the wall clock, so a suspended machine or a changed
        // clock does not push the backup a day late.
        while chrono::Local::now() < next {
            let left = (next - chrono::Local::now()).to_std().unwrap_or_default();
            tokio::time::sleep(left.min(Duration::from_secs(600))).await;
        }
        run(&data_dir, keep_daily, keep_weekly).await;
    }
}

/// One scheduled backup off the async threads, its outcome logged.
async fn run(data_dir: &Path, keep_daily: u32, keep_weekly: u32) {
    let dir = data_dir.to_owned();
    let done = tokio::task::spawn_blocking(move || once(&dir, keep_daily, keep_weekly)).await;
    match done {
        Ok(Ok(made)) => {
            tracing::info!(file = %made.path.display(), bytes = made.bytes, "backup made")
        }
        Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "scheduled backup failed"),
        Err(e) => tracing::error!(error = %e, "scheduled backup failed"),
    }
}

/// Whether the latest scheduled time at or before `now` passed with no backup made since:
/// the newest backup (or, with none, the database itself) is older than it. A fresh install
/// has missed nothing.
pub fn missed<Tz: TimeZone>(data_dir: &Path, at: NaiveTime, now: DateTime<Tz>) -> bool {
    let last_due = rotate::next_run(now.clone() - chrono::Duration::days(1), at);
    if last_due > now {
        return false;
    }
    let since = rotate::latest(data_dir)
        .map(|b| b.made)
        .or_else(|| installed(data_dir));
    since.is_some_and(|t| t < last_due.with_timezone(&Utc))
}

/// One scheduled backup and the rotation after it. The newest is always kept.
pub fn once(data_dir: &Path, keep_daily: u32, keep_weekly: u32) -> anyhow::Result<Made> {
    let made = make(data_dir, &default_path(data_dir), &Quiet)?;
    let daily = usize::try_from(keep_daily.max(1)).unwrap_or(usize::MAX);
    let weekly = usize::try_from(keep_weekly).unwrap_or(usize::MAX);
    rotate::rotate(data_dir, daily, weekly)?;
    Ok(made)
}

/// How the backups stand, as owners see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// When the last good backup was made.
    pub last: Option<DateTime<Utc>>,
    /// Worth a warning: the last one is over two days old, or there is none on an install
    /// older than that.
    pub overdue: bool,
}

/// The backups' status in `data_dir` at `now`. The server keeps what it read
/// (`backup::Watch`).
pub fn status(data_dir: &Path, now: DateTime<Utc>) -> Status {
    status_with(data_dir, last(data_dir), now)
}

/// When the newest backup in `data_dir`'s backups folder was made.
pub fn last(data_dir: &Path) -> Option<DateTime<Utc>> {
    rotate::latest(data_dir).map(|b| b.made)
}

/// The status at `now` with `last` the newest backup's time.
pub fn status_with(data_dir: &Path, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Status {
    let limit = chrono::Duration::days(OVERDUE_DAYS);
    let overdue = match last {
        Some(t) => now - t > limit,
        None => installed(data_dir).is_some_and(|t| now - t > limit),
    };
    Status { last, overdue }
}

/// When the database was made, where the file system knows.
fn installed(data_dir: &Path) -> Option<DateTime<Utc>> {
    let meta = std::fs::metadata(data_dir.join(crate::db::DB_FILE)).ok()?;
    meta.created().ok().map(DateTime::<Utc>::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_over_two_days_old_is_overdue() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(super::super::DIR)).unwrap();
        let made = chrono::DateTime::parse_from_rfc3339("2026-11-28T03:00:00Z")
            .unwrap()
            .to_utc();
        std::fs::write(
            dir.path()
                .join(super::super::DIR)
                .join(super::super::file_name(made)),
            b"",
        )
        .unwrap();
        let fresh = status(dir.path(), made + chrono::Duration::hours(47));
        assert_eq!(
            fresh,
            Status {
                last: Some(made),
                overdue: false
            }
        );
        assert!(status(dir.path(), made + chrono::Duration::hours(49)).overdue);
    }

    #[test]
    fn a_backup_is_missed_when_a_scheduled_time_passed_since_the_last() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(super::super::DIR)).unwrap();
        let at = NaiveTime::from_hms_opt(3, 0, 0).unwrap();
        let utc = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().to_utc();
        // No backup and no database: nothing to go by, nothing missed.
        assert!(!missed(dir.path(), at, utc("2026-11-30T12:00:00Z")));
        let made = utc("2026-11-29T03:00:05Z");
        let name = super::super::file_name(made);
        std::fs::write(dir.path().join(super::super::DIR).join(name), b"").unwrap();
        // Made after yesterday's 03:00: nothing missed until today's.
        assert!(!missed(dir.path(), at, utc("2026-11-30T02:59:00Z")));
        assert!(missed(dir.path(), at, utc("2026-11-30T03:01:00Z")));
        assert!(missed(dir.path(), at, utc("2026-12-04T12:00:00Z")));
    }
}
