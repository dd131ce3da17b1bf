//! A message as long as WhatsApp allows, through the real webhook: Novi reads its first
//! 4,000 characters, says so, asks a few questions, keeps a small draft, and goes on answering
//! everyone else.

use crate::support::bridge::{cloud_config, CUSTOMER as ASHA, PNID};
use crate::support::fakes::{self, FakeGraph};
use crate::support::{TestApp, WAIT};
use novi::accounts::businesses::Business;
use reqwest::StatusCode;

/// The second shop's phone number id on the Cloud API.
const OTHER_PNID: &str = "110000000000002";
const RAVI: &str = "919800000002";

/// 64 KB of one line a customer might send, over and over: every copy is unclear.
fn flood() -> String {
    "1 kaju katri ".repeat(64 * 1024 / 13)
}

/// Sizes of what the draft of `phone` holds, in bytes.
fn draft_bytes(app: &TestApp, b: &Business, phone: &str) -> i64 {
    app.db
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT length(lines) + length(questions) + length(name) + length(address)
                        + length(notes)
                 FROM drafts WHERE business_id = ?1 AND phone = ?2",
                rusqlite::params![b.id, phone],
                |r| r.get(0),
            )?)
        })
        .expect("a draft")
}

/// The text of every message Novi sent `who` once there are `n` of them.
async fn replies(graph: &FakeGraph, who: &str, n: usize) -> Vec<String> {
    let what = format!("{n} messages to {who}");
    let all = graph
        .wait_until(&what, WAIT, |log| {
            log.iter().filter(|r| r.to() == Some(who)).count() >= n
        })
        .await;
    let to_them = all.iter().filter(|r| r.to() == Some(who));
    to_them.map(|r| r.text().unwrap_or("").to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_kb_message_is_read_in_part_and_the_server_answers_on() {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_fast_outbox().await;
    let shop = app.sweet_shop("sweets");
    app.connect_cloud(&shop, &graph);
    let other = app.sweet_shop("other");
    let mut settings = cloud_config(&graph);
    settings.phone_number_id = Some(OTHER_PNID.into());
    app.save_whatsapp(&other, &settings);

    let text = flood();
    let body = fakes::cloud_text(PNID, ASHA, "Asha", "wamid.flood", &text);
    assert_eq!(app.deliver(&shop, &body).await, StatusCode::OK);
    let said = replies(&graph, ASHA, 3).await;
    assert!(said[0].contains("first 4000 characters"), "{said:?}");
    assert!(
        said[1].starts_with("…and 303 more lines we couldn't read"),
        "{said:?}"
    );
    assert!(said[2].contains("How much Kaju Katli"), "{said:?}");

    // Five questions of a dozen bytes each, not five thousand copies of the message.
    let bytes = draft_bytes(&app, &shop, ASHA);
    assert!(bytes < 2048, "the draft holds {bytes} bytes");
    let stored: i64 = app
        .db
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT length(text) FROM messages WHERE provider_id = 'wamid.flood' AND handled = 1",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("the message, handled");
    assert_eq!(stored, text.len() as i64, "what was sent is kept whole");

    let body = fakes::cloud_text(OTHER_PNID, RAVI, "Ravi", "wamid.other", "1 kg jalebi");
    assert_eq!(app.deliver(&other, &body).await, StatusCode::OK);
    let said = replies(&graph, RAVI, 1).await;
    assert!(said[0].contains("Where should we deliver"), "{said:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seven_unclear_lines_raise_five_questions_and_a_count() {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_fast_outbox().await;
    let shop = app.sweet_shop("sweets");
    app.connect_cloud(&shop, &graph);
    let lines = "2 kaju katli\n".repeat(7);
    let body = fakes::cloud_text(PNID, ASHA, "Asha", "wamid.seven", &lines);
    assert_eq!(app.deliver(&shop, &body).await, StatusCode::OK);
    let said = replies(&graph, ASHA, 2).await;
    assert!(said[0].starts_with("…and 2 more lines"), "{said:?}");
    assert!(said[1].contains("How much Kaju Katli"), "{said:?}");
    assert!(!said.iter().any(|s| s.contains("characters")), "{said:?}");
}
