//! The limits on prices, amounts and lines (`novi::domain::limits`): every way in refuses a
//! value past them with a clear message and stores nothing, and the largest values allowed,
//! summed over many orders, still show on every page that adds them up.

use crate::support::process::{install_with_business, novi};
use crate::support::{products, Api, TestApp};
use novi::accounts::businesses::Business;
use novi::domain::limits::{MAX_LINES, MAX_LINE_PIECES, MAX_PRICE, MAX_STOCK};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn new_product(price: &str, pack: &str) -> Vec<(&'static str, String)> {
    [
        ("name", "Kaju Katli"),
        ("sku", ""),
        ("category", "Sweets"),
        ("unit", "kg"),
        ("aliases", ""),
        ("low_stock", ""),
        ("opening_stock", "5 kg"),
        ("active", "1"),
        ("v0_label", "Sack"),
        ("v0_price", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .chain([("price", price.to_owned()), ("v0_amount", pack.to_owned())])
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_product_form_says_beside_the_price_that_it_is_too_large() {
    let app = TestApp::start().await;
    let shop = app.business("shop");
    let mut b = app.owner(&shop, "asha").await;
    b.get("/b/shop/products/new").await;
    let fields = new_product("50000000000000000", "1001 kg");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body, _) = b.post("/b/shop/products", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let beside_price = "name=\"price\" value=\"50000000000000000\" autocomplete=\"off\" \
        inputmode=\"decimal\" aria-invalid=\"true\" aria-describedby=\"price-error\"><small class=\"field-error\" \
        id=\"price-error\">price &quot;50000000000000000&quot; is more than the highest price \
        Novi takes (1000000)</small>";
    assert!(body.contains(beside_price), "{body}");
    assert!(
        body.contains("1001 kg is more than one order line can hold (at most 1000 kg)"),
        "{body}"
    );
    assert!(body.contains("Please correct the fields marked below."));
    assert!(products(&app.db, &shop).is_empty(), "nothing stored");

    let fields = new_product("10,00,000", "1000 kg");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, _) = b.post("/b/shop/products", &fields).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the limits themselves are allowed"
    );
    assert_eq!(products(&app.db, &shop)[0].price, MAX_PRICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_amounts_past_a_line_and_orders_past_100_lines() {
    let app = TestApp::start().await;
    let shop = app.small_shop("shop");
    app.adjust_stock(&shop, "kaju-katli", MAX_STOCK - 2000, "a warehouse");
    let api = app.api(&shop);
    let order =
        |lines: Value| json!({"customer": {"name": "Asha", "phone": "9812345678"}, "lines": lines});
    let cases = [
        (
            json!([{"sku": "kaju-katli", "qty": 1_000_001}]),
            "line 1: 1000.001 kg is more than one order line can hold (at most 1000 kg)",
        ),
        (
            json!([{"sku": "samosa", "qty": 1}, {"sku": "gulab-jamun", "variant": "Box of 12", "count": 8334}]),
            "line 2: 100008 pc is more than one order line can hold (at most 100000 pc)",
        ),
        (
            json!([{"sku": "kaju-katli", "qty": 5_000_000_000_u64}]),
            "line 1: qty 5000000000 is more than one order line can hold (at most 1000000 grams or 100000 pieces)",
        ),
        (
            Value::Array(vec![json!({"sku": "samosa", "qty": 1}); MAX_LINES + 1]),
            "an order can have at most 100 lines",
        ),
    ];
    for (lines, message) in cases {
        let (status, body) = api.post("/api/v1/orders", &order(lines)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["message"], message);
        assert_eq!(body["error"]["code"], "invalid");
    }
    let (_, list) = api.get("/api/v1/orders").await;
    assert_eq!(list["pagination"]["total"], 0, "nothing stored");
    assert_eq!(app.stock(&shop, "kaju-katli"), MAX_STOCK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_taken_by_hand_marks_the_line_that_is_too_large() {
    let app = TestApp::start().await;
    let shop = app.small_shop("shop");
    let mut b = app.owner(&shop, "asha").await;
    b.get("/b/shop/orders/new").await;
    let form = [
        ("phone", "98123 45678"),
        ("name", "Asha Rao"),
        ("item_0", "samosa|"),
        ("amount_0", "10"),
        ("item_1", "kaju-katli|"),
        ("amount_1", "1001 kg"),
        ("action", "save"),
    ];
    let (status, page, _) = b.post("/b/shop/orders/new", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let beside_line = "<tr class=\"row-error\"><td colspan=\"3\"><small class=\"field-error\" \
        id=\"line-error\">line 2: 1001 kg is more than one order line can hold (at most 1000 kg)";
    assert!(page.contains(beside_line), "{page}");
    assert!(page.contains("Please correct the line marked below."));
    assert!(b.get("/b/shop/orders").await.1.contains("No orders match"));
    assert_eq!(app.stock(&shop, "kaju-katli"), 2000);
}

#[test]
fn a_catalog_file_past_the_limits_is_refused_line_by_line() {
    let dir = install_with_business("shop");
    let file = dir.path().join("catalog.csv");
    let csv = "sku,name,category,unit,price,aliases,variants,stock\n\
               jalebi,Jalebi,Sweets,kg,280,,250 g=250,5000\n\
               kaju-katli,Kaju Katli,Sweets,kg,500000000000000,,1 kg=1000,5000\n";
    std::fs::write(&file, csv).unwrap();
    let path = file.to_str().unwrap();
    let out = novi(
        dir.path(),
        &["catalog", "import", "--business", "shop", path],
        "",
    );
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    let line = format!(
        "{path}: line 3: price \"500000000000000\" is more than the highest price Novi takes (1000000)"
    );
    assert_eq!(err.lines().next(), Some(line.as_str()), "{err}");
    assert_eq!(
        err.lines().nth(1),
        Some(format!("error: {path} has 1 problem; nothing was imported").as_str())
    );
    let exported = novi(dir.path(), &["catalog", "export", "--business", "shop"], "");
    let exported = String::from_utf8(exported.stdout).unwrap();
    assert!(!exported.contains("jalebi"), "nothing stored: {exported}");
}

/// A business at the limits: one product at the highest price, sold by the piece, with all
/// the stock it may hold, and no delivery fee.
fn dearest_shop(app: &TestApp) -> (Business, Api) {
    let shop = app.business("shop");
    let csv = format!(
        "sku,name,category,unit,price,aliases,variants,stock\n\
         gold-barfi,Gold Barfi,Sweets,pc,{},,,{MAX_STOCK}\n",
        MAX_PRICE.to_major_string()
    );
    app.import_csv(&shop, &csv);
    let api = app.api(&shop);
    (shop, api)
}

/// The shop's dashboard, customers page and `/api/v1/customers`, each answered `200`.
async fn sums_render(app: &TestApp, shop: &Business, api: &Api) -> (String, String, Value) {
    let mut b = app.owner(shop, "owner").await;
    let (status, dashboard) = b.get("/b/shop/").await;
    assert_eq!(status, StatusCode::OK, "dashboard: {dashboard}");
    let (status, customers) = b.get("/b/shop/customers").await;
    assert_eq!(status, StatusCode::OK, "customers: {customers}");
    let (status, listed) = api.get("/api/v1/customers").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    (dashboard, customers, listed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_largest_orders_allowed_still_add_up_on_every_page() {
    let app = TestApp::start().await;
    let (shop, api) = dearest_shop(&app);
    let line = json!({"sku": "gold-barfi", "qty": MAX_LINE_PIECES});
    let order = json!({"customer": {"name": "Asha", "phone": "9812345678"},
                       "lines": vec![line; MAX_LINES]});
    const ORDERS: i64 = 20;
    // 100 lines of 1,00,000 pieces at ₹10,00,000: ₹10^13 an order.
    let each = MAX_PRICE.minor() * i64::from(MAX_LINE_PIECES) * MAX_LINES as i64;
    for _ in 0..ORDERS {
        let (status, body) = api.post("/api/v1/orders", &order).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        // Paid in full: the dashboard's takings are money received.
        let path = format!("/api/v1/orders/{}/payments", body["order"]["number"]);
        let paid = json!({"amount_minor": each, "mode": "razorpay"});
        let (status, body) = api.post(&path, &paid).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (dashboard, customers, listed) = sums_render(&app, &shop, &api).await;
    assert_eq!(listed["customers"][0]["total_spent_minor"], each * ORDERS);
    assert_eq!(listed["customers"][0]["order_count"], ORDERS);
    let takings = "₹20,00,00,00,00,00,000.00";
    assert!(dashboard.contains(takings), "{dashboard}");
    assert!(customers.contains(takings), "{customers}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totals_stored_before_the_limits_still_render() {
    let app = TestApp::start().await;
    let (shop, api) = dearest_shop(&app);
    let order = json!({"customer": {"name": "Asha", "phone": "9812345678"},
                       "lines": [{"sku": "gold-barfi", "qty": 1}]});
    for _ in 0..2 {
        assert_eq!(
            api.post("/api/v1/orders", &order).await.0,
            StatusCode::CREATED
        );
    }
    // What a price of ₹5,00,00,00,00,00,00,000 made of two orders before prices had a limit.
    app.db
        .with_conn(|c| {
            c.execute("UPDATE orders SET total_minor = 5000000000000000000", [])?;
            Ok(())
        })
        .unwrap();
    let (_, _, listed) = sums_render(&app, &shop, &api).await;
    assert_eq!(listed["customers"][0]["total_spent_minor"], i64::MAX);
}
