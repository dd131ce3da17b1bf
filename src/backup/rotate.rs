//! The backups folder over time: which backups to keep (the newest of each of the last N days
//! and of the last M weeks), the age of the newest, and when the next scheduled one is due.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDateTime, NaiveTime, TimeZone, Utc};

use super::DIR;

/// A backup in the backups folder, with the time its name says it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub path: PathBuf,
    pub made: DateTime<Utc>,
}

/// The time a backup file's name (`novi-backup-YYYYMMDD-HHMMSS.tar`, or `…-HHMMSS-2.tar` for a
/// second one made in the same second) gives; `None` for other files, which rotation leaves
/// alone.
pub fn made_at(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.strip_prefix("novi-backup-")?.strip_suffix(".tar")?;
    let stamp = match stamp.get(15..) {
        Some(n)
            if n.len() > 1 && n.starts_with('-') && n[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            &stamp[..15]
        }
        _ => stamp,
    };
    let naive = NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()?;
    Some(Utc.from_utc_datetime(&naive))
}

/// The backups in `data_dir`'s backups folder, newest first.
pub fn list(data_dir: &Path) -> Vec<Stored> {
    let Ok(listing) = std::fs::read_dir(data_dir.join(DIR)) else {
        return Vec::new();
    };
    let mut all: Vec<Stored> = listing
        .flatten()
        .filter_map(|item| {
            let made = made_at(&item.file_name().to_string_lossy())?;
            Some(Stored {
                path: item.path(),
                made,
            })
        })
        .collect();
    all.sort_by_key(|b| std::cmp::Reverse(b.made));
    all
}

/// The newest backup in the backups folder. Backups are renamed into place only once whole,
/// so one listed there is a good one.
pub fn latest(data_dir: &Path) -> Option<Stored> {
    list(data_dir).into_iter().next()
}

/// Of `all` (newest first), the ones to delete: everything but the newest of each of the last
/// `daily` days and the newest of each of the last `weekly` ISO weeks.
pub fn to_delete(all: &[Stored], daily: usize, weekly: usize) -> Vec<&Stored> {
    let mut days = Vec::new();
    let mut weeks = Vec::new();
    let mut doomed = Vec::new();
    for b in all {
        let day = b.made.date_naive();
        let week = (day.iso_week().year(), day.iso_week().week());
        let mut keep = false;
        if !days.contains(&day) && days.len() < daily {
            days.push(day);
            keep = true;
        }
        if !weeks.contains(&week) && weeks.len() < weekly {
            weeks.push(week);
            keep = true;
        }
        if !keep {
            doomed.push(b);
        }
    }
    doomed
}

/// Deletes the backups rotation no longer keeps; returns how many.
pub fn rotate(data_dir: &Path, daily: usize, weekly: usize) -> std::io::Result<usize> {
    let all = list(data_dir);
    let doomed = to_delete(&all, daily, weekly);
    for b in &doomed {
        std::fs::remove_file(&b.path)?;
    }
    Ok(doomed.len())
}

/// The first moment after `now` whose local time of day (in `tz`) is `at`.
pub fn next_run<Tz: TimeZone>(now: DateTime<Tz>, at: NaiveTime) -> DateTime<Tz> {
    let tz = now.timezone();
    let mut day = now.date_naive();
    loop {
        // A time that a clock change skips is run at the first moment that exists after it.
        if let Some(t) = tz.from_local_datetime(&day.and_time(at)).earliest() {
            if t > now {
                return t;
            }
        }
        day = day.succ_opt().unwrap_or(day);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Stored {
        let made = made_at(&format!("novi-backup-{text}.tar")).unwrap();
        Stored {
            path: PathBuf::from(text),
            made,
        }
    }

    fn kept(all: &[Stored], daily: usize, weekly: usize) -> Vec<String> {
        let doomed = to_delete(all, daily, weekly);
        all.iter()
            .filter(|b| !doomed.contains(b))
            .map(|b| b.path.display().to_string())
            .collect()
    }

    #[test]
    fn names_give_the_time_and_other_files_are_ignored() {
        assert_eq!(
            made_at("novi-backup-20261130-030000.tar")
                .unwrap()
                .to_rfc3339(),
            "2026-11-30T03:00:00+00:00"
        );
        // A second made in the same second is numbered, and keeps its time.
        assert_eq!(
            made_at("novi-backup-20261130-030000-2.tar"),
            made_at("novi-backup-20261130-030000.tar")
        );
        for other in [
            "novi-backup-2026.tar",
            "notes.tar",
            "novi-backup-20261130-030000.tar.partial",
            "novi-backup-20261130-030000-.tar",
            "novi-backup-20261130-030000-x.tar",
        ] {
            assert!(made_at(other).is_none(), "{other}");
        }
    }

    #[test]
    fn rotation_keeps_the_newest_of_each_day_and_week() {
        // Daily at 03:00 for 30 days (2026-11-30 is a Monday), plus a second backup on the last day.
        let mut all: Vec<Stored> = (1..=30)
            .rev()
            .map(|d| at(&format!("202611{d:02}-030000")))
            .collect();
        all.insert(0, at("20261130-120000"));
        let kept = kept(&all, 3, 2);
        // The last 3 days (the newest of the 30th), and the newest of the week before (Sun 29th).
        assert_eq!(
            kept,
            ["20261130-120000", "20261129-030000", "20261128-030000"]
        );
        let kept = super::tests::kept(&all, 2, 4);
        assert_eq!(
            kept,
            [
                "20261130-120000",
                "20261129-030000",
                "20261122-030000",
                "20261115-030000"
            ]
        );
    }

    #[test]
    fn rotate_deletes_only_what_it_does_not_keep() {
        let dir = tempfile::tempdir().unwrap();
        let backups = dir.path().join(DIR);
        std::fs::create_dir(&backups).unwrap();
        for name in [
            "novi-backup-20261101-030000.tar",
            "novi-backup-20261102-030000.tar",
            "mine.tar",
        ] {
            std::fs::write(backups.join(name), b"x").unwrap();
        }
        assert_eq!(rotate(dir.path(), 1, 0).unwrap(), 1);
        assert!(backups.join("novi-backup-20261102-030000.tar").exists());
        assert!(!backups.join("novi-backup-20261101-030000.tar").exists());
        assert!(
            backups.join("mine.tar").exists(),
            "other files are left alone"
        );
        assert_eq!(
            latest(dir.path()).unwrap().made.to_rfc3339(),
            "2026-11-02T03:00:00+00:00"
        );
    }

    #[test]
    fn the_next_run_is_today_if_still_ahead_else_tomorrow() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let three = NaiveTime::from_hms_opt(3, 0, 0).unwrap();
        assert_eq!(
            next_run(t("2026-11-30T02:59:00Z"), three),
            t("2026-11-30T03:00:00Z")
        );
        assert_eq!(
            next_run(t("2026-11-30T03:00:00Z"), three),
            t("2026-12-01T03:00:00Z")
        );
    }
}
