//! Razorpay's deliveries acted on, against a running server and the loopback fake: a payment
//! told several times, at once and out of order, is recorded once; money that does not fit its
//! order (cancelled, too much, another currency) is flagged to staff until dealt with; unknown
//! orders and events are set aside with a reason; a partial refund through the order page is
//! recorded once with its `refund.processed`; a delivery kept before a stop is acted on at start.

use std::time::Duration;

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::razorpay::{connect, deliver};
use crate::support::process::Server;
use crate::support::razorpay::{signed, FakeRazorpay, WEBHOOK_SECRET};
use crate::support::{order, Api, TestApp, WAIT};
use novi::accounts::businesses::Business;
use novi::domain::Money;
use novi::razorpay::requests::{self, Kind, Status};
use novi::razorpay::{events, flags};

/// An order of 500 g of kaju katli (₹600) and ₹40 delivery, in paise.
const TOTAL: i64 = 64_000;

/// A shop with `n` orders of [`TOTAL`] taken through the API (`shop_with_orders`), and its
/// Razorpay keys.
async fn shop(app: &TestApp, code: &str, n: usize) -> (Business, Api) {
    let (b, api) = app.shop_with_orders(code, n).await;
    connect(app, &b);
    (b, api)
}

/// Novi made Razorpay order or link `id` for order `number` (as Checkout or the chat does).
fn asked(app: &TestApp, b: &Business, number: i64, kind: Kind, id: &str) {
    let order_id = order(&app.db, b, number).id;
    let amount = Money::from_minor(TOTAL);
    app.db
        .with_conn(|c| requests::add(c, b.id, order_id, kind, id, amount, "INR"))
        .unwrap();
}

fn request_status(app: &TestApp, b: &Business, id: &str) -> Status {
    let found = app.db.with_conn(|c| requests::find(c, b.id, id)).unwrap();
    found.expect("the request").status
}

fn payment(id: &str, order_id: &str, amount: i64, currency: &str) -> Value {
    json!({"id": id, "entity": "payment", "order_id": order_id, "amount": amount,
           "currency": currency, "status": "captured", "method": "upi"})
}

fn captured(p: &Value) -> Value {
    json!({"entity": "event", "event": "payment.captured",
           "payload": {"payment": {"entity": p}}})
}

fn order_paid(order_id: &str, p: &Value) -> Value {
    json!({"entity": "event", "event": "order.paid", "payload": {
        "payment": {"entity": p},
        "order": {"entity": {"id": order_id, "amount_paid": p["amount"], "status": "paid"}}}})
}

fn link_paid(link: &str, p: &Value) -> Value {
    json!({"entity": "event", "event": "payment_link.paid", "payload": {
        "payment": {"entity": p},
        "payment_link": {"entity": {"id": link, "status": "paid"}}}})
}

fn link_expired(link: &str) -> Value {
    json!({"entity": "event", "event": "payment_link.expired",
           "payload": {"payment_link": {"entity": {"id": link, "status": "expired"}}}})
}

fn failed(payment_id: &str, order_id: &str) -> Value {
    json!({"entity": "event", "event": "payment.failed", "payload": {"payment": {"entity": {
        "id": payment_id, "order_id": order_id, "amount": TOTAL, "currency": "INR",
        "status": "failed", "error_description": "Payment was declined by the bank"}}}})
}

fn refund_processed(refund_id: &str, payment_id: &str, amount: i64) -> Value {
    json!({"entity": "event", "event": "refund.processed", "payload": {"refund": {"entity": {
        "id": refund_id, "payment_id": payment_id, "amount": amount, "currency": "INR",
        "status": "processed"}}}})
}

fn refund_failed(refund_id: &str, payment_id: &str, amount: i64) -> Value {
    json!({"entity": "event", "event": "refund.failed", "payload": {"refund": {"entity": {
        "id": refund_id, "payment_id": payment_id, "amount": amount, "currency": "INR",
        "status": "failed"}}}})
}

/// Delivers `body` signed as Razorpay does, with event id `event_id`.
async fn send(app: &TestApp, code: &str, event_id: &str, body: &Value) -> StatusCode {
    let (text, signature) = signed(WEBHOOK_SECRET, body);
    deliver(app, code, Some(event_id), &text, Some(&signature))
        .await
        .0
}

