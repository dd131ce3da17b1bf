//! A message WhatsApp refused has "Send again", in Conversations and in the API: it is queued
//! once more, once, and goes. And every conversation the API lists opens by the key it lists,
//! whatever the number looks like.

use crate::support::bridge::{cloud_shop, CloudShop, CUSTOMER, PNID};
use crate::support::fakes::{self, Reply};
use crate::support::TestApp;
use novi::accounts::businesses::Business;
use novi::db::Db;
use reqwest::StatusCode;
use serde_json::json;

fn status_of(db: &Db, id: i64) -> String {
    db.with_conn(|c| {
        Ok(
            c.query_row("SELECT status FROM messages WHERE id = ?1", [id], |r| {
                r.get(0)
            })?,
        )
    })
    .unwrap()
}

async fn wait_status(app: &TestApp, id: i64, status: &str) {
    app.wait_until(&format!("message {id} to be {status}"), |db| {
        (status_of(db, id) == status).then_some(())
    })
    .await;
}

/// A reply to Asha that WhatsApp refuses for good (131026, undeliverable); its id.
async fn refused_reply(app: &TestApp, b: &Business, graph: &fakes::FakeGraph, text: &str) -> i64 {
    graph.push(Reply::graph(131_026));
    let path = format!("/api/v1/conversations/{CUSTOMER}/messages");
    let (status, res) = app.api(b).post(&path, &json!({ "text": text })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{res}");
    let id = res["message"]["id"].as_i64().unwrap();
    wait_status(app, id, "failed").await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_is_sent_again_once_through_the_api() {
    let CloudShop { app, b, graph } = cloud_shop("shop").await;
    let id = refused_reply(&app, &b, &graph, "Your cake is ready").await;
    let api = app.api(&b);
    let retry = format!("/api/v1/conversations/{CUSTOMER}/messages/{id}/retry");

    let (status, res) = api.post(&retry, &json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{res}");
    assert_eq!(res, json!({"message": {"id": id, "status": "queued"}}));
    // A second press, before or after it goes: it has not failed, so nothing is queued.
    let (status, res) = api.post(&retry, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{res}");
    assert_eq!(res["error"]["code"], "conflict");
    wait_status(&app, id, "sent").await;
    assert_eq!(
        graph.texts_to(CUSTOMER),
        vec!["Your cake is ready"; 2],
        "refused once, then sent once"
    );
    let (_, msgs) = api
        .get(&format!("/api/v1/conversations/{CUSTOMER}/messages"))
        .await;
    let sent = &msgs["messages"][0];
    assert_eq!(
        (&sent["status"], &sent["error"]),
        (&json!("sent"), &json!(null))
    );

    let (status, res) = api.post(&retry, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a sent message: {res}");
    assert_eq!(graph.request_count(), 2);
    unknown_messages_are_not_found(&app, &b, id).await;
}

async fn unknown_messages_are_not_found(app: &TestApp, b: &Business, id: i64) {
    let api = app.api(b);
    for path in [
        format!("/api/v1/conversations/{CUSTOMER}/messages/999999/retry"),
        format!("/api/v1/conversations/{CUSTOMER}/messages/abc/retry"),
        // The message exists, but not in this conversation.
        format!("/api/v1/conversations/919800000009/messages/{id}/retry"),
    ] {
        let (status, res) = api.post(&path, &json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {res}");
        assert_eq!(res["error"]["code"], "not_found");
    }
    let other = app.business("other");
    let path = format!("/api/v1/conversations/{CUSTOMER}/messages/{id}/retry");
    let (status, _) = app.api(&other).post(&path, &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another shop's message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_has_send_again_in_conversations() {
    let CloudShop { app, b, graph } = cloud_shop("shop").await;
    let id = refused_reply(&app, &b, &graph, "Your order is on its way").await;
    let mut owner = app.owner(&b, "owner").await;
    let chat = format!("/b/shop/conversations/{CUSTOMER}");
    let (_, page) = owner.get(&chat).await;
    let action = format!("{chat}/messages/{id}/retry");
    assert!(page.contains(&format!("action=\"{action}\"")), "{page}");
    assert!(page.contains("Send again"));

    let (status, _, _) = owner.post_raw(&action, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token, no send");
    assert_eq!(status_of(&app.db, id), "failed");
    let (status, _, location) = owner.post(&action, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some(chat.as_str()));
    wait_status(&app, id, "sent").await;
    let (status, page, _) = owner.post(&action, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("only a message that failed can be sent again"),
        "{page}"
    );
    assert_eq!(graph.texts_to(CUSTOMER).len(), 2, "refused once, sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_conversation_the_api_lists_opens_by_its_key() {
    let CloudShop { app, b, .. } = cloud_shop("shop").await;
    let senders = [
        CUSTOMER,
        // United States: 11 digits, not the shop's country.
        "16505551234",
        // Singapore: 10 digits, which read as an Indian mobile would be another number.
        "6581234567",
        // A business-scoped user id, where WhatsApp hides the number (since 2026).
        "US.13491208655302741918",
    ];
    for (i, from) in senders.into_iter().enumerate() {
        let (wamid, text) = (format!("wamid.key.{i}"), format!("hello {i}"));
        let mut body = fakes::cloud_text(PNID, from, "Customer", &wamid, &text);
        if from.starts_with("US.") {
            let value = &mut body["entry"][0]["changes"][0]["value"];
            value["messages"][0] = json!({"from_user_id": from, "id": wamid, "timestamp": "1763800000",
                                           "type": "text", "text": {"body": text}});
            value["contacts"][0] = json!({"profile": {"name": "Customer"}, "user_id": from});
        }
        assert_eq!(app.deliver(&b, &body).await, StatusCode::OK);
    }
    let api = app.api(&b);
    let (_, list) = api.get("/api/v1/conversations").await;
    let mut listed: Vec<&str> = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["phone"].as_str().unwrap())
        .collect();
    listed.sort_unstable();
    let mut keys = senders.to_vec();
    keys.sort_unstable();
    assert_eq!(listed, keys, "each chat listed by the sender's key");
    for (i, key) in senders.into_iter().enumerate() {
        let (status, msgs) = api
            .get(&format!("/api/v1/conversations/{key}/messages"))
            .await;
        assert_eq!(status, StatusCode::OK, "{key}: {msgs}");
        let first = &msgs["messages"][0];
        assert_eq!(first["text"], format!("hello {i}"), "{key}: {msgs}");
    }
    // Other spellings of a number still find it.
    for spelling in ["98123%2045678", "%2B919812345678", "%2B16505551234"] {
        let (status, _) = api
            .get(&format!("/api/v1/conversations/{spelling}/messages"))
            .await;
        assert_eq!(status, StatusCode::OK, "{spelling}");
    }
}
