//! Razorpay at its wire: webhook deliveries are checked against the shop's webhook secret and
//! kept once per event id, however many times, and in whatever order, they come; the REST calls
//! go out in Razorpay's documented shape and its refusals come back readable.

use crate::support::razorpay::{signed, FakeRazorpay, KEY_ID, KEY_SECRET, WEBHOOK_SECRET};
use crate::support::TestApp;
use novi::accounts::businesses::Business;
use novi::razorpay::client::LinkRequest;
use novi::razorpay::{settings, Client, RazorpayError, RazorpaySettings};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub fn keys() -> RazorpaySettings {
    RazorpaySettings {
        key_id: KEY_ID.into(),
        key_secret: KEY_SECRET.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
    }
}

pub fn connect(app: &TestApp, b: &Business) {
    app.db
        .with_conn(|c| settings::save(c, b.id, &keys()))
        .unwrap();
}

pub async fn deliver(
    app: &TestApp,
    code: &str,
    event_id: Option<&str>,
    body: &str,
    signature: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(app.url(&format!("/webhooks/razorpay/{code}")))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("X-Razorpay-Signature", s);
    }
    if let Some(e) = event_id {
        req = req.header("x-razorpay-event-id", e);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn stored(app: &TestApp) -> Vec<(String, String)> {
    app.db
        .with_conn(|c| {
            let mut s = c.prepare("SELECT event_id, event FROM razorpay_events ORDER BY id")?;
            let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .unwrap()
}

fn captured(payment: &str, order: &str) -> Value {
    json!({"entity": "event", "event": "payment.captured", "payload": {"payment": {"entity": {
        "id": payment, "order_id": order, "amount": 45000, "currency": "INR", "status": "captured"}}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_is_kept_once_and_only_when_signed_with_the_webhook_secret() {
    let app = TestApp::start().await;
    let b = app.business("shop-a");
    let (body, good) = signed(WEBHOOK_SECRET, &captured("pay_1", "order_1"));
    let (status, answer) = deliver(&app, "shop-a", Some("evt_1"), &body, Some(&good)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no keys, no Razorpay");
    assert_eq!(answer["error"]["code"], "not_found", "in JSON: {answer}");
    connect(&app, &b);

    let (_, with_key_secret) = signed(KEY_SECRET, &captured("pay_1", "order_1"));
    let refusals = [
        (None, "no signature"),
        (
            Some(with_key_secret.as_str()),
            "signed with the key secret, not the webhook secret",
        ),
        (Some("00"), "wrong"),
    ];
    for (signature, why) in refusals {
        let (status, err) = deliver(&app, "shop-a", Some("evt_1"), &body, signature).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap()
                .contains("X-Razorpay-Signature"),
            "{why}: {err}"
        );
    }
    let tampered = body.replace("45000", "4500");
    assert_eq!(
        deliver(&app, "shop-a", Some("evt_1"), &tampered, Some(&good))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        deliver(&app, "shop-a", None, &body, Some(&good)).await.0,
        StatusCode::BAD_REQUEST,
        "no event id"
    );
    assert!(stored(&app).is_empty(), "nothing refused is kept");

    // Three deliveries of one event at once, and another event: each kept once.
    let (a, b2, c) = tokio::join!(
        deliver(&app, "shop-a", Some("evt_1"), &body, Some(&good)),
        deliver(&app, "shop-a", Some("evt_1"), &body, Some(&good)),
        deliver(&app, "shop-a", Some("evt_1"), &body, Some(&good)),
    );
    assert!([a.0, b2.0, c.0].iter().all(|s| *s == StatusCode::OK));
    let (other, sig) = signed(
        WEBHOOK_SECRET,
        &json!({"event": "order.paid", "payload": {}}),
    );
    assert_eq!(
        deliver(&app, "shop-a", Some("evt_2"), &other, Some(&sig))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        stored(&app),
        vec![
            ("evt_1".into(), "payment.captured".into()),
            ("evt_2".into(), "order.paid".into())
        ]
    );
    let (status, answer) = deliver(&app, "no-such-shop", Some("evt_3"), &other, Some(&sig)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["error"]["code"], "not_found", "in JSON: {answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blank_secrets_keep_the_stored_ones() {
    let app = TestApp::start().await;
    let b = app.business("shop-a");
    connect(&app, &b);
    let blank = RazorpaySettings {
        key_id: "rzp_test_other".into(),
        ..Default::default()
    };
    app.db
        .with_conn(|c| settings::save(c, b.id, &blank))
        .unwrap();
    let now = app
        .db
        .with_conn(|c| settings::load(c, b.id))
        .unwrap()
        .unwrap();
    assert_eq!(now.key_id, "rzp_test_other");
    assert_eq!(
        (now.key_secret.as_str(), now.webhook_secret.as_str()),
        (KEY_SECRET, WEBHOOK_SECRET)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rest_calls_speak_razorpays_api() {
    let rzp = FakeRazorpay::start().await;
    let client = Client::new(&rzp.base, &keys());
    let order = client
        .create_order(45_000, "shop-a order #12")
        .await
        .unwrap();
    assert!(order.id.starts_with("order_") && order.amount == 45_000 && order.status == "created");
    let link = LinkRequest {
        amount_minor: 45_000,
        reference_id: "shop-a-12",
        description: "Order #12",
        customer_name: "Meera",
        customer_phone: "+919812345678",
        expire_by: 2_000_000_000,
        callback_url: "https://shop.example/t/abc",
    };
    let made = client.create_link(&link).await.unwrap();
    assert!(made.short_url.starts_with("https://") && made.id.starts_with("plink_"));
    let refund = client.refund("pay_1", 10_000).await.unwrap();
    assert_eq!(refund.status, "processed");
    let calls = rzp.calls();
    assert_eq!(calls[0].path, "/v1/orders");
    assert_eq!(
        calls[0].body,
        json!({"amount": 45000, "currency": "INR", "receipt": "shop-a order #12"})
    );
    assert_eq!(calls[1].body["reference_id"], "shop-a-12");
    assert_eq!(
        calls[1].body["notify"],
        json!({"sms": false, "email": false})
    );
    assert_eq!(
        (calls[2].path.as_str(), &calls[2].body),
        ("/v1/payments/pay_1/refund", &json!({"amount": 10000}))
    );

    rzp.fail_next(400, "The amount must be atleast INR 1.00");
    match client.create_order(50, "tiny").await {
        Err(RazorpayError::Refused {
            status: 400,
            description,
        }) => assert!(description.contains("atleast INR 1.00")),
        other => panic!("{other:?}"),
    }
    let wrong = Client::new(
        &rzp.base,
        &RazorpaySettings {
            key_secret: "wrong".into(),
            ..keys()
        },
    );
    match wrong.create_order(45_000, "x").await {
        Err(RazorpayError::Refused {
            status: 401,
            description,
        }) => assert_eq!(description, "Authentication failed"),
        other => panic!("{other:?}"),
    }
    let nowhere = Client::new("http://127.0.0.1:9", &keys());
    assert!(matches!(
        nowhere.create_order(45_000, "x").await,
        Err(RazorpayError::Unreachable(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_sets_the_keys_on_the_payments_page() {
    let app = TestApp::start().await;
    let b = app.business("shop-a");
    let mut owner = app.owner(&b, "asha").await;
    let (status, page) = owner.get("/b/shop-a/settings/payments").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!(
            "value=\"{}/webhooks/razorpay/shop-a\"",
            app.url("")
        )),
        "the full address to paste"
    );
    assert!(page.contains("payment_link.paid"), "the events to tick");

    let bad = [
        ("key_id", "my key"),
        ("key_secret", ""),
        ("webhook_secret", ""),
        ("action", "save"),
    ];
    let (status, page, _) = owner.post("/b/shop-a/settings/payments", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("id=\"key_id-error\"") && page.contains("starts rzp_live_ or rzp_test_"),
        "{page}"
    );
    assert!(
        page.contains("id=\"key_secret-error\""),
        "both said at once"
    );
    // Without the webhook's secret every payment webhook would be refused: not "Saved.".
    assert!(
        page.contains("id=\"webhook_secret-error\"")
            && page.contains("Razorpay Dashboard (step 2)"),
        "{page}"
    );
    assert!(page.contains("value=\"my key\""), "what was typed is kept");
    assert!(
        app.db
            .with_conn(|c| settings::load(c, b.id))
            .unwrap()
            .is_none(),
        "nothing saved"
    );

    let good = [
        ("key_id", KEY_ID),
        ("key_secret", KEY_SECRET),
        ("webhook_secret", WEBHOOK_SECRET),
        ("action", "save"),
    ];
    let (status, _, location) = owner.post("/b/shop-a/settings/payments", &good).await;
    assert_eq!(
        (status, location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some("/b/shop-a/settings/payments?saved=1")
        )
    );
    let (_, page) = owner.get("/b/shop-a/settings/payments?saved=1").await;
    assert!(
        !page.contains(KEY_SECRET) && !page.contains(WEBHOOK_SECRET),
        "secrets are never shown"
    );
    assert!(page.contains("set, ends …ests"), "only that one is set");

    let again = [
        ("key_id", KEY_ID),
        ("key_secret", ""),
        ("webhook_secret", ""),
        ("action", "save"),
    ];
    owner.post("/b/shop-a/settings/payments", &again).await;
    assert_eq!(
        app.db.with_conn(|c| settings::load(c, b.id)).unwrap(),
        Some(keys()),
        "blank keeps"
    );

    let mut agent = app.agent(&b, "ravi").await;
    assert_eq!(
        agent.get("/b/shop-a/settings/payments").await.0,
        StatusCode::FORBIDDEN
    );

    owner
        .post(
            "/b/shop-a/settings/payments",
            &[("key_id", ""), ("action", "remove")],
        )
        .await;
    assert!(
        app.db
            .with_conn(|c| settings::load(c, b.id))
            .unwrap()
            .is_none(),
        "removed"
    );
    // Each save and the removal audited, newest first; the refused form and secrets never.
    let audited: Vec<String> = app
        .db
        .with_conn(|c| novi::audit::list(c, Some(b.id), None, 100))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == novi::audit::SETTINGS)
        .map(|e| format!("{}|{}", e.username, e.detail))
        .collect();
    assert_eq!(
        audited,
        [
            "asha|Razorpay keys removed",
            "asha|Razorpay keys saved (secrets never shown)",
            "asha|Razorpay keys saved (secrets never shown)",
        ]
    );
}
