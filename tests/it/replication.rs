//! `novi doctor`'s `replication` line, read from the files Litestream keeps beside the
//! database: off when it is not set up, a warning when it is behind, ok when it has every change.

use std::fs::File;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::support::doctor::verdict;
use crate::support::process::{install_with_business, NOVI};

/// Runs `novi doctor` with `LITESTREAM_CONFIG` set; returns success and the replication line.
fn replication(dir: &Path, litestream_config: &Path) -> (bool, String) {
    let out = Command::new(NOVI)
        .arg("doctor")
        .env("NOVI_DATA_DIR", dir)
        .env("LITESTREAM_CONFIG", litestream_config)
        .env_remove("NOVI_LISTEN")
        .env_remove("NOVI_CONFIG")
        .output()
        .unwrap();
    let (passed, report) = verdict(&out);
    let line = report
        .lines()
        .find(|l| l[6..].starts_with("replication: "))
        .unwrap_or_else(|| panic!("no replication line: {report}"))
        .to_owned();
    (passed, line)
}

/// Sets a file's modification time, as a write that long ago would have.
fn touch(path: &Path, ago: Duration) {
    let file = File::options()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    file.set_modified(SystemTime::now() - ago).unwrap();
}

/// Litestream's local state beside the database, its newest copied change `ago`.
fn litestream_copied(dir: &Path, ago: Duration) {
    let level0 = dir.join(".novi.db-litestream/ltx/0");
    std::fs::create_dir_all(&level0).unwrap();
    touch(
        &level0.join("0000000000000001-0000000000000001.ltx"),
        ago * 2,
    );
    touch(&level0.join("0000000000000002-000000000000002a.ltx"), ago);
}

#[test]
fn without_litestream_replication_is_off_and_says_where_to_read_about_it() {
    let dir = install_with_business("shop");
    let (passed, line) = replication(dir.path(), &dir.path().join("no-litestream.yml"));
    assert!(passed, "{line}");
    assert!(line.starts_with("ok  "), "{line}");
    assert!(
        line.contains("off") && line.contains("Off-site copies"),
        "{line}"
    );
}

#[test]
fn a_config_naming_the_database_that_litestream_never_ran_on_warns() {
    let dir = install_with_business("shop");
    let config = dir.path().join("litestream.yml");
    let db = dir.path().canonicalize().unwrap().join("novi.db");
    std::fs::write(&config, format!("dbs:\n  - path: {}\n", db.display())).unwrap();
    let (passed, line) = replication(dir.path(), &config);
    assert!(passed, "a warning alone does not fail: {line}");
    assert!(line.starts_with("warn"), "{line}");
    assert!(line.contains("has not replicated it yet"), "{line}");
}

#[test]
fn a_database_changed_long_after_litestream_last_copied_is_stale() {
    let dir = install_with_business("shop");
    litestream_copied(dir.path(), Duration::from_secs(3600));
    touch(&dir.path().join("novi.db-wal"), Duration::from_secs(60));
    let (passed, line) = replication(dir.path(), &dir.path().join("none.yml"));
    assert!(passed, "{line}");
    assert!(line.starts_with("warn"), "{line}");
    assert!(line.contains("last copied a change 60 min ago"), "{line}");
}

#[test]
fn litestream_with_every_change_is_current() {
    let dir = install_with_business("shop");
    touch(&dir.path().join("novi.db-wal"), Duration::from_secs(600));
    litestream_copied(dir.path(), Duration::from_secs(300));
    let (passed, line) = replication(dir.path(), &dir.path().join("none.yml"));
    assert!(passed, "{line}");
    assert!(line.starts_with("ok  "), "{line}");
    assert!(line.contains("every change (transaction 42"), "{line}");
}
