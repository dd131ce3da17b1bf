//! Backups against real processes: `novi backup` while `novi serve` takes orders, restored
//! into a fresh directory with the same rows; damaged or cut-short files refused with nothing
//! changed; restore refused while a server runs, and the previous data kept aside.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::support::process::{fails, install_with_sweet_shop, novi, ok, Server};
use crate::support::{TestApp, WAIT};
use novi::backup;
use novi::db::Db;
use serde_json::json;

/// Every order's number, total and line count, by number.
fn orders(dir: &Path) -> BTreeMap<i64, (i64, i64)> {
    let db = Db::open(dir).unwrap();
    db.with_conn(|c| {
        let mut s = c.prepare(
            "SELECT o.number, o.total_minor, (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id)
             FROM orders o",
        )?;
        let rows = s
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    })
    .unwrap()
}

/// A linked phone's session store and an uploaded image, as the server would leave them.
fn add_session_and_upload(dir: &Path) {
    std::fs::create_dir_all(dir.join("whatsapp")).unwrap();
    let conn = rusqlite::Connection::open(dir.join("whatsapp/business-1.db")).unwrap();
    conn.execute_batch("CREATE TABLE keys (k TEXT); INSERT INTO keys VALUES ('identity-key');")
        .unwrap();
    std::fs::create_dir_all(dir.join("uploads")).unwrap();
    std::fs::write(dir.join("uploads/ab12.jpg"), b"\xFF\xD8\xFFphoto").unwrap();
}

