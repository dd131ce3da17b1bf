//! The terms of an order, through the API, the owner's pages, the exports and a chat: delivery
//! or pickup (only delivery pays the fee), the day it is wanted (and the list sorted by it), and
//! a pack with its own price charged at that price however the order asks for it.

use crate::support::bridge::{CUSTOMER, PNID};
use crate::support::fakes::{self, FakeGraph};
use crate::support::process::novi;
use crate::support::{Api, TestApp, WAIT};
use novi::accounts::businesses::Business;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Gulab jamun at ₹20 a piece, single or in a box of 12 with its own price, ₹420.
const BOXED: &str = "\
sku,name,category,unit,price,aliases,variants,stock
gulab-jamun,Gulab Jamun,Sweets,pc,20,jamun,Single=1;Box of 12=12@420,400
samosa,Samosa,Snacks,pc,15,,Single=1,300
";

/// Sharma Sweets (₹40 delivery) selling [`BOXED`], and an API client for it.
fn shop(app: &TestApp) -> (Business, Api) {
    let b = app.sharma_sweets("sweets");
    app.import_csv(&b, BOXED);
    let api = app.api(&b);
    (b, api)
}

fn order(lines: Value) -> Value {
    json!({"customer": {"name": "Asha", "phone": "98123 45678"}, "lines": lines, "address": "12 MG Road"})
}

async fn create(api: &Api, body: &Value) -> Value {
    let (status, res) = api.post("/api/v1/orders", body).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    res["order"].clone()
}

