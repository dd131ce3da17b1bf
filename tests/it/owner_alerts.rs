//! What the owner hears of on WhatsApp without asking: a product's stock crossing its
//! low-stock level (once per crossing, not per order) and the day's summary at closing time
//! (once a day, also across a restart). Time is moved on the app's own clock, not waited out.

use std::time::Duration;

use chrono::Timelike;
use novi::accounts::businesses::Business;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Browser, TestApp, WAIT};

const OWNER: &str = "919876500001";

/// Messages queued to the owner's number, oldest first.
fn to_owner(app: &TestApp) -> Vec<String> {
    app.db
        .with_conn(|c| {
            let mut stmt = c.prepare(
                "SELECT text FROM messages WHERE phone = ?1 AND direction = 'out' ORDER BY id",
            )?;
            let rows = stmt.query_map([OWNER], |r| r.get(0))?;
            Ok::<_, novi::error::AppError>(rows.collect::<Result<Vec<String>, _>>()?)
        })
        .unwrap()
}

/// Waits for the alert task to finish a pass begun now or later, so all it had to do is done.
async fn after_a_pass(app: &TestApp) {
    let now = app.state.bridge.clock.now_ms();
    assert!(
        app.state.alerts.passed(now, WAIT).await,
        "no alert pass within {WAIT:?}"
    );
}

