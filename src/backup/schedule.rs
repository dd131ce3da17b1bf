//! Scheduled backups in `novi serve`: one a day at the configured time into the backups
//! folder, then rotation; and how old the last good one is, for the owners' banner.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};

use super::make::Made;
use super::{default_path, make, rotate, Quiet};

/// A backup older than this, or none on an install older than this, is warned about.
pub const OVERDUE_DAYS: i64 = 2;

/// Makes a backup every day at `at` (the machine's local time), then rotates. Runs until the
/// server stops; a failed backup is logged and tried again the next day.
pub async fn daily(data_dir: PathBuf, at: NaiveTime, keep_daily: u32, keep_weekly: u32) {
    loop {
        let next = rotate::next_run(chrono::Local::now(), at);
        // Sleep in short steps against the wall clock, so a suspended machine or a changed
        // clock does not push the backup a day late.
        while chrono::Local::now() < next {
            let left = (next - chrono::Local::now()).to_std().unwrap_or_default();
            tokio::time::sleep(left.min(Duration::from_secs(600))).await;
        }
        let dir = data_dir.clone();
        let done = tokio::task::spawn_blocking(move || once(&dir, keep_daily, keep_weekly)).await;
        match done {
            Ok(Ok(made)) => {
                tracing::info!(file = %made.path.display(), bytes = made.bytes, "backup made")
            }
            Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "scheduled backup failed"),
            Err(e) => tracing::error!(error = %e, "scheduled backup failed"),
        }
    }
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

/// The backups' status in `data_dir` at `now`.
pub fn status(data_dir: &Path, now: DateTime<Utc>) -> Status {
    let last = rotate::latest(data_dir).map(|b| b.made);
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
}
