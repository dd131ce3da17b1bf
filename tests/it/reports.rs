//! The dashboard's periods and the reports as an owner uses them over HTTP (figures that follow
//! an order's change, a bad range named beside the fields, the sales CSV formula-safe), and
//! `novi report sales` at the shell (CSV, JSON, one-line errors).

use chrono::{Days, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::process::{fails, ok};
use crate::support::TestApp;
use novi::accounts::businesses::Business;

/// Yesterday and tomorrow on an Indian shop's clock: a range that holds orders taken now, even
/// across midnight.
fn around_today() -> (String, String) {
    let today = (Utc::now() + chrono::Duration::minutes(330)).date_naive();
    let f = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    (
        f(today.checked_sub_days(Days::new(1)).unwrap()),
        f(today.checked_add_days(Days::new(1)).unwrap()),
    )
}

/// The number shown for a figure on the dashboard.
fn figure(page: &str, label: &str) -> String {
    let at = page
        .find(&format!("<dt>{label}</dt>"))
        .unwrap_or_else(|| panic!("{label} in {page}"));
    let rest = &page[at..];
    let start = rest.find("<strong>").unwrap() + "<strong>".len();
    rest[start..start + rest[start..].find('<').unwrap()].to_owned()
}

/// Shop `shop-a` with samosa in category `=Snacks` (as a formula would start), and two orders:
/// 4 samosa (₹60) for Asha and 2 gulab jamun (₹40) for Ravi.
async fn shop_with_orders(app: &TestApp) -> Business {
    let b = app.small_shop("shop-a");
    app.db
        .with_conn(|c| {
            c.execute(
                "UPDATE products SET category = '=Snacks' WHERE sku = 'samosa'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let api = app.api(&b);
    let orders = [
        ("9812345678", "Asha", "samosa", 4),
        ("9800000002", "Ravi", "gulab-jamun", 2),
    ];
    for (phone, name, sku, qty) in orders {
        let body = json!({"customer": {"phone": phone, "name": name}, "lines": [{"sku": sku, "qty": qty}], "address": "Lane 5"});
        api.post("/api/v1/orders", &body).await;
    }
    b
}

#[tokio::test]
async fn the_dashboard_follows_an_order_and_the_reports_export_csv() {
    let app = TestApp::start().await;
    let b = shop_with_orders(&app).await;
    let (from, to) = around_today();
    let range = format!("period=range&from={from}&to={to}");
    let mut br = app.owner(&b, "asha").await;
    let (status, page) = br.get(&format!("/b/shop-a/?{range}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(figure(&page, "Orders"), "2");
    assert_eq!(
        figure(&page, "Takings"),
        "₹0.00",
        "money received, and none is yet"
    );
    // A payment shows at once, on the day it is recorded.
    let cash = json!({"amount_minor": 6_000, "mode": "cash"});
    let paid = app.api(&b).post("/api/v1/orders/1/payments", &cash).await;
    assert_eq!(paid.0, StatusCode::CREATED, "{}", paid.1);
    let (_, page) = br.get(&format!("/b/shop-a/?{range}")).await;
    assert_eq!(figure(&page, "Takings"), "₹60.00");
    assert_eq!(figure(&page, "New customers"), "2");
    assert!(
        page.contains("Recent orders") && page.contains("Needs a person"),
        "{page}"
    );
    assert!(
        page.contains("<title id=\"c-orders-t\">Orders per day</title>"),
        "{page}"
    );
    assert!(page.contains("Orders by status: Pending 2,"), "{page}");
    // A cancelled order leaves the figures at once: the day it was taken is read again.
    app.api(&b)
        .post("/api/v1/orders/2/status", &json!({"status": "cancelled"}))
        .await;
    let (_, page) = br.get(&format!("/b/shop-a/?{range}")).await;
    assert_eq!(figure(&page, "Orders"), "1");
    assert_eq!(figure(&page, "Cancellations"), "1");
    assert_eq!(figure(&page, "Takings"), "₹60.00");
    // The charts are drawn again from the new figures, not kept from before.
    assert!(
        page.contains("Orders by status: Pending 1,") && page.contains("Cancelled 1."),
        "{page}"
    );

    let (status, page) = br
        .get("/b/shop-a/?period=range&from=junk&to=2026-01-01")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("id=\"period-error\"") && page.contains("YYYY-MM-DD"),
        "{page}"
    );
    assert!(page.contains("aria-invalid=\"true\""), "{page}");

    let (status, page) = br.get("/b/shop-a/?period=never").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("id=\"period-error\"") && page.contains("no period &quot;never&quot;"),
        "{page}"
    );
    assert!(
        !page.contains("aria-invalid"),
        "the dates are not what is wrong: {page}"
    );
    let (status, _) = br.get("/b/shop-a/reports?period=never").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, page) = br
        .get(&format!("/b/shop-a/reports?{range}&by=product"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("samosa") && page.contains("Bot history"),
        "{page}"
    );
    // The page reads an amount with its unit; the CSV keeps grams or pieces in a column.
    assert!(
        page.contains(r#"data-label="quantity">4 pc</td>"#),
        "{page}"
    );
    let res = br
        .client
        .get(app.url(&format!("/b/shop-a/reports/sales.csv?{range}&by=category")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = res.text().await.unwrap();
    assert_eq!(
        text,
        "category,products,grams,pieces,sales\n'=Snacks,1,0,4,60\n"
    );
    // The samosa moves to another category: the kept days count it where it is now.
    app.db
        .with_conn(|c| {
            c.execute(
                "UPDATE products SET category = 'Savouries' WHERE sku = 'samosa'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let again = br
        .client
        .get(app.url(&format!("/b/shop-a/reports/sales.csv?{range}&by=category")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        again,
        "category,products,grams,pieces,sales\nSavouries,1,0,4,60\n"
    );
    let (status, page) = br
        .get(&format!("/b/shop-a/reports/sales.csv?{range}&by=week"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("sales can be shown by day, product or category, not &quot;week&quot;"),
        "in the page's words, not the command line's: {page}"
    );
}

#[tokio::test]
async fn novi_report_sales_writes_csv_and_json_and_refuses_bad_dates_in_one_line() {
    let app = TestApp::start().await;
    shop_with_orders(&app).await;
    let (dir, _db) = app.stop_keeping_data().await;
    let (from, to) = around_today();
    let args = |by: &'static str, format: &'static str| -> Vec<String> {
        [
            "report",
            "sales",
            "--business",
            "shop-a",
            "--from",
            &from,
            "--to",
            &to,
            "--by",
            by,
            "--format",
            format,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let run = |a: Vec<String>| {
        ok(
            dir.path(),
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
            "",
        )
    };
    let csv = run(args("product", "csv"));
    assert_eq!(
        csv,
        "sku,product,category,unit,quantity,orders,sales\n\
         samosa,Samosa,'=Snacks,pc,4,1,60\n\
         gulab-jamun,Gulab Jamun,Sweets,pc,2,1,40\n"
    );
    let json: Value = serde_json::from_str(&run(args("day", "json"))).unwrap();
    let days = json.as_array().unwrap();
    assert_eq!(days.len(), 3);
    let orders: i64 = days.iter().map(|d| d["orders"].as_i64().unwrap()).sum();
    let sales: i64 = days
        .iter()
        .map(|d| d["sales_minor"].as_i64().unwrap())
        .sum();
    assert_eq!((orders, sales), (2, 10_000));
    assert_eq!(days[0]["day"], from.as_str());

    let bad = |from: &str, to: &str, by: &str| {
        let a = [
            "report",
            "sales",
            "--business",
            "shop-a",
            "--from",
            from,
            "--to",
            to,
            "--by",
            by,
        ];
        fails(dir.path(), &a, "")
    };
    assert!(bad("2026-13-01", "2026-12-31", "day").contains("from date \"2026-13-01\""));
    assert!(bad("2026-03-02", "2026-03-01", "day").contains("after the to date"));
    assert!(bad("2024-01-01", "2026-01-01", "day").contains("at most 366 days"));
    // A grouping Novi has not is the command line's mistake, named with the ones it has.
    let week = bad("2026-03-01", "2026-03-02", "week");
    assert!(
        week.contains("'week'") && week.contains("--by") && week.contains("category"),
        "{week}"
    );
    let missing = [
        "report",
        "sales",
        "--business",
        "nope",
        "--from",
        &from,
        "--to",
        &to,
        "--by",
        "day",
    ];
    fails(dir.path(), &missing, "");
}
