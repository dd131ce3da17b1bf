//! Being offline is normal. While WhatsApp can't be reached (the network, the provider or the
//! link down) replies wait in the outbox untouched, with no attempt counted and nothing written
//! per try; the sender probes the link with backoff instead of trying each reply; and when the
//! link is back every reply goes, in order, once. The hour offline passes on the sender's clock.

use crate::support::bridge::PNID;
use crate::support::bridge::{cloud_config, gateway_config, CUSTOMER};
use crate::support::fakes::{self, Fake, FakeGateway, FakeGraph, Provider};
use crate::support::link::Link;
use crate::support::{TestApp, WAIT};
use novi::accounts::businesses::Business;
use novi::db::Db;
use novi::error::AppError;
use reqwest::StatusCode;
use serde_json::json;

#[cfg(feature = "linked")]
mod linked;

const HOUR_MS: i64 = 3_600_000;
/// A second customer, Ravi.
const RAVI: &str = "919800000002";

/// Counts every write to an outbox row from now on, by a trigger in the app's own database.
fn count_outbox_writes(db: &Db) {
    db.with_tx(|tx| {
        tx.execute_batch(
            "CREATE TABLE test_outbox_writes (id INTEGER);
             CREATE TRIGGER test_outbox_written AFTER UPDATE ON outbox
             BEGIN INSERT INTO test_outbox_writes VALUES (NEW.id); END;",
        )?;
        Ok::<_, AppError>(())
    })
    .unwrap();
}

