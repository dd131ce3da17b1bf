//! The platform console (`/admin`) and the audit log, against a running server: only platform
//! admins get in; a business made from the web with a one-time owner link; deactivation stops
//! a shop's pages, logins, API and replies while its webhooks are still stored, and
//! reactivation restores them; users disabled, enabled and reset; every audited action leaves
//! a row without secrets; the system figures are there and sane; orders across shops, paged.

use crate::support::bridge::{cloud_shop, CloudShop, ACCESS_TOKEN, APP_SECRET, CUSTOMER, PNID};
use crate::support::fakes;
use crate::support::{Browser, TestApp, PASSWORD, WAIT};
use novi::accounts::businesses::Business;
use novi::accounts::Role;
use novi::audit::{self, Entry};
use novi::db::Db;
use reqwest::StatusCode;
use serde_json::json;

/// Every audit entry of `business` (or everyone's with `None`), newest first.
fn audit_rows(db: &Db, business: Option<&Business>) -> Vec<Entry> {
    db.with_conn(|c| audit::list(c, business.map(|b| b.id), None, 500))
        .unwrap()
}

/// The entries with this action, as "who|detail".
fn actions(rows: &[Entry], action: &str) -> Vec<String> {
    rows.iter()
        .filter(|e| e.action == action)
        .map(|e| format!("{}|{}", e.username, e.detail))
        .collect()
}

fn count(db: &Db, sql: &str, id: i64) -> i64 {
    db.with_conn(|c| Ok(c.query_row(sql, [id], |r| r.get(0))?))
        .unwrap()
}

/// The one-time link on a console page, as a path.
fn setup_path(body: &str) -> String {
    let start = body.find("/setup/").expect("a setup link on the page");
    let end = body[start..].find('<').unwrap() + start;
    body[start..end].to_owned()
}