/// Posts orders through the API until `stop`, counting those answered 201.
async fn take_orders(base: String, token: String, stop: Arc<AtomicBool>, taken: Arc<AtomicUsize>) {
    let client = reqwest::Client::new();
    let body = json!({"customer": {"name": "Asha", "phone": "9812345678"},
        "lines": [{"sku": "kaju-katli", "qty": 20}], "address": "12 MG Road", "payment_mode": "cod"});
    while !stop.load(Ordering::SeqCst) {
        let res = client
            .post(format!("{base}/api/v1/orders"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
        taken.fetch_add(1, Ordering::SeqCst);
    }
}

async fn wait_for(what: &str, check: impl Fn() -> bool) {
    tokio::time::timeout(WAIT, async {
        while !check() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
}

/// `novi backup --to FILE`, run off the async threads so the writers keep going.
async fn backup_to(dir: &Path, file: &Path) {
    let (dir, file) = (dir.to_owned(), file.to_owned());
    tokio::task::spawn_blocking(move || {
        ok(&dir, &["backup", "--to", file.to_str().unwrap()], "");
    })
    .await
    .unwrap();
}

fn restore_fresh(file: &Path) -> tempfile::TempDir {
    let fresh = tempfile::tempdir().unwrap();
    let out = ok(fresh.path(), &["restore", file.to_str().unwrap()], "");
    assert!(out.contains("there was no data there before"), "{out}");
    fresh
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_restores_to_the_same_rows() {
    let dir = install_with_sweet_shop("shop");
    add_session_and_upload(dir.path());
    let create = ["token", "create", "--business", "shop", "--name", "backup"];
    let token = ok(dir.path(), &create, "").trim().to_owned();
    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    let (stop, taken) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let writers: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(take_orders(
                server.base.clone(),
                token.clone(),
                stop.clone(),
                taken.clone(),
            ))
        })
        .collect();
    wait_for("orders", || taken.load(Ordering::SeqCst) >= 20).await;

    let out = tempfile::tempdir().unwrap();
    let during = out.path().join("during.tar");
    let before = taken.load(Ordering::SeqCst);
    backup_to(dir.path(), &during).await;
    let after_backup = taken.load(Ordering::SeqCst);
    wait_for("orders after the backup", || {
        taken.load(Ordering::SeqCst) >= after_backup + 5
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    let source = orders(dir.path());
    assert_eq!(
        source.len(),
        taken.load(Ordering::SeqCst),
        "every order answered is there"
    );

    // The backup taken mid-stream holds a consistent prefix: every order answered before it
    // began, none after it ended, each whole and exactly as the live database has it.
    let restored = orders(restore_fresh(&during).path());
    assert!(
        (before..=after_backup).contains(&restored.len()),
        "{before} <= {} <= {after_backup}",
        restored.len()
    );
    assert!(
        restored.len() < source.len(),
        "writes went on after the backup"
    );
    for (number, row) in &restored {
        assert_eq!(source.get(number), Some(row), "order {number}");
    }

    // Taken once writes have stopped, with the server still running: exactly the same rows.
    let quiet = out.path().join("quiet.tar");
    backup_to(dir.path(), &quiet).await;
    let fresh = restore_fresh(&quiet);
    assert_eq!(orders(fresh.path()), source);
    let conn = rusqlite::Connection::open(fresh.path().join("whatsapp/business-1.db")).unwrap();
    let key: String = conn
        .query_row("SELECT k FROM keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(key, "identity-key", "the linked phone's keys come back");
    assert_eq!(
        std::fs::read(fresh.path().join("uploads/ab12.jpg")).unwrap(),
        b"\xFF\xD8\xFFphoto"
    );
    assert!(server.terminate().success());
}

/// Each file under `dir` with its SHA-256, but for the lock file a server or restore leaves.
fn contents(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut all = BTreeMap::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for item in std::fs::read_dir(&d).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if !path.ends_with("novi.lock") {
                let sha = hex::encode(Sha256::digest(std::fs::read(&path).unwrap()));
                all.insert(path.strip_prefix(dir).unwrap().to_owned(), sha);
            }
        }
    }
    all
}

/// A good backup of an install, in a folder of its own.
fn good_backup() -> (tempfile::TempDir, PathBuf) {
    let dir = install_with_sweet_shop("other");
    add_session_and_upload(dir.path());
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("good.tar");
    let said = ok(dir.path(), &["backup", "--to", file.to_str().unwrap()], "");
    assert!(said.starts_with("backup written to"), "{said}");
    (out, file)
}

#[test]
fn a_damaged_or_cut_short_backup_is_refused_with_nothing_changed() {
    let (out, file) = good_backup();
    let bytes = std::fs::read(&file).unwrap();
    let said = ok(
        out.path(),
        &["backup", "verify", file.to_str().unwrap()],
        "",
    );
    assert!(said.contains("is a good backup"), "{said}");

    let mut flipped = bytes.clone();
    flipped[512 + 2000] ^= 0x55; // inside the database, the first entry
    let bad: [(&str, Vec<u8>); 4] = [
        ("cut.tar", bytes[..bytes.len() / 2].to_vec()),
        ("flipped.tar", flipped),
        ("noise.tar", vec![7u8; 4096]),
        ("empty.tar", Vec::new()),
    ];
    let target = install_with_sweet_shop("shop");
    let before = contents(target.path());
    for (name, data) in bad {
        let path = out.path().join(name);
        std::fs::write(&path, data).unwrap();
        let path = path.to_str().unwrap();
        let err = fails(out.path(), &["backup", "verify", path], "");
        assert!(
            err.contains("is not a complete Novi backup"),
            "{name}: {err}"
        );
        let err = fails(target.path(), &["restore", path], "");
        assert!(
            err.contains("is not a complete Novi backup"),
            "{name}: {err}"
        );
        assert_eq!(contents(target.path()), before, "{name}: nothing changed");
    }
}

#[test]
fn admin_commands_wait_for_a_restore_rather_than_write_what_it_throws_away() {
    let target = install_with_sweet_shop("shop");
    // What `novi restore` holds while it reads, checks and swaps in a backup.
    let restoring = backup::DirLock::exclusive(target.path()).unwrap();
    for args in [
        &["business", "add", "--name", "Late", "--short-code", "late"][..],
        &["business", "list"],
        &["user", "list"],
        &["backup", "--to", "/dev/null"],
    ] {
        let err = fails(target.path(), args, "");
        assert!(
            err.starts_with("error: a restore is under way in") && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    drop(restoring);
    let list = ok(target.path(), &["business", "list"], "");
    assert!(
        !list.contains("late"),
        "nothing was added meanwhile: {list}"
    );
    // And a restore waits for a command that is using the directory.
    let command = backup::DirLock::for_command(target.path()).unwrap();
    let (_out, file) = good_backup();
    let err = fails(target.path(), &["restore", file.to_str().unwrap()], "");
    assert!(err.contains("Novi is using"), "{err}");
    drop(command);
}

#[test]
fn restore_refuses_under_a_running_server_and_keeps_the_old_data_aside() {
    let (_out, file) = good_backup();
    let target = install_with_sweet_shop("shop");
    let server = Server::start(target.path(), &["--listen", "127.0.0.1:0"], &[]);
    let err = fails(target.path(), &["restore", file.to_str().unwrap()], "");
    assert!(err.contains("Novi is using"), "{err}");
    assert!(server.terminate().success());
    // Nothing moved aside, nothing unpacked: the server's own data is all there is.
    let names: Vec<String> = std::fs::read_dir(target.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("previous-") || n.starts_with(".novi-restore")),
        "{names:?}"
    );
    assert!(ok(target.path(), &["business", "list"], "").contains("shop"));

    let said = ok(target.path(), &["restore", file.to_str().unwrap()], "");
    let aside = said
        .lines()
        .find_map(|l| l.strip_prefix("the data that was there before is kept in "))
        .unwrap_or_else(|| panic!("says where: {said}"));
    let kept = ok(Path::new(aside), &["business", "list"], "");
    assert!(kept.contains("shop"), "{kept}");
    let now = ok(target.path(), &["business", "list"], "");
    assert!(now.contains("other") && !now.contains("shop"), "{now}");
    assert!(novi(
        target.path(),
        &["backup", "verify", file.to_str().unwrap()],
        ""
    )
    .status
    .success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_see_the_backup_age_with_a_banner_when_overdue_and_admins_download_one() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop");
    let mut owner = app.owner(&b, "asha").await;
    let (_, page) = owner.visit("/b/shop/").await;
    assert!(page.contains("No backup yet."), "{page}");
    assert!(
        !page.contains("Backups are overdue"),
        "a new install is not overdue"
    );

    let backups = app.dir.path().join(backup::DIR);
    std::fs::create_dir_all(&backups).unwrap();
    let old = chrono::Utc::now() - chrono::Duration::days(3);
    std::fs::write(backups.join(backup::file_name(old)), b"").unwrap();
    let (_, page) = owner.visit("/b/shop/").await;
    assert!(page.contains("Backups are overdue"), "{page}");
    assert!(page.contains("Last good backup: 3 days ago."), "{page}");
    let (_, page) = app.agent(&b, "ravi").await.visit("/b/shop/").await;
    assert!(
        !page.contains("Last good backup") && !page.contains("Backups are overdue"),
        "agents are not shown backups"
    );

    let admin = app.platform_admin("root");
    let mut admin = app.logged_in(&admin).await;
    let (_, console) = admin.visit("/admin").await;
    assert!(
        console.contains("Last good backup: 3 days ago."),
        "{console}"
    );
    let (status, body, _) = admin.post("/admin/backup", &[]).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(
        body.starts_with("novi.db"),
        "a tar file, the database first"
    );
    let newest = backup::rotate::latest(app.dir.path()).unwrap();
    backup::verify(&newest.path, &backup::Quiet).unwrap();
    let (_, page) = owner.visit("/b/shop/").await;
    assert!(page.contains("Last good backup: 0 min ago."), "{page}");
    assert!(!page.contains("Backups are overdue"));
}

#[test]
fn a_refused_restore_into_a_new_directory_leaves_no_directory() {
    let (out, file) = good_backup();
    let bytes = std::fs::read(&file).unwrap();
    let cut = out.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let parent = tempfile::tempdir().unwrap();
    let target = parent.path().join("novi-data");
    let err = fails(&target, &["restore", cut.to_str().unwrap()], "");
    assert!(err.contains("is not a complete Novi backup"), "{err}");
    assert!(!target.exists(), "the directory the restore made is gone");
    // The same into a new directory with a good backup makes it, restored.
    ok(&target, &["restore", file.to_str().unwrap()], "");
    assert!(target.join("novi.db").exists());
}