/// Each delivery acted on, and what became of it, oldest first.
fn outcomes(app: &TestApp) -> Vec<(String, String)> {
    app.db
        .with_conn(|c| {
            let mut s = c.prepare(
                "SELECT event_id, outcome FROM razorpay_events WHERE handled_at IS NOT NULL ORDER BY id",
            )?;
            let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .unwrap()
}

fn outcome(all: &[(String, String)], event_id: &str) -> String {
    let found = all.iter().find(|(id, _)| id == event_id);
    found
        .unwrap_or_else(|| panic!("{event_id} in {all:?}"))
        .1
        .clone()
}

/// Waits until `n` deliveries have been acted on, re-checking whenever the worker has acted.
async fn until_acted(app: &TestApp, n: usize) -> Vec<(String, String)> {
    let mut acted = app.state.razorpay.acted();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let done = outcomes(app);
        if done.len() >= n {
            return done;
        }
        if tokio::time::timeout_at(deadline, acted.changed())
            .await
            .is_err()
        {
            panic!("timed out waiting for {n} deliveries to be acted on: {done:?}");
        }
    }
}

async fn payment_of(api: &Api, number: i64) -> Value {
    let (status, res) = api.get(&format!("/api/v1/orders/{number}")).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    res["order"]["payment"].clone()
}

/// The texts queued to customers that tell of a payment received.
fn payment_messages(app: &TestApp) -> Vec<String> {
    app.db
        .with_conn(|c| {
            let mut s = c.prepare(
                "SELECT text FROM messages WHERE direction = 'out' AND text LIKE 'Payment received%'",
            )?;
            let rows = s.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
        .unwrap()
}

fn audit_details(app: &TestApp) -> Vec<(String, String)> {
    app.db
        .with_conn(|c| {
            let mut s = c.prepare(
                "SELECT username, detail FROM audit_log WHERE action = 'refund' ORDER BY id",
            )?;
            let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_told_three_times_at_once_and_out_of_order_is_recorded_once() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a", 1).await;
    asked(&app, &b, 1, Kind::Order, "order_rz1");
    let pay = payment("pay_1", "order_rz1", TOTAL, "INR");
    let paid = order_paid("order_rz1", &pay);
    let captured = captured(&pay);
    // An earlier attempt's failure, told among (and after) the payment that succeeded.
    let failed = failed("pay_0", "order_rz1");
    let deliveries = [
        ("evt_paid", &paid),
        ("evt_failed", &failed),
        ("evt_captured", &captured),
        ("evt_captured", &captured),
        ("evt_paid", &paid),
        ("evt_failed", &failed),
        ("evt_failed", &failed),
        ("evt_captured", &captured),
        ("evt_paid", &paid),
    ];
    let answers = join_all(
        deliveries
            .iter()
            .map(|(id, body)| send(&app, "shop-a", id, body)),
    )
    .await;
    assert!(answers.iter().all(|s| *s == StatusCode::OK), "{answers:?}");

    let done = until_acted(&app, 3).await;
    assert_eq!(done.len(), 3, "each event acted on once: {done:?}");
    let told: Vec<String> = ["evt_paid", "evt_captured"]
        .iter()
        .map(|id| outcome(&done, id))
        .collect();
    assert_eq!(
        told.iter()
            .filter(|o| *o == "pay_1 recorded on order #1")
            .count(),
        1,
        "{told:?}"
    );
    assert!(
        told.contains(&"pay_1 already recorded".to_owned()),
        "{told:?}"
    );
    assert_eq!(
        outcome(&done, "evt_failed"),
        "pay_0 failed, noted on order #1"
    );

    let money = payment_of(&api, 1).await;
    assert_eq!(money["status"], "paid", "{money}");
    assert_eq!(money["paid_minor"], TOTAL);
    let rows = money["payments"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{money}");
    assert_eq!(
        (
            &rows[0]["mode"],
            &rows[0]["reference"],
            &rows[0]["amount_minor"]
        ),
        (&json!("razorpay"), &json!("pay_1"), &json!(TOTAL))
    );
    assert_eq!(
        request_status(&app, &b, "order_rz1"),
        Status::Paid,
        "a failure told late does not undo the payment"
    );
    let events = order(&app.db, &b, 1).events;
    let by_razorpay: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.actor == "Razorpay")
        .map(|e| (e.kind.as_str(), e.note.as_str()))
        .collect();
    assert_eq!(
        by_razorpay.iter().filter(|(k, _)| *k == "payment").count(),
        1
    );
    assert!(by_razorpay
        .iter()
        .any(|(k, n)| *k == "note" && n.contains("pay_0 failed: Payment was declined")));
    assert_eq!(
        payment_messages(&app),
        vec!["Payment received: ₹640.00 for your order #1. Thank you! — Shop shop-a".to_owned()]
    );

    // Razorpay retrying a day later changes nothing.
    assert_eq!(
        send(&app, "shop-a", "evt_captured", &captured).await,
        StatusCode::OK
    );
    let stored = app.db.with_conn(|c| events::pending(c, 10)).unwrap();
    assert!(stored.is_empty(), "no new delivery kept");
    assert_eq!(
        payment_of(&api, 1).await["payments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_link_paid_after_the_order_was_cancelled_is_flagged_until_dealt_with() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a", 1).await;
    asked(&app, &b, 1, Kind::Link, "plink_1");
    let cancel = json!({"status": "cancelled"});
    let (status, res) = api.post("/api/v1/orders/1/status", &cancel).await;
    assert_eq!(status, StatusCode::OK, "{res}");

    let pay = payment("pay_9", "order_of_link", TOTAL, "INR");
    assert_eq!(
        send(&app, "shop-a", "evt_link", &link_paid("plink_1", &pay)).await,
        StatusCode::OK
    );
    let done = until_acted(&app, 1).await;
    assert_eq!(
        outcome(&done, "evt_link"),
        "pay_9 flagged for a refund on order #1: order #1 was cancelled"
    );
    // The link's expiry, told after it was paid, does not take the payment back.
    assert_eq!(
        send(&app, "shop-a", "evt_expired", &link_expired("plink_1")).await,
        StatusCode::OK
    );
    let done = until_acted(&app, 2).await;
    assert_eq!(
        outcome(&done, "evt_expired"),
        "payment link plink_1 expired after it was paid: nothing to do"
    );
    assert_eq!(request_status(&app, &b, "plink_1"), Status::Paid);
    let money = payment_of(&api, 1).await;
    assert_eq!(
        (
            &money["status"],
            money["payments"].as_array().unwrap().len()
        ),
        (&json!("unpaid"), 0),
        "nothing put on a cancelled order"
    );
    assert!(payment_messages(&app).is_empty(), "no \"payment received\"");

    let mut owner = app.owner(&b, "meera").await;
    let (_, dashboard) = owner.get("/b/shop-a/").await;
    assert!(
        dashboard.contains("Razorpay payments to refund"),
        "{dashboard}"
    );
    assert!(dashboard.contains("pay_9") && dashboard.contains("order #1 was cancelled"));
    let (_, page) = owner.get("/b/shop-a/orders/1").await;
    assert!(
        page.contains("pay_9") && page.contains("Dealt with"),
        "{page}"
    );
    let id = app.db.with_conn(|c| flags::open(c, b.id)).unwrap()[0].id;
    let dealt = format!("/b/shop-a/razorpay/flags/{id}/dealt-with");

    let mut agent = app.agent(&b, "ravi").await;
    agent.get("/b/shop-a/orders/1").await;
    let from_page = [("back", "order")];
    assert_eq!(
        agent.post(&dealt, &from_page).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.db.with_conn(|c| flags::open(c, b.id)).unwrap().len(), 1);

    let (status, _, location) = owner.post(&dealt, &from_page).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/b/shop-a/orders/1"),
        "back to the page"
    );
    assert!(app
        .db
        .with_conn(|c| flags::open(c, b.id))
        .unwrap()
        .is_empty());
    let (_, dashboard) = owner.get("/b/shop-a/").await;
    assert!(!dashboard.contains("Razorpay payments to refund"));
    let (_, page) = owner.get("/b/shop-a/orders/1").await;
    assert!(
        page.contains("pay_9") && !page.contains("/dealt-with"),
        "kept, done"
    );
    let audit = audit_details(&app);
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].0, "meera");
    assert!(audit[0].1.contains("pay_9") && audit[0].1.contains("marked dealt with"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_that_do_not_fit_are_flagged_and_unknown_deliveries_set_aside() {
    let app = TestApp::start().await;
    let (b, api) = shop(&app, "shop-a", 2).await;
    asked(&app, &b, 1, Kind::Order, "order_a");
    asked(&app, &b, 2, Kind::Order, "order_b");
    let deliveries = [
        (
            "evt_more",
            captured(&payment("pay_more", "order_a", 70_000, "INR")),
        ),
        (
            "evt_usd",
            captured(&payment("pay_usd", "order_b", TOTAL, "USD")),
        ),
        (
            "evt_stranger",
            captured(&payment("pay_x", "order_unknown", TOTAL, "INR")),
        ),
        (
            "evt_other",
            json!({"event": "payment.authorized", "payload": {}}),
        ),
        (
            "evt_bad",
            json!({"event": "payment.captured", "payload": {}}),
        ),
    ];
    for (id, body) in &deliveries {
        assert_eq!(send(&app, "shop-a", id, body).await, StatusCode::OK);
    }
    let done = until_acted(&app, deliveries.len()).await;
    assert_eq!(
        outcome(&done, "evt_more"),
        "pay_more flagged for a refund on order #1: paid ₹700.00, but ₹640.00 was due"
    );
    assert_eq!(
        outcome(&done, "evt_usd"),
        "pay_usd flagged for a refund on order #2: paid in USD, but the order is in INR"
    );
    assert_eq!(
        outcome(&done, "evt_stranger"),
        "ignored: Razorpay order order_unknown is not one Novi made"
    );
    assert_eq!(
        outcome(&done, "evt_other"),
        "ignored: Novi does not act on payment.authorized"
    );
    assert_eq!(
        outcome(&done, "evt_bad"),
        "ignored: the delivery has no payment in its payload"
    );
    for number in [1, 2] {
        assert_eq!(payment_of(&api, number).await["status"], "unpaid");
    }
    let open = app.db.with_conn(|c| flags::open(c, b.id)).unwrap();
    let flagged: Vec<(i64, &str, i64)> = open
        .iter()
        .map(|f| (f.order_number, f.payment_id.as_str(), f.amount.minor()))
        .collect();
    assert_eq!(
        flagged,
        vec![(1, "pay_more", 70_000), (2, "pay_usd", TOTAL)]
    );
}

/// A shop talking to a fake Razorpay, with order #1 paid in full through it (`pay_1`).
async fn paid_through_razorpay() -> (FakeRazorpay, TestApp, Business, Api) {
    let rzp = FakeRazorpay::start().await;
    let base = rzp.base.clone();
    let app = TestApp::start_with(move |c| c.razorpay_api = Some(base)).await;
    let (b, api) = shop(&app, "shop-a", 1).await;
    asked(&app, &b, 1, Kind::Order, "order_rz1");
    let pay = payment("pay_1", "order_rz1", TOTAL, "INR");
    send(&app, "shop-a", "evt_paid", &captured(&pay)).await;
    until_acted(&app, 1).await;
    (rzp, app, b, api)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_refund_through_the_order_page_is_recorded_once_with_its_refund_processed() {
    let (rzp, app, b, api) = paid_through_razorpay().await;
    let refund = "/b/shop-a/orders/1/razorpay-refund";

    let mut agent = app.agent(&b, "ravi").await;
    let (_, page) = agent.get("/b/shop-a/orders/1").await;
    assert!(
        !page.contains("Refund through Razorpay"),
        "agents do not refund"
    );
    assert_eq!(
        agent.post(refund, &[("amount", "100")]).await.0,
        StatusCode::FORBIDDEN
    );

    let mut owner = app.owner(&b, "meera").await;
    let (_, page) = owner.get("/b/shop-a/orders/1").await;
    assert!(
        page.contains("Refund through Razorpay") && page.contains("pay_1"),
        "{page}"
    );
    for (typed, said) in [
        (
            "700",
            "₹700.00 is more than the ₹640.00 that can go back through Razorpay",
        ),
        ("0", "the amount must be more than zero"),
        ("ten", "amount"),
    ] {
        let (status, page, _) = owner.post(refund, &[("amount", typed)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(
            page.contains("id=\"amount-error\"") && page.contains(said),
            "{typed}: {page}"
        );
    }
    assert!(rzp.calls().is_empty(), "nothing asked of Razorpay");

    rzp.fail_next(
        400,
        "The refund amount provided is greater than amount captured",
    );
    let (status, page, _) = owner.post(refund, &[("amount", "100")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("Razorpay refused the refund: The refund amount provided is greater than amount captured. Nothing was refunded."),
        "{page}"
    );
    assert_eq!(payment_of(&api, 1).await["paid_minor"], TOTAL);

    let (status, _, location) = owner.post(refund, &[("amount", "100")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/b/shop-a/orders/1?done=1"));
    let call = rzp.calls().pop().unwrap();
    assert_eq!(
        (call.path.as_str(), &call.body),
        ("/v1/payments/pay_1/refund", &json!({"amount": 10_000}))
    );
    let money = payment_of(&api, 1).await;
    assert_eq!(
        (&money["status"], &money["paid_minor"]),
        (&json!("partly_refunded"), &json!(TOTAL - 10_000)),
        "the answer said processed: recorded now"
    );
    let refund_id = money["payments"][1]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(refund_id.starts_with("rfnd_"), "{money}");

    // Razorpay then tells of it, and of a refund made from its own Dashboard.
    let told = refund_processed(&refund_id, "pay_1", 10_000);
    send(&app, "shop-a", "evt_refund", &told).await;
    let dashboard = refund_processed("rfnd_dash", "pay_1", 4_000);
    send(&app, "shop-a", "evt_dash", &dashboard).await;
    let done = until_acted(&app, 3).await;
    assert_eq!(
        outcome(&done, "evt_refund"),
        "refund already recorded on order #1"
    );
    assert_eq!(outcome(&done, "evt_dash"), "refund recorded on order #1");
    let money = payment_of(&api, 1).await;
    assert_eq!(money["paid_minor"], TOTAL - 14_000);
    assert_eq!(money["payments"].as_array().unwrap().len(), 3, "{money}");

    let audit = audit_details(&app);
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(audit.iter().all(|(who, _)| who == "meera"));
    assert!(
        audit[0].1.contains("not made: Razorpay refused"),
        "{audit:?}"
    );
    assert!(audit[1].1.contains(&refund_id) && audit[1].1.contains("(processed)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_refund_holds_its_amount_back_until_razorpay_processes_or_fails_it() {
    let (rzp, app, b, api) = paid_through_razorpay().await;
    rzp.refunds_pending();
    let refund = "/b/shop-a/orders/1/razorpay-refund";
    let mut owner = app.owner(&b, "meera").await;

    // ₹600 of ₹640 asked back; Razorpay has yet to process it.
    let (status, _, _) = owner.post(refund, &[("amount", "600")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let money = payment_of(&api, 1).await;
    assert_eq!(money["paid_minor"], TOTAL, "not recorded while pending");
    let (_, page) = owner.get("/b/shop-a/orders/1").await;
    assert!(
        page.contains("it is recorded when Razorpay has processed it"),
        "{page}"
    );

    // Nor can the same money go back in cash: the card says it is on its way.
    assert!(
        page.contains("<dt>On its way back</dt><dd>₹600.00 (Razorpay refund, not processed yet)"),
        "{page}"
    );
    let cash = [("amount", "100"), ("mode", "cash")];
    let (status, page, _) = owner.post("/b/shop-a/orders/1/refunds", &cash).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(
            "₹100.00 is more than the ₹40.00 paid on order #1 and not already on its way back"
        ),
        "{page}"
    );
    assert_eq!(payment_of(&api, 1).await["refund_pending_minor"], 60_000);

    // A second refund may ask only for the ₹40 not on its way back already.
    let (status, page, _) = owner.post(refund, &[("amount", "600")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("₹600.00 is more than the ₹40.00 that can go back through Razorpay"),
        "{page}"
    );
    assert_eq!(
        rzp.calls().len(),
        1,
        "the refused one was not asked of Razorpay"
    );
    let (status, _, _) = owner.post(refund, &[("amount", "40")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = owner.get("/b/shop-a/orders/1").await;
    assert!(
        !page.contains("Refund through Razorpay"),
        "nothing left: {page}"
    );
    assert_eq!(rzp.calls().len(), 2);

    // The first is processed: recorded once, and the second still holds its ₹40.
    send(
        &app,
        "shop-a",
        "evt_done",
        &refund_processed("rfnd_fake1", "pay_1", 60_000),
    )
    .await;
    let done = until_acted(&app, 2).await;
    assert_eq!(outcome(&done, "evt_done"), "refund recorded on order #1");
    assert_eq!(payment_of(&api, 1).await["paid_minor"], TOTAL - 60_000);
    let (_, page) = owner.get("/b/shop-a/orders/1").await;
    assert!(!page.contains("Refund through Razorpay"), "{page}");

    // The second fails: its ₹40 can be refunded again, and the timeline says why.
    send(
        &app,
        "shop-a",
        "evt_fail",
        &refund_failed("rfnd_fake2", "pay_1", 4_000),
    )
    .await;
    send(
        &app,
        "shop-a",
        "evt_fail_again",
        &refund_failed("rfnd_fake2", "pay_1", 4_000),
    )
    .await;
    let done = until_acted(&app, 4).await;
    assert_eq!(
        outcome(&done, "evt_fail"),
        "refund rfnd_fake2 failed, noted on order #1"
    );
    assert_eq!(
        outcome(&done, "evt_fail_again"),
        "ignored: refund rfnd_fake2 was not waiting to be processed"
    );
    let (_, page) = owner.get("/b/shop-a/orders/1").await;
    assert!(
        page.contains("Razorpay could not make refund rfnd_fake2 of ₹40.00")
            && page.contains("Refund through Razorpay"),
        "{page}"
    );
    assert_eq!(payment_of(&api, 1).await["paid_minor"], TOTAL - 60_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_kept_before_a_stop_is_acted_on_when_novi_starts_again() {
    let app = TestApp::start().await;
    let (b, _) = shop(&app, "shop-a", 1).await;
    asked(&app, &b, 1, Kind::Order, "order_rz1");
    let token = app.token(&b);
    let (dir, db) = app.stop_keeping_data().await;
    // Stored and answered 200, then Novi stopped before acting on it.
    let body = captured(&payment("pay_1", "order_rz1", TOTAL, "INR")).to_string();
    db.with_tx(|tx| events::store(tx, b.id, "evt_1", "payment.captured", &body))
        .unwrap();
    drop(db);

    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    // Another process: read its API until the order shows the payment (or time runs out).
    loop {
        let res: Value = client
            .get(format!("{}/api/v1/orders/1", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if res["order"]["payment"]["status"] == "paid" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the kept delivery was not acted on: {res}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server.terminate().success());
    let db = novi::db::Db::open(dir.path()).unwrap();
    let pending = db.with_conn(|c| events::pending(c, 10)).unwrap();
    assert!(pending.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_razorpay_payment_gives_back_what_is_left_on_it() {
    let (rzp, app, b, api) = paid_through_razorpay().await;
    let mut owner = app.owner(&b, "meera").await;
    // The order grows by ₹300, paid online again (pay_2).
    let edit = "/b/shop-a/orders/1/edit";
    owner.get(edit).await;
    let form = [
        ("item_0", "kaju-katli|"),
        ("amount_0", "750 g"),
        ("action", "save"),
    ];
    assert_eq!(owner.post(edit, &form).await.0, StatusCode::SEE_OTHER);
    let order_id = order(&app.db, &b, 1).id;
    let more = Money::from_minor(30_000);
    app.db
        .with_conn(|c| requests::add(c, b.id, order_id, Kind::Order, "order_rz2", more, "INR"))
        .unwrap();
    let pay = payment("pay_2", "order_rz2", 30_000, "INR");
    send(&app, "shop-a", "evt_paid2", &captured(&pay)).await;
    until_acted(&app, 2).await;
    assert_eq!(payment_of(&api, 1).await["status"], "paid");

    // The newest payment first; once it is all back, the older one, for all of it.
    let refund = "/b/shop-a/orders/1/razorpay-refund";
    assert_eq!(
        owner.post(refund, &[("amount", "300")]).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(rzp.calls().pop().unwrap().path, "/v1/payments/pay_2/refund");
    let (_, page) = owner.get("/b/shop-a/orders/1").await;
    assert!(
        page.contains("pay_1") && !page.contains("from payment pay_2"),
        "{page}"
    );
    assert_eq!(
        owner.post(refund, &[("amount", "640")]).await.0,
        StatusCode::SEE_OTHER
    );
    let call = rzp.calls().pop().unwrap();
    assert_eq!(
        (call.path.as_str(), &call.body),
        ("/v1/payments/pay_1/refund", &json!({"amount": TOTAL}))
    );
    let money = payment_of(&api, 1).await;
    assert_eq!(
        (&money["status"], &money["paid_minor"]),
        (&json!("refunded"), &json!(0))
    );
    let (_, page) = owner.get("/b/shop-a/orders/1").await;
    assert!(
        !page.contains("Refund through Razorpay"),
        "all back: {page}"
    );
}
