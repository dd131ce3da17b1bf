//! The backups' status for the owners' banner, listed again only when the backups folder
//! changes. Every owner page shows it, and listing the folder for each one was a fifteenth of
//! the async threads' time serving pages on a busy counter.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

use super::schedule::{self, Status};

/// A folder changed this recently may change again within the same tick of the file system's
/// clock and keep its time, so its listing is not kept until it is older than this.
const SETTLED: Duration = Duration::from_secs(2);

/// The newest backup's time, kept with the folder's modified time it was read at.
pub struct Watch {
    data_dir: PathBuf,
    seen: Mutex<Option<Seen>>,
}

#[derive(Clone, Copy)]
struct Seen {
    /// The backups folder's modified time, `None` while there is no folder.
    stamp: Option<SystemTime>,
    last: Option<DateTime<Utc>>,
}

impl Watch {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            seen: Mutex::new(None),
        }
    }

    /// The status at `now`: as `schedule::status` would say, reading the folder only when a
    /// backup was added, renamed into place or removed since the last read.
    pub fn status(&self, now: DateTime<Utc>) -> Status {
        let stamp = std::fs::metadata(self.data_dir.join(super::DIR))
            .and_then(|m| m.modified())
            .ok();
        let kept = *self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let last = match kept {
            Some(seen) if seen.stamp == stamp => seen.last,
            _ => {
                let last = schedule::last(&self.data_dir);
                if settled(stamp) {
                    *self.seen.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(Seen { stamp, last });
                }
                last
            }
        };
        schedule::status_with(&self.data_dir, last, now)
    }
}

/// Whether a folder with this modified time (or no folder) can be trusted to change its time
/// when it next changes.
fn settled(stamp: Option<SystemTime>) -> bool {
    stamp.is_none_or(|t| t.elapsed().is_ok_and(|age| age >= SETTLED))
}

#[cfg(test)]
mod tests {
    use std::fs::{self, File};

    use super::*;

    fn utc(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t).unwrap().to_utc()
    }

    /// Sets the backups folder's modified time, as the file system would have at a change.
    fn stamp_folder(dir: &std::path::Path, at: SystemTime) {
        let folder = File::open(dir.join(super::super::DIR)).unwrap();
        folder.set_modified(at).unwrap();
    }

    fn age_folder(dir: &std::path::Path, ago: Duration) {
        stamp_folder(dir, SystemTime::now() - ago);
    }

    #[test]
    fn the_banner_follows_backups_added_to_a_settled_folder() {
        let dir = tempfile::tempdir().unwrap();
        let watch = Watch::new(dir.path().to_owned());
        let now = utc("2026-12-04T12:00:00Z");
        assert_eq!(watch.status(now).last, None, "no folder yet");
        fs::create_dir(dir.path().join(super::super::DIR)).unwrap();
        age_folder(dir.path(), Duration::from_secs(3600));
        assert_eq!(watch.status(now).last, None, "an empty folder");
        let made = utc("2026-12-04T03:00:00Z");
        let name = super::super::file_name(made);
        fs::write(dir.path().join(super::super::DIR).join(&name), b"").unwrap();
        age_folder(dir.path(), Duration::from_secs(1800));
        let status = watch.status(now);
        assert_eq!((status.last, status.overdue), (Some(made), false));
        // Two days on, the same kept time is overdue.
        assert!(watch.status(now + chrono::Duration::days(2)).overdue);
        fs::remove_file(dir.path().join(super::super::DIR).join(name)).unwrap();
        age_folder(dir.path(), Duration::from_secs(60));
        assert_eq!(watch.status(now).last, None, "the backup removed");
    }

    #[test]
    fn a_settled_folder_is_not_listed_again_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(super::super::DIR)).unwrap();
        let at = SystemTime::now() - Duration::from_secs(3600);
        stamp_folder(dir.path(), at);
        let watch = Watch::new(dir.path().to_owned());
        let now = utc("2026-12-04T12:00:00Z");
        assert_eq!(watch.status(now).last, None);
        // A file slipped in with the folder's time put back: the kept listing stands, which
        // is what spares every page a listing.
        let made = utc("2026-12-04T03:00:00Z");
        fs::write(
            dir.path()
                .join(super::super::DIR)
                .join(super::super::file_name(made)),
            b"",
        )
        .unwrap();
        stamp_folder(dir.path(), at);
        assert_eq!(watch.status(now).last, None);
        // A folder changed just now is listed every time until it settles.
        stamp_folder(dir.path(), SystemTime::now());
        assert_eq!(watch.status(now).last, Some(made));
    }
}
