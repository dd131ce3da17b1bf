//! `novi demo fill`: a shop filled with past orders keeps every rule the order book keeps, and
//! the owner pages show them; bad input is refused and changes nothing.

use crate::support::process::{fails, fails_printing_nothing, install_with_business, ok, Server};
use crate::support::Browser;
use novi::db::Db;
use novi::error::AppResult;
use reqwest::StatusCode;
use rusqlite::Connection;

const FILL: [&str; 10] = [
    "demo",
    "fill",
    "--orders",
    "400",
    "--customers",
    "30",
    "--days",
    "60",
    "--seed",
    "5",
];

/// One figure from the filled database.
fn count(db: &Db, sql: &str) -> i64 {
    db.with_conn(|c: &Connection| -> AppResult<i64> { Ok(c.query_row(sql, [], |r| r.get(0))?) })
        .unwrap()
}

/// The rules every order keeps: numbers 1..n in the order taken, totals the sum of the lines,
/// a `created` event first, each move from where the last left it, ending at its status.
fn assert_book_is_sound(db: &Db, orders: i64) {
    assert_eq!(count(db, "SELECT COUNT(*) FROM orders"), orders);
    assert_eq!(
        count(db, "SELECT MIN(number) + MAX(number) * 1000 FROM orders"),
        1 + orders * 1000
    );
    let rules = [
        "SELECT COUNT(*) FROM orders o WHERE subtotal_minor !=
             (SELECT SUM(total_minor) FROM order_lines l WHERE l.order_id = o.id)
             OR total_minor != subtotal_minor + delivery_fee_minor",
        // One fill's numbers follow its times (a second fill's numbers follow the first's).
        "SELECT COUNT(*) FROM orders a JOIN orders b ON b.number = a.number + 1
             WHERE b.created_at < a.created_at AND b.number != 401",
        "SELECT COUNT(*) FROM orders o WHERE (SELECT kind FROM order_events e
             WHERE e.order_id = o.id ORDER BY id LIMIT 1) IS NOT 'created'",
        "SELECT COUNT(*) FROM orders o WHERE o.status != (SELECT to_status FROM order_events e
             WHERE e.order_id = o.id ORDER BY id DESC LIMIT 1)",
        "SELECT COUNT(*) FROM order_events e JOIN order_events p ON p.order_id = e.order_id
             AND p.id = (SELECT MAX(id) FROM order_events q WHERE q.order_id = e.order_id AND q.id < e.id)
             WHERE e.from_status IS NOT p.to_status",
        "SELECT COUNT(*) FROM orders WHERE created_at > strftime('%s', 'now')
             OR created_at < strftime('%s', 'now') - 61 * 86400",
        "SELECT COUNT(*) FROM customers c WHERE c.created_at >
             (SELECT MIN(created_at) FROM orders o WHERE o.customer_id = c.id)",
        // Its money: each order's payment status is what its payments and refunds make it,
        // every delivered order is paid, and nothing was paid before the order or after now.
        "SELECT COUNT(*) FROM (SELECT o.payment_status AS said, o.total_minor AS total,
                 COALESCE(SUM(p.amount_minor) FILTER (WHERE p.kind = 'payment'), 0) AS paid,
                 COALESCE(SUM(p.amount_minor) FILTER (WHERE p.kind = 'refund'), 0) AS back
             FROM orders o LEFT JOIN payments p ON p.order_id = o.id GROUP BY o.id)
         WHERE said != CASE WHEN paid = 0 THEN 'unpaid'
                            WHEN back = paid THEN 'refunded'
                            WHEN back = 0 AND paid = total THEN 'paid' ELSE 'wrong' END",
        "SELECT COUNT(*) FROM orders WHERE status = 'delivered' AND payment_status != 'paid'",
        "SELECT COUNT(*) FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE p.recorded_at < o.created_at OR p.recorded_at > strftime('%s', 'now')",
    ];
    for rule in rules {
        assert_eq!(count(db, rule), 0, "broken: {rule}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filled_demo_shop_keeps_the_books_rules_and_its_pages_show_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &FILL, "");
    assert!(out.contains("added business demo"), "{out}");
    assert!(
        out.contains("filled demo: orders #1 to #400 from 30 customers"),
        "{out}"
    );
    let db = Db::open(dir.path()).unwrap();
    assert_book_is_sound(&db, 400);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM customers"), 30);
    // A second fill adds after the first, to the same customers.
    let out = ok(dir.path(), &FILL, "");
    assert!(out.contains("orders #401 to #800"), "{out}");
    assert_book_is_sound(&db, 800);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM customers"), 30);
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT status) > 1 FROM orders"),
        1
    );
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT channel) > 2 FROM orders"),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(DISTINCT mode) FROM payments WHERE kind = 'payment'"
        ),
        3,
        "cash, UPI and Razorpay"
    );

    let server = Server::start(dir.path(), &["--demo", "--listen", "127.0.0.1:0"], &[]);
    let mut b = Browser::new(server.base.clone());
    assert_eq!(b.login("owner", "novi-demo").await.0, StatusCode::SEE_OTHER);
    let (status, orders) = b.get("/b/demo/orders").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        orders.contains("800 orders") && orders.contains("#800"),
        "{orders}"
    );
    let id = count(
        &db,
        "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY COUNT(*) DESC",
    );
    let (status, page) = b.get(&format!("/b/demo/customers/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Customer since"), "{page}");
    assert!(server.terminate().success());
}

