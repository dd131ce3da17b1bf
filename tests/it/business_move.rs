//! Moving a shop between installs with the real `novi business export` and `import`: every row
//! of every table the shop owns arrives (compared through natural keys, as ids are remapped),
//! with its images, WhatsApp settings and linked session, in a file only its owner may read;
//! a clashing short code or username and a cut-short file are refused with nothing changed;
//! the moved shop serves its pages and its next order gets the next number.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use reqwest::StatusCode;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::json;

use crate::conversations::{shop, RAVI};
use crate::support::bridge::{CUSTOMER as ASHA, PNID};
use crate::support::process::{fails, install_with_business, install_with_sweet_shop, ok, Server};
use crate::support::{fakes, Browser, TestApp, PASSWORD};
use novi::accounts::Role;
use novi::catalog::{image, products, suggestions};
use novi::conversation::templates;
use novi::orders::model::NewUnread;
use novi::whatsapp::linked::state::{self, Link, State};
use novi::whatsapp::{attention, groups};

/// Tables that belong to no business.
const GLOBAL: &[&str] = &["refinery_schema_history", "setup_tokens"];

fn open(dir: &Path) -> Connection {
    Connection::open_with_flags(dir.join("novi.db"), OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    let mut s = conn.prepare(sql).unwrap();
    let rows = s.query_map([], |r| r.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// Each table's columns that point at another table, and the table they point at.
fn foreign_keys(conn: &Connection, table: &str) -> HashMap<String, String> {
    let sql = format!("SELECT \"from\", \"table\" FROM pragma_foreign_key_list('{table}')");
    let mut s = conn.prepare(&sql).unwrap();
    let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// The tables holding a business's rows, read from the schema itself (so a table added later
/// is compared too): those with a `business_id`, and those reached through one (sessions).
fn owned_tables(conn: &Connection) -> Vec<String> {
    let all = strings(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    );
    let direct: Vec<String> = all
        .iter()
        .filter(|t| foreign_keys(conn, t).contains_key("business_id"))
        .cloned()
        .collect();
    let mut owned = direct.clone();
    owned.push("businesses".into());
    for t in &all {
        let via = foreign_keys(conn, t).values().any(|p| direct.contains(p));
        if !owned.contains(t) && via {
            owned.push(t.clone());
        }
    }
    for t in &all {
        assert!(
            owned.contains(t) || GLOBAL.contains(&t.as_str()),
            "{t} is neither a business's nor known to be global"
        );
    }
    owned.sort();
    owned
}

/// What an id of `table` stands for, the same on any install: a natural key where the table
/// has one, else its place among the shop's rows of that table (import keeps their order).
fn natural_keys(conn: &Connection, code: &str) -> HashMap<(String, i64), String> {
    let mut keys = HashMap::new();
    let b: i64 = conn
        .query_row(
            "SELECT id FROM businesses WHERE short_code = ?1",
            [code],
            |r| r.get(0),
        )
        .unwrap();
    keys.insert(("businesses".into(), b), code.to_owned());
    for t in owned_tables(conn) {
        let has_id = strings(conn, &format!("SELECT name FROM pragma_table_info('{t}')"))
            .contains(&"id".to_string());
        if !has_id || t == "businesses" {
            continue;
        }
        let natural = match t.as_str() {
            "users" => "username",
            "customers" => "phone",
            "products" => "sku",
            "orders" => "'#' || number",
            _ => "ROW_NUMBER() OVER (ORDER BY id)",
        };
        let sql = format!("SELECT id, {natural} FROM {t} WHERE business_id = ?1");
        let mut s = conn.prepare(&sql).unwrap();
        let rows = s
            .query_map([b], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, rusqlite::types::Value>(1)?))
            })
            .unwrap();
        for row in rows {
            let (id, key) = row.unwrap();
            keys.insert((t.clone(), id), format!("{key:?}"));
        }
    }
    keys
}

/// Every row of every table the shop owns, each column as text, ids given as what they stand
/// for; rows in the order they were written.
fn shop_rows(dir: &Path, code: &str) -> BTreeMap<String, Vec<String>> {
    let conn = open(dir);
    let keys = natural_keys(&conn, code);
    let b = keys.iter().find(|(k, _)| k.0 == "businesses").unwrap().0 .1;
    let mut out = BTreeMap::new();
    // `order_stamps` counts every change to a day's orders (triggers keep it), so an import,
    // which writes each order once, starts it afresh: it is not data that moves. Nor is
    // `customer_search_stamps`: its stamp is random by design, and its count is the shop's
    // customers, compared row by row. Nor is `catalog_index_stamps`, random by design too.
    for t in owned_tables(&conn).into_iter().filter(|t| {
        !matches!(
            t.as_str(),
            "order_stamps" | "customer_search_stamps" | "catalog_index_stamps"
        )
    }) {
        let fks = foreign_keys(&conn, &t);
        let filter = match fks.iter().find(|(_, p)| *p == "users") {
            _ if t == "businesses" => "id = ?1".to_owned(),
            _ if fks.contains_key("business_id") => "business_id = ?1".to_owned(),
            Some((col, _)) => format!("{col} IN (SELECT id FROM users WHERE business_id = ?1)"),
            None => panic!("{t} has no way to its business"),
        };
        let sql: String = conn
            .query_row("SELECT sql FROM sqlite_master WHERE name = ?1", [&t], |r| {
                r.get(0)
            })
            .unwrap();
        // A table without rowids (the order counts) is read in its key's order.
        let order = if sql.contains("WITHOUT ROWID") {
            "1, 2"
        } else {
            "rowid"
        };
        let mut s = conn
            .prepare(&format!(
                "SELECT * FROM {t} WHERE {filter} ORDER BY {order}"
            ))
            .unwrap();
        let names: Vec<String> = s.column_names().iter().map(|n| n.to_string()).collect();
        let mut rows = s.query([b]).unwrap();
        let mut list = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            let mut cells = Vec::new();
            for (i, name) in names.iter().enumerate() {
                // A cache key that every product written moves (migration V13's triggers), so
                // writing the shop's products on import moves it too; it is no data to keep.
                if name == "catalog_version" {
                    continue;
                }
                let target = if name == "id" {
                    Some(t.clone())
                } else {
                    fks.get(name).cloned()
                };
                let cell = match (row.get_ref(i).unwrap(), target) {
                    (ValueRef::Integer(id), Some(target)) => keys
                        .get(&(target.clone(), id))
                        .cloned()
                        .unwrap_or_else(|| panic!("{t}.{name} = {id}: not the shop's {target}")),
                    (ValueRef::Text(text), _) => format!("{:?}", String::from_utf8_lossy(text)),
                    (value, _) => format!("{value:?}"),
                };
                cells.push(format!("{name}={cell}"));
            }
            list.push(cells.join(" "));
        }
        // In the kept counts a count of none is the same as no row: an order that changed its
        // status or payment leaves its old count at zero, which an import, writing each order
        // once as it stands, never makes.
        if sql.contains("WITHOUT ROWID") {
            list.retain(|row| !row.ends_with(" n=Integer(0)"));
        }
        out.insert(t, list);
    }
    out
}

