//! Orders and customers through the owner's pages: taking an order by hand, moving it,
//! changing its lines, exporting, and another shop's orders staying out of reach.

use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::json;

fn manual_order<'a>(
    action: &'a str,
    item0: &'a str,
    count0: &'a str,
    amount0: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("phone", "98123 45678"),
        ("name", "Asha Rao"),
        ("address", "12 MG Road"),
        ("notes", "ring twice"),
        ("payment_mode", "cod"),
        ("item_0", item0),
        ("count_0", count0),
        ("amount_0", amount0),
        ("item_1", "samosa|"),
        ("amount_1", "10"),
        ("item_2", ""),
        ("action", action),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_taken_by_hand_is_previewed_then_saved() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop-a");
    let mut br = app.agent(&b, "ravi").await;
    let (status, form) = br.get("/b/shop-a/orders/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Kaju Katli — 500 g") && form.contains("Samosa — by piece"));

    let (status, page, _) = br
        .post(
            "/b/shop-a/orders/new",
            &manual_order("preview", "kaju-katli|500 g", "2", ""),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Preview") && page.contains("₹1,350.00"),
        "2 × 500 g = ₹1,200 + 10 samosa ₹150"
    );
    assert_eq!(app.stock(&b, "kaju-katli"), 2000, "a preview takes nothing");

    let (status, _, location) = br
        .post(
            "/b/shop-a/orders/new",
            &manual_order("save", "kaju-katli|500 g", "2", ""),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/b/shop-a/orders/1"));
    assert_eq!(app.stock(&b, "kaju-katli"), 1000);
    assert_eq!(app.stock(&b, "samosa"), 40);
    let (_, page) = br.get("/b/shop-a/orders/1").await;
    for text in [
        "Order #1",
        "Asha Rao",
        "919812345678",
        "12 MG Road",
        "2 × 500 g",
        "10 pc",
        "Mark confirmed",
        "Cancel order",
        "Order taken · Taken by staff · ravi",
        // The channel in words, as the dashboard says it, not its code.
        "Taken by staff · placed",
    ] {
        assert!(page.contains(text), "order page shows {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_manual_orders_say_what_is_wrong_and_take_nothing() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop-a");
    let mut br = app.owner(&b, "asha").await;
    br.get("/b/shop-a/orders/new").await;
    let cases = [
        (
            manual_order("save", "kaju-katli|", "", "lots"),
            "not an amount",
        ),
        (
            manual_order("save", "kaju-katli|", "", "3 kg"),
            "not enough Kaju Katli: 3 kg ordered, 2 kg left",
        ),
        (
            manual_order("save", "kaju-katli|1 kg", "0", ""),
            "count must be",
        ),
    ];
    for (form, says) in cases {
        let (status, page, _) = br.post("/b/shop-a/orders/new", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{says}");
        assert!(page.contains(says), "{says}");
        assert!(page.contains("Asha Rao"), "keeps what was typed");
    }
    let mut no_phone = manual_order("save", "kaju-katli|1 kg", "1", "");
    no_phone[0] = ("phone", "12");
    let (status, page, _) = br.post("/b/shop-a/orders/new", &no_phone).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("customer&#39;s number") || page.contains("customer's number"));
    assert_eq!(app.stock(&b, "kaju-katli"), 2000);
    assert!(br
        .get("/b/shop-a/orders")
        .await
        .1
        .contains("No orders match"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn razorpay_is_offered_by_hand_only_to_a_shop_with_keys() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop-a");
    let mut br = app.owner(&b, "asha").await;
    let (_, page) = br.get("/b/shop-a/orders/new").await;
    assert!(
        !page.contains(r#"value="razorpay""#),
        "no keys, not offered: {page}"
    );
    let mut by_razorpay = manual_order("save", "kaju-katli|1 kg", "1", "");
    by_razorpay[4] = ("payment_mode", "razorpay");
    let (status, page, _) = br.post("/b/shop-a/orders/new", &by_razorpay).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("does not take Razorpay"), "{page}");
    assert_eq!(app.stock(&b, "kaju-katli"), 2000, "nothing taken");

    crate::razorpay::connect(&app, &b);
    let (_, page) = br.get("/b/shop-a/orders/new").await;
    assert!(page.contains(r#"value="razorpay""#), "{page}");
    let (status, _, _) = br.post("/b/shop-a/orders/new", &by_razorpay).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, order) = app.api(&b).get("/api/v1/orders/1").await;
    assert_eq!(order["order"]["payment_mode"], "razorpay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_buttons_move_the_order_and_refuse_what_is_not_allowed() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop-a");
    let api = app.api(&b);
    api.post(
        "/api/v1/orders",
        &json!({"customer": {"phone": "9812345678"}, "lines": [{"sku": "kaju-katli", "qty": 500}]}),
    )
    .await;
    let mut br = app.owner(&b, "asha").await;
    br.get("/b/shop-a/orders/1").await;
    let (status, _, _) = br
        .post("/b/shop-a/orders/1/status", &[("status", "confirmed")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page, _) = br
        .post("/b/shop-a/orders/1/status", &[("status", "delivered")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("confirmed can move to preparing or cancelled"));
    let (_, page) = br.get("/b/shop-a/orders/1").await;
    assert!(
        page.contains("Pending → Confirmed") && page.contains("asha"),
        "timeline says who"
    );
    let (status, _, _) = br
        .post("/b/shop-a/orders/1/status", &[("status", "cancelled")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.stock(&b, "kaju-katli"), 2000);
    let (_, page) = br.get("/b/shop-a/orders/1").await;
    assert!(
        !page.contains("Cancel order") && !page.contains("Edit lines"),
        "no moves left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_can_be_changed_while_pending_with_stock_checked_again() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop-a");
    let api = app.api(&b);
    api.post("/api/v1/orders", &json!({"customer": {"phone": "9812345678"}, "lines": [{"sku": "kaju-katli", "qty": 1500}]})).await;
    assert_eq!(app.stock(&b, "kaju-katli"), 500);
    let mut br = app.owner(&b, "asha").await;
    let (_, page) = br.get("/b/shop-a/orders/1/edit").await;
    assert!(page.contains("1.5 kg"), "current lines prefilled");
    // 2 kg is what it had plus what is left: allowed, since its own stock comes back first.
    let form = [
        ("item_0", "kaju-katli|"),
        ("amount_0", "2 kg"),
        ("action", "save"),
    ];
    let (status, _, location) = br.post("/b/shop-a/orders/1/edit", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/b/shop-a/orders/1?done=1"));
    assert_eq!(app.stock(&b, "kaju-katli"), 0);
    let (_, o) = api.get("/api/v1/orders/1").await;
    assert_eq!(o["order"]["total_minor"], 240_000);
    assert_eq!(o["order"]["events"][1]["kind"], "edited");

    br.get("/b/shop-a/orders/1/edit").await;
    let form = [
        ("item_0", "kaju-katli|"),
        ("amount_0", "2.5 kg"),
        ("action", "save"),
    ];
    let (status, page, _) = br.post("/b/shop-a/orders/1/edit", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("2.5 kg ordered, 2 kg left"));
    assert_eq!(app.stock(&b, "kaju-katli"), 0, "nothing changed");
    assert_eq!(
        api.get("/api/v1/orders/1").await.1["order"]["total_minor"],
        240_000
    );

    for to in ["confirmed", "preparing"] {
        api.post("/api/v1/orders/1/status", &json!({"status": to}))
            .await;
    }
    let form = [
        ("item_0", "kaju-katli|"),
        ("amount_0", "1 kg"),
        ("action", "save"),
    ];
    let (status, page, _) = br.post("/b/shop-a/orders/1/edit", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("only while pending or confirmed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_and_exports_csv_and_customers_have_a_page() {
    let app = TestApp::start().await;
    let b = app.small_shop("shop-a");
    let api = app.api(&b);
    for (phone, name) in [("9812345678", "Asha"), ("9800000002", "Ravi")] {
        api.post("/api/v1/orders", &json!({"customer": {"phone": phone, "name": name}, "lines": [{"sku": "samosa", "qty": 4}], "address": "Lane 5"})).await;
    }
    api.post("/api/v1/orders/2/status", &json!({"status": "confirmed"}))
        .await;
    let mut br = app.owner(&b, "asha").await;
    let (_, all) = br.get("/b/shop-a/orders").await;
    assert!(all.contains("#1") && all.contains("#2"));
    let (_, confirmed) = br.get("/b/shop-a/orders?status=confirmed").await;
    assert!(confirmed.contains("#2") && !confirmed.contains("\">#1<"));
    let (_, found) = br.get("/b/shop-a/orders?q=ravi").await;
    assert!(found.contains("Ravi") && !found.contains("919812345678"));
    let (status, page) = br.get("/b/shop-a/orders?from=junk").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("YYYY-MM-DD"));

    let res = br
        .client
        .get(app.url("/b/shop-a/orders/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = res.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(&records[0][0], "1");
    assert_eq!(&records[0][13], "samosa");

    let (_, customers) = br.get("/b/shop-a/customers?q=ravi").await;
    assert!(customers.contains("Ravi") && !customers.contains("+91 98123 45678"));
    // An empty page says why: a search that found no one, or a page past the last.
    let (_, nobody) = br.get("/b/shop-a/customers?q=zz%3Cb%3E").await;
    assert!(
        nobody.contains("No customers match “zz&lt;b&gt;”."),
        "{nobody}"
    );
    assert!(!nobody.contains("No customers yet"));
    let (_, past) = br.get("/b/shop-a/customers?page=9").await;
    assert!(past.contains("No customers on this page."), "{past}");
    assert!(past.contains("href=\"?q=&amp;page=1\""), "{past}");
    let start = customers.find("/b/shop-a/customers/").unwrap();
    let link: String = customers[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let (_, page) = br.get(&link).await;
    // Numbers read as people write them.
    assert!(page.contains("+91 98000 00002") && page.contains("Lane 5") && page.contains("#2"));
    let (status, _, _) = br
        .post(
            &format!("{link}/notes"),
            &[("notes", "prefers evening delivery")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(br.get(&link).await.1.contains("prefers evening delivery"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_shops_orders_and_customers_are_404() {
    let app = TestApp::start().await;
    let a = app.small_shop("shop-a");
    let b = app.small_shop("shop-b");
    let api = app.api(&a);
    api.post(
        "/api/v1/orders",
        &json!({"customer": {"phone": "9812345678"}, "lines": [{"sku": "samosa", "qty": 1}]}),
    )
    .await;
    let mut br = app.owner(&b, "bob").await;
    for path in [
        "/b/shop-a/orders",
        "/b/shop-a/orders/1",
        "/b/shop-a/orders/export.csv",
        "/b/shop-a/customers",
        "/b/shop-b/orders/1",
        "/b/shop-b/customers/1",
    ] {
        assert_eq!(br.get(path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    br.get("/b/shop-b/orders").await;
    assert_eq!(
        br.post("/b/shop-a/orders/1/status", &[("status", "cancelled")])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        br.post("/b/shop-b/orders/1/status", &[("status", "cancelled")])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        br.post("/b/shop-b/customers/1/notes", &[("notes", "x")])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get("/api/v1/orders/1").await.1["order"]["status"],
        "pending"
    );
}

/// The value of the New order form's own key in a page.
fn form_key(page: &str) -> String {
    crate::storefront::hidden(page, "once").expect("the form's key")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_tap_on_save_finds_the_order_the_first_made() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    let mut owner = app.owner(&shop, "asha").await;
    let (_, page) = owner.get("/b/sharma/orders/new").await;
    let key = form_key(&page);
    // Previewed first: the page shown again carries the same key.
    let mut form = manual_order("preview", "samosa|", "", "4");
    form.push(("once", &key));
    let (status, page, _) = owner.post("/b/sharma/orders/new", &form).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(form_key(&page), key);
    let mut form = manual_order("save", "samosa|", "", "4");
    form.push(("once", &key));
    for _ in 0..2 {
        let (status, _, to) = owner.post("/b/sharma/orders/new", &form).await;
        assert_eq!(
            (status, to.as_deref()),
            (StatusCode::SEE_OTHER, Some("/b/sharma/orders/1"))
        );
    }
    assert_eq!(app.stock(&shop, "samosa"), 36, "14 taken once");
    // A form shown anew is a new order.
    let (_, page) = owner.get("/b/sharma/orders/new").await;
    assert_ne!(form_key(&page), key);
    let mut form = manual_order("save", "samosa|", "", "1");
    let fresh = form_key(&page);
    form.push(("once", &fresh));
    let (_, _, to) = owner.post("/b/sharma/orders/new", &form).await;
    assert_eq!(to.as_deref(), Some("/b/sharma/orders/2"));
}