#[test]
fn bad_fills_are_refused_and_change_nothing() {
    let dir = install_with_business("sharma");
    let err = fails(
        dir.path(),
        &["demo", "fill", "--orders", "0", "--customers", "5"],
        "",
    );
    assert!(err.contains("--orders must be from 1"), "{err}");
    // The demo's well-known login is never added beside a real shop.
    let err = fails(
        dir.path(),
        &["demo", "fill", "--orders", "5", "--customers", "5"],
        "",
    );
    assert!(
        err.contains("the demo shop needs a data directory of its own")
            && err.contains("--business"),
        "{err}"
    );
    // A shop with nothing on sale has nothing to fill orders with.
    let args = [
        "demo",
        "fill",
        "--business",
        "sharma",
        "--orders",
        "5",
        "--customers",
        "5",
    ];
    let err = fails(dir.path(), &args, "");
    assert!(err.contains("nothing on sale"), "{err}");
    let shops = ok(dir.path(), &["business", "list"], "");
    assert!(!shops.contains("demo"), "{shops}");
    let db = Db::open(dir.path()).unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM customers"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_book_counts_its_lists_exactly_and_a_search_to_its_cap() {
    let dir = tempfile::tempdir().unwrap();
    let fill = [
        "demo",
        "fill",
        "--orders",
        "12000",
        "--customers",
        "3",
        "--days",
        "5",
    ];
    ok(dir.path(), &fill, "");
    let db = Db::open(dir.path()).unwrap();
    let server = Server::start(dir.path(), &["--demo", "--listen", "127.0.0.1:0"], &[]);
    let mut b = Browser::new(server.base.clone());
    assert_eq!(b.login("owner", "novi-demo").await.0, StatusCode::SEE_OTHER);
    // By status or nothing, the kept counts are exact however large the book.
    let (_, all) = b.get("/b/demo/orders").await;
    assert!(all.contains("of 480 · 12,000 orders"), "{all}");
    let delivered = count(
        &db,
        "SELECT COUNT(*) FROM orders WHERE status = 'delivered'",
    );
    let (_, page) = b.get("/b/demo/orders?status=delivered").await;
    assert!(
        page.contains(&format!(
            " · {} orders",
            novi::web::format::thousands(delivered)
        )),
        "{page}"
    );
    // By dates (and status), the kept day counts are exact too.
    let today = (chrono::Utc::now() + chrono::Duration::minutes(330)).date_naive();
    let range = format!("from={}&to={today}", today - chrono::Duration::days(2));
    let (status, page) = b.get(&format!("/b/demo/orders?{range}&page=2")).await;
    assert_eq!(status, StatusCode::OK);
    let since = (today - chrono::Duration::days(2))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
        - 330 * 60;
    let in_range = count(
        &db,
        &format!("SELECT COUNT(*) FROM orders WHERE created_at >= {since}"),
    );
    let said = format!(
        "Page 2 of {} · {} orders",
        novi::web::format::thousands((in_range + 24) / 25),
        novi::web::format::thousands(in_range)
    );
    assert!(page.contains(&said), "{said}: {page}");
    // By payment status too (with a status, or dates), from the same day counts: exact.
    let paid = count(
        &db,
        "SELECT COUNT(*) FROM orders WHERE payment_status = 'paid'",
    );
    assert!(
        paid > 10_000,
        "{paid} paid: more than a count to the cap would say"
    );
    let (status, page) = b.get("/b/demo/orders?payment=paid&page=2").await;
    assert_eq!(status, StatusCode::OK);
    let said = format!(
        "Page 2 of {} · {} orders",
        novi::web::format::thousands((paid + 24) / 25),
        novi::web::format::thousands(paid)
    );
    assert!(
        page.contains(&said) && page.contains("Older →"),
        "{said}: {page}"
    );
    let token = ok(
        dir.path(),
        &["token", "create", "--business", "demo", "--name", "t"],
        "",
    );
    let api = |query: &str| {
        let url = format!("{}/api/v1/orders?{query}", server.base);
        let token = token.trim().to_owned();
        async move {
            let answer = reqwest::Client::new().get(url).bearer_auth(token).send();
            answer
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let list = api("payment_status=paid").await;
    assert_eq!(list["pagination"]["total"], paid);
    assert_eq!(list["pagination"].get("total_capped"), None);
    let owed = count(
        &db,
        "SELECT COUNT(*) FROM orders WHERE status = 'delivered' AND payment_status = 'unpaid'",
    );
    let list = api("status=delivered&payment_status=unpaid").await;
    assert_eq!(list["pagination"]["total"], owed);
    // A search through customers' names counts to a lower cap: it reads each match's row.
    let (status, page) = b.get("/b/demo/orders?q=a&page=3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Page 3 · 1,000+ orders") && page.contains("Older →"),
        "{page}"
    );
    // `#N` is that order alone.
    let (_, one) = b.get("/b/demo/orders?q=%23777").await;
    assert!(
        one.contains("Page 1 of 1 · 1 order") && one.contains("/b/demo/orders/777\""),
        "{one}"
    );
    assert!(server.terminate().success());
}

#[test]
fn a_shop_is_stocked_up_to_many_products_for_the_storefront_benchmark() {
    let dir = install_with_business("sharma");
    let stock = |n: &str| {
        let args = ["demo", "fill", "--business", "sharma", "--products", n];
        ok(dir.path(), &args, "")
    };
    let out = stock("150");
    assert!(
        out.contains("stocked sharma: 150 products added, 150 in all"),
        "{out}"
    );
    let db = Db::open(dir.path()).unwrap();
    let products = |sql: &str| count(&db, sql);
    assert_eq!(
        products("SELECT COUNT(*) FROM products WHERE active = 1"),
        150
    );
    assert!(products("SELECT COUNT(DISTINCT category) FROM products") >= 5);
    assert_eq!(products("SELECT COUNT(DISTINCT name) FROM products"), 150);
    assert!(products("SELECT COUNT(*) FROM products WHERE stock = 0") > 0);
    assert!(products("SELECT COUNT(DISTINCT product_id) FROM variants") > 50);
    assert_eq!(
        products("SELECT COUNT(*) FROM orders"),
        0,
        "no orders asked for"
    );
    // Topped up, not added to: as many again adds none, more adds the difference.
    assert!(stock("100").contains("0 products added, 150 in all"));
    assert!(stock("200").contains("50 products added, 200 in all"));
    assert_eq!(products("SELECT COUNT(*) FROM products"), 200);

    let err = fails(
        dir.path(),
        &["demo", "fill", "--business", "sharma", "--products", "0"],
        "",
    );
    assert!(err.contains("--products must be from 1 to 3000"), "{err}");
    let err = fails_printing_nothing(dir.path(), &["demo", "fill", "--business", "sharma"], "");
    assert!(err.contains("--orders"), "orders or products: {err}");
    let err = fails_printing_nothing(dir.path(), &["demo", "fill", "--orders", "5"], "");
    assert!(err.contains("--customers"), "{err}");
    assert_eq!(products("SELECT COUNT(*) FROM products"), 200);
}

#[test]
fn no_more_customers_are_made_than_there_are_orders() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["demo", "fill", "--orders", "3", "--customers", "5000"];
    let out = ok(dir.path(), &args, "");
    assert!(out.contains("from 3 customers"), "{out}");
    let db = Db::open(dir.path()).unwrap();
    assert!(count(&db, "SELECT COUNT(*) FROM customers") <= 3);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders"), 3);
}
