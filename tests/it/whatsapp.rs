//! The WhatsApp bridge against fake providers on loopback: webhook handshake and signatures,
//! every message type, duplicates, statuses, the outbox's retries and failures, the 24-hour
//! template fallback, token expiry, the simulator, and groups through a gateway.

use crate::support::bridge::{
    cloud_config, cloud_shop, CloudShop, APP_SECRET, CUSTOMER, GATEWAY_HMAC_KEY, PNID, VERIFY_TOKEN,
};
use crate::support::fakes::{self, CloudBatch, FakeGateway, Reply};
use crate::support::{Api, Browser, TestApp, WAIT};
use novi::accounts::businesses::Business;
use novi::db::Db;
use novi::whatsapp::groups;
use novi::whatsapp::settings;
use reqwest::StatusCode;
use rusqlite::types::FromSql;
use serde_json::{json, Value};

/// Three columns of every message received, oldest first.
fn inbound<A: FromSql, B: FromSql, C: FromSql>(db: &Db, columns: &str) -> Vec<(A, B, C)> {
    let sql = format!("SELECT {columns} FROM messages WHERE direction = 'in' ORDER BY id");
    db.with_conn(|c| {
        let mut s = c.prepare(&sql)?;
        let rows = s
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    })
    .unwrap()
}

fn count(db: &Db, sql: &str, arg: &str) -> i64 {
    db.with_conn(|c| Ok(c.query_row(sql, [arg], |r| r.get(0))?))
        .unwrap()
}

