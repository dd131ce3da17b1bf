//! Crashes: `novi serve` killed outright (SIGKILL) while webhooks are being acknowledged, or
//! while a reply is on its way out, then started again. Nothing acknowledged is lost, nothing
//! is stored twice, and a reply is sent at most once more.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::bridge::{cloud_install, post_cloud_text, CUSTOMER};
use crate::support::fakes::{FakeGraph, Reply};
use crate::support::process::Server;
use crate::support::WAIT;
use novi::db::Db;
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::watch;

fn stored_counts(dir: &Path) -> Vec<(String, i64)> {
    let db = Db::open(dir).unwrap();
    db.with_conn(|c| {
        let mut s = c.prepare("SELECT provider_id, COUNT(*) FROM messages WHERE direction = 'in' GROUP BY provider_id")?;
        let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        Ok(rows)
    })
    .unwrap()
}

/// Sends webhooks on connection `conn` until the server goes away, each id once, keeping the
/// ids acknowledged in `acked` and their number in `count`.
async fn send_until_refused(
    conn: usize,
    base: String,
    acked: Arc<Mutex<HashSet<String>>>,
    count: Arc<watch::Sender<usize>>,
) {
    let client = reqwest::Client::new();
    for n in 0.. {
        let wamid = format!("wamid.crash.{conn}.{n}");
        match post_cloud_text(&client, &base, &wamid).await {
            Ok(StatusCode::OK) => {
                let total = {
                    let mut a = acked.lock().unwrap();
                    a.insert(wamid);
                    a.len()
                };
                count.send_replace(total);
            }
            _ => return,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_webhook_survives_a_sigkill_exactly_once() {
    let (dir, _) = cloud_install("http://127.0.0.1:9/v21.0");
    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let (enough_tx, mut enough) = watch::channel(0usize);
    let enough_tx = Arc::new(enough_tx);
    let mut senders = Vec::new();
    for conn in 0..16 {
        let (base, acked, enough_tx) = (server.base.clone(), acked.clone(), enough_tx.clone());
        senders.push(tokio::spawn(send_until_refused(
            conn, base, acked, enough_tx,
        )));
    }
    // Kill it mid-stream, once a good number have been acknowledged.
    tokio::time::timeout(Duration::from_secs(60), enough.wait_for(|n| *n >= 400))
        .await
        .expect("webhooks acknowledged")
        .unwrap();
    let status = server.kill();
    assert!(!status.success(), "killed, not stopped");
    for s in senders {
        s.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();

    // It starts again on what was left, and every acknowledged id is there exactly once.
    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    let counts = stored_counts(dir.path());
    let stored: HashSet<&str> = counts.iter().map(|(id, _)| id.as_str()).collect();
    let missing: Vec<&String> = acked
        .iter()
        .filter(|id| !stored.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged but lost, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    assert!(counts.iter().all(|(_, n)| *n == 1), "nothing stored twice");

    // Meta retries what it did not see acknowledged, and retries some it did: stored once.
    let client = reqwest::Client::new();
    for id in acked.iter().take(20) {
        assert_eq!(
            post_cloud_text(&client, &server.base, id).await.unwrap(),
            StatusCode::OK
        );
    }
    assert_eq!(
        stored_counts(dir.path()).len(),
        counts.len(),
        "retries add nothing"
    );
    assert!(server.terminate().success());
}

fn outbound(dir: &Path) -> (String, i64) {
    let db = Db::open(dir).unwrap();
    db.with_conn(|c| {
        Ok(c.query_row(
            "SELECT m.status, o.attempts FROM messages m JOIN outbox o ON o.message_id = m.id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })
    .unwrap()
}

async fn queue_reply(base: &str, token: &str, text: &str) {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/conversations/{CUSTOMER}/messages"))
        .bearer_auth(token)
        .json(&json!({"text": text}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_waiting_out_an_outage_goes_after_a_restart() {
    let graph = FakeGraph::start().await;
    let (dir, token) = cloud_install(&format!("{}/v21.0", graph.base_url()));
    graph.set_default(Reply::Status(503));
    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    queue_reply(&server.base, &token, "Your order is on its way").await;
    graph.wait_for_requests(2, WAIT).await;
    assert!(server.terminate().success());
    assert_eq!(
        outbound(dir.path()).0,
        "queued",
        "still waiting, not failed"
    );

    graph.reset();
    let before = graph.request_count();
    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    let texts = graph
        .wait_until("the reply after the restart", WAIT, |r| {
            r.len() > before && r.last().is_some_and(|x| x.accepted())
        })
        .await;
    assert_eq!(
        texts.last().unwrap().text(),
        Some("Your order is on its way")
    );
    assert!(server.terminate().success());
    assert_eq!(outbound(dir.path()).0, "sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_send_sends_the_reply_at_most_once_more() {
    let graph = FakeGraph::start().await;
    let (dir, token) = cloud_install(&format!("{}/v21.0", graph.base_url()));
    // The first send reaches WhatsApp and never hears back: the crash comes mid-send.
    graph.push(Reply::Hang);
    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    queue_reply(&server.base, &token, "Thank you for your order").await;
    graph.wait_for_requests(1, WAIT).await;
    server.kill();

    let server = Server::start(dir.path(), &["--listen", "127.0.0.1:0"], &[]);
    graph.wait_for_requests(2, WAIT).await;
    assert!(server.terminate().success());
    let texts = graph.texts_to(CUSTOMER);
    assert_eq!(
        texts,
        vec!["Thank you for your order"; 2],
        "once before the crash, once more after"
    );
    assert_eq!(outbound(dir.path()).0, "sent");
}