async fn admin(app: &TestApp) -> Browser {
    app.logged_in(&app.platform_admin("root")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_gets_a_403_page_on_every_console_page_and_action() {
    let app = TestApp::start().await;
    let b = app.business("shop-a");
    let mut owner = app.owner(&b, "asha").await;
    for path in [
        "/admin",
        "/admin/businesses",
        "/admin/businesses/shop-a",
        "/admin/users",
        "/admin/orders",
        "/admin/audit",
    ] {
        let (status, body) = owner.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(body.contains("permission"), "{path}: {body}");
    }
    owner.get("/b/shop-a/").await;
    let (status, _, _) = owner.post("/admin/businesses/shop-a/deactivate", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app
        .db
        .with_conn(|c| novi::accounts::businesses::is_active(c, b.id))
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_business_made_on_the_web_gets_an_owner_who_chooses_a_password_by_a_one_time_link() {
    let app = TestApp::start().await;
    let mut root = admin(&app).await;
    root.get("/admin/businesses").await;
    // Bad input: each mistake beside its field, nothing created.
    let bad = [("name", ""), ("short_code", "-x"), ("owner", "a b")];
    let (status, body, _) = root.post("/admin/businesses", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("name-error")
            && body.contains("short_code-error")
            && body.contains("owner-error")
    );
    assert_eq!(
        app.db.with_conn(novi::accounts::businesses::count).unwrap(),
        0
    );

    let good = [
        ("name", "Meena Bakery"),
        ("short_code", "meena"),
        ("owner", "meena"),
    ];
    let (status, body, _) = root.post("/admin/businesses", &good).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let link = setup_path(&body);
    // The same short code again is refused beside the field.
    root.get("/admin/businesses").await;
    let (status, body, _) = root
        .post(
            "/admin/businesses",
            &[("name", "M"), ("short_code", "meena"), ("owner", "other")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("short_code-error") && body.contains("already taken"));

    let mut meena = app.browser();
    let (status, page) = meena.get(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Choose your password") && page.contains("meena"));
    let pass = [
        ("new_password", "bakery-pass-1"),
        ("password_again", "bakery-pass-1"),
    ];
    let (status, _, location) = meena.post(&format!("{link}/password"), &pass).await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/login"))
    );
    let (status, location) = meena.login("meena", "bakery-pass-1").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/"));
    let (status, _) = meena.get("/b/meena/").await;
    assert_eq!(status, StatusCode::OK);
    // The link worked once.
    let (status, _) = app.browser().get(&link).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let token = link.trim_start_matches("/setup/");
    let rows = audit_rows(&app.db, None);
    assert!(actions(&rows, audit::BUSINESS)
        .iter()
        .any(|a| a.starts_with("root|created \"Meena Bakery\" (meena) with owner meena")));
    assert!(actions(&rows, audit::USER)
        .iter()
        .any(|a| a.starts_with("meena|chose a password")));
    assert!(rows
        .iter()
        .all(|e| !e.detail.contains(token) && !e.detail.contains("bakery-pass-1")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_a_business_stops_its_pages_logins_api_and_replies_but_stores_its_webhooks() {
    let CloudShop { app, b, graph } = cloud_shop("shop-a").await;
    let asha = app.user(&b, "asha", Role::Owner);
    let mut owner = app.logged_in(&asha).await;
    let api = app.api(&b);
    let mut root = admin(&app).await;
    root.get("/admin/businesses/shop-a").await;
    let (status, _, _) = root.post("/admin/businesses/shop-a/deactivate", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, console) = root.get("/admin/businesses/shop-a").await;
    assert!(console.contains("Deactivated"));

    // Her session ended; logging in again is refused with the reason.
    let (status, page) = owner.visit("/b/shop-a/").await;
    assert!(
        status == StatusCode::OK && page.contains("Log in"),
        "{status}"
    );
    owner.get("/login").await;
    let login = [("username", "asha"), ("password", PASSWORD)];
    let (status, refusal, _) = owner.post("/login", &login).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        refusal.contains("This shop has been deactivated"),
        "{refusal}"
    );
    let (status, body) = api.get("/api/v1/orders").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "business_deactivated");
    let store = reqwest::get(app.url("/s/shop-a")).await.unwrap();
    assert_eq!(
        store.status(),
        StatusCode::FORBIDDEN,
        "the storefront takes no orders"
    );
    // The platform admin still sees its pages, data kept.
    assert_eq!(root.get("/b/shop-a/").await.0, StatusCode::OK);

    // A customer writes: answered 200 and stored, handled with no reply, nothing sent.
    let hi = fakes::cloud_text(PNID, CUSTOMER, "Meera", "wamid.off.1", "hi");
    assert_eq!(app.deliver(&b, &hi).await, StatusCode::OK);
    app.wait_until("the message to be handled", |db| {
        (count(db, "SELECT COUNT(*) FROM messages WHERE business_id = ?1 AND direction = 'in' AND handled = 1", b.id) == 1).then_some(())
    })
    .await;
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM outbox WHERE business_id = ?1",
            b.id
        ),
        0
    );
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM inbound_payloads WHERE business_id = ?1",
            b.id
        ),
        1
    );
    assert_eq!(graph.request_count(), 0, "nothing sent while deactivated");

    // Reactivated: logins, the API and replies work again.
    let (status, _, _) = root.post("/admin/businesses/shop-a/reactivate", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mut owner = app.browser();
    assert_eq!(owner.login("asha", PASSWORD).await.0, StatusCode::SEE_OTHER);
    assert_eq!(owner.get("/b/shop-a/").await.0, StatusCode::OK);
    assert_eq!(api.get("/api/v1/orders").await.0, StatusCode::OK);
    let again = fakes::cloud_text(PNID, CUSTOMER, "Meera", "wamid.on.1", "hi");
    assert_eq!(app.deliver(&b, &again).await, StatusCode::OK);
    let sent = graph
        .wait_until("a reply", WAIT, |log| {
            log.iter().any(|r| r.text().is_some())
        })
        .await;
    assert!(sent
        .iter()
        .all(|r| r.to() == Some(CUSTOMER) || r.is_mark_read()));

    let rows = audit_rows(&app.db, Some(&b));
    let changes = actions(&rows, audit::BUSINESS);
    assert_eq!(changes, vec!["root|reactivated", "root|deactivated"]);
    assert!(actions(&rows, audit::LOGIN_FAILED).contains(&"asha|business deactivated".to_owned()));
    assert!(rows
        .iter()
        .all(|e| !e.detail.contains(APP_SECRET) && !e.detail.contains(ACCESS_TOKEN)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_found_across_businesses_disabled_enabled_and_reset_by_a_new_link() {
    let app = TestApp::start().await;
    let a = app.business("shop-a");
    let b = app.business("shop-b");
    app.user(&a, "asha", Role::Owner);
    let ravi = app.user(&b, "ravi", Role::Agent);
    app.user(&b, "bina", Role::Owner);
    let mut root = admin(&app).await;
    let (_, page) = root.get("/admin/users?q=shop-b").await;
    assert!(page.contains("ravi") && page.contains("bina") && !page.contains(">asha<"));

    let (status, _, _) = root
        .post(&format!("/admin/users/{}/disable", ravi.id), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.browser().login("ravi", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    root.get("/admin/users").await;
    root.post(&format!("/admin/users/{}/enable", ravi.id), &[])
        .await;
    assert_eq!(
        app.browser().login("ravi", PASSWORD).await.0,
        StatusCode::SEE_OTHER
    );

    root.get("/admin/users").await;
    let (status, page, _) = root
        .post(&format!("/admin/users/{}/reset", ravi.id), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let link = setup_path(&page);
    assert_eq!(
        app.browser().login("ravi", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    let mut ravi_b = app.browser();
    ravi_b.get(&link).await;
    let pass = [
        ("new_password", "new-pass-77"),
        ("password_again", "new-pass-77"),
    ];
    assert_eq!(
        ravi_b.post(&format!("{link}/password"), &pass).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        ravi_b.login("ravi", "new-pass-77").await.0,
        StatusCode::SEE_OTHER
    );

    let rows = audit_rows(&app.db, Some(&b));
    let users = actions(&rows, audit::USER);
    for expected in [
        "root|disabled ravi",
        "root|enabled ravi",
        "root|reset the password of ravi (new one-time link)",
    ] {
        assert!(
            users.contains(&expected.to_owned()),
            "{expected} in {users:?}"
        );
    }
    let token = link.trim_start_matches("/setup/");
    assert!(audit_rows(&app.db, None)
        .iter()
        .all(|e| !e.detail.contains(token) && !e.detail.contains("new-pass-77")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audited_actions_leave_rows_without_secrets_and_owners_see_only_their_own() {
    let app = TestApp::start().await;
    let a = app.business("shop-a");
    let other = app.business("shop-b");
    app.owner(&other, "bina").await;
    let mut owner = app.owner(&a, "asha").await;
    // A failed login, a profile change, WhatsApp credentials, staff, exports.
    assert_eq!(
        app.browser().login("asha", "wrong-password").await.0,
        StatusCode::UNAUTHORIZED
    );
    owner.get("/b/shop-a/settings").await;
    let profile = [
        ("name", "Asha Sweets"),
        ("address", "1 Main Rd"),
        ("phone", ""),
        ("currency", "INR"),
        ("delivery_fee", "0"),
    ];
    let (status, body, _) = owner.post("/b/shop-a/settings/profile", &profile).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    owner.get("/b/shop-a/settings/whatsapp").await;
    let wa = [
        ("provider", "cloud"),
        ("phone_number_id", PNID),
        ("verify_token", "verify-secret-1"),
        ("app_secret", "app-secret-XYZ"),
        ("access_token", "EAAG-secret-token-XYZ"),
        ("rate_per_second", "20"),
    ];
    let (status, body, _) = owner.post("/b/shop-a/settings/whatsapp", &wa).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    owner.get("/b/shop-a/settings/users").await;
    let add = [
        ("new_username", "ravi"),
        ("new_password", "ravi-pass-123"),
        ("role", "agent"),
    ];
    assert_eq!(
        owner.post("/b/shop-a/settings/users", &add).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        owner.get("/b/shop-a/orders/export.csv").await.0,
        StatusCode::OK
    );
    assert_eq!(
        owner.get("/b/shop-a/products/export.csv").await.0,
        StatusCode::OK
    );

    let rows = audit_rows(&app.db, Some(&a));
    assert!(actions(&rows, audit::LOGIN_FAILED).contains(&"asha|wrong password".to_owned()));
    assert!(actions(&rows, audit::LOGIN).contains(&"asha|".to_owned()));
    assert!(
        rows.iter().all(|e| e.address == "127.0.0.1"),
        "from which address"
    );
    let settings = actions(&rows, audit::SETTINGS);
    assert!(
        settings[0].contains("name: \"Shop shop-a\" → \"Asha Sweets\""),
        "{settings:?}"
    );
    let wa_rows = actions(&rows, audit::WHATSAPP);
    assert_eq!(wa_rows.len(), 1);
    assert!(
        wa_rows[0].contains("provider: \"simulator\" → \"cloud\"")
            && wa_rows[0].contains("app secret: (secret changed, not shown)"),
        "{wa_rows:?}"
    );
    assert!(actions(&rows, audit::USER).contains(&"asha|Added ravi.".to_owned()));
    assert_eq!(actions(&rows, audit::EXPORT).len(), 2);
    for secret in [
        "verify-secret-1",
        "app-secret-XYZ",
        "EAAG-secret-token-XYZ",
        "ravi-pass-123",
        "wrong-password",
    ] {
        assert!(
            rows.iter().all(|e| !e.detail.contains(secret)),
            "{secret} leaked"
        );
    }

    // The owner's page: this shop's entries only; an agent may not see it.
    let (status, page) = owner.get("/b/shop-a/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Asha Sweets") && !page.contains("bina"));
    assert!(owner
        .get("/b/shop-a/more")
        .await
        .1
        .contains("/b/shop-a/audit"));
    let mut agent = app.agent(&a, "gopi").await;
    assert_eq!(agent.get("/b/shop-a/audit").await.0, StatusCode::FORBIDDEN);
    // The platform admin sees everyone's.
    let mut root = admin(&app).await;
    let (_, all) = root.get("/admin/audit").await;
    assert!(all.contains("asha") && all.contains("bina") && all.contains("shop-b"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_figures_and_bot_status_are_present_and_sane() {
    // The fake Graph API must outlive the test: replies go to it.
    let CloudShop {
        app,
        b,
        graph: _graph,
    } = cloud_shop("shop-a").await;
    for i in 0..3 {
        let body = fakes::cloud_text(PNID, CUSTOMER, "Meera", &format!("wamid.sys.{i}"), "hi");
        assert_eq!(app.deliver(&b, &body).await, StatusCode::OK);
    }
    let bad = fakes::cloud_text(PNID, CUSTOMER, "Meera", "wamid.bad", "hi");
    assert_eq!(
        app.post_cloud(&b, &bad, Some("sha256=00".into())).await,
        StatusCode::UNAUTHORIZED
    );
    app.wait_until("a reply recorded as sent", |db| {
        let sent = "SELECT COUNT(*) FROM messages WHERE business_id = ?1 AND direction = 'out'
                    AND status IN ('sent', 'delivered', 'read')";
        (count(db, sent, b.id) > 0).then_some(())
    })
    .await;
    let mut root = admin(&app).await;
    let (status, page) = root.get("/admin").await;
    assert_eq!(status, StatusCode::OK);
    let figure = |id: &str| -> String {
        let start = page
            .find(&format!("id=\"{id}\">"))
            .unwrap_or_else(|| panic!("#{id} on the page"))
            + id.len()
            + 6;
        page[start..start + page[start..].find("</dd>").unwrap()].to_owned()
    };
    assert_eq!(figure("version"), env!("CARGO_PKG_VERSION"));
    assert!(
        figure("webhooks").contains("(3 in the last 5 min)"),
        "{}",
        figure("webhooks")
    );
    assert!(figure("webhooks").starts_with("0.6"));
    let errors: u64 = figure("errors").parse().unwrap();
    assert!(errors >= 1, "the refused webhook counts");
    let mb = |id: &str| -> f64 {
        figure(id)
            .trim_end_matches(" MB")
            .replace(',', "")
            .parse()
            .unwrap()
    };
    assert!(
        mb("memory") > 1.0 && mb("memory") < 4096.0,
        "{}",
        figure("memory")
    );
    // Fresh writes sit in the write-ahead log until a checkpoint moves them to the file.
    assert!(mb("database") + mb("wal") > 0.0 && mb("disk") > 0.0);
    assert!(figure("uptime").ends_with(" s") || figure("uptime").contains("min"));
    let inbound: i64 = figure("inbound").parse().unwrap();
    let outbound: i64 = figure("outbound").parse().unwrap();
    assert!((0..=3).contains(&inbound) && (0..=3).contains(&outbound));
    // The bot: cloud, connected, a message in, something sent, nothing failed today.
    let row = &page[page.find("/b/shop-a/").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains(">cloud<") && row.contains(">connected<"),
        "{row}"
    );
    assert!(
        !row.contains("never"),
        "last in and last sent are set: {row}"
    );
    assert!(row.contains("data-label=\"Failed today\">0<"), "{row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_orders_are_listed_across_businesses_filtered_and_paged_by_keyset() {
    let app = TestApp::start().await;
    let a = app.small_shop("shop-a");
    let b = app.small_shop("shop-b");
    let line = json!([{"sku": "gulab-jamun", "variant": "Single", "count": 1}]);
    let order = json!({"customer": {"name": "Asha", "phone": "98123 45678"}, "lines": line, "payment_mode": "cod"});
    let (api_a, api_b) = (app.api(&a), app.api(&b));
    for _ in 0..53 {
        assert_eq!(
            api_a.post("/api/v1/orders", &order).await.0,
            StatusCode::CREATED
        );
    }
    for _ in 0..2 {
        assert_eq!(
            api_b.post("/api/v1/orders", &order).await.0,
            StatusCode::CREATED
        );
    }
    api_b
        .post("/api/v1/orders/2/status", &json!({"status": "cancelled"}))
        .await;
    let mut root = admin(&app).await;
    let (_, first) = root.get("/admin/orders").await;
    assert_eq!(first.matches("data-label=\"Order\"").count(), 50);
    assert!(first.contains("/b/shop-b/orders/2") && first.contains("/b/shop-a/orders/53"));
    let next = first[first.find("/admin/orders?").unwrap()..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let (_, second) = root.get(&next).await;
    assert_eq!(second.matches("data-label=\"Order\"").count(), 5);
    assert!(second.contains("/b/shop-a/orders/1\"") && !second.contains("Older orders"));

    let (_, only_b) = root.get("/admin/orders?business=shop-b").await;
    assert_eq!(only_b.matches("data-label=\"Order\"").count(), 2);
    let (_, cancelled) = root.get("/admin/orders?status=cancelled").await;
    assert_eq!(cancelled.matches("data-label=\"Order\"").count(), 1);
    assert!(cancelled.contains("/b/shop-b/orders/2"));
    let (_, future) = root.get("/admin/orders?from=2999-01-01").await;
    assert!(future.contains("No orders match."));
    let (_, bad) = root.get("/admin/orders?from=yesterday").await;
    assert!(bad.contains("From must be a date like 2026-03-31"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_shops_tracking_links_and_storefront_say_it_is_closed_until_reactivated() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop-a");
    let order = json!({"customer": {"phone": "9812345678", "name": "Meera Iyer"}, "lines": [{"sku": "samosa", "qty": 4}]});
    let (status, _) = app.api(&b).post("/api/v1/orders", &order).await;
    assert_eq!(status, StatusCode::CREATED);
    let link = format!("/t/{}", app.state.tracker.token(b.id, 1, novi::db::now()));
    let mut customer = app.browser();
    let (status, page) = customer.get(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Order #1") && page.contains("Samosa"),
        "{page}"
    );

    let mut root = admin(&app).await;
    root.get("/admin/businesses/shop-a").await;
    let (status, _, _) = root.post("/admin/businesses/shop-a/deactivate", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for path in [
        link.as_str(),
        "/s/shop-a",
        "/s/shop-a/cart",
        "/track/shop-a",
    ] {
        let (status, page) = customer.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.contains("This shop is closed on Novi") && page.contains("Shop shop-a"),
            "{path}: {page}"
        );
        for private in ["Order #1", "Samosa", "Meera", "deactivated"] {
            assert!(!page.contains(private), "{path} shows {private}: {page}");
        }
    }

    let (status, _, _) = root.post("/admin/businesses/shop-a/reactivate", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page) = customer.get(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Order #1"), "{page}");
    assert_eq!(customer.get("/s/shop-a").await.0, StatusCode::OK);
}