async fn set_alerts(br: &mut Browser, closing_time: &str) {
    br.get("/b/shop/settings/printing").await;
    let form = [
        ("paper", "80mm"),
        ("owner_phone", "98765 00001"),
        ("closing_time", closing_time),
    ];
    let (status, page, _) = br.post("/b/shop/settings/printing", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
}

async fn take_samosas(app: &TestApp, b: &Business, n: u32) {
    let body = json!({
        "customer": {"name": "Asha", "phone": "9812345678"},
        "lines": [{"sku": "samosa", "qty": n}], "payment_mode": "cod", "fulfilment": "pickup"
    });
    let (status, res) = app.api(b).post("/api/v1/orders", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn low_stock_is_told_once_per_crossing() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop");
    let mut br = app.owner(&b, "meera").await;
    set_alerts(&mut br, "").await;
    // 50 samosas, low at 20.
    app.db
        .with_conn(|c| {
            Ok(c.execute(
                "UPDATE products SET low_stock = 20 WHERE sku = 'samosa'",
                [],
            )?)
        })
        .unwrap();

    take_samosas(&app, &b, 20).await; // 30 left: above the level
    after_a_pass(&app).await;
    assert!(to_owner(&app).is_empty(), "not low yet");

    take_samosas(&app, &b, 12).await; // 18: crossed
    take_samosas(&app, &b, 3).await; // 15: still low, no second alert
    after_a_pass(&app).await;
    let told = to_owner(&app);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("Samosa (samosa) is down to 18 pc") && told[0].contains("20 pc"),
        "{told:?}"
    );
    let (_, dashboard) = br.get("/b/shop/").await;
    assert!(
        dashboard.contains("Low stock") && dashboard.contains("15 pc left"),
        "{dashboard}"
    );

    app.adjust_stock(&b, "samosa", 30, "restocked"); // 45: back above, re-armed
    after_a_pass(&app).await;
    let (_, dashboard) = br.get("/b/shop/").await;
    assert!(!dashboard.contains("Low stock"), "cleared once restocked");
    take_samosas(&app, &b, 30).await; // 15: crossed again
    after_a_pass(&app).await;
    assert_eq!(to_owner(&app).len(), 2, "{:?}", to_owner(&app));
}

/// Puts the shop's clock at about 10:00 now, so the test's closing time (two hours on) falls
/// on the same shop-local day whenever the test runs.
fn shop_clock_at_ten(app: &TestApp, b: &Business) {
    let now = chrono::Utc::now();
    let minutes_now = i64::from(now.hour() * 60 + now.minute());
    let offset = (600 - minutes_now + 720).rem_euclid(1440) - 720;
    app.db
        .with_conn(|c| {
            Ok(c.execute(
                "UPDATE businesses SET utc_offset_minutes = ?2 WHERE id = ?1",
                rusqlite::params![b.id, offset],
            )?)
        })
        .unwrap();
    app.state.forget_business(&b.short_code);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_summary_goes_once_a_day_also_across_a_restart() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop");
    shop_clock_at_ten(&app, &b);
    let mut br = app.owner(&b, "meera").await;
    take_samosas(&app, &b, 4).await; // ₹60, cash on pickup, still pending
    set_alerts(&mut br, "12:00").await;
    after_a_pass(&app).await;
    assert!(to_owner(&app).is_empty(), "not closing time yet");

    // Past closing time on the shop's clock.
    app.state
        .bridge
        .clock
        .advance(Duration::from_secs(3 * 3600));
    after_a_pass(&app).await;
    let told = to_owner(&app);
    assert_eq!(told.len(), 1, "{told:?}");
    for part in [
        "Orders: 1 (0 cancelled)",
        "Takings: ₹0.00 (cash ₹0.00, UPI ₹0.00, Razorpay ₹0.00, refunds ₹0.00)",
        "Cash to collect: ₹60.00 on 1 unpaid cash order\n",
        "Orders still open: 1",
        "Low stock: none",
    ] {
        assert!(told[0].contains(part), "{part:?} in {}", told[0]);
    }
    app.state.bridge.clock.advance(Duration::from_secs(3600));
    after_a_pass(&app).await;
    assert_eq!(to_owner(&app).len(), 1, "once a day");

    // Restarted later the same day: the new server's clock starts from the wall clock again.
    let (dir, db) = app.stop_keeping_data().await;
    let app = TestApp::start_on(dir, db, |_| {}).await;
    app.state
        .bridge
        .clock
        .advance(Duration::from_secs(4 * 3600));
    after_a_pass(&app).await;
    assert_eq!(to_owner(&app).len(), 1, "not again after a restart");
    let rows: i64 = app
        .db
        .with_conn(|c| Ok(c.query_row("SELECT COUNT(*) FROM daily_summaries", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(rows, 1);
}

/// The samosa's product form, as the owner saves it, with `low` as its low-stock level.
fn samosa_form(low: &str) -> Vec<(&'static str, String)> {
    [
        ("name", "Samosa"),
        ("sku", "samosa"),
        ("category", "Sweets"),
        ("unit", "pc"),
        ("price", "15"),
        ("aliases", ""),
        ("active", "1"),
        ("v0_label", ""),
        ("v0_amount", ""),
        ("v0_price", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .chain([("low_stock", low.to_owned())])
    .collect()
}

async fn save_samosa(app: &TestApp, br: &mut Browser, b: &Business, low: &str) {
    let page = format!(
        "/b/shop/products/{}",
        crate::support::product(&app.db, b, "samosa").id
    );
    br.get(&page).await;
    let form = samosa_form(low);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body, _) = br.post(&page, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_stock_level_or_stock_changed_by_hand_raises_and_clears_once_per_crossing() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop");
    let mut br = app.owner(&b, "meera").await;
    set_alerts(&mut br, "").await;

    // 50 samosas; the level raised by hand to 60 puts them below it.
    save_samosa(&app, &mut br, &b, "60").await;
    after_a_pass(&app).await;
    let told = to_owner(&app);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("Samosa (samosa) is down to 50 pc") && told[0].contains("level of 60 pc"),
        "{told:?}"
    );
    let (_, dashboard) = br.get("/b/shop/").await;
    assert!(dashboard.contains("Low stock"), "{dashboard}");

    // Saved again at a level still above the stock: the same crossing, nothing new.
    save_samosa(&app, &mut br, &b, "55").await;
    after_a_pass(&app).await;
    assert_eq!(to_owner(&app).len(), 1, "{:?}", to_owner(&app));

    // Lowered below the stock: cleared, and re-armed.
    save_samosa(&app, &mut br, &b, "40").await;
    let (_, dashboard) = br.get("/b/shop/").await;
    assert!(!dashboard.contains("Low stock"), "cleared: {dashboard}");

    // A catalog file setting the stock to 30 crosses the level of 40 again; the same file
    // imported twice is one crossing.
    let file = "sku,name,category,unit,price,aliases,variants,stock\n\
                samosa,Samosa,Snacks,pc,15,,Single=1,30\n";
    app.import_csv(&b, file);
    app.import_csv(&b, file);
    after_a_pass(&app).await;
    let told = to_owner(&app);
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(
        told[1].contains("down to 30 pc") && told[1].contains("level of 40 pc"),
        "{told:?}"
    );

    // Restocked by hand above the level: cleared.
    app.adjust_stock(&b, "samosa", 20, "restocked");
    let (_, dashboard) = br.get("/b/shop/").await;
    assert!(!dashboard.contains("Low stock"), "cleared: {dashboard}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_product_that_starts_below_its_level_is_told_at_once() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop");
    let mut br = app.owner(&b, "meera").await;
    set_alerts(&mut br, "").await;
    br.get("/b/shop/products/new").await;
    let product = |name: &'static str, opening: &'static str| {
        vec![
            ("name", name),
            ("sku", ""),
            ("category", "Snacks"),
            ("unit", "pc"),
            ("price", "20"),
            ("aliases", ""),
            ("low_stock", "10"),
            ("opening_stock", opening),
            ("active", "1"),
        ]
    };
    for (name, opening) in [("Kachori", "4"), ("Dhokla", ""), ("Vada", "30")] {
        let (status, page, _) = br.post("/b/shop/products", &product(name, opening)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    }
    after_a_pass(&app).await;
    let told = to_owner(&app);
    assert_eq!(told.len(), 1, "only the kachori starts low: {told:?}");
    assert!(
        told[0].contains("Kachori (kachori) is down to 4 pc") && told[0].contains("level of 10 pc"),
        "{told:?}"
    );
    let (_, dashboard) = br.get("/b/shop/").await;
    assert!(
        dashboard.contains("Low stock") && dashboard.contains("Kachori"),
        "{dashboard}"
    );
}
