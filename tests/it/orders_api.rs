//! Orders through the JSON API against a running server: stock, totals, status moves,
//! races for the last stock, customers by phone, and tenant isolation.

use crate::support::process::novi;
use crate::support::{Api, TestApp};
use novi::accounts::businesses::Business;
use novi::accounts::tokens;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A [small shop](TestApp::small_shop) (2 kg of kaju katli at ₹1200/kg, 100 gulab jamun at ₹20)
/// charging ₹40 for delivery, and an API client for it.
fn shop(app: &TestApp, code: &str) -> (Business, Api) {
    let b = app.set_delivery_fee(&app.small_shop(code), 4000);
    let api = app.api(&b);
    (b, api)
}

fn order(phone: &str, lines: Value) -> Value {
    json!({"customer": {"name": "Asha", "phone": phone}, "lines": lines, "address": "12 MG Road", "payment_mode": "cod"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taking_an_order_prices_it_on_the_server_and_takes_stock() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a");
    let mut body = order(
        "98123 45678",
        json!([
            {"sku": "kaju-katli", "qty": 750, "unit_price_minor": 1, "total_minor": 1},
            {"sku": "gulab-jamun", "variant": "Box of 12", "count": 2},
        ]),
    );
    body["total_minor"] = json!(1);
    let (status, res) = api.post("/api/v1/orders", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    let o = &res["order"];
    assert_eq!(o["number"], 1);
    assert_eq!(o["status"], "pending");
    assert_eq!(o["channel"], "api");
    assert_eq!(o["customer"]["phone"], "919812345678");
    // 750 g at ₹1200/kg = ₹900; 2 boxes of 12 at ₹20 = ₹480; delivery ₹40.
    assert_eq!(o["lines"][0]["total_minor"], 90_000);
    assert_eq!(o["lines"][0]["unit_price_minor"], 120_000);
    assert_eq!(o["lines"][1]["qty"], 24);
    assert_eq!(o["lines"][1]["variant"], "Box of 12");
    assert_eq!(o["lines"][1]["total_minor"], 48_000);
    assert_eq!(o["delivery_fee_minor"], 4_000);
    assert_eq!(
        o["total_minor"],
        90_000 + 48_000 + 4_000,
        "client-sent totals ignored"
    );
    assert_eq!(o["currency"], "INR");
    assert_eq!(o["events"][0]["kind"], "created");
    assert_eq!(app.stock(&b, "kaju-katli"), 1250);
    assert_eq!(app.stock(&b, "gulab-jamun"), 76);

    let (status, again) = api.get("/api/v1/orders/1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["order"]["total_minor"], o["total_minor"]);
    let second = api
        .post(
            "/api/v1/orders",
            &order("9812345678", json!([{"sku": "kaju-katli", "qty": 250}])),
        )
        .await;
    assert_eq!(
        second.1["order"]["number"], 2,
        "numbers count up per business"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_enough_stock_names_the_line_and_changes_nothing() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a");
    let body = order(
        "9812345678",
        json!([
            {"sku": "gulab-jamun", "qty": 10},
            {"sku": "kaju-katli", "qty": 1500},
            {"sku": "kaju-katli", "variant": "1 kg", "count": 1},
        ]),
    );
    let (status, res) = api.post("/api/v1/orders", &body).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(res["error"]["code"], "conflict");
    let msg = res["error"]["message"].as_str().unwrap();
    // Both lines that ask for it are named: neither alone is more than is left.
    assert_eq!(
        msg, "lines 2 and 3: not enough Kaju Katli: 2.5 kg ordered in all, 2 kg left",
        "{msg}"
    );
    assert_eq!(app.stock(&b, "kaju-katli"), 2000);
    assert_eq!(
        app.stock(&b, "gulab-jamun"),
        100,
        "the line that fitted was not taken either"
    );
    let (_, list) = api.get("/api/v1/orders").await;
    assert_eq!(list["pagination"]["total"], 0);
    let (_, customers) = api.get("/api/v1/customers").await;
    assert_eq!(
        customers["customers"].as_array().unwrap().len(),
        0,
        "no customer filed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_orders_for_the_last_stock_one_wins() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a");
    let api = std::sync::Arc::new(api);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let body = order(
                &format!("98000000{i:02}"),
                json!([{"sku": "kaju-katli", "variant": "1 kg", "count": 2}]),
            );
            api.post("/api/v1/orders", &body).await.0
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let won = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((won, refused), (1, 7), "{statuses:?}");
    assert_eq!(app.stock(&b, "kaju-katli"), 0);

    // Partial races: 5 orders of 300 g against 1 kg: exactly three fit.
    app.adjust_stock(&b, "kaju-katli", 1000, "restock");
    let mut tasks = Vec::new();
    for i in 0..5 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            api.post(
                "/api/v1/orders",
                &order(
                    &format!("98100000{i:02}"),
                    json!([{"sku": "kaju-katli", "qty": 300}]),
                ),
            )
            .await
            .0
        }));
    }
    let mut created = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::CREATED {
            created += 1;
        }
    }
    assert_eq!(created, 3);
    assert_eq!(app.stock(&b, "kaju-katli"), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_moves_follow_the_lifecycle_and_cancel_returns_stock() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a");
    api.post(
        "/api/v1/orders",
        &order("9812345678", json!([{"sku": "kaju-katli", "qty": 500}])),
    )
    .await;
    assert_eq!(app.stock(&b, "kaju-katli"), 1500);
    let set = |to: &'static str| {
        let api = &api;
        async move {
            api.post("/api/v1/orders/1/status", &json!({"status": to}))
                .await
        }
    };

    let (status, res) = set("delivered").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(res["error"]["message"]
        .as_str()
        .unwrap()
        .contains("pending can move to confirmed or cancelled"));
    let (status, res) = set("shipped").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    for to in ["confirmed", "preparing"] {
        let (status, res) = set(to).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(res["order"]["status"], to);
    }
    let (status, res) = set("cancelled").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.stock(&b, "kaju-katli"), 2000, "stock back");
    let events = res["order"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!(events[3]["from"], "preparing");
    assert_eq!(events[3]["to"], "cancelled");
    assert_eq!(events[3]["actor"], "api");
    let (status, _) = set("confirmed").await;
    assert_eq!(status, StatusCode::CONFLICT, "cancelled is final");
    assert_eq!(app.stock(&b, "kaju-katli"), 2000, "no second return");
    once_out_for_delivery_it_cannot_be_cancelled(&app, &b, &api).await;
}