fn number(db: &Db, sql: &str) -> i64 {
    db.with_conn(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
        .unwrap()
}

/// Queues a staff reply through the API.
async fn reply(app: &TestApp, b: &Business, to: &str, text: &str) {
    let path = format!("/api/v1/conversations/{to}/messages");
    let (status, res) = app.api(b).post(&path, &json!({ "text": text })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{res}");
}

/// Waits, re-checking after each pass of the sender, until `done` holds. On timeout, fails
/// saying what the outbox went through meanwhile.
async fn wait_for_sender(app: &TestApp, what: &str, mut done: impl FnMut() -> bool) {
    let mut passes = app.state.bridge.sender.watch();
    let waited = tokio::time::timeout(WAIT, passes.wait_for(|_| done()));
    if waited.await.is_err() {
        let writes = number(&app.db, "SELECT COUNT(*) FROM test_outbox_writes");
        let attempts = number(&app.db, "SELECT MAX(attempts) FROM outbox");
        let failed = number(
            &app.db,
            "SELECT COUNT(*) FROM outbox WHERE state = 'failed'",
        );
        panic!("timed out waiting for {what}: meanwhile {writes} outbox writes, up to {attempts} attempts a reply, {failed} replies failed");
    }
}

/// Waits until the sender has found the business's link down and put back every reply it had
/// claimed before it knew.
async fn wait_until_found_down(app: &TestApp, b: &Business) {
    let links = app.state.bridge.links.clone();
    wait_for_sender(app, "the link to be found down", || {
        let sending = number(
            &app.db,
            "SELECT COUNT(*) FROM outbox WHERE state = 'sending'",
        );
        links.down(b.id).is_some() && sending == 0
    })
    .await;
}

/// Moves the sender's clock an hour on, probe by probe, waiting for each probe to fail.
/// Returns how many probes there were.
async fn sit_out_an_hour(app: &TestApp, b: &Business) -> u32 {
    let (clock, links) = (&app.state.bridge.clock, &app.state.bridge.links);
    let end = clock.now_ms() + HOUR_MS;
    let mut changes = links.watch();
    while clock.now_ms() < end {
        let before = links.down(b.id).expect("still down").probes;
        clock.advance_to(links.down(b.id).unwrap().next_probe_ms);
        let probed = changes.wait_for(|_| links.down(b.id).is_some_and(|d| d.probes > before));
        assert!(
            tokio::time::timeout(WAIT, probed).await.is_ok(),
            "probe {} of the link",
            before + 1
        );
    }
    links.down(b.id).unwrap().probes
}

/// What the outbox holds for the business while it is offline: every reply queued, none
/// tried as far as the outbox knows.
fn assert_all_waiting(db: &Db, n: i64) {
    let queued = number(
        db,
        "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'queued'",
    );
    assert_eq!(queued, n, "every reply waits, none failed");
    let pending = number(
        db,
        "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND attempts = 0",
    );
    assert_eq!(pending, n, "no attempt counted against any reply");
}

/// The replies of the outage, to Asha and Ravi in turn.
const TEXTS: [(&str, &str); 6] = [
    (CUSTOMER, "Your order is confirmed"),
    (RAVI, "Your sweets are packed"),
    (CUSTOMER, "It will be ready at 5"),
    (CUSTOMER, "Our driver is on the way"),
    (RAVI, "Thank you, Ravi"),
    (CUSTOMER, "Thank you, Asha"),
];

/// [`TEXTS`] through a link that is down; an hour offline; the link back. `to` is how the
/// provider names a recipient. Asserts each step.
async fn outage<P: Provider>(
    app: &TestApp,
    b: &Business,
    link: &Link,
    fake: &Fake<P>,
    to: fn(&str) -> String,
) {
    link.cut();
    count_outbox_writes(&app.db);
    for (who, text) in TEXTS {
        reply(app, b, who, text).await;
    }
    wait_until_found_down(app, b).await;
    let writes = number(&app.db, "SELECT COUNT(*) FROM test_outbox_writes");

    let probes = sit_out_an_hour(app, b).await;
    assert_all_waiting(&app.db, 6);
    let after = number(&app.db, "SELECT COUNT(*) FROM test_outbox_writes");
    assert_eq!(
        after, writes,
        "no outbox row written while the link was down"
    );
    // Each person's first reply went before the link was known down; after that, one try
    // per probe, not one per reply.
    let tries = link.dropped();
    assert!(
        (probes as usize..=probes as usize + 2).contains(&tries),
        "{tries} tries of the link for {probes} probes"
    );
    // Doubling to once a minute: about 60 probes in the hour, however many replies wait.
    assert!((50..100).contains(&probes), "{probes} probes in an hour");
    assert_eq!(fake.request_count(), 0);

    link.restore();
    all_go_once_in_order(app, b, fake, to).await;
}

/// With the link back, at the next probe every reply goes: each person's in order, each once.
async fn all_go_once_in_order<P: Provider>(
    app: &TestApp,
    b: &Business,
    fake: &Fake<P>,
    to: fn(&str) -> String,
) {
    let d = app.state.bridge.links.down(b.id).unwrap();
    app.state.bridge.clock.advance_to(d.next_probe_ms);
    fake.wait_for_requests(6, WAIT).await;
    wait_for_sender(app, "every reply recorded as sent", || {
        number(
            &app.db,
            "SELECT COUNT(*) FROM messages WHERE status = 'sent'",
        ) == 6
    })
    .await;
    let sent_to = |who: &str| -> Vec<&str> {
        let theirs = TEXTS.iter().filter(|(w, _)| *w == who);
        theirs.map(|(_, t)| *t).collect()
    };
    assert_eq!(
        fake.texts_to(&to(CUSTOMER)),
        sent_to(CUSTOMER),
        "Asha's, in order"
    );
    assert_eq!(fake.texts_to(&to(RAVI)), sent_to(RAVI), "Ravi's, in order");
    assert_eq!(fake.request_count(), 6, "each once");
    assert_eq!(app.state.bridge.links.down(b.id), None, "the link is up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_replies_wait_out_an_hour_offline_then_all_go_in_order_once() {
    let graph = FakeGraph::start().await;
    let link = Link::start(&graph.base_url()).await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.business("shop");
    let mut config = cloud_config(&graph);
    config.graph_base = format!("{}/v21.0", link.base_url());
    app.save_whatsapp(&b, &config);
    outage(&app, &b, &link, &graph, str::to_owned).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_replies_wait_out_an_hour_offline_then_all_go_in_order_once() {
    let gw = FakeGateway::start().await;
    let link = Link::start(&gw.base_url()).await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.business("shop");
    let mut config = gateway_config(&gw);
    config.gateway_url = link.base_url();
    app.save_whatsapp(&b, &config);
    outage(&app, &b, &link, &gw, |n| format!("{n}@c.us")).await;
}

/// Customer messages answered while the link is down: an answer the same as the one still
/// waiting to go says nothing new and is not queued again, so a customer who sends the same
/// order three times before hearing back is sent one summary; a change is sent as its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_answer_waiting_already_is_sent_once() {
    let graph = FakeGraph::start().await;
    let link = Link::start(&graph.base_url()).await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.sharma_sweets("shop");
    app.import_catalog(&b);
    let mut config = cloud_config(&graph);
    config.graph_base = format!("{}/v21.0", link.base_url());
    app.save_whatsapp(&b, &config);
    link.cut();
    let says = |n: usize, text: &'static str| {
        let body = fakes::cloud_text(PNID, CUSTOMER, "Asha", &format!("wamid.same{n}"), text);
        let (app, b) = (&app, &b);
        async move {
            assert_eq!(app.deliver(b, &body).await, StatusCode::OK);
            let handled = format!(
                "SELECT COUNT(*) FROM messages WHERE direction = 'in' AND handled = 1 AND business_id = {}",
                b.id
            );
            app.wait_until("the message answered", |db| {
                (number(db, &handled) == n as i64).then_some(())
            })
            .await;
        }
    };
    let order = "1 kg jalebi, deliver to 12 MG Road";
    says(1, order).await;
    wait_until_found_down(&app, &b).await;
    says(2, order).await;
    says(3, order).await;
    let queued = "SELECT COUNT(*) FROM outbox WHERE state = 'pending'";
    assert_eq!(
        number(&app.db, queued),
        1,
        "one summary waits for three orders"
    );
    says(4, "make it 2 kg").await;
    assert_eq!(
        number(&app.db, queued),
        2,
        "the changed summary waits behind it"
    );

    link.restore();
    let d = app.state.bridge.links.down(b.id).unwrap();
    app.state.bridge.clock.advance_to(d.next_probe_ms);
    graph.wait_for_requests(2, WAIT).await;
    wait_for_sender(&app, "both recorded as sent", || {
        number(&app.db, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == 2
    })
    .await;
    let sent: Vec<String> = graph
        .requests()
        .iter()
        .map(|r| {
            r.body["interactive"]["body"]["text"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].contains("Jalebi 1 kg"), "{sent:?}");
    assert!(sent[1].contains("Jalebi 2 kg"), "{sent:?}");
}