fn message_status(db: &Db, id: i64) -> (String, Option<i64>, Option<String>) {
    db.with_conn(|c| {
        Ok(c.query_row(
            "SELECT status, error_code, error FROM messages WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    })
    .unwrap()
}

/// Waits until message `id` reaches `status`.
async fn wait_status(
    app: &TestApp,
    id: i64,
    status: &str,
) -> (String, Option<i64>, Option<String>) {
    app.wait_until(&format!("message {id} to be {status}"), |db| {
        Some(message_status(db, id)).filter(|s| s.0 == status)
    })
    .await
}

async fn reply(app: &TestApp, b: &Business, text: &str) -> i64 {
    let api = app.api(b);
    let (status, res) = api
        .post(
            &format!("/api/v1/conversations/{CUSTOMER}/messages"),
            &json!({"text": text}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{res}");
    res["message"]["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verification_handshake_answers_only_the_right_token() {
    let CloudShop { app, .. } = cloud_shop("shop-a").await;
    let get = |q: &str| reqwest::get(app.url(&format!("/webhooks/whatsapp/shop-a?{q}")));
    let res = get(&format!(
        "hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444"
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "1158201444");
    assert_eq!(
        get("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get("hub.mode=subscribe&hub.challenge=1")
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let other = reqwest::get(app.url(&format!(
        "/webhooks/whatsapp/nobody?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1",
    )))
    .await
    .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_correctly_signed_webhooks_are_stored() {
    let CloudShop { app, b, .. } = cloud_shop("shop-a").await;
    let body = fakes::cloud_text(PNID, CUSTOMER, "Asha", "wamid.sig.1", "2 kg kaju katli");
    assert_eq!(
        app.post_cloud(&b, &body, None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.post_cloud(
            &b,
            &body,
            Some(fakes::sign_sha256("wrong-secret", body.to_string()))
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.post_cloud(&b, &body, Some("sha256=00".into())).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM inbound_payloads WHERE provider = ?1",
            "cloud"
        ),
        0,
        "nothing stored"
    );
    assert_eq!(app.deliver(&b, &body).await, StatusCode::OK);
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM messages WHERE provider_id = ?1",
            "wamid.sig.1"
        ),
        1
    );
    let stored: (String, String) = app.db.with_conn(|c| Ok(c.query_row(
        "SELECT m.text, p.body FROM messages m JOIN inbound_payloads p ON p.id = m.payload_id WHERE m.provider_id = 'wamid.sig.1'", [], |r| Ok((r.get(0)?, r.get(1)?)))?)).unwrap();
    assert_eq!(stored.0, "2 kg kaju katli");
    assert_eq!(stored.1, body.to_string(), "the raw payload is kept");
    let customer = count(
        &app.db,
        "SELECT COUNT(*) FROM customers WHERE phone = ?1 AND name = 'Asha'",
        CUSTOMER,
    );
    assert_eq!(customer, 1, "the customer is filed from the contact");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batched_post_with_every_type_is_stored_whole() {
    let CloudShop { app, b, .. } = cloud_shop("shop-a").await;
    assert_eq!(
        app.deliver(&b, &every_kind_of_message()).await,
        StatusCode::OK
    );
    let rows: Vec<(String, String, String)> = inbound(&app.db, "provider_id, type, text");
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("w.t", "text", "hello"),
            ("w.b", "interactive", "Confirm"),
            ("w.l", "interactive", "Sweets"),
            ("w.o", "order", "for diwali"),
            ("w.loc", "location", "Home, 12 MG Road"),
            ("w.img", "image", "this box"),
            ("w.u", "unsupported", ""),
            ("w.x", "hologram", ""),
        ]
    );
    let cart: String = app
        .db
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT data FROM messages WHERE provider_id = 'w.o'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(
        cart.contains("kaju-katli"),
        "the cart lines are kept: {cart}"
    );
}

/// One webhook with two entries carrying a message of every type for our number, and one for
/// another number.
fn every_kind_of_message() -> Value {
    CloudBatch::new()
        .entry("waba-1")
        .change(PNID)
        .message(CUSTOMER, "Asha", fakes::text_message("w.t", "hello"))
        .message(
            CUSTOMER,
            "Asha",
            fakes::button_reply_message("w.b", "confirm", "Confirm"),
        )
        .message(
            "919800000002",
            "Ravi",
            fakes::list_reply_message("w.l", "sweets", "Sweets", "all sweets"),
        )
        .message(
            CUSTOMER,
            "Asha",
            fakes::order_message(
                "w.o",
                "cat-1",
                &[("kaju-katli", 2, 300.5)],
                Some("for diwali"),
            ),
        )
        .entry("waba-2")
        .change(PNID)
        .message(
            CUSTOMER,
            "Asha",
            fakes::location_message("w.loc", 12.97, 77.59, Some("Home"), Some("12 MG Road")),
        )
        .message(
            CUSTOMER,
            "Asha",
            fakes::image_message("w.img", "media-1", Some("this box")),
        )
        .message(CUSTOMER, "Asha", fakes::unsupported_message("w.u"))
        .message(CUSTOMER, "Asha", fakes::unknown_message("w.x", "hologram"))
        .change("some-other-number")
        .message(
            CUSTOMER,
            "Asha",
            fakes::text_message("w.elsewhere", "not ours"),
        )
        .build()
}

/// More messages waiting than the conversation worker answers in one transaction (one delivery
/// of 900: two from each of 450 customers): every one is answered, and each customer's
/// conversation reads as it would alone, whichever batch each message fell in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_of_several_batches_is_answered_in_full_and_in_order() {
    let CloudShop { app, b, .. } = cloud_shop("shop-a").await;
    let customers: Vec<String> = (0..450).map(|i| format!("9198{i:08}")).collect();
    let mut delivery = CloudBatch::new().change(PNID);
    for (round, text) in ["hi", "menu"].iter().enumerate() {
        for (i, from) in customers.iter().enumerate() {
            let wamid = format!("w.{round}.{i}");
            delivery = delivery.message(from, "Guest", fakes::text_message(&wamid, text));
        }
    }
    assert_eq!(app.deliver(&b, &delivery.build()).await, StatusCode::OK);
    let unhandled = "SELECT count(*) FROM messages WHERE direction = 'in' AND handled = 0 \
                     AND business_id = (SELECT id FROM businesses WHERE short_code = ?1)";
    app.wait_until("every message answered", |db| {
        (count(db, unhandled, "shop-a") == 0).then_some(())
    })
    .await;
    let conversations: Vec<(String, String)> = app
        .db
        .with_conn(|c| {
            let mut s = c.prepare(
                "SELECT phone, group_concat(text, '|' ORDER BY id) FROM messages
                 WHERE direction = 'out' GROUP BY phone ORDER BY phone",
            )?;
            let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .unwrap();
    assert_eq!(
        conversations.len(),
        customers.len(),
        "every customer answered"
    );
    let first = &conversations[0].1;
    let (hi, menu) = first.split_once('|').expect("both messages answered");
    assert!(hi.contains("Welcome"), "a greeting first: {first}");
    assert!(
        menu.starts_with("Here is what we have"),
        "then the menu: {first}"
    );
    for (phone, replies) in &conversations {
        assert_eq!(replies, first, "{phone}'s answers, in order");
    }
    // Each message's first reply counted once in the day's figures, whichever batch it was in.
    let counted = "SELECT (SELECT SUM(replies) FROM bot_metrics WHERE business_id = b.id)
                        || ' ' || (SELECT SUM(n) FROM bot_reply_times WHERE business_id = b.id)
                   FROM businesses b WHERE short_code = ?1";
    let counted: String = app
        .db
        .with_conn(|c| Ok(c.query_row(counted, ["shop-a"], |r| r.get(0))?))
        .unwrap();
    assert_eq!(counted, "900 900");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_delivery_three_times_at_once_is_stored_once() {
    let CloudShop { app, b, .. } = cloud_shop("shop-a").await;
    let body = fakes::cloud_text(PNID, CUSTOMER, "Asha", "wamid.dup", "1 kg jalebi");
    let sends = (0..3).map(|_| app.deliver(&b, &body));
    let statuses = futures_util::future::join_all(sends).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(
        app.deliver(&b, &body).await,
        StatusCode::OK,
        "a late retry is acknowledged too"
    );
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM messages WHERE provider_id = ?1",
            "wamid.dup"
        ),
        1
    );
    let metrics: i64 = app
        .db
        .with_conn(|c| {
            Ok(c.query_row("SELECT SUM(messages_in) FROM bot_metrics", [], |r| r.get(0))?)
        })
        .unwrap();
    assert_eq!(metrics, 1, "counted once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_only_move_forward_and_are_recorded_once() {
    let CloudShop { app, b, graph } = cloud_shop("shop-a").await;
    let id = reply(&app, &b, "Your order is ready").await;
    wait_status(&app, id, "sent").await;
    let wamid = graph.requests()[0].message_id.clone().unwrap();
    for status in ["read", "delivered", "sent", "read"] {
        assert_eq!(
            app.deliver(&b, &fakes::cloud_status(PNID, &wamid, status, &[]))
                .await,
            StatusCode::OK
        );
    }
    assert_eq!(message_status(&app.db, id).0, "read");
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM message_statuses WHERE provider_id = ?1",
            &wamid
        ),
        3,
        "read, delivered, sent: each once"
    );

    let second = reply(&app, &b, "Out for delivery").await;
    wait_status(&app, second, "sent").await;
    let wamid2 = graph.requests()[1].message_id.clone().unwrap();
    app.deliver(
        &b,
        &fakes::cloud_status(
            PNID,
            &wamid2,
            "failed",
            &[(131_026, "Message undeliverable")],
        ),
    )
    .await;
    app.deliver(&b, &fakes::cloud_status(PNID, &wamid2, "delivered", &[]))
        .await;
    let (status, code, error) = message_status(&app.db, second);
    assert_eq!(
        (status.as_str(), code),
        ("failed", Some(131_026)),
        "failed is final"
    );
    assert_eq!(error.as_deref(), Some("Message undeliverable"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passing_failures_are_retried_until_the_message_goes() {
    let CloudShop { app, b, graph } = cloud_shop("shop-a").await;
    graph.push(Reply::Status(500));
    graph.push(Reply::graph(130_429));
    graph.push(Reply::graph(131_056));
    let id = reply(&app, &b, "Thank you!").await;
    wait_status(&app, id, "sent").await;
    let requests = graph.wait_for_requests(4, WAIT).await;
    assert_eq!(requests.len(), 4);
    assert!(requests
        .iter()
        .all(|r| r.text() == Some("Thank you!") && r.to() == Some(CUSTOMER)));
    assert_eq!(requests[0].auth.as_deref(), Some("Bearer EAAG-test-token"));
    let attempts = count(
        &app.db,
        "SELECT attempts FROM outbox WHERE message_id = ?1",
        &id.to_string(),
    );
    // The 500 said WhatsApp could not be reached: the reply waited, no attempt counted.
    assert_eq!(attempts, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_failure_is_not_retried_and_says_why() {
    let CloudShop { app, b, graph } = cloud_shop("shop-a").await;
    graph.push(Reply::graph(131_026));
    let id = reply(&app, &b, "Hello").await;
    let (_, code, error) = wait_status(&app, id, "failed").await;
    assert_eq!(code, Some(131_026));
    assert!(error.unwrap().contains("could not deliver"));
    // Another message goes out after it, so the failed one was not tried again in between.
    let next = reply(&app, &b, "Second").await;
    wait_status(&app, next, "sent").await;
    let texts = graph.texts_to(CUSTOMER);
    assert_eq!(texts, vec!["Hello", "Second"]);

    let mut owner = app.owner(&b, "asha").await;
    let (_, page) = owner
        .get(&format!("/b/shop-a/conversations/{CUSTOMER}"))
        .await;
    assert!(
        page.contains("Not delivered") && page.contains("131026"),
        "the failure is explained in the thread"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_24_hour_window_the_template_goes_instead() {
    let CloudShop { app, b, graph } = cloud_shop("shop-a").await;
    let mut with_template = cloud_config(&graph);
    with_template.template_name = "order_update".into();
    app.db
        .with_tx(|tx| settings::save(tx, b.id, &with_template))
        .unwrap();
    graph.push(Reply::graph(131_047));
    let id = reply(&app, &b, "Your order #12\nis ready").await;
    wait_status(&app, id, "sent").await;
    let requests = graph.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].kind(), Some("text"));
    assert_eq!(requests[1].kind(), Some("template"));
    assert_eq!(requests[1].body["template"]["name"], "order_update");
    assert_eq!(
        requests[1].body["template"]["components"][0]["parameters"][0]["text"],
        "Your order #12 is ready"
    );

    // Without a template the message fails, saying so.
    app.db
        .with_tx(|tx| settings::save(tx, b.id, &cloud_config(&graph)))
        .unwrap();
    app.state.bridge.forget_settings(b.id);
    graph.push(Reply::graph(131_047));
    let id = reply(&app, &b, "Another update").await;
    let (_, code, error) = wait_status(&app, id, "failed").await;
    assert_eq!(code, Some(131_047));
    assert!(error.unwrap().contains("no approved template"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_pauses_sending_until_it_is_replaced() {
    let CloudShop { app, b, graph } = cloud_shop("shop-a").await;
    graph.set_default(Reply::graph(190));
    let id = reply(&app, &b, "Waiting for the token").await;
    let reason = app
        .wait_until("sending to pause", |db| {
            db.with_conn(|c| settings::load(c, b.id))
                .unwrap()
                .paused_reason
        })
        .await;
    assert!(reason.contains("expired"));
    assert_eq!(
        message_status(&app.db, id).0,
        "queued",
        "kept for later, not failed"
    );

    let mut owner = app.owner(&b, "asha").await;
    let (_, page) = owner.get("/b/shop-a/").await;
    assert!(
        page.contains("WhatsApp sending is paused"),
        "a banner says so"
    );

    graph.reset();
    owner.get("/b/shop-a/settings/whatsapp").await;
    let form = [
        ("provider", "cloud"),
        ("phone_number_id", PNID),
        ("access_token", "EAAG-new-token"),
        ("graph_base", &format!("{}/v21.0", graph.base_url())),
        ("session", "default"),
        ("rate_per_second", "20"),
        ("template_language", "en"),
    ];
    let (status, body, _) = owner.post("/b/shop-a/settings/whatsapp", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    wait_status(&app, id, "sent").await;
    let last = graph.requests().last().cloned().unwrap();
    assert_eq!(last.auth.as_deref(), Some("Bearer EAAG-new-token"));
    let saved = app.db.with_conn(|c| settings::load(c, b.id)).unwrap();
    assert_eq!(
        saved.app_secret, APP_SECRET,
        "blank secrets keep the saved ones"
    );
    assert!(!owner
        .get("/b/shop-a/")
        .await
        .1
        .contains("sending is paused"));
    sending_cannot_be_pointed_elsewhere(&app, &b, &mut owner, &saved.graph_base).await;
}

/// An owner cannot point the business's sending at another address.
async fn sending_cannot_be_pointed_elsewhere(
    app: &TestApp,
    b: &Business,
    owner: &mut Browser,
    graph_base: &str,
) {
    owner.get("/b/shop-a/settings/whatsapp").await;
    let elsewhere = [
        ("provider", "cloud"),
        ("phone_number_id", PNID),
        ("graph_base", "http://10.0.0.1/internal"),
        ("session", "default"),
        ("rate_per_second", "20"),
        ("template_language", "en"),
    ];
    let (status, page, _) = owner.post("/b/shop-a/settings/whatsapp", &elsewhere).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("must start with https://graph.facebook.com/"));
    let unchanged = app.db.with_conn(|c| settings::load(c, b.id)).unwrap();
    assert_eq!(unchanged.graph_base, graph_base);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_number_id_in_use_is_refused_without_naming_its_business() {
    let CloudShop {
        app,
        b: _,
        graph: _,
    } = cloud_shop("shop-a").await;
    let other = app.business_named("Gupta Bakery", "gupta");
    let mut owner = app.owner(&other, "ravi").await;
    owner.get("/b/gupta/settings/whatsapp").await;
    let form = [
        ("provider", "cloud"),
        ("phone_number_id", PNID),
        ("verify_token", "v"),
        ("app_secret", "s"),
        ("access_token", "EAAG-gupta"),
        ("session", "default"),
        ("rate_per_second", "20"),
        ("template_language", "en"),
    ];
    let (status, page, _) = owner.post("/b/gupta/settings/whatsapp", &form).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("phone number id is already used"), "{page}");
    assert!(!page.contains("shop-a") && !page.contains("Shop shop-a"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_round_trip() {
    let app = TestApp::start_fast_outbox().await;
    let b = app.business("shop-a");
    let mut owner = app.owner(&b, "asha").await;
    let (status, _) = owner
        .get("/b/shop-a/simulator?phone=98123+45678&name=Asha")
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = owner
        .post(
            "/b/shop-a/simulator",
            &[
                ("phone", "98123 45678"),
                ("name", "Asha"),
                ("text", "do you deliver today?"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (_, list) = owner.get("/b/shop-a/conversations").await;
    assert!(list.contains("Asha"), "in the conversations list");
    assert!(list.contains("class=\"badge\">1<"), "one unread");
    owner
        .get(&format!("/b/shop-a/conversations/{CUSTOMER}"))
        .await;
    let (status, _, _) = owner
        .post(
            &format!("/b/shop-a/conversations/{CUSTOMER}/reply"),
            &[("text", "Yes, until 9 pm")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id: i64 = app
        .db
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT id FROM messages WHERE direction = 'out' AND text = 'Yes, until 9 pm'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    wait_status(&app, id, "sent").await;
    let (_, thread) = owner
        .get(&format!("/b/shop-a/simulator/thread?phone={CUSTOMER}"))
        .await;
    assert!(thread.contains("do you deliver today?") && thread.contains("Yes, until 9 pm"));
    let (_, list) = owner.get("/b/shop-a/conversations").await;
    assert!(!list.contains("class=\"badge\">"), "read once opened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_shows_a_wrong_number_or_message_beside_its_field_and_stores_nothing() {
    let app = TestApp::start_fast_outbox().await;
    let b = app.business("shop-a");
    let mut owner = app.owner(&b, "asha").await;
    let (status, page) = owner.get("/b/shop-a/simulator?phone=98&name=Asha").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"aria-describedby="phone-error""#)
            && page.contains(
                r#"<small class="field-error" id="phone-error">phone number must have 10 digits"#
            ),
        "{page}"
    );

    let long = "a".repeat(4097);
    for (phone, text, field) in [
        ("98", "hello", "phone-error"),
        ("98123 45678", long.as_str(), "text-error"),
        ("98123 45678", "   ", "text-error"),
    ] {
        let form = [("phone", phone), ("name", "Asha"), ("text", text)];
        let (status, page, _) = owner.post("/b/shop-a/simulator", &form).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{phone} {text:.10}"
        );
        assert!(
            page.contains(&format!(r#"<small class="field-error" id="{field}">"#)),
            "{page}"
        );
        if field == "text-error" {
            assert!(
                page.contains(&format!(">{text}</textarea>")),
                "the message is kept in its box"
            );
        }
    }
    let stored: i64 = app
        .db
        .with_conn(|c| Ok(c.query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(stored, 0, "nothing refused is stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_and_chats_through_a_gateway() {
    let gw = FakeGateway::start().await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.business("shop-a");
    app.connect_gateway(&b, &gw);
    a_chat_a_group_post_and_our_own_come_in_signed(&app, &b).await;
    each_is_stored_once_and_our_own_ignored(&app);

    let id = reply(&app, &b, "Coming up!").await;
    wait_status(&app, id, "sent").await;
    let sent = gw.requests();
    let mine = sent
        .iter()
        .find(|r| r.body["text"] == "Coming up!")
        .expect("the reply went out");
    assert_eq!(mine.body["chatId"], "919812345678@c.us");
    assert_eq!(mine.body["session"], "default");
    an_owner_maps_the_group_to_sales(&app, &b).await;
}

async fn a_chat_a_group_post_and_our_own_come_in_signed(app: &TestApp, b: &Business) {
    let post = |body: Value, key: Option<&'static str>| {
        let (app, b) = (&app, &b);
        async move { app.post_gateway(b, &body, key).await }
    };
    let one = fakes::gateway_message("default", "919812345678@c.us", "1 kg jalebi", None, false);
    assert_eq!(post(one.clone(), None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        post(one.clone(), Some("wrong")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(one.clone(), Some(GATEWAY_HMAC_KEY)).await,
        StatusCode::OK
    );
    assert_eq!(
        post(one, Some(GATEWAY_HMAC_KEY)).await,
        StatusCode::OK,
        "duplicate acknowledged"
    );
    let group = fakes::gateway_message(
        "default",
        "120363041234@g.us",
        "Name: Ravi\nItems: 2 kg barfi",
        Some("919811111111@c.us"),
        false,
    );
    assert_eq!(post(group, Some(GATEWAY_HMAC_KEY)).await, StatusCode::OK);
    let mine = fakes::gateway_message(
        "default",
        "919812345678@c.us",
        "sent from the shop phone",
        None,
        true,
    );
    assert_eq!(post(mine, Some(GATEWAY_HMAC_KEY)).await, StatusCode::OK);
}

fn each_is_stored_once_and_our_own_ignored(app: &TestApp) {
    let rows: Vec<(String, Option<String>, String)> = inbound(&app.db, "phone, group_id, text");
    assert_eq!(
        rows,
        vec![
            (CUSTOMER.to_owned(), None, "1 kg jalebi".to_owned()),
            (
                "919811111111".to_owned(),
                Some("120363041234@g.us".to_owned()),
                "Name: Ravi\nItems: 2 kg barfi".to_owned()
            ),
        ],
        "stored once each; our own message ignored"
    );
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM customers WHERE phone = ?1",
            "919811111111"
        ),
        0,
        "group members are staff, not customers"
    );
}

async fn an_owner_maps_the_group_to_sales(app: &TestApp, b: &Business) {
    let mut owner = app.owner(b, "asha").await;
    let (_, page) = owner.get("/b/shop-a/settings/whatsapp").await;
    assert!(
        page.contains("120363041234@g.us"),
        "the group is offered for mapping"
    );
    let (status, _, _) = owner
        .post(
            "/b/shop-a/settings/whatsapp/groups",
            &[
                ("chat_id", "120363041234@g.us"),
                ("name", "Sales team"),
                ("role", "sales"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let role = app
        .db
        .with_conn(|c| groups::role_of(c, b.id, "120363041234@g.us"))
        .unwrap();
    assert_eq!(role.as_deref(), Some("sales"));
    let (status, _, _) = owner
        .post(
            "/b/shop-a/settings/whatsapp/groups",
            &[("chat_id", "not-a-group"), ("role", "sales")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversations_api_lists_reads_and_queues() {
    let CloudShop { app, b, graph } = cloud_shop("shop-a").await;
    app.deliver(
        &b,
        &fakes::cloud_text(PNID, CUSTOMER, "Asha", "w.api.1", "hi there"),
    )
    .await;
    let api = app.api(&b);
    let (_, list) = api.get("/api/v1/conversations").await;
    assert_eq!(list["conversations"][0]["phone"], CUSTOMER);
    assert_eq!(list["conversations"][0]["unread"], 1);
    let id = reply(&app, &b, "Hello Asha").await;
    wait_status(&app, id, "sent").await;
    let (status, msgs) = api
        .get("/api/v1/conversations/98123%2045678/messages")
        .await;
    assert_eq!(status, StatusCode::OK);
    let msgs = msgs["messages"].as_array().unwrap();
    assert_eq!(
        (msgs[0]["direction"].as_str(), msgs[0]["text"].as_str()),
        (Some("in"), Some("hi there"))
    );
    let mine = msgs
        .iter()
        .find(|m| m["text"] == "Hello Asha")
        .expect("the reply is listed");
    assert_eq!(mine["direction"], "out");
    assert_eq!(mine["status"], "sent");
    let sent = graph
        .requests()
        .into_iter()
        .find(|r| r.text() == Some("Hello Asha"))
        .unwrap();
    assert_eq!(mine["provider_id"], json!(sent.message_id));
    bad_replies_and_other_businesses_are_refused(&app, &api).await;
}

async fn bad_replies_and_other_businesses_are_refused(app: &TestApp, api: &Api) {
    for (body, code) in [
        (json!({"text": ""}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"text": "x".repeat(5000)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"text": "a\u{0}b"}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        assert_eq!(
            api.post(&format!("/api/v1/conversations/{CUSTOMER}/messages"), &body)
                .await
                .0,
            code,
            "{body}"
        );
    }
    // Lines and tabs are writing, not control characters.
    let (status, res) = api
        .post(
            &format!("/api/v1/conversations/{CUSTOMER}/messages"),
            &json!({"text": "Your order:\n\t2 kg jalebi"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{res}");
    assert_eq!(
        api.get("/api/v1/conversations/919800000009/messages")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let other = app.business("shop-b");
    let theirs = app.api(&other);
    assert_eq!(
        theirs
            .get(&format!("/api/v1/conversations/{CUSTOMER}/messages"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        theirs.get("/api/v1/conversations").await.1["conversations"],
        json!([])
    );
}

/// Posts `raw` to a webhook URL with `headers`; the answer's status and JSON body.
async fn refused(
    app: &TestApp,
    path: &str,
    raw: &str,
    headers: &[(&str, String)],
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(app.url(path))
        .body(raw.to_owned());
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let res = req.send().await.expect("post webhook");
    let status = res.status();
    let kind = res.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("application/json"), "{path}: {kind}");
    (status, res.json().await.expect("a JSON body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_refusals_answer_a_json_error_with_the_right_status() {
    let CloudShop { app, b, .. } = cloud_shop("shop-a").await;
    let gw = FakeGateway::start().await;
    let g = app.business("shop-g");
    app.connect_gateway(&g, &gw);
    let body = fakes::cloud_text(PNID, CUSTOMER, "Asha", "wamid.json.1", "hi").to_string();
    let cloud = "/webhooks/whatsapp/shop-a";
    let gateway = "/webhooks/gateway/shop-g";
    let signed = |raw: &str| vec![("X-Hub-Signature-256", fakes::sign_sha256(APP_SECRET, raw))];
    let hmac = |raw: &str| {
        vec![
            ("X-Webhook-Hmac", fakes::sign_sha512(GATEWAY_HMAC_KEY, raw)),
            ("X-Webhook-Hmac-Algorithm", "sha512".to_owned()),
        ]
    };
    let wrong = vec![("X-Hub-Signature-256", fakes::sign_sha256("wrong", &body))];
    let cases = [
        (
            cloud,
            body.clone(),
            vec![],
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            cloud,
            body.clone(),
            wrong,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            cloud,
            "{not json".to_owned(),
            signed("{not json"),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "/webhooks/whatsapp/nobody",
            body.clone(),
            signed(&body),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            gateway,
            "{}".to_owned(),
            vec![],
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            gateway,
            "{not json".to_owned(),
            hmac("{not json"),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "/webhooks/gateway/nobody",
            "{}".to_owned(),
            hmac("{}"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (path, raw, headers, status, code) in cases {
        let (got, json) = refused(&app, path, &raw, &headers).await;
        assert_eq!(got, status, "{path} {raw}: {json}");
        assert_eq!(json["error"]["code"], code, "{path} {raw}: {json}");
        let message = json["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{path}: says why: {json}");
    }
    let (got, json) = refused(&app, cloud, "", &[]).await;
    assert_eq!(
        (got, &json["error"]["code"]),
        (StatusCode::UNAUTHORIZED, &json!("unauthorized"))
    );
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("X-Hub-Signature-256"));
    // Meta's handshake with a wrong verify token is refused the same way.
    let res = reqwest::get(app.url(&format!(
        "{cloud}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1"
    )))
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let json: Value = res.json().await.expect("a JSON body");
    assert_eq!(json["error"]["code"], "forbidden");
    // Nothing refused was stored.
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM inbound_payloads WHERE provider = ?1",
            "cloud"
        ),
        0
    );
    // A good one still goes through, and is answered 200.
    assert_eq!(
        app.deliver(&b, &serde_json::from_str(&body).unwrap()).await,
        StatusCode::OK
    );
}
