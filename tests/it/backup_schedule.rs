//! The scheduled backup really runs inside `novi serve`: a backup missed while the server was
//! stopped (the machine off at backup time) is made as soon as it starts, rotated in beside the
//! old ones, and verifies.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::process::{install_with_sweet_shop, ok, Server};

/// The `novi-backup-*.tar` files in the data directory's backups folder, sorted by name.
fn backups(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir.join("backups")) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("novi-backup-") && name.ends_with(".tar")
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_backup_missed_while_stopped_is_made_when_serve_starts() {
    let dir = install_with_sweet_shop("shop");
    // The last backup is two days old: the scheduled ones since were missed.
    let two_days_ago = chrono::Utc::now() - chrono::Duration::days(2);
    let old = dir.path().join("backups").join(format!(
        "novi-backup-{}.tar",
        two_days_ago.format("%Y%m%d-%H%M%S")
    ));
    ok(dir.path(), &["backup", "--to", old.to_str().unwrap()], "");
    assert_eq!(backups(dir.path()), std::slice::from_ref(&old));

    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    // A finished backup appears under its final name only (it is renamed into place when
    // whole), so the first new name is a whole file.
    let deadline = Instant::now() + Duration::from_secs(60);
    let made = loop {
        if let Some(new) = backups(dir.path()).into_iter().find(|p| *p != old) {
            break new;
        }
        assert!(Instant::now() < deadline, "no scheduled backup within 60 s");
        std::thread::sleep(Duration::from_millis(50));
    };
    let verified = ok(
        dir.path(),
        &["backup", "verify", made.to_str().unwrap()],
        "",
    );
    assert!(verified.contains("is a good backup"), "{verified}");
    assert!(server.terminate().success());
    // Rotation kept the old one: it is the newest of its own day.
    assert_eq!(backups(dir.path()), [old, made]);
}