/// The order numbers of a list, in its order.
fn numbers(list: &Value) -> Vec<i64> {
    list["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_picked_up_pays_no_delivery_fee() {
    let app = TestApp::start().await;
    let (_, api) = shop(&app);
    let samosas = json!([{"sku": "samosa", "qty": 4}]);
    let delivered = create(&api, &order(samosas.clone())).await;
    assert_eq!(delivered["fulfilment"], "delivery", "delivery by default");
    assert_eq!(delivered["delivery_fee_minor"], 4000);
    assert_eq!(delivered["total_minor"], 6000 + 4000);

    let mut body = order(samosas);
    body["fulfilment"] = json!("pickup");
    let picked_up = create(&api, &body).await;
    assert_eq!(picked_up["fulfilment"], "pickup");
    assert_eq!(picked_up["delivery_fee_minor"], 0);
    assert_eq!(picked_up["total_minor"], 6000);
    let (_, read) = api.get("/api/v1/orders/2").await;
    assert_eq!(read["order"]["fulfilment"], "pickup", "stored as such");

    body["fulfilment"] = json!("courier");
    let (status, res) = api.post("/api/v1/orders", &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert_eq!(res["error"]["code"], "invalid");
    let msg = res["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("fulfilment") && msg.contains("pickup"),
        "{msg}"
    );
    assert_eq!(api.get("/api/v1/orders").await.1["pagination"]["total"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_taken_by_hand_for_pickup_is_previewed_and_saved_without_the_fee() {
    let app = TestApp::start().await;
    let (b, _) = shop(&app);
    let mut br = app.agent(&b, "ravi").await;
    let (_, form) = br.get("/b/sweets/orders/new").await;
    assert!(
        form.contains(r#"name="fulfilment" value="delivery" checked"#),
        "delivery is the default"
    );
    let fields = |action| {
        vec![
            ("phone", "98123 45678"),
            ("name", "Asha Rao"),
            ("fulfilment", "pickup"),
            ("deliver_on", "2026-12-01"),
            ("item_0", "samosa|"),
            ("amount_0", "10"),
            ("action", action),
        ]
    };
    let (status, preview, _) = br.post("/b/sweets/orders/new", &fields("preview")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(preview.contains("Pickup") && preview.contains("no delivery fee"));
    assert!(
        preview.contains("₹150.00") && !preview.contains("₹190.00") && !preview.contains("₹40.00"),
        "10 samosa, no fee: {preview}"
    );

    let (status, _, location) = br.post("/b/sweets/orders/new", &fields("save")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let o = crate::support::order(&app.db, &b, 1);
    assert_eq!(o.fulfilment.as_str(), "pickup");
    assert_eq!((o.delivery_fee.minor(), o.total.minor()), (0, 15_000));
    let (_, page) = br.get(location.as_deref().unwrap()).await;
    assert!(page.contains("Pickup") && page.contains("Tue 1 Dec 2026"));

    let mut bad = fields("save");
    bad[3] = ("deliver_on", "2026-02-30");
    let (status, page, _) = br.post("/b/sweets/orders/new", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("2026-02-30") && page.contains("YYYY-MM-DD"));
    assert_eq!(
        app.stock(&b, "samosa"),
        290,
        "the refused order took nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pieces_that_make_whole_boxes_are_sold_as_boxes_at_their_price() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app);
    let o = create(&api, &order(json!([{"sku": "gulab-jamun", "qty": 24}]))).await;
    let line = &o["lines"][0];
    assert_eq!(
        (&line["variant"], &line["variant_count"], &line["qty"]),
        (&json!("Box of 12"), &json!(2), &json!(24))
    );
    assert_eq!(line["unit_price_minor"], 42_000);
    assert_eq!(line["total_minor"], 84_000, "2 × ₹420, not 24 × ₹20");
    assert_eq!(o["total_minor"], 84_000 + 4000);
    assert_eq!(app.stock(&b, "gulab-jamun"), 376);

    let loose = create(&api, &order(json!([{"sku": "gulab-jamun", "qty": 13}]))).await;
    assert_eq!(loose["lines"][0]["variant"], Value::Null);
    assert_eq!(loose["lines"][0]["total_minor"], 26_000, "13 × ₹20");

    let mut br = app.owner(&b, "asha").await;
    let (_, page) = br.get("/b/sweets/orders/1").await;
    assert!(page.contains("2 × Box of 12") && page.contains("₹840.00"));
    let csv = br
        .client
        .get(app.url("/b/sweets/orders/export.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains(",gulab-jamun,Gulab Jamun,Box of 12,24,pc,420,840,delivery,\n"),
        "{csv}"
    );
    let out = novi(
        app.dir.path(),
        &["export", "orders", "--business", "sweets"],
        "",
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        csv,
        "the CLI agrees"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_day_an_order_is_wanted_is_kept_and_orders_sort_by_it() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app);
    let samosa = json!([{"sku": "samosa", "qty": 1}]);
    for day in [
        Some("2026-12-03"),
        None,
        Some("2026-12-01"),
        Some("2026-12-03"),
    ] {
        let mut body = order(samosa.clone());
        if let Some(d) = day {
            body["deliver_on"] = json!(d);
        }
        let o = create(&api, &body).await;
        assert_eq!(o["deliver_on"], json!(day), "returned as sent");
    }
    let (_, newest) = api.get("/api/v1/orders").await;
    assert_eq!(numbers(&newest), [4, 3, 2, 1]);
    let (_, by_day) = api.get("/api/v1/orders?sort=deliver_on").await;
    assert_eq!(numbers(&by_day), [3, 1, 4, 2], "soonest first, no day last");

    for bad in ["2026-13-01", "1/12/2026", "tomorrow", "2026-12-1"] {
        let mut body = order(samosa.clone());
        body["deliver_on"] = json!(bad);
        let (status, res) = api.post("/api/v1/orders", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {res}");
        assert!(res["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deliver_on"));
    }
    let (status, _) = api.get("/api/v1/orders?sort=soonest").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.get("/api/v1/orders").await.1["pagination"]["total"], 4);

    let mut br = app.owner(&b, "asha").await;
    let (_, page) = br.get("/b/sweets/orders?sort=deliver_on").await;
    let at = |n: &str| page.find(&format!(">#{n}<")).unwrap();
    assert!(at("3") < at("1") && at("1") < at("4") && at("4") < at("2"));
    assert!(page.contains("Tue 1 Dec 2026") && page.contains("Wanted on, soonest first"));
    let (_, export) = br.get("/b/sweets/orders/export.csv?sort=deliver_on").await;
    let days: Vec<&str> = export
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(days, ["2026-12-01", "2026-12-03", "2026-12-03", ""]);
    assert_eq!(
        br.get("/b/sweets/orders?sort=x").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

/// In a chat, two boxes are summed at the box price, and the order taken is the one confirmed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_confirms_boxes_at_their_price_and_stores_that() {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_fast_outbox().await;
    let (b, api) = shop(&app);
    app.connect_cloud(&b, &graph);
    let text = "2 box gulab jamun, deliver to 12 MG Road";
    let body = fakes::cloud_text(PNID, CUSTOMER, "Asha", "w1", text);
    assert_eq!(app.deliver(&b, &body).await, StatusCode::OK);
    let summary = graph
        .wait_until("the summary", WAIT, |log| {
            log.iter().any(|r| r.to() == Some(CUSTOMER))
        })
        .await;
    let said = summary.iter().find(|r| r.to() == Some(CUSTOMER)).unwrap();
    let said = said.body["interactive"]["body"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        said.contains("₹840.00") && said.contains("Total: ₹880.00"),
        "{said}"
    );

    let tap = fakes::button_reply_message("w2", "confirm", "Confirm");
    let body = fakes::cloud_message(PNID, CUSTOMER, "Asha", tap);
    assert_eq!(app.deliver(&b, &body).await, StatusCode::OK);
    graph
        .wait_until("the confirmation", WAIT, |log| {
            log.iter().filter(|r| r.to() == Some(CUSTOMER)).count() >= 2
        })
        .await;
    let (_, o) = api.get("/api/v1/orders/1").await;
    assert_eq!(o["order"]["total_minor"], 88_000, "what was confirmed: {o}");
    assert_eq!(o["order"]["lines"][0]["variant"], "Box of 12");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tracking_page_shows_the_day_wanted_and_no_fee_for_a_pickup() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app);
    let mut body = order(json!([{"sku": "samosa", "qty": 2}]));
    body["fulfilment"] = json!("pickup");
    body["deliver_on"] = json!("2026-12-03");
    let o = create(&api, &body).await;
    let number = o["number"].as_i64().unwrap();
    let link = app.state.tracker.token(b.id, number, novi::db::now());
    let (status, page) = app.browser().get(&format!("/t/{link}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("Delivery fee") && page.contains("<dt>Wanted on</dt><dd>Thu 03 Dec</dd>"),
        "{page}"
    );
}
