//! Undoing a status change from the order page: the change is taken back with its stock, the
//! customer's message about it is never sent, and the offer ends after its minute or as soon as
//! something else happens to the order.

use crate::support::fakes::FakeGraph;
use crate::support::{Browser, TestApp, WAIT};
use novi::accounts::businesses::Business;
use reqwest::StatusCode;
use serde_json::json;

const CUSTOMER: &str = "919812345678";

/// A small shop on the fake Cloud API with order #1 (1 kg kaju katli) confirmed through the
/// API, whose own message is already out; `undo_seconds` as given.
async fn shop(undo_seconds: u32) -> (TestApp, Business, FakeGraph, Browser) {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_with(|c| {
        c.outbox_retry_base_ms = 5;
        c.recipient_burst = 1000;
        c.recipient_interval_ms = 1;
        c.undo_seconds = undo_seconds;
    })
    .await;
    let b = app.small_shop("shop-a");
    app.connect_cloud(&b, &graph);
    let api = app.api(&b);
    let order =
        json!({"customer": {"phone": CUSTOMER}, "lines": [{"sku": "kaju-katli", "qty": 1000}]});
    api.post("/api/v1/orders", &order).await;
    api.post("/api/v1/orders/1/status", &json!({"status": "confirmed"}))
        .await;
    graph
        .wait_until("the confirmation", WAIT, |log| !log.is_empty())
        .await;
    let br = app.owner(&b, "asha").await;
    (app, b, graph, br)
}

/// The event id in the order page's undo form, if it offers one.
fn offered(page: &str) -> Option<String> {
    let form = &page[page.find("action=\"/b/shop-a/orders/1/undo\"")?..];
    let at = form.find("name=\"event\" value=\"")? + "name=\"event\" value=\"".len();
    Some(
        form[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect(),
    )
}

async fn set_status(br: &mut Browser, to: &str) -> Option<String> {
    let (status, _, _) = br
        .post("/b/shop-a/orders/1/status", &[("status", to)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "moving to {to}");
    offered(&br.get("/b/shop-a/orders/1").await.1)
}

fn held_messages(app: &TestApp) -> i64 {
    app.db
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM outbox WHERE order_event_id IS NOT NULL",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_undone_takes_its_stock_again_and_tells_nobody() {
    let (app, b, graph, mut br) = shop(60).await;
    assert_eq!(app.stock(&b, "kaju-katli"), 1000);
    let event = set_status(&mut br, "cancelled")
        .await
        .expect("undo offered");
    assert_eq!(
        app.stock(&b, "kaju-katli"),
        2000,
        "the cancel put the stock back"
    );
    assert_eq!(
        held_messages(&app),
        1,
        "the customer's message waits out the minute"
    );

    let (status, _, location) = br
        .post("/b/shop-a/orders/1/undo", &[("event", &event)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/b/shop-a/orders/1?done=undone"));
    let (_, page) = br.get("/b/shop-a/orders/1?done=undone").await;
    assert!(page.contains("Undone."), "{page}");
    assert!(
        page.contains("Cancelled → Confirmed"),
        "the timeline keeps both"
    );
    assert!(offered(&page).is_none(), "an undo is not itself undone");
    assert_eq!(
        crate::support::order(&app.db, &b, 1).status.as_str(),
        "confirmed"
    );
    assert_eq!(
        app.stock(&b, "kaju-katli"),
        1000,
        "the stock is taken again"
    );
    assert_eq!(held_messages(&app), 0, "the held message is withdrawn");
    let (_, chat) = br.get(&format!("/b/shop-a/conversations/{CUSTOMER}")).await;
    assert!(
        !chat.contains("has been cancelled"),
        "nor shown queued in the chat"
    );
    assert_eq!(
        graph.texts_to(CUSTOMER).len(),
        1,
        "only the confirmation went out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_last_change_can_be_undone() {
    let (app, b, _graph, mut br) = shop(60).await;
    let first = set_status(&mut br, "preparing").await.expect("offered");
    let second = set_status(&mut br, "out_for_delivery")
        .await
        .expect("offered");
    assert_ne!(first, second);
    let (status, page, _) = br
        .post("/b/shop-a/orders/1/undo", &[("event", "999999")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("Nothing to undo: that change is not on order #1."),
        "{page}"
    );
    let (status, page, _) = br
        .post("/b/shop-a/orders/1/undo", &[("event", &first)])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("has changed since"), "{page}");
    assert_eq!(
        crate::support::order(&app.db, &b, 1).status.as_str(),
        "out_for_delivery"
    );
    let (status, _, _) = br
        .post("/b/shop-a/orders/1/undo", &[("event", &second)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        crate::support::order(&app.db, &b, 1).status.as_str(),
        "preparing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_whose_stock_is_sold_cannot_be_undone() {
    let (app, b, _graph, mut br) = shop(60).await;
    let event = set_status(&mut br, "cancelled").await.expect("offered");
    app.adjust_stock(&b, "kaju-katli", -1500, "sold at the counter");
    let (status, page, _) = br
        .post("/b/shop-a/orders/1/undo", &[("event", &event)])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("Can&#39;t undo the cancellation")
            || page.contains("Can't undo the cancellation"),
        "{page}"
    );
    assert_eq!(
        crate::support::order(&app.db, &b, 1).status.as_str(),
        "cancelled"
    );
    assert_eq!(app.stock(&b, "kaju-katli"), 500, "nothing taken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_window_the_message_goes_and_undo_is_refused() {
    let (app, b, graph, mut br) = shop(1).await;
    let (status, page, _) = br
        .post("/b/shop-a/orders/1/status", &[("status", "preparing")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let event = app
        .db
        .with_conn(|c| {
            Ok(c.query_row("SELECT max(id) FROM order_events", [], |r| {
                r.get::<_, i64>(0)
            })?)
        })
        .unwrap();
    // Sent once its second is up, not before the window the page offered.
    let log = graph
        .wait_until("the preparing message", WAIT, |log| {
            log.iter()
                .any(|r| r.text().is_some_and(|t| t.contains("preparing")))
        })
        .await;
    assert_eq!(log.iter().filter(|r| r.text().is_some()).count(), 2);
    let (status, page, _) = br
        .post("/b/shop-a/orders/1/undo", &[("event", &event.to_string())])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("Too late to undo"), "{page}");
    assert_eq!(
        crate::support::order(&app.db, &b, 1).status.as_str(),
        "preparing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_undo_off_the_message_goes_at_once_and_nothing_is_offered() {
    let (_app, _b, graph, mut br) = shop(0).await;
    assert!(set_status(&mut br, "preparing").await.is_none());
    graph
        .wait_until("the preparing message", WAIT, |log| {
            log.iter()
                .any(|r| r.text().is_some_and(|t| t.contains("preparing")))
        })
        .await;
}
