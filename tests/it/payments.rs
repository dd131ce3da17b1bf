//! Payments on every order, against a running server: staff recording cash and UPI from the
//! order page and the list, refunds, the drawer of the day, the payment filter, the API's
//! `payment` object and `POST .../payments`, and the UPI link in the customer's confirmation.

use crate::conversations::shop as cloud_sweet_shop;
use crate::support::bridge::CUSTOMER as ASHA;
use crate::support::{Api, Browser, TestApp};
use novi::accounts::businesses::Business;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The order's `payment` object, as the API shows it.
async fn payment(api: &Api, number: i64) -> Value {
    let (status, res) = api.get(&format!("/api/v1/orders/{number}")).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    res["order"]["payment"].clone()
}

/// Staff open the order's page and tap a payment button with `amount` (as typed).
async fn collect(
    staff: &mut Browser,
    b: &Business,
    number: i64,
    amount: &str,
    mode: &str,
) -> (StatusCode, String) {
    let page = format!("/b/{}/orders/{number}", b.short_code);
    staff.get(&page).await;
    let (status, body, _) = staff
        .post(
            &format!("{page}/payments"),
            &[("amount", amount), ("mode", mode), ("reference", "")],
        )
        .await;
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cash_recorded_by_two_staff_adds_up_in_the_drawer() {
    let app = TestApp::start().await;
    let (b, api) = app.shop_with_orders("shop-a", 3).await;
    let mut meera = app.owner(&b, "meera").await;
    let mut arjun = app.agent(&b, "arjun").await;

    assert_eq!(
        collect(&mut meera, &b, 1, "640", "cash").await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        collect(&mut arjun, &b, 2, "200.50", "cash").await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        collect(&mut arjun, &b, 2, "439.50", "upi").await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        collect(&mut arjun, &b, 3, "100", "cash").await.0,
        StatusCode::SEE_OTHER
    );
    let api_cash = json!({"amount_minor": 5_000, "mode": "cash"});
    assert_eq!(
        api.post("/api/v1/orders/3/payments", &api_cash).await.0,
        StatusCode::CREATED
    );

    let (status, drawer) = meera.get(&format!("/b/{}/drawer", b.short_code)).await;
    assert_eq!(status, StatusCode::OK, "{drawer}");
    let row = |who: &str| -> String {
        let at = drawer
            .find(&format!("<td>{who}</td>"))
            .unwrap_or_else(|| panic!("{who}: {drawer}"));
        drawer[at..at + drawer[at..].find("</tr>").unwrap()].to_owned()
    };
    // meera: ₹640 cash. arjun: ₹200.50 + ₹100 cash, ₹439.50 UPI. The API's ₹50 is Novi's.
    let cells = |r: &str| -> Vec<String> {
        r.split("<td class=\"num\"")
            .skip(1)
            .map(|c| {
                // Past the cell's attributes (its label for a phone).
                c[c.find('>').unwrap() + 1..]
                    .replace("<strong>", "")
                    .split('<')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        cells(&row("meera")),
        ["₹640.00", "₹0.00", "₹0.00", "₹0.00", "₹640.00"]
    );
    assert_eq!(
        cells(&row("arjun")),
        ["₹300.50", "₹439.50", "₹0.00", "₹0.00", "₹300.50"]
    );
    assert_eq!(
        cells(&row("Total")),
        ["₹990.50", "₹439.50", "₹0.00", "₹0.00", "₹990.50"]
    );
    assert!(drawer.contains("<td>Online and API</td>"), "{drawer}");

    // The dashboard's takings are the money received today, not the orders' totals (₹1,920).
    let (_, dashboard) = meera.get(&format!("/b/{}/", b.short_code)).await;
    assert!(dashboard.contains("₹1,430.00"), "{dashboard}");
    assert!(dashboard.contains(&format!("/b/{}/drawer", b.short_code)));

    // Another day holds none of it; a date that is not one is said beside the field.
    let (_, yesterday) = meera
        .get(&format!("/b/{}/drawer?date=2020-01-01", b.short_code))
        .await;
    assert!(yesterday.contains("No payments or refunds"), "{yesterday}");
    let (status, bad) = meera
        .get(&format!("/b/{}/drawer?date=monday", b.short_code))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.contains("class=\"field-error\"") && bad.contains("YYYY-MM-DD"),
        "{bad}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn part_then_the_rest_moves_unpaid_to_partly_paid_to_paid() {
    let app = TestApp::start().await;
    let (b, api) = app.shop_with_orders("shop-a", 1).await;
    let mut meera = app.owner(&b, "meera").await;
    let (_, page) = meera.get(&format!("/b/{}/orders/1", b.short_code)).await;
    assert!(
        page.contains("value=\"640\""),
        "the amount due is filled in: {page}"
    );
    assert_eq!(payment(&api, 1).await["status"], "unpaid");

    assert_eq!(
        collect(&mut meera, &b, 1, "240", "cash").await.0,
        StatusCode::SEE_OTHER
    );
    let p = payment(&api, 1).await;
    assert_eq!(
        (p["status"].as_str(), p["paid_minor"].as_i64()),
        (Some("partly_paid"), Some(24_000))
    );
    let (_, page) = meera.get(&format!("/b/{}/orders/1", b.short_code)).await;
    assert!(
        page.contains("value=\"400\""),
        "what is left is filled in: {page}"
    );

    // More than is due is refused beside the amount, and nothing is recorded.
    let (status, page) = collect(&mut meera, &b, 1, "400.01", "upi").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("₹400.01 is more than the ₹400.00 due on order #1"),
        "{page}"
    );
    assert!(page.contains("id=\"amount-error\""), "{page}");
    // What was typed comes back, not the amount due (a second tap would record that), and
    // the form posts to the payment card, so a refused one opens there on a phone.
    assert!(
        page.contains(r#"name="amount" value="400.01""#) && !page.contains(r#"value="400""#),
        "{page}"
    );
    assert!(page.contains("/orders/1/payments#pay"), "{page}");
    assert_eq!(
        payment(&api, 1).await["payments"].as_array().map(Vec::len),
        Some(1)
    );

    assert_eq!(
        collect(&mut meera, &b, 1, "400", "upi").await.0,
        StatusCode::SEE_OTHER
    );
    let p = payment(&api, 1).await;
    assert_eq!(
        (p["status"].as_str(), p["mode"].as_str()),
        (Some("paid"), Some("upi"))
    );
    assert_eq!(
        (p["paid_minor"].as_i64(), p["due_minor"].as_i64()),
        (Some(64_000), Some(0))
    );
    let user = p["payments"][1]["recorded_by"].as_i64();
    assert!(user.is_some(), "a person recorded it: {p}");

    // Each payment is on the timeline.
    let (_, o) = api.get("/api/v1/orders/1").await;
    let notes: Vec<&str> = o["order"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "payment")
        .filter_map(|e| e["note"].as_str())
        .collect();
    assert_eq!(notes, ["Cash received ₹240.00", "UPI received ₹400.00"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_refund_leaves_the_order_partly_refunded() {
    let app = TestApp::start().await;
    let (b, api) = app.shop_with_orders("shop-a", 1).await;
    let mut meera = app.owner(&b, "meera").await;
    // The shop takes UPI, so an order with money due shows a code to pay it.
    let settings = format!("/b/{}/settings", b.short_code);
    meera.get(&settings).await;
    let profile = [
        ("name", b.name.as_str()),
        ("address", ""),
        ("phone", ""),
        ("currency", "INR"),
        ("delivery_fee", "0"),
        ("upi_id", "shop@okaxis"),
    ];
    let (status, _, _) = meera.post(&format!("{settings}/profile"), &profile).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = meera.get(&format!("/b/{}/orders/1", b.short_code)).await;
    assert!(page.contains("Pay by UPI"), "{page}");
    collect(&mut meera, &b, 1, "640", "cash").await;
    let refunds = format!("/b/{}/orders/1/refunds", b.short_code);

    // An agent may take money, not give it back.
    let mut arjun = app.agent(&b, "arjun").await;
    arjun.get(&format!("/b/{}/orders/1", b.short_code)).await;
    let (status, _, _) = arjun
        .post(&refunds, &[("amount", "10"), ("mode", "cash")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, page, _) = meera
        .post(
            &refunds,
            &[
                ("amount", "700"),
                ("mode", "upi"),
                ("reference", "one box short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("a refund of ₹700.00 is more than the ₹640.00 paid on order #1"),
        "{page}"
    );
    // The refund form comes back open with what was typed, UPI still chosen.
    for typed in [
        r#"name="amount" value="700""#,
        r#"value="one box short""#,
        r#"<option value="upi" selected>"#,
        "/orders/1/refunds#refund",
    ] {
        assert!(page.contains(typed), "{typed}: {page}");
    }
    assert_eq!(payment(&api, 1).await["status"], "paid", "nothing changed");

    let (status, _, _) = meera
        .post(
            &refunds,
            &[
                ("amount", "100"),
                ("mode", "cash"),
                ("reference", "one box short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let p = payment(&api, 1).await;
    assert_eq!(
        (p["status"].as_str(), p["paid_minor"].as_i64()),
        (Some("partly_refunded"), Some(54_000))
    );
    assert_eq!(p["payments"][1]["kind"], "refund");
    assert_eq!(p["payments"][1]["amount_minor"], 10_000);
    // Money given back is not asked for again: nothing is due, the page offers nothing to collect
    // (no buttons, no UPI code) and says what went back; a payment now is refused.
    assert_eq!(
        (p["refunded_minor"].as_i64(), p["due_minor"].as_i64()),
        (Some(10_000), Some(0))
    );
    let (_, page) = meera.get(&format!("/b/{}/orders/1", b.short_code)).await;
    assert!(page.contains("<dt>Refunded</dt><dd>₹100.00</dd>"), "{page}");
    assert!(page.contains("<dt>Due</dt><dd>₹0.00</dd>"), "{page}");
    assert!(!page.contains("Cash collected"), "{page}");
    assert!(!page.contains("Pay by UPI"), "{page}");
    let (status, page) = collect(&mut meera, &b, 1, "100", "upi").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("nothing is due"), "{page}");
    assert_eq!(
        payment(&api, 1).await["payments"].as_array().map(Vec::len),
        Some(2)
    );
    // Audited once (the refused one left no row), by who gave the money back.
    let id = b.id;
    let refunds: Vec<(String, String)> = app
        .db
        .with_conn(|c| novi::audit::list(c, Some(id), None, 100))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == novi::audit::REFUND)
        .map(|e| (e.username, e.detail))
        .collect();
    assert_eq!(
        refunds,
        [(
            "meera".to_owned(),
            "refund of ₹100.00 (cash) on order #1".to_owned()
        )]
    );

    // The drawer holds the cash less what went back; the takings are net of it.
    let (_, drawer) = meera.get(&format!("/b/{}/drawer", b.short_code)).await;
    assert!(drawer.contains("<strong>₹540.00</strong>"), "{drawer}");
    // On a phone the header is hidden: each amount carries its own label.
    assert!(
        drawer.contains(r#"<td class="num" data-label="Cash in drawer"><strong>₹540.00</strong>"#),
        "{drawer}"
    );
    let (_, dashboard) = meera.get(&format!("/b/{}/", b.short_code)).await;
    assert!(dashboard.contains("₹540.00"), "{dashboard}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_records_payments_and_refuses_bad_amounts_changing_nothing() {
    let app = TestApp::start().await;
    let (_b, api) = app.shop_with_orders("shop-a", 1).await;
    let path = "/api/v1/orders/1/payments";
    let before = api.get("/api/v1/orders/1").await.1;
    for bad in [
        json!(0),
        json!(-100),
        json!(64_001),
        json!(1.5),
        json!("100"),
        json!(null),
    ] {
        let (status, res) = api
            .post(path, &json!({"amount_minor": bad, "mode": "upi"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {res}");
        assert_eq!(res["error"]["code"], "invalid", "{res}");
        assert!(
            res["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{res}"
        );
    }
    let (status, res) = api
        .post(path, &json!({"amount_minor": 100, "mode": "cheque"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    let nul = json!({"amount_minor": 100, "mode": "upi", "reference": "41234\u{0}5678"});
    let (status, res) = api.post(path, &nul).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert_eq!(
        res["error"]["message"],
        "the reference holds a control character"
    );
    assert_eq!(
        api.get("/api/v1/orders/1").await.1,
        before,
        "nothing changed"
    );

    let (status, res) = api
        .post(
            "/api/v1/orders/99/payments",
            &json!({"amount_minor": 100, "mode": "cash"}),
        )
        .await;
    assert_eq!(
        (status, res["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    let body = json!({"amount_minor": 64_000, "mode": "upi", "reference": "412345678901"});
    let (status, res) = api.post(path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    let p = &res["payment"];
    assert_eq!(
        (
            p["status"].as_str(),
            p["mode"].as_str(),
            p["paid_minor"].as_i64()
        ),
        (Some("paid"), Some("upi"), Some(64_000))
    );
    let row = &p["payments"][0];
    assert_eq!(
        (
            row["amount_minor"].as_i64(),
            row["kind"].as_str(),
            row["reference"].as_str()
        ),
        (Some(64_000), Some("payment"), Some("412345678901"))
    );
    assert!(
        row["recorded_by"].is_null() && row["recorded_at"].is_string(),
        "{row}"
    );
    assert_eq!(payment(&api, 1).await, *p);

    let (status, res) = api
        .post(path, &json!({"amount_minor": 1, "mode": "cash"}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "paid in full: {res}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_by_payment_and_marks_paid_in_one_tap() {
    let app = TestApp::start().await;
    let (b, api) = app.shop_with_orders("shop-a", 30).await;
    let mut meera = app.owner(&b, "meera").await;
    let list = format!("/b/{}/orders", b.short_code);
    let confirm = json!({"status": "confirmed"});
    assert_eq!(
        api.post("/api/v1/orders/3/status", &confirm).await.0,
        StatusCode::OK
    );

    // One tap on the list: the whole ₹640 in cash, and back to the same list.
    let (_, page) = meera.get(&format!("{list}?status=confirmed")).await;
    assert!(page.contains("Paid in full"), "{page}");
    let back = "status=confirmed&q=&payment=&from=&to=&sort=&page=1";
    let (status, _, to) = meera
        .post(
            &format!("{list}/3/payments"),
            &[
                ("mode", "cash"),
                ("full", "1"),
                ("total", "64000"),
                ("status", "unpaid"),
                ("back", back),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        to.as_deref(),
        Some(format!("{list}?{back}&paid=3").as_str())
    );
    let (_, page) = meera.get(to.as_deref().unwrap()).await;
    assert!(
        page.contains("Order #3: ₹640.00 received in cash, paid in full."),
        "the tap is confirmed with what it recorded: {page}"
    );
    // The word comes from the order itself: an unpaid one, or none, says nothing.
    for other in ["4", "999"] {
        let (_, page) = meera.get(&format!("{list}?{back}&paid={other}")).await;
        assert!(!page.contains("paid in full."), "{other}: {page}");
    }
    let p = payment(&api, 3).await;
    assert_eq!(
        (p["status"].as_str(), p["paid_minor"].as_i64()),
        (Some("paid"), Some(64_000))
    );
    collect(&mut meera, &b, 5, "10", "cash").await;

    let (_, paid) = meera.get(&format!("{list}?payment=paid")).await;
    assert!(
        paid.contains("Page 1 of 1 · 1 order<") && paid.contains(">#3</a>"),
        "{paid}"
    );
    let (_, partly) = meera.get(&format!("{list}?payment=partly_paid")).await;
    assert!(
        partly.contains("· 1 order<") && partly.contains(">#5</a>"),
        "{partly}"
    );
    // The row says what the tap records: ₹630 of the ₹640 total, and the tap records that or
    // nothing: ₹1 more paid meanwhile leaves ₹629, not what the row showed.
    assert!(
        partly.contains(r#"<strong class="due">₹630.00 due</strong>"#)
            && partly.contains("Order #5: ₹630.00 received in cash, paid in full")
            && partly.contains(r#"name="due" value="63000""#),
        "{partly}"
    );
    collect(&mut meera, &b, 5, "1", "upi").await;
    meera.get(&list).await;
    let (status, page, _) = meera
        .post(
            &format!("{list}/5/payments"),
            &[
                ("mode", "cash"),
                ("full", "1"),
                ("total", "64000"),
                ("status", "partly_paid"),
                ("due", "63000"),
                ("back", back),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("order #5 now has ₹629.00 due, not the ₹630.00 shown"),
        "{page}"
    );
    assert_eq!(
        payment(&api, 5).await["due_minor"],
        62_900,
        "nothing recorded"
    );
    // The other filters and the pages still work beside it: 28 unpaid, 25 a page.
    let (_, unpaid) = meera.get(&format!("{list}?payment=unpaid")).await;
    assert!(unpaid.contains("Page 1 of 2 · 28 orders"), "{unpaid}");
    let (_, second) = meera.get(&format!("{list}?payment=unpaid&page=2")).await;
    assert!(
        second.contains("Page 2 of 2 · 28 orders") && second.contains(">#1</a>"),
        "{second}"
    );
    // A page past the end (its last order paid since) says so and leads to the last page.
    let (_, past) = meera.get(&format!("{list}?payment=unpaid&page=3")).await;
    assert!(
        past.contains("This page is past the end of the list.")
            && past.contains("Go to the last page")
            && !past.contains("No orders match."),
        "{past}"
    );
    let (_, both) = meera
        .get(&format!("{list}?payment=paid&status=pending"))
        .await;
    assert!(both.contains("No orders match."), "{both}");
    let (status, _) = meera.get(&format!("{list}?payment=sometimes")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, api_list) = api.get("/api/v1/orders?payment_status=paid").await;
    assert_eq!(api_list["pagination"]["total"], 1, "{api_list}");

    // A second tap finds nothing due and changes nothing.
    meera.get(&list).await;
    let (status, page, _) = meera
        .post(
            &format!("{list}/3/payments"),
            &[
                ("mode", "cash"),
                ("full", "1"),
                ("total", "64000"),
                ("status", "unpaid"),
                ("back", back),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("order #3 is now paid, not as the list showed it; nothing was recorded."),
        "{page}"
    );
    assert_eq!(
        payment(&api, 3).await["payments"].as_array().map(Vec::len),
        Some(1)
    );

    // The button carries the total the list showed: an order grown since is not paid at a
    // figure no one saw.
    let (_, page) = meera.get(&list).await;
    assert!(page.contains(r#"name="total" value="64000""#), "{page}");
    let edit = format!("/b/{}/orders/7/edit", b.short_code);
    meera.get(&edit).await;
    let more = [
        ("item_0", "kaju-katli|"),
        ("amount_0", "1 kg"),
        ("action", "save"),
    ];
    assert_eq!(meera.post(&edit, &more).await.0, StatusCode::SEE_OTHER);
    meera.get(&list).await;
    let stale = [
        ("mode", "cash"),
        ("full", "1"),
        ("total", "64000"),
        ("status", "unpaid"),
        ("back", back),
    ];
    let (status, page, _) = meera.post(&format!("{list}/7/payments"), &stale).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(
            "order #7 now comes to ₹1,240.00, not the ₹640.00 shown; nothing was recorded."
        ),
        "{page}"
    );
    assert_eq!(payment(&api, 7).await["paid_minor"], 0);

    // Nor after a part payment since: the rest is not what the list's tap collected.
    collect(&mut meera, &b, 8, "100", "cash").await;
    meera.get(&list).await;
    let part = [
        ("mode", "cash"),
        ("full", "1"),
        ("total", "64000"),
        ("status", "unpaid"),
        ("back", back),
    ];
    let (status, page, _) = meera.post(&format!("{list}/8/payments"), &part).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("order #8 is now partly paid"), "{page}");
    assert_eq!(payment(&api, 8).await["paid_minor"], 10_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_confirmation_carries_a_upi_link_for_the_exact_amount() {
    let s = cloud_sweet_shop().await;
    let mut owner = s.app.owner(&s.b, "meera").await;
    let settings = format!("/b/{}/settings", s.b.short_code);
    owner.get(&settings).await;
    let profile = |upi: &'static str| {
        [
            ("name", "Sharma Sweets"),
            ("address", ""),
            ("phone", ""),
            ("currency", "INR"),
            ("delivery_fee", "40"),
            ("upi_id", upi),
        ]
    };
    // A UPI id that is not one is said beside the field, and nothing is saved.
    let (status, page, _) = owner
        .post(&format!("{settings}/profile"), &profile("sharma-sweets"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("id=\"upi_id-error\"") && page.contains("name@bank"),
        "{page}"
    );
    let (status, _, _) = owner
        .post(
            &format!("{settings}/profile"),
            &profile("SharmaSweets@okaxis"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    s.says(ASHA, "upi-1", "1 kg kaju katli, deliver to 12 MG Road", 1)
        .await;
    let confirmed = s.taps(ASHA, "upi-2", "confirm", 1).await;
    // ₹1,200 for the kilo and ₹40 for delivery.
    let link = "upi://pay?pa=sharmasweets@okaxis&pn=Sharma%20Sweets&am=1240.00&cu=INR&tn=Order%201";
    assert!(confirmed[0].contains(link), "{confirmed:?}");

    // The order's page shows the same link as a QR code while it is due.
    let (_, page) = owner.get(&format!("/b/{}/orders/1", s.b.short_code)).await;
    assert!(
        page.contains("Pay by UPI") && page.contains("<svg"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_order_whose_lines_grow_is_partly_paid_again() {
    let app = TestApp::start().await;
    let (b, api) = app.shop_with_orders("shop-a", 1).await;
    let mut meera = app.owner(&b, "meera").await;
    collect(&mut meera, &b, 1, "640", "cash").await;
    assert_eq!(payment(&api, 1).await["status"], "paid");

    // 750 g instead of 500 g: ₹900 + ₹40, of which ₹640 was paid.
    let edit = format!("/b/{}/orders/1/edit", b.short_code);
    meera.get(&edit).await;
    let form = [
        ("item_0", "kaju-katli|"),
        ("amount_0", "750 g"),
        ("action", "save"),
    ];
    assert_eq!(meera.post(&edit, &form).await.0, StatusCode::SEE_OTHER);
    let p = payment(&api, 1).await;
    assert_eq!(
        (p["status"].as_str(), p["due_minor"].as_i64()),
        (Some("partly_paid"), Some(30_000))
    );
    let (_, list) = api.get("/api/v1/orders?payment_status=partly_paid").await;
    assert_eq!(list["pagination"]["total"], 1, "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_held_for_a_cancelled_order_is_shown_to_give_back() {
    let app = TestApp::start().await;
    let (b, api) = app.shop_with_orders("shop-a", 1).await;
    let mut meera = app.owner(&b, "meera").await;
    collect(&mut meera, &b, 1, "640", "cash").await;
    let page_of = format!("/b/{}/orders/1", b.short_code);
    let (_, page) = meera.get(&page_of).await;
    assert!(!page.contains("To give back"), "paid in full, nothing over");
    let (status, res) = api
        .post("/api/v1/orders/1/status", &json!({"status": "cancelled"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    let (_, page) = meera.get(&page_of).await;
    assert!(
        page.contains("<dt>To give back</dt><dd><strong>₹640.00</strong></dd>"),
        "{page}"
    );
    assert_eq!(payment(&api, 1).await["owed_back_minor"], 64_000);
    let refunds = format!("/b/{}/orders/1/refunds", b.short_code);
    let (status, _, _) = meera
        .post(&refunds, &[("amount", "640"), ("mode", "cash")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = meera.get(&page_of).await;
    assert!(!page.contains("To give back"), "{page}");
    assert_eq!(payment(&api, 1).await["owed_back_minor"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_part_paid_order_cancelled_is_no_longer_money_to_chase() {
    let app = TestApp::start().await;
    let (b, api) = app.shop_with_orders("shop-a", 1).await;
    let mut meera = app.owner(&b, "meera").await;
    collect(&mut meera, &b, 1, "100", "cash").await;
    assert_eq!(payment(&api, 1).await["status"], "partly_paid");
    let (status, res) = api
        .post("/api/v1/orders/1/status", &json!({"status": "cancelled"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    // The answer itself and the order read after agree: nothing is due, ₹100 to give back.
    assert_eq!(res["order"]["payment_status"], "paid", "{res}");
    let p = payment(&api, 1).await;
    assert_eq!(
        (
            p["status"].as_str(),
            p["due_minor"].as_i64(),
            p["owed_back_minor"].as_i64()
        ),
        (Some("paid"), Some(0), Some(10_000)),
        "{p}"
    );
    let (_, chase) = api.get("/api/v1/orders?payment_status=partly_paid").await;
    assert_eq!(chase["pagination"]["total"], 0, "{chase}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_given_back_after_a_cut_is_asked_for_again_when_the_order_grows() {
    let app = TestApp::start().await;
    let (b, api) = app.shop_with_orders("shop-a", 1).await;
    let mut meera = app.owner(&b, "meera").await;
    collect(&mut meera, &b, 1, "640", "cash").await;
    let edit = format!("/b/{}/orders/1/edit", b.short_code);
    let lines = |amount: &'static str| {
        [
            ("item_0", "kaju-katli|"),
            ("amount_0", amount),
            ("action", "save"),
        ]
    };
    // 250 g instead of 500 g: ₹300 + ₹40, ₹300 over, given back as the card asks.
    meera.get(&edit).await;
    assert_eq!(
        meera.post(&edit, &lines("250 g")).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(payment(&api, 1).await["owed_back_minor"], 30_000);
    let refunds = format!("/b/{}/orders/1/refunds", b.short_code);
    let refund = [("amount", "300"), ("mode", "cash")];
    assert_eq!(meera.post(&refunds, &refund).await.0, StatusCode::SEE_OTHER);
    // Back to 500 g: the ₹300 given back is owed again, and can be collected.
    meera.get(&edit).await;
    assert_eq!(
        meera.post(&edit, &lines("500 g")).await.0,
        StatusCode::SEE_OTHER
    );
    let p = payment(&api, 1).await;
    assert_eq!(
        (p["due_minor"].as_i64(), p["owed_back_minor"].as_i64()),
        (Some(30_000), Some(0)),
        "{p}"
    );
    // Money to collect: partly paid (the list's filter and "Paid in full" find it), not
    // "partly refunded", which reads as settled.
    assert_eq!(p["status"], "partly_paid", "{p}");
    let (status, res) = api
        .post(
            "/api/v1/orders/1/payments",
            &json!({"amount_minor": 30_000, "mode": "cash"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    let p = payment(&api, 1).await;
    assert_eq!(
        (p["paid_minor"].as_i64(), p["due_minor"].as_i64()),
        (Some(64_000), Some(0))
    );
}