/// Everything an import could change: each table's row count and the files beside it.
fn fingerprint(dir: &Path) -> (Vec<(String, i64)>, Vec<String>) {
    let conn = open(dir);
    let tables = strings(
        &conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    );
    let counts = tables
        .into_iter()
        .map(|t| {
            let n = conn
                .query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect();
    let mut files = Vec::new();
    for sub in ["", "uploads", "whatsapp"] {
        if let Ok(list) = std::fs::read_dir(dir.join(sub)) {
            for f in list {
                let name = f.unwrap().file_name().to_string_lossy().into_owned();
                // SQLite's own files come and go as connections open and close.
                if !name.starts_with("novi.db") {
                    files.push(format!("{sub}/{name}"));
                }
            }
        }
    }
    files.sort();
    (counts, files)
}

/// Sharma Sweets (`sweets`) with something in every table it owns: orders from a chat and the
/// API, customers and addresses, a draft, messages with statuses, the outbox, staff who logged
/// in, an API token, an image, a suggestion, an unread line, a group, a message wording, the
/// Cloud API settings and a linked session. Returns the data directory and the API token.
async fn seeded_shop() -> (tempfile::TempDir, String) {
    let s = shop().await;
    let (app, b) = (&s.app, &s.b);
    let first = "1 kilo kaju katli aur ek dabba gulab jamun, deliver to 12 MG Road";
    s.says(ASHA, "move-1", first, 1).await;
    s.taps(ASHA, "move-2", "confirm", 1).await;
    s.says(RAVI, "move-3", "2 kg jalebi", 1).await;
    let status = fakes::cloud_status(PNID, "wamid.moved-status", "delivered", &[]);
    assert_eq!(app.deliver(b, &status).await, StatusCode::OK);
    let token = app.token(b);
    let api = crate::support::Api::new(app, token.clone());
    let body = json!({"customer": {"name": "Meena", "phone": "9811111111"},
        "lines": [{"sku": "kaju-katli", "qty": 500}], "address": "4 Park Street", "payment_mode": "cod"});
    assert_eq!(
        api.post("/api/v1/orders", &body).await.0,
        StatusCode::CREATED
    );
    let moved = api
        .post("/api/v1/orders/2/status", &json!({"status": "confirmed"}))
        .await;
    assert_eq!(moved.0, StatusCode::OK, "{}", moved.1);
    let paid = json!({"amount_minor": 10_000, "mode": "upi", "reference": "412345678901"});
    let paid = api.post("/api/v1/orders/2/payments", &paid).await;
    assert_eq!(paid.0, StatusCode::CREATED, "{}", paid.1);
    app.owner(b, "meera").await;
    app.user(b, "arjun", Role::Agent);
    app.adjust_stock(b, "jalebi", 500, "fresh batch");
    fill_the_rest(app, b);
    let (dir, _db) = s.app.stop_keeping_data().await;
    (dir, token)
}

/// The rows no customer or API call makes: written as staff actions would write them.
fn fill_the_rest(app: &TestApp, b: &novi::accounts::businesses::Business) {
    let kaju = crate::support::product(&app.db, b, "kaju-katli").id;
    let photo = image::store(app.dir.path(), image::Kind::Jpeg, b"\xFF\xD8\xFFphoto").unwrap();
    let order = crate::support::order(&app.db, b, 1).id;
    let meera = app
        .db
        .with_conn(|c| novi::accounts::users::by_username(c, "meera"))
        .unwrap()
        .expect("meera")
        .id;
    app.db
        .with_tx(|tx| {
            products::set_image(tx, b.id, kaju, &photo, "image/jpeg")?;
            suggestions::record(tx, b.id, kaju, "katli wali mithai")?;
            let unread = NewUnread {
                text: "1 kg kesar peda".into(),
                words: "kesar peda".into(),
                reason: "unknown".into(),
                candidates: Vec::new(),
            };
            novi::orders::unread::keep(tx, b.id, order, &[unread])?;
            // Cash a person recorded: its `recorded_by` names a user, remapped on import.
            let cash = novi::payments::NewPayment {
                amount: novi::domain::Money::from_minor(5_000),
                mode: novi::orders::PaymentMode::Cash,
                kind: novi::payments::Kind::Payment,
                reference: String::new(),
                recorded_by: Some(meera),
                actor: "meera".into(),
            };
            novi::payments::record(tx, b, 1, &cash)?;
            attention::flag(tx, b.id, RAVI, "asked for a person")?;
            let group = groups::Group {
                chat_id: "120363000000000001@g.us".into(),
                name: "Counter".into(),
                role: "sales".into(),
            };
            groups::map(tx, b.id, &group)?;
            templates::save(tx, b.id, "welcome", "Namaste! Sharma Sweets here.")?;
            let keys = novi::razorpay::RazorpaySettings {
                key_id: "rzp_live_sharma".into(),
                key_secret: "key-secret".into(),
                webhook_secret: "hook-secret".into(),
            };
            novi::razorpay::settings::save(tx, b.id, &keys)?;
            novi::razorpay::events::store(
                tx,
                b.id,
                "evt_1",
                "order.paid",
                "{\"event\":\"order.paid\"}",
            )?;
            let link = novi::razorpay::requests::Kind::Link;
            let inr = novi::domain::Money::from_minor(5_000);
            novi::razorpay::requests::add(tx, b.id, order, link, "plink_moved", inr, "INR")?;
            // A refund Razorpay is still processing: its hold moves with the order.
            let held = novi::razorpay::pending::Pending {
                refund_id: "rfnd_moved".into(),
                payment_id: "pay_moved".into(),
                amount_minor: 2_000,
            };
            novi::razorpay::pending::hold(tx, b.id, order, &held)?;
            // A payment staff were asked to refund, dealt with by a person (remapped on import).
            let flag = novi::razorpay::flags::NewFlag {
                order_id: order,
                reason: "paid ₹50.00, but ₹0.00 was due",
                payment_id: "pay_moved",
                amount_minor: 5_000,
                currency: "INR",
            };
            novi::razorpay::flags::raise(tx, b.id, &flag)?;
            let raised = novi::razorpay::flags::open(tx, b.id)?;
            novi::razorpay::flags::deal_with(tx, b.id, raised[0].id, meera)?;
            let print = novi::printing::PrintSettings {
                gstin: "27AAPFU0939F1ZV".into(),
                ..Default::default()
            };
            novi::printing::save(tx, b.id, &print)?;
            let alerts = novi::alerts::settings::AlertSettings {
                owner_phone: "919876500001".into(),
                closing_time: chrono::NaiveTime::from_hms_opt(21, 0, 0),
            };
            novi::alerts::settings::save(tx, b.id, &alerts)?;
            {
                use novi::catalog::alerts::{on_change, Level};
                let before = Level {
                    stock: 1500,
                    low: 1000,
                };
                on_change(
                    tx,
                    b.id,
                    kaju,
                    before,
                    Level {
                        stock: 900,
                        ..before
                    },
                )?;
            }
            let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
            novi::alerts::summary::send(tx, b, day)?;
            let mut link = Link::not_linked();
            link.state = State::LoggedOut;
            link.reason = "unlinked from the phone".into();
            state::save(tx, b.id, &link)
        })
        .unwrap();
    let sessions = app.dir.path().join("whatsapp");
    std::fs::create_dir_all(&sessions).unwrap();
    let store = Connection::open(sessions.join(format!("business-{}.db", b.id))).unwrap();
    store
        .execute_batch("CREATE TABLE keys (k TEXT); INSERT INTO keys VALUES ('identity-key');")
        .unwrap();
}

/// Another install, with a shop of its own holding rows in the same tables, so every id of the
/// moved shop has to change.
async fn busy_install() -> tempfile::TempDir {
    let app = TestApp::start().await;
    let other = app.small_shop("other");
    app.owner(&other, "neha").await;
    let body = json!({"customer": {"name": "Raj", "phone": "9822222222"},
        "lines": [{"sku": "samosa", "qty": 4}], "address": "1 Mall Road", "payment_mode": "cod"});
    assert_eq!(
        app.api(&other).post("/api/v1/orders", &body).await.0,
        StatusCode::CREATED
    );
    let cash = json!({"amount_minor": 1_000, "mode": "cash"});
    let paid = app
        .api(&other)
        .post("/api/v1/orders/1/payments", &cash)
        .await;
    assert_eq!(paid.0, StatusCode::CREATED, "{}", paid.1);
    app.stop_keeping_data().await.0
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_moves_whole_and_carries_on_taking_orders() {
    let (source, token) = seeded_shop().await;
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("sweets.novi");
    let said = ok(
        source.path(),
        &[
            "business",
            "export",
            "--business",
            "sweets",
            path_str(&file),
        ],
        "",
    );
    assert!(
        said.contains("exported business sweets (Sharma Sweets)"),
        "{said}"
    );
    assert!(said.contains("readable by you only"), "{said}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the file holds secrets");
    }

    let target = busy_install().await;
    let said = ok(target.path(), &["business", "import", path_str(&file)], "");
    assert!(
        said.contains("imported business sweets (Sharma Sweets)"),
        "{said}"
    );

    let before = shop_rows(source.path(), "sweets");
    for (table, rows) in &before {
        assert!(!rows.is_empty(), "the seeded shop has rows in {table}");
    }
    let after = shop_rows(target.path(), "sweets");
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &before {
        assert_eq!(rows, &after[table], "{table} arrives as it was");
    }
    let new_id: i64 = open(target.path())
        .query_row(
            "SELECT id FROM businesses WHERE short_code = 'sweets'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        new_id, 2,
        "the shop took the next id beside the one already there"
    );
    moved_files_arrive(source.path(), target.path(), new_id);

    // Imported again, its short code clashes: refused, nothing changed.
    let unchanged = fingerprint(target.path());
    let err = fails(target.path(), &["business", "import", path_str(&file)], "");
    assert!(
        err.contains("a business with short code `sweets` already exists"),
        "{err}"
    );
    assert_eq!(fingerprint(target.path()), unchanged);

    the_moved_shop_serves_and_takes_the_next_order(target.path(), &token).await;
}

/// The product image byte for byte, and the linked session's store under the new id.
fn moved_files_arrive(source: &Path, target: &Path, new_id: i64) {
    let image: String = open(target)
        .query_row(
            "SELECT image FROM products WHERE image IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let read = |dir: &Path| std::fs::read(dir.join("uploads").join(&image)).unwrap();
    assert_eq!(read(source), read(target));
    let store = target.join(format!("whatsapp/business-{new_id}.db"));
    let key: String = Connection::open(store)
        .unwrap()
        .query_row("SELECT k FROM keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(key, "identity-key");
}

async fn the_moved_shop_serves_and_takes_the_next_order(dir: &Path, token: &str) {
    let server = Server::start(dir, &["--listen", "127.0.0.1:0"], &[]);
    let mut browser = Browser::new(server.base.clone());
    let (status, _) = browser.login("meera", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the owner logs in with her password"
    );
    let (status, page) = browser.get("/b/sweets/orders").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Sharma Sweets") && page.contains("Meena"),
        "{page}"
    );
    let body = json!({"customer": {"name": "Asha", "phone": "9812345678"},
        "lines": [{"sku": "gulab-jamun", "qty": 2}], "address": "12 MG Road", "payment_mode": "cod"});
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/orders", server.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "the shop's API token still works"
    );
    let taken: serde_json::Value = res.json().await.unwrap();
    assert_eq!(taken["order"]["number"], 3, "after #1 and #2 comes #3");
}

#[test]
fn a_cut_short_file_or_a_username_taken_here_changes_nothing() {
    let source = install_with_sweet_shop("bakery");
    let add = [
        "user",
        "add",
        "--business",
        "bakery",
        "--username",
        "ravi",
        "--role",
        "owner",
        "--password-stdin",
    ];
    ok(source.path(), &add, "a-long-password\n");
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("bakery.novi");
    ok(
        source.path(),
        &[
            "business",
            "export",
            "--business",
            "bakery",
            path_str(&file),
        ],
        "",
    );

    let target = install_with_business("corner");
    let unchanged = fingerprint(target.path());
    let bytes = std::fs::read(&file).unwrap();
    let at = bytes.windows(10).position(|w| w == b"kaju-katli").unwrap();
    let mut altered = bytes.clone();
    altered[at] = b'K';
    for (name, damaged) in [
        ("half", &bytes[..bytes.len() / 2]),
        ("header", &bytes[..700]),
        ("altered", &altered[..]),
    ] {
        let short = out.path().join(format!("{name}.novi"));
        std::fs::write(&short, damaged).unwrap();
        let err = fails(target.path(), &["business", "import", path_str(&short)], "");
        assert!(
            err.contains("is not a complete Novi business export"),
            "{name}: {err}"
        );
        assert_eq!(fingerprint(target.path()), unchanged, "{name}");
    }

    let add = [
        "user",
        "add",
        "--business",
        "corner",
        "--username",
        "Ravi",
        "--role",
        "owner",
        "--password-stdin",
    ];
    ok(target.path(), &add, "another-password\n");
    let unchanged = fingerprint(target.path());
    let err = fails(target.path(), &["business", "import", path_str(&file)], "");
    assert!(err.contains("user(s) ravi already exist here"), "{err}");
    assert_eq!(fingerprint(target.path()), unchanged);

    let nowhere = out.path().join("no-install");
    let missing = out.path().join("missing.novi");
    let err = fails(&nowhere, &["business", "import", path_str(&missing)], "");
    assert!(err.contains("cannot open"), "{err}");
    assert!(
        !nowhere.exists(),
        "no install made for a file that is not there"
    );
    let half = out.path().join("half.novi");
    let err = fails(&nowhere, &["business", "import", path_str(&half)], "");
    assert!(err.contains("is not a complete"), "{err}");
    assert!(
        !nowhere.join("novi.db").exists(),
        "no install made for a file that is not whole"
    );

    let backup = out.path().join("backup.tar");
    ok(source.path(), &["backup", "--to", path_str(&backup)], "");
    let err = fails(
        target.path(),
        &["business", "import", path_str(&backup)],
        "",
    );
    assert!(
        err.contains("is a Novi backup, not a business export"),
        "{err}"
    );
}

/// `novi whatsapp configure` connecting `code` to the Cloud API as phone number id `pnid`.
fn connect_cloud(dir: &Path, code: &str, pnid: &str) {
    let args = [
        "whatsapp",
        "configure",
        "--business",
        code,
        "--provider",
        "cloud",
        "--phone-number-id",
        pnid,
        "--verify-token",
        "v",
        "--app-secret",
        "s",
        "--access-token",
        "EAAG-move",
    ];
    ok(dir, &args, "");
}

#[test]
fn a_fault_found_halfway_undoes_every_row_and_file() {
    let source = install_with_sweet_shop("bakery");
    connect_cloud(source.path(), "bakery", "110000000000777");
    let conn = Connection::open(source.path().join("novi.db")).unwrap();
    let photo = image::store(source.path(), image::Kind::Png, b"\x89PNG\r\n\x1a\nphoto").unwrap();
    conn.execute(
        "UPDATE products SET image = ?1, image_type = 'image/png'",
        [&photo],
    )
    .unwrap();
    drop(conn);
    std::fs::create_dir_all(source.path().join("whatsapp")).unwrap();
    std::fs::write(source.path().join("whatsapp/business-1.db"), b"").unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("bakery.novi");
    ok(
        source.path(),
        &[
            "business",
            "export",
            "--business",
            "bakery",
            path_str(&file),
        ],
        "",
    );

    // Another shop here uses that WhatsApp number: found only when the settings' row is
    // written, after the products and their stock history.
    let target = install_with_business("corner");
    connect_cloud(target.path(), "corner", "110000000000777");
    let unchanged = fingerprint(target.path());
    let err = fails(target.path(), &["business", "import", path_str(&file)], "");
    assert!(
        err.contains("already connected to another business here"),
        "{err}"
    );
    assert_eq!(fingerprint(target.path()), unchanged);

    // A linked session left where the shop's would go: found after the image is in place.
    let target = install_with_business("corner");
    std::fs::create_dir_all(target.path().join("whatsapp")).unwrap();
    std::fs::write(target.path().join("whatsapp/business-2.db"), b"stale").unwrap();
    let unchanged = fingerprint(target.path());
    let err = fails(target.path(), &["business", "import", path_str(&file)], "");
    assert!(err.contains("a linked session is in the way"), "{err}");
    assert_eq!(
        fingerprint(target.path()),
        unchanged,
        "the image is taken out again"
    );
}
