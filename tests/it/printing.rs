//! Printing at the counter: the kitchen ticket (no prices) and the bill as print pages, the
//! same tickets sent to a network thermal printer (a fake one on loopback that keeps the bytes
//! it receives), and printer problems said in words.

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use crate::support::{Browser, TestApp, WAIT};
use novi::printing::escpos::{CUT, INIT};

/// A shop with one order: 2 × 500 g of kaju katli and 10 samosas, with a note, for delivery.
async fn shop_with_order(app: &TestApp) -> Browser {
    let b = app.small_shop("shop");
    app.set_delivery_fee(&b, 4000);
    let body = json!({
        "customer": {"name": "Asha Rao", "phone": "9812345678"},
        "lines": [{"sku": "kaju-katli", "variant": "500 g", "count": 2}, {"sku": "samosa", "qty": 10}],
        "address": "12 MG Road", "payment_mode": "cod", "notes": "less sugar please"
    });
    let (status, res) = app.api(&b).post("/api/v1/orders", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    app.owner(&b, "meera").await
}

/// Settings → Printing saved with `fields` over the defaults; returns the answer.
async fn save_printing(br: &mut Browser, fields: &[(&str, &str)]) -> (StatusCode, String) {
    br.get("/b/shop/settings/printing").await;
    let mut form = vec![
        ("paper", "80mm"),
        ("gstin", ""),
        ("printer", ""),
        ("owner_phone", ""),
        ("closing_time", ""),
    ];
    for (name, value) in fields {
        form.retain(|(n, _)| n != name);
        form.push((name, value));
    }
    let (status, page, _) = br.post("/b/shop/settings/printing", &form).await;
    (status, page)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kitchen_ticket_shows_items_and_notes_but_no_prices() {
    let app = TestApp::start().await;
    let mut br = shop_with_order(&app).await;
    let (status, page) = br.get("/b/shop/orders/1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("/b/shop/orders/1/kot") && page.contains("/b/shop/orders/1/bill"));

    let (status, kot) = br.get("/b/shop/orders/1/kot").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "KOT #1",
        "2 × 500 g",
        "Kaju Katli",
        "10 pc",
        "Samosa",
        "less sugar please",
        "Delivery",
    ] {
        assert!(kot.contains(text), "the KOT shows {text}: {kot}");
    }
    // The ticket itself, without the page around it (asset URLs carry hashes of digits).
    let ticket = kot
        .split("<article")
        .nth(1)
        .and_then(|t| t.split("</article>").next())
        .expect("the ticket");
    for price in ["₹", "1,200", "600", "150", "40.00", "Total"] {
        assert!(
            !ticket.contains(price),
            "the KOT shows no price ({price}): {ticket}"
        );
    }
    assert!(
        kot.contains("print-80mm.css"),
        "sized for the default 80 mm roll"
    );
}

/// The shop's settings changes in the audit log, as "who|what", newest first.
fn settings_audit(app: &TestApp) -> Vec<String> {
    let b = app
        .db
        .with_conn(|c| novi::accounts::businesses::by_code(c, "shop"))
        .unwrap()
        .expect("the shop");
    app.db
        .with_conn(|c| novi::audit::list(c, Some(b.id), None, 100))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == novi::audit::SETTINGS)
        .map(|e| format!("{}|{}", e.username, e.detail))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bill_shows_the_shop_the_amounts_and_the_gstin_once_set() {
    let app = TestApp::start().await;
    let mut br = shop_with_order(&app).await;
    let (_, bill) = br.get("/b/shop/orders/1/bill").await;
    assert!(!bill.contains("GSTIN"), "no GSTIN until one is set");

    let (status, _) =
        save_printing(&mut br, &[("gstin", "27aapfu0939f1zv"), ("paper", "58mm")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) =
        save_printing(&mut br, &[("gstin", "27aapfu0939f1zv"), ("paper", "58mm")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        settings_audit(&app),
        ["meera|paper: \"80mm\" → \"58mm\"; GSTIN: \"\" → \"27AAPFU0939F1ZV\""],
        "audited once: saving it unchanged records nothing"
    );
    let (status, bill) = br.get("/b/shop/orders/1/bill").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Shop shop",
        "GSTIN 27AAPFU0939F1ZV",
        "Bill #1",
        "Asha Rao",
        "12 MG Road",
        "+91 98123 45678",
        "Kaju Katli",
        "₹1,200.00",
        "₹150.00",
        "Delivery fee",
        "₹40.00",
        "₹1,390.00",
        "Cash · Unpaid",
        "Thank you",
        "print-58mm.css",
        r#"<a href="/b/shop/orders/1">Back to order #1</a>"#,
    ] {
        assert!(bill.contains(text), "the bill shows {text}: {bill}");
    }
    // What was paid and what is still to pay, under the total: a part payment is counted.
    let cash = [("amount", "1000"), ("mode", "cash")];
    br.get("/b/shop/orders/1").await;
    assert_eq!(
        br.post("/b/shop/orders/1/payments", &cash).await.0,
        StatusCode::SEE_OTHER
    );
    let (_, bill) = br.get("/b/shop/orders/1/bill").await;
    for row in [
        "<td>Paid</td><td class=\"num\">₹1,000.00</td>",
        "<td>To pay</td><td class=\"num\">₹390.00</td>",
        "Cash · Partly paid",
    ] {
        assert!(bill.contains(row), "{row}: {bill}");
    }
    assert!(!bill.contains("Refunded"), "no refund, no line: {bill}");
    // A refund given for good is on the bill, so the total less what was paid and refunded is
    // what is to pay: ₹1,390 − ₹900 − ₹100 = ₹390.
    let refund = [
        ("amount", "100"),
        ("mode", "cash"),
        ("reference", "one box short"),
    ];
    assert_eq!(
        br.post("/b/shop/orders/1/refunds", &refund).await.0,
        StatusCode::SEE_OTHER
    );
    let (_, bill) = br.get("/b/shop/orders/1/bill").await;
    for row in [
        "<td>Paid</td><td class=\"num\">₹900.00</td>",
        "<td>Refunded</td><td class=\"num\">₹100.00</td>",
        "<td>To pay</td><td class=\"num\">₹390.00</td>",
    ] {
        assert!(bill.contains(row), "{row}: {bill}");
    }
    // Paid beyond a total cut since: the bill says what is to give back.
    let edit = [
        ("item_0", "kaju-katli|"),
        ("amount_0", "250 g"),
        ("action", "save"),
    ];
    br.get("/b/shop/orders/1/edit").await;
    let (status, page, _) = br.post("/b/shop/orders/1/edit", &edit).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (_, bill) = br.get("/b/shop/orders/1/bill").await;
    assert!(
        bill.contains("<td>To give back</td><td class=\"num\">₹560.00</td>"),
        "₹900 kept of ₹340: {bill}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_printing_settings_are_refused_beside_their_fields() {
    let app = TestApp::start().await;
    let mut br = shop_with_order(&app).await;
    let bad = [
        ("gstin", "12345"),
        ("printer", "http://printer/"),
        ("owner_phone", "12"),
        ("closing_time", "9 pm"),
    ];
    let (status, page) = save_printing(&mut br, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in [
        "gstin-error",
        "printer-error",
        "owner_phone-error",
        "closing_time-error",
    ] {
        assert!(page.contains(id), "{id} is shown: {page}");
    }
    let (_, page) = br.get("/b/shop/settings/printing").await;
    assert!(
        !page.contains("12345") && !page.contains("http://printer/"),
        "nothing saved"
    );
    assert!(settings_audit(&app).is_empty(), "nor audited");
}

/// A network thermal printer on loopback: keeps every byte of one connection.
async fn fake_printer() -> (String, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let got = tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await.expect("accept");
        let mut bytes = Vec::new();
        conn.read_to_end(&mut bytes).await.expect("read");
        bytes
    });
    (addr, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_printer_receives_the_kitchen_ticket() {
    let app = TestApp::start().await;
    let mut br = shop_with_order(&app).await;
    let (addr, got) = fake_printer().await;
    let (status, _) = save_printing(&mut br, &[("printer", &addr)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    br.get("/b/shop/orders/1").await;
    let (status, page, _) = br.post("/b/shop/orders/1/print/kot", &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("The kitchen ticket went to the printer."));
    let bytes = tokio::time::timeout(WAIT, got)
        .await
        .expect("printed")
        .unwrap();
    assert!(bytes.starts_with(&INIT), "initialised first: {bytes:?}");
    assert!(bytes.ends_with(&CUT), "cut last: {bytes:?}");
    let text = String::from_utf8_lossy(&bytes);
    for part in [
        "KOT #1",
        "2 x 500 g  Kaju Katli",
        "10 pc  Samosa",
        "Note: less sugar please",
    ] {
        assert!(text.contains(part), "the ticket holds {part}: {text}");
    }
    assert!(
        !text.contains("Rs.") && !text.contains("1,200"),
        "no prices: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_orders_ticket_and_bill_say_so() {
    let app = TestApp::start().await;
    let mut br = shop_with_order(&app).await;
    let shop = app
        .db
        .with_conn(|c| novi::accounts::businesses::by_code(c, "shop"))
        .unwrap()
        .unwrap();
    let (_, kot) = br.get("/b/shop/orders/1/kot").await;
    assert!(!kot.contains("CANCELLED"), "{kot}");
    // ₹5 was paid before it was cancelled: the bill says so, and that it is to give back.
    br.get("/b/shop/orders/1").await;
    let five = [("amount", "5"), ("mode", "cash")];
    assert_eq!(
        br.post("/b/shop/orders/1/payments", &five).await.0,
        StatusCode::SEE_OTHER
    );
    let cancel = json!({"status": "cancelled"});
    let (status, res) = app
        .api(&shop)
        .post("/api/v1/orders/1/status", &cancel)
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    for page in ["kot", "bill"] {
        let (_, html) = br.get(&format!("/b/shop/orders/1/{page}")).await;
        assert!(html.contains("*** CANCELLED ***"), "{page}: {html}");
    }
    let (_, bill) = br.get("/b/shop/orders/1/bill").await;
    for row in [
        "<td>Paid</td><td class=\"num\">₹5.00</td>",
        "<td>To give back</td><td class=\"num\">₹5.00</td>",
    ] {
        assert!(bill.contains(row), "{row}: {bill}");
    }
    assert!(
        !bill.contains("To pay"),
        "nothing to pay on a cancelled bill: {bill}"
    );
    let (addr, got) = fake_printer().await;
    save_printing(&mut br, &[("printer", &addr)]).await;
    br.get("/b/shop/orders/1").await;
    br.post("/b/shop/orders/1/print/kot", &[]).await;
    let bytes = tokio::time::timeout(WAIT, got)
        .await
        .expect("printed")
        .unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("*** CANCELLED ***"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_printer_is_told_in_words() {
    let app = TestApp::start().await;
    let mut br = shop_with_order(&app).await;
    // A port nothing listens on: the connection is refused at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap().to_string();
    drop(closed);
    save_printing(&mut br, &[("printer", &addr)]).await;

    br.get("/b/shop/orders/1").await;
    let (status, page, _) = br.post("/b/shop/orders/1/print/bill", &[]).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        page.contains(&format!("the printer at {addr} could not be reached")),
        "{page}"
    );
    assert!(page.contains("Order #1"), "the order's page again");

    let (status, page, _) = br.post("/b/shop/settings/printing/test", &[]).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(page.contains("could not be reached"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_print_reaches_the_printer() {
    let app = TestApp::start().await;
    let mut br = shop_with_order(&app).await;
    let (addr, got) = fake_printer().await;
    save_printing(&mut br, &[("printer", &addr)]).await;
    let (status, page, _) = br.post("/b/shop/settings/printing/test", &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let bytes = tokio::time::timeout(WAIT, got)
        .await
        .expect("printed")
        .unwrap();
    assert!(bytes.starts_with(&INIT) && bytes.ends_with(&CUT));
    assert!(String::from_utf8_lossy(&bytes).contains("this printer works"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_gets_kitchen_tickets_of_orders_as_they_are_confirmed() {
    let app = TestApp::start().await;
    let mut br = shop_with_order(&app).await;
    save_printing(&mut br, &[("auto_kot", "on")]).await;
    let (status, page) = br.get("/b/shop/print/counter").await;
    assert_eq!(status, StatusCode::OK);
    let after = page
        .split("data-after=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("cursor")
        .to_owned();
    let (_, queue) = br.get(&format!("/b/shop/print/queue?after={after}")).await;
    let queue: serde_json::Value = serde_json::from_str(&queue).unwrap();
    assert_eq!(queue["tickets"], json!([]), "nothing confirmed yet");

    br.get("/b/shop/orders/1").await;
    br.post("/b/shop/orders/1/status", &[("status", "confirmed")])
        .await;
    let (_, queue) = br.get(&format!("/b/shop/print/queue?after={after}")).await;
    let queue: serde_json::Value = serde_json::from_str(&queue).unwrap();
    assert_eq!(queue["tickets"][0]["number"], 1);
    let html = queue["tickets"][0]["html"].as_str().unwrap();
    assert!(html.contains("KOT #1") && !html.contains('₹'), "{html}");
    let next = queue["after"].to_string();
    let (_, again) = br.get(&format!("/b/shop/print/queue?after={next}")).await;
    assert!(again.contains("\"tickets\":[]"), "printed once: {again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_queue_says_more_so_the_counter_asks_again_at_once() {
    let app = TestApp::start().await;
    let mut br = shop_with_order(&app).await;
    save_printing(&mut br, &[("auto_kot", "on")]).await;
    let (_, page) = br.get("/b/shop/print/counter").await;
    let after = page
        .split("data-after=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("cursor")
        .to_owned();
    let b = app
        .db
        .with_conn(|c| novi::accounts::businesses::by_code(c, "shop"))
        .unwrap()
        .expect("the shop");
    let api = app.api(&b);
    let one = json!({"customer": {"name": "Ravi", "phone": "9812345679"}, "lines": [{"sku": "samosa", "qty": 1}]});
    for _ in 0..20 {
        let (status, res) = api.post("/api/v1/orders", &one).await;
        assert_eq!(status, StatusCode::CREATED, "{res}");
    }
    for number in 1..=21 {
        let (status, res) = api
            .post(
                &format!("/api/v1/orders/{number}/status"),
                &json!({"status": "confirmed"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{res}");
    }
    let (_, first) = br.get(&format!("/b/shop/print/queue?after={after}")).await;
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    let numbers: Vec<i64> = first["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_i64().unwrap())
        .collect();
    assert_eq!(
        numbers,
        (1..=20).collect::<Vec<_>>(),
        "the first twenty, in order"
    );
    assert_eq!(first["more"], true, "one was held back");
    let (_, rest) = br
        .get(&format!("/b/shop/print/queue?after={}", first["after"]))
        .await;
    let rest: serde_json::Value = serde_json::from_str(&rest).unwrap();
    assert_eq!(rest["tickets"][0]["number"], 21);
    assert_eq!(rest["tickets"].as_array().unwrap().len(), 1);
    assert_eq!(rest["more"], false, "nothing left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_printer_buttons_show_only_once_a_printer_is_set() {
    let app = TestApp::start().await;
    let mut br = shop_with_order(&app).await;
    let (status, page) = br.get("/b/shop/orders/1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Print KOT") && page.contains("Print bill"),
        "the browser's print pages always: {page}"
    );
    assert!(
        !page.contains("/b/shop/orders/1/print/kot") && !page.contains("KOT to printer"),
        "no network printer, no button for one: {page}"
    );

    let (status, _) = save_printing(&mut br, &[("printer", "127.0.0.1:9100")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = br.get("/b/shop/orders/1").await;
    for part in [
        "Print KOT",
        "Print bill",
        "/b/shop/orders/1/print/kot",
        "/b/shop/orders/1/print/bill",
        "KOT to printer",
        "Bill to printer",
    ] {
        assert!(page.contains(part), "{part} once a printer is set: {page}");
    }
}
