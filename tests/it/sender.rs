//! The sender's scheduling against fake providers: one shop's backlog does not hold up another
//! shop's replies, a provider repeating a message id does not leave a reply stuck, and an idle
//! sender stays idle (counted in scheduling passes, not time) whatever its outbox holds.

use std::time::Duration;

use crate::support::bridge::{cloud_config, CUSTOMER};
use crate::support::fakes::{FakeGateway, FakeGraph, Reply};
use crate::support::{TestApp, WAIT};
use novi::accounts::businesses::Business;
use novi::db::Db;
use novi::error::AppError;
use novi::whatsapp::outbox::{self, Content};
use reqwest::StatusCode;
use serde_json::json;

/// Shop B's business number on the Cloud API (shop A has the fixtures' `PNID`).
const PNID_B: &str = "110000000000002";

/// Queues a staff reply to [`CUSTOMER`] through the API; returns the message id.
async fn reply(app: &TestApp, b: &Business, text: &str) -> i64 {
    let path = format!("/api/v1/conversations/{CUSTOMER}/messages");
    let (status, res) = app.api(b).post(&path, &json!({ "text": text })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{res}");
    res["message"]["id"].as_i64().unwrap()
}

/// Scheduling passes the sender has made so far.
fn passes(app: &TestApp) -> u64 {
    app.state.bridge.sender.passes()
}

/// Waits until the sender has made a pass after the `since`-th: it has seen what changed.
async fn wait_for_pass_after(app: &TestApp, since: u64) {
    let mut counter = app.state.bridge.sender.watch();
    let seen = tokio::time::timeout(WAIT, counter.wait_for(|n| *n > since));
    assert!(seen.await.is_ok(), "the sender looked at the outbox");
}

/// The sender, having looked at its outbox, waits instead of looking again and again. A second
/// is long enough for a busy loop to make thousands of passes, and a pass or two from a timer
/// or a finishing send is fine; a slow machine can only make fewer.
async fn assert_idle(app: &TestApp, what: &str) {
    let before = passes(app);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let made = passes(app) - before;
    assert!(made <= 3, "{what}: {made} passes in a second while idle");
}

fn column(db: &Db, sql: &str, id: i64) -> Option<String> {
    db.with_conn(|c| Ok(c.query_row(sql, [id], |r| r.get(0))?))
        .unwrap()
}

/// `n` texts from business `b`, each to a different customer, queued in one transaction.
fn queue_backlog(app: &TestApp, b: &Business, n: u32) {
    app.db
        .with_tx(|tx| {
            for i in 0..n {
                let to = format!("9197{i:08}");
                outbox::enqueue(tx, b.id, &to, &Content::text("Sale today"), "cloud")?;
            }
            Ok::<_, AppError>(())
        })
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_shops_backlog_does_not_hold_up_another_shops_reply() {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_fast_outbox().await;
    let (a, b) = (app.business("shop-a"), app.business("shop-b"));
    let mut slow = cloud_config(&graph);
    slow.rate_per_second = 1;
    app.save_whatsapp(&a, &slow);
    let mut other = cloud_config(&graph);
    other.phone_number_id = Some(PNID_B.into());
    app.save_whatsapp(&b, &other);

    queue_backlog(&app, &a, 300);
    app.state.bridge.wake_sender();
    graph.wait_for_requests(1, WAIT).await;
    let id = reply(&app, &b, "Your order is ready").await;

    let for_b = format!("/v21.0/{PNID_B}/messages");
    let sent = graph
        .wait_until("shop B's reply", WAIT, |r| {
            r.iter().any(|x| x.path == for_b)
        })
        .await;
    let a_first = sent.iter().take_while(|x| x.path != for_b).count();
    // Oldest-first across shops sent 101 of A's messages (one a second) before B's.
    assert!(
        a_first <= 10,
        "{a_first} of shop A's messages went before shop B's reply"
    );
    assert_eq!(sent.iter().filter(|x| x.path == for_b).count(), 1);
    app.wait_until("B's reply recorded as sent", |db| {
        let status = column(db, "SELECT status FROM messages WHERE id = ?1", id);
        (status.as_deref() == Some("sent")).then_some(())
    })
    .await;
    assert!(
        graph.request_count() < 100,
        "shop A keeps its own pace of one a second"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_behind_a_hanging_send_leaves_the_sender_idle() {
    let gw = FakeGateway::start().await;
    gw.set_default(Reply::Hang);
    let app = TestApp::start_fast_outbox().await;
    let b = app.business("shop-a");
    app.connect_gateway(&b, &gw);
    reply(&app, &b, "Your order is confirmed").await;
    gw.wait_for_requests(1, WAIT).await;

    // The second reply waits for the first, which the gateway never answers.
    let before = passes(&app);
    let second = reply(&app, &b, "It will be ready at 5").await;
    wait_for_pass_after(&app, before).await;
    assert_idle(&app, "a reply queued behind a hanging send").await;
    assert_eq!(gw.request_count(), 1, "the second waits its turn");
    let status = column(&app.db, "SELECT status FROM messages WHERE id = ?1", second);
    assert_eq!(status.as_deref(), Some("queued"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_stuck_sending_leaves_the_sender_idle() {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.business("shop-a");
    app.connect_cloud(&b, &graph);
    // The sender has started, so its start-up release of interrupted sends is done.
    wait_for_pass_after(&app, 0).await;
    // A send whose outcome was never recorded, and a reply to the same person behind it.
    let before = passes(&app);
    let behind = app
        .db
        .with_tx(|tx| {
            let text = Content::text("Thank you");
            let stuck = outbox::enqueue(tx, b.id, CUSTOMER, &text, "cloud")?;
            tx.execute(
                "UPDATE outbox SET state = 'sending', attempts = 1 WHERE message_id = ?1",
                [stuck],
            )?;
            outbox::enqueue(tx, b.id, CUSTOMER, &Content::text("See you"), "cloud")
        })
        .unwrap();
    app.state.bridge.wake_sender();
    wait_for_pass_after(&app, before).await;
    assert_idle(&app, "a reply behind a row stuck sending").await;
    assert_eq!(graph.request_count(), 0, "nothing overtakes the stuck row");
    let status = column(&app.db, "SELECT status FROM messages WHERE id = ?1", behind);
    assert_eq!(status.as_deref(), Some("queued"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_message_id_counts_as_sent() {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.business("shop-a");
    app.connect_cloud(&b, &graph);
    graph.push(Reply::OkWithId("wamid.repeated".into()));
    graph.push(Reply::OkWithId("wamid.repeated".into()));
    let first = reply(&app, &b, "Your order is confirmed").await;
    let second = reply(&app, &b, "It will be ready at 5").await;
    let third = reply(&app, &b, "Thank you").await;
    for id in [first, second, third] {
        app.wait_until(&format!("message {id} sent"), |db| {
            let status = column(db, "SELECT status FROM messages WHERE id = ?1", id);
            (status.as_deref() == Some("sent")).then_some(())
        })
        .await;
    }
    let sql = "SELECT provider_id FROM messages WHERE id = ?1";
    assert_eq!(
        column(&app.db, sql, first).as_deref(),
        Some("wamid.repeated")
    );
    assert_eq!(
        column(&app.db, sql, second),
        None,
        "the id stays with the first"
    );
    let sql = "SELECT state FROM outbox WHERE message_id = ?1";
    assert_eq!(column(&app.db, sql, second).as_deref(), Some("sent"));
    assert_eq!(graph.texts_to(CUSTOMER).len(), 3, "each sent once");
    assert_idle(&app, "after a repeated message id").await;
    assert_eq!(graph.request_count(), 3);
}