async fn once_out_for_delivery_it_cannot_be_cancelled(app: &TestApp, b: &Business, api: &Api) {
    api.post(
        "/api/v1/orders",
        &order("9812345678", json!([{"sku": "kaju-katli", "qty": 500}])),
    )
    .await;
    for to in ["confirmed", "preparing", "out_for_delivery"] {
        assert_eq!(
            api.post("/api/v1/orders/2/status", &json!({"status": to}))
                .await
                .0,
            StatusCode::OK
        );
    }
    let (status, res) = api
        .post("/api/v1/orders/2/status", &json!({"status": "cancelled"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(res["error"]["message"]
        .as_str()
        .unwrap()
        .contains("can no longer be cancelled"));
    assert_eq!(app.stock(b, "kaju-katli"), 1500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_orders_are_refused_with_the_reason() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a");
    let cases = [
        (json!([{"sku": "rabri", "qty": 500}]), "no product with sku"),
        (json!([{"sku": "kaju-katli", "qty": 0}]), "more than zero"),
        (
            json!([{"sku": "kaju-katli", "variant": "2 kg", "count": 1}]),
            "comes as 250 g, 500 g, 1 kg",
        ),
        (json!([{"sku": "kaju-katli"}]), "either qty"),
        (
            json!([{"sku": "kaju-katli", "qty": 5, "variant": "1 kg"}]),
            "either qty",
        ),
        (json!([]), "at least one line"),
    ];
    for (lines, says) in cases {
        let (status, res) = api
            .post("/api/v1/orders", &order("9812345678", lines.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{lines}");
        assert!(
            res["error"]["message"].as_str().unwrap().contains(says),
            "{lines}: {res}"
        );
    }
    let (status, res) = api
        .post(
            "/api/v1/orders",
            &order("12ab", json!([{"sku": "kaju-katli", "qty": 5}])),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res["error"]["message"].as_str().unwrap().contains("phone"));
    // Text within what the shop's own forms take; a line break only where one belongs.
    let line = json!([{"sku": "kaju-katli", "qty": 5}]);
    for (field, value, says) in [
        (
            "notes",
            "x".repeat(2001),
            "notes is longer than 2000 characters",
        ),
        (
            "address",
            "x".repeat(501),
            "address is longer than 500 characters",
        ),
        (
            "address",
            "12 MG Road\u{0}".to_owned(),
            "address holds a control character",
        ),
    ] {
        let mut body = order("9812345678", line.clone());
        body[field] = json!(value);
        let (status, res) = api.post("/api/v1/orders", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(res["error"]["message"], says);
    }
    let mut body = order("9812345678", line);
    body["customer"]["name"] = json!("Asha\nRao");
    let (status, res) = api.post("/api/v1/orders", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res["error"]["message"],
        "customer name holds a control character"
    );
    // JSON with a field of the wrong shape is a wrong field (422), as README's table says;
    // only a body that is not JSON is a 400 (below).
    let (status, res) = api.post("/api/v1/orders", &json!({"lines": "nope"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res["error"]["code"], "invalid");
    let res = api
        .client
        .post(format!("{}/api/v1/orders", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.stock(&b, "kaju-katli"), 2000);
    assert_eq!(api.get("/api/v1/orders").await.1["pagination"]["total"], 0);
    assert_eq!(api.get("/api/v1/orders/1").await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.get("/api/v1/orders/abc").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_customer_however_the_number_is_written() {
    let app = TestApp::start().await;
    let (_, api) = shop(&app, "shop-a");
    for phone in [
        "98123 45678",
        "+91-9812345678",
        "919812345678",
        "09812345678",
    ] {
        let (status, _) = api
            .post(
                "/api/v1/orders",
                &order(phone, json!([{"sku": "gulab-jamun", "qty": 1}])),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{phone}");
    }
    let (_, list) = api.get("/api/v1/customers").await;
    let all = list["customers"].as_array().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["phone"], "919812345678");
    assert_eq!(all[0]["order_count"], 4);
    for form in ["919812345678", "9812345678", "+91%2098123%2045678"] {
        let (status, c) = api.get(&format!("/api/v1/customers/{form}")).await;
        assert_eq!(status, StatusCode::OK, "{form}");
        assert_eq!(c["customer"]["orders"].as_array().unwrap().len(), 4);
        assert_eq!(c["customer"]["addresses"][0], "12 MG Road");
    }
    assert_eq!(
        api.get("/api/v1/customers/919800000000").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, found) = api.get("/api/v1/customers?q=asha").await;
    assert_eq!(found["customers"].as_array().unwrap().len(), 1);
    let (_, none) = api.get("/api/v1/customers?q=ravi").await;
    assert_eq!(none["customers"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_list_filters_searches_and_pages() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a");
    for i in 0..7 {
        let mut body = order(
            &format!("98765000{i:02}"),
            json!([{"sku": "gulab-jamun", "qty": 1}]),
        );
        body["customer"]["name"] = json!(if i == 3 { "Ravi Kumar" } else { "Asha" });
        api.post("/api/v1/orders", &body).await;
    }
    api.post("/api/v1/orders/2/status", &json!({"status": "confirmed"}))
        .await;
    let (_, page) = api.get("/api/v1/orders?per_page=3&page=2").await;
    assert_eq!(
        page["pagination"],
        json!({"page": 2, "per_page": 3, "total": 7, "pages": 3})
    );
    // The order numbers of a list answer, in its order.
    let numbers = |list: &serde_json::Value| -> Vec<i64> {
        let orders = list["orders"].as_array().unwrap().iter();
        orders.map(|o| o["number"].as_i64().unwrap()).collect()
    };
    assert_eq!(numbers(&page), vec![4, 3, 2], "newest first");
    let (_, confirmed) = api.get("/api/v1/orders?status=confirmed").await;
    assert_eq!(confirmed["pagination"]["total"], 1);
    assert_eq!(
        api.get("/api/v1/orders?q=ravi").await.1["orders"][0]["number"],
        4
    );
    assert_eq!(
        api.get("/api/v1/orders?q=%236").await.1["orders"][0]["number"],
        6
    );
    assert_eq!(
        api.get("/api/v1/orders?q=9876500005").await.1["orders"][0]["number"],
        6
    );
    // A bare number is an order's number as well as a search of names and phones.
    let (_, by_number) = api.get("/api/v1/orders?q=6").await;
    assert_eq!(numbers(&by_number), vec![6], "{by_number}");
    // One customer's orders, by their number as typed, with the other filters and pages.
    let again = order("9876500003", json!([{"sku": "gulab-jamun", "qty": 2}]));
    api.post("/api/v1/orders", &again).await;
    for phone in ["9876500003", "%2B919876500003", "919876500003"] {
        let (status, theirs) = api.get(&format!("/api/v1/orders?customer={phone}")).await;
        assert_eq!(status, StatusCode::OK, "{phone}: {theirs}");
        assert_eq!(numbers(&theirs), vec![8, 4], "{phone}");
        assert_eq!(theirs["pagination"]["total"], 2);
    }
    let (_, second) = api
        .get("/api/v1/orders?customer=9876500003&per_page=1&page=2")
        .await;
    assert_eq!(numbers(&second), vec![4]);
    let (_, confirmed) = api
        .get("/api/v1/orders?customer=9876500001&status=confirmed")
        .await;
    assert_eq!(numbers(&confirmed), vec![2]);
    let (status, nobody) = api.get("/api/v1/orders?customer=9800000000").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nobody["pagination"]["total"], 0, "{nobody}");
    assert_eq!(numbers(&nobody), Vec::<i64>::new());
    // The range is in the shop's own days: late in the UTC evening it is already tomorrow in India.
    let today = chrono::Utc::now()
        .with_timezone(&b.offset())
        .format("%Y-%m-%d")
        .to_string();
    let (_, ranged) = api
        .get(&format!("/api/v1/orders?from=2020-01-01&to={today}"))
        .await;
    assert!(ranged["pagination"]["total"].as_i64().unwrap() >= 6);
    assert_eq!(
        api.get("/api/v1/orders?from=2020-01-01&to=2020-01-31")
            .await
            .1["pagination"]["total"],
        0
    );
    for bad in [
        "status=lost",
        "from=yesterday",
        "page=0",
        "per_page=x",
        "from=2024-02-02&to=2024-02-01",
        "customer=12ab",
    ] {
        let (status, res) = api.get(&format!("/api/v1/orders?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {res}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_never_reaches_another_businesss_orders_or_customers() {
    let app = TestApp::start().await;
    let (_, a) = shop(&app, "shop-a");
    let (b_shop, b) = shop(&app, "shop-b");
    a.post(
        "/api/v1/orders",
        &order("9812345678", json!([{"sku": "kaju-katli", "qty": 250}])),
    )
    .await;
    a.post(
        "/api/v1/orders",
        &order("9812345678", json!([{"sku": "kaju-katli", "qty": 250}])),
    )
    .await;

    assert_eq!(b.get("/api/v1/orders/1").await.0, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/api/v1/orders").await.1["pagination"]["total"], 0);
    assert_eq!(
        b.get("/api/v1/orders?q=asha").await.1["pagination"]["total"],
        0
    );
    assert_eq!(
        b.get("/api/v1/orders?customer=9812345678").await.1["pagination"]["total"],
        0
    );
    let (status, _) = b
        .post("/api/v1/orders/1/status", &json!({"status": "cancelled"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.get("/api/v1/orders/1").await.1["order"]["status"],
        "pending",
        "A's order untouched"
    );
    assert_eq!(
        b.get("/api/v1/customers").await.1["customers"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        b.get("/api/v1/customers/919812345678").await.0,
        StatusCode::NOT_FOUND
    );

    // B's own order #1 is B's, not A's.
    b.post(
        "/api/v1/orders",
        &order("9800000001", json!([{"sku": "gulab-jamun", "qty": 3}])),
    )
    .await;
    let (_, mine) = b.get("/api/v1/orders/1").await;
    assert_eq!(mine["order"]["customer"]["phone"], "919800000001");
    // Both shops have an Asha now: each search finds its own shop's orders alone.
    let (_, found) = b.get("/api/v1/orders?q=asha").await;
    assert_eq!(found["pagination"]["total"], 1);
    assert_eq!(found["orders"][0]["customer"]["phone"], "919800000001");
    let (_, found) = a.get("/api/v1/orders?q=asha").await;
    assert_eq!(found["pagination"]["total"], 2);
    assert_eq!(found["orders"][1]["customer"]["phone"], "919812345678");
    assert_eq!(
        app.stock(&b_shop, "kaju-katli"),
        2000,
        "A's orders took A's stock only"
    );

    // A revoked token reaches nothing.
    revoke_every_token(&app, &b_shop);
    assert_eq!(b.get("/api/v1/orders").await.0, StatusCode::UNAUTHORIZED);
}

fn revoke_every_token(app: &TestApp, b: &Business) {
    app.db
        .with_tx(|tx| {
            for t in tokens::list(tx, b.id)? {
                tokens::revoke(tx, b.id, &t.name)?;
            }
            Ok::<_, novi::error::AppError>(())
        })
        .unwrap();
}

fn export(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut all = vec!["export", "orders", "--business", "shop-a"];
    all.extend_from_slice(args);
    novi(app.dir.path(), &all, "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_orders_read_back_the_same_as_the_api_shows_them() {
    let app = TestApp::start().await;
    let (_, api) = shop(&app, "shop-a");
    let mut b1 = order(
        "9812345678",
        json!([{"sku": "kaju-katli", "qty": 750}, {"sku": "gulab-jamun", "variant": "Box of 12", "count": 1}]),
    );
    b1["notes"] = json!("gift wrap, \"fragile\"");
    api.post("/api/v1/orders", &b1).await;
    api.post(
        "/api/v1/orders",
        &order("9800000002", json!([{"sku": "gulab-jamun", "qty": 5}])),
    )
    .await;

    let out = export(&app, &["--format", "csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        novi::orders::export::CSV_HEADER.to_vec()
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "one row per line");
    for row in &rows {
        the_api_shows_what_the_row_says(&api, row).await;
    }

    let out = export(&app, &["--format", "json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0], api.get("/api/v1/orders/1").await.1["order"]);

    let out = export(&app, &["--from", "2020-01-01", "--to", "2020-12-31"]);
    assert_eq!(
        out.stdout.iter().filter(|b| **b == b'\n').count(),
        1,
        "header only"
    );
    let out = export(&app, &["--from", "01/01/2020"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1);
    assert!(err.contains("YYYY-MM-DD"), "{err}");
}

/// Checks one row of the CSV export (one order line) against the order as the API shows it.
async fn the_api_shows_what_the_row_says(api: &Api, row: &csv::StringRecord) {
    let number: i64 = row[0].parse().unwrap();
    let (_, o) = api.get(&format!("/api/v1/orders/{number}")).await;
    let o = &o["order"];
    let line = o["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == row[13])
        .unwrap();
    let minor = |s: &str| (s.parse::<f64>().unwrap() * 100.0).round() as i64;
    assert_eq!(minor(&row[11]), o["total_minor"].as_i64().unwrap());
    assert_eq!(minor(&row[19]), line["total_minor"].as_i64().unwrap());
    assert_eq!(
        row[16].parse::<i64>().unwrap(),
        line["qty"].as_i64().unwrap()
    );
    assert_eq!(&row[5], o["customer"]["phone"].as_str().unwrap());
    assert_eq!(
        &row[7],
        o["notes"].as_str().unwrap(),
        "quotes and commas survive"
    );
    assert_eq!(&row[2], "pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_with_its_idempotency_key_finds_the_order_it_made() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a");
    let body = order("9812345678", json!([{"sku": "kaju-katli", "qty": 500}]));
    let send = |key: &'static str| {
        api.client
            .post(format!("{}/api/v1/orders", api.base))
            .bearer_auth(&api.token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = send("7f1c9a2e-retry-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let made: Value = first.json().await.unwrap();
    // The answer was lost on the way, say: the client sends the same again.
    let again = send("7f1c9a2e-retry-1").await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let replayed: Value = again.json().await.unwrap();
    assert_eq!(replayed["order"]["number"], made["order"]["number"]);
    assert_eq!(app.stock(&b, "kaju-katli"), 1500, "stock taken once");
    assert_eq!(api.get("/api/v1/orders").await.1["pagination"]["total"], 1);
    // Another key is another order; a key that is not printable text is refused.
    assert_eq!(
        send("7f1c9a2e-retry-2").await.unwrap().status(),
        StatusCode::CREATED
    );
    let bad = send("").await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.get("/api/v1/orders").await.1["pagination"]["total"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn razorpay_is_a_way_to_pay_only_at_a_shop_with_keys() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a");
    let mut body = order("9812345678", json!([{"sku": "kaju-katli", "qty": 500}]));
    body["payment_mode"] = json!("razorpay");
    let (status, res) = api.post("/api/v1/orders", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert!(
        res["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("does not take Razorpay")),
        "{res}"
    );
    assert_eq!(app.stock(&b, "kaju-katli"), 2000, "nothing taken");
    crate::razorpay::connect(&app, &b);
    let (status, res) = api.post("/api/v1/orders", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    assert_eq!(res["order"]["payment_mode"], "razorpay");
}
