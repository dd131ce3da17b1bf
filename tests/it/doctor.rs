//! `novi doctor` on real installs: one line per check, success on a healthy one, and a
//! non-zero exit naming the check and the reason on a broken one.

use std::path::Path;

use crate::support::doctor::{is_check, verdict};
use crate::support::process::{install_with_business, novi, ok};

/// Runs `novi doctor`; returns whether it succeeded and its standard output.
fn doctor(dir: &Path) -> (bool, String) {
    verdict(&novi(dir, &["doctor"], ""))
}

fn line<'a>(report: &'a str, name: &str) -> &'a str {
    report
        .lines()
        .find(|l| is_check(l, name))
        .unwrap_or_else(|| panic!("no {name} line: {report}"))
}

#[test]
fn a_healthy_install_passes_every_check() {
    use std::os::unix::fs::PermissionsExt;
    let dir = install_with_business("shop");
    ok(dir.path(), &["backup"], "");
    // Open to every user: a warning, which alone does not fail.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (passed, report) = doctor(dir.path());
    assert!(passed, "{report}");
    assert!(
        line(&report, "data directory").starts_with("warn"),
        "{report}"
    );
    assert!(
        line(&report, "data directory").contains("chmod 750"),
        "{report}"
    );

    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o750)).unwrap();
    let (passed, report) = doctor(dir.path());
    assert!(passed, "{report}");
    for name in [
        "data directory",
        "database",
        "write-ahead log",
        "migrations",
        "backups",
        "server",
        "listen address",
        "clock",
    ] {
        assert!(line(&report, name).starts_with("ok  "), "{report}");
    }
    assert!(
        line(&report, "backups").contains("Last good backup: 0 min ago"),
        "{report}"
    );
    free_disk_agrees_with_its_figure(line(&report, "free disk"));
}

/// Ok with the 200 MB a small install needs, a failure that says so below it: which of the two
/// depends on the machine the tests run on, so the line is held to the figure it reports.
fn free_disk_agrees_with_its_figure(line: &str) {
    let mb: u64 = line
        .split("free disk: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no figure in {line}"));
    if mb >= 200 {
        assert_eq!(line, format!("ok    free disk: {mb} MB free"));
    } else {
        assert!(line.starts_with("FAIL"), "{line}");
        assert!(line.contains("at least 200 MB needed"), "{line}");
    }
}

#[test]
fn a_damaged_database_fails_and_says_why() {
    let dir = install_with_business("shop");
    let db = dir.path().join("novi.db");
    let mut bytes = std::fs::read(&db).unwrap();
    // Past the header: the pages where the tables are, overwritten as a bad disk would.
    for b in &mut bytes[4096..] {
        *b = 0xA5;
    }
    std::fs::write(&db, bytes).unwrap();
    let _ = std::fs::remove_file(dir.path().join("novi.db-wal"));
    let (passed, report) = doctor(dir.path());
    assert!(!passed, "{report}");
    let database = line(&report, "database");
    assert!(database.starts_with("FAIL"), "{report}");
    assert!(database.contains("novi.db"), "{report}");
}

#[test]
fn full_finds_an_index_that_no_longer_matches_its_table_where_quick_check_cannot() {
    let dir = install_with_business("shop");
    let db = dir.path().join("novi.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "INSERT INTO customers (business_id, phone, name, created_at, updated_at)
                 SELECT id, '919812345678', 'Asha', 0, 0 FROM businesses;
             PRAGMA writable_schema = ON;
             UPDATE sqlite_schema
                SET sql = 'CREATE INDEX customers_business_active ON customers(business_id, phone, id)'
              WHERE name = 'customers_business_active';
             PRAGMA writable_schema = OFF;",
        )
        .unwrap();
    }
    let (passed, report) = doctor(dir.path());
    assert!(
        passed,
        "quick_check does not read indexes' contents: {report}"
    );
    assert!(line(&report, "database").contains("passes quick_check"));

    let (passed, report) = verdict(&novi(dir.path(), &["doctor", "--full"], ""));
    assert!(!passed, "{report}");
    let database = line(&report, "database");
    assert!(database.starts_with("FAIL"), "{report}");
    assert!(
        database.contains("customers_business_active") && database.contains("restore a backup"),
        "{report}"
    );
}

#[test]
fn full_passes_a_healthy_database() {
    let dir = install_with_business("shop");
    let (passed, report) = verdict(&novi(dir.path(), &["doctor", "--full"], ""));
    assert!(passed, "{report}");
    assert!(
        line(&report, "database").contains("passes integrity_check"),
        "{report}"
    );
}

#[test]
fn a_missing_data_directory_fails_and_is_not_created() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("typo");
    let (passed, report) = doctor(&dir);
    assert!(!passed, "{report}");
    assert!(
        line(&report, "data directory").starts_with("FAIL"),
        "{report}"
    );
    assert!(line(&report, "data directory").contains("typo"), "{report}");
    assert!(!dir.exists(), "doctor changes nothing");
}
