//! Where a shop owner may make Novi send: a gateway URL an owner saves must reach public
//! addresses only (after DNS, at save and at every send); a platform admin or the shell may
//! point a business at the server's own network. Failures shown to owners carry no status.

use crate::support::bridge::{gateway_config, CUSTOMER};
use crate::support::fakes::{FakeGateway, Reply};
use crate::support::{Browser, TestApp};
use novi::accounts::businesses::Business;
use novi::whatsapp::settings::{self, Provider};
use reqwest::StatusCode;
use serde_json::json;

/// The gateway form, pointed at `url`.
fn gateway_form(url: &str) -> Vec<(&'static str, String)> {
    [
        ("provider", "gateway"),
        ("gateway_url", url),
        ("api_key", "gw-key"),
        ("session", "default"),
        ("hmac_key", "hmac-key"),
        ("rate_per_second", "20"),
        ("template_language", "en"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

async fn post_gateway_form(b: &mut Browser, code: &str, url: &str) -> (StatusCode, String) {
    let path = format!("/b/{code}/settings/whatsapp");
    b.get(&path).await;
    let form = gateway_form(url);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body, _) = b.post(&path, &fields).await;
    (status, body)
}

fn saved(app: &TestApp, b: &Business) -> settings::WhatsappSettings {
    app.db.with_conn(|c| settings::load(c, b.id)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_cannot_point_the_gateway_at_inward_addresses() {
    let gw = FakeGateway::start().await;
    let app = TestApp::start().await;
    let b = app.business("shop-a");
    let mut owner = app.owner(&b, "asha").await;
    let port = gw.base_url().rsplit(':').next().unwrap().to_owned();
    for url in [
        gw.base_url(),
        format!("http://localhost:{port}"),
        "http://169.254.169.254/latest".to_owned(),
        "http://10.0.0.7:3000".to_owned(),
        format!("http://[::1]:{port}"),
    ] {
        let (status, page) = post_gateway_form(&mut owner, "shop-a", &url).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(
            page.contains(r#"<small class="field-error" id="gateway_url-error">The gateway URL points at a private"#),
            "{url}: refused beside the field"
        );
        assert_eq!(saved(&app, &b).provider, Provider::Simulator, "{url}");
    }
    assert_eq!(gw.request_count(), 0, "nothing reached the target");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_admin_may_and_an_owner_keeps_it_when_editing_the_rest() {
    let gw = FakeGateway::start().await;
    let app = TestApp::start().await;
    let b = app.business("shop-a");
    let mut root = app.logged_in(&app.platform_admin("root")).await;
    let (status, page) = post_gateway_form(&mut root, "shop-a", &gw.base_url()).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let c = saved(&app, &b);
    assert!(c.gateway_url_by_admin && c.gateway_url == gw.base_url());

    // The owner saves the form again, URL untouched: the admin's address stays usable.
    let mut owner = app.owner(&b, "asha").await;
    let (status, page) = post_gateway_form(&mut owner, "shop-a", &gw.base_url()).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(saved(&app, &b).gateway_url_by_admin);
}

/// Queues a reply to the customer through the API; returns the message id.
async fn queue_reply(app: &TestApp, b: &Business) -> i64 {
    let path = format!("/api/v1/conversations/{CUSTOMER}/messages");
    let (status, res) = app.api(b).post(&path, &json!({"text": "hello"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{res}");
    res["message"]["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owners_url_that_resolves_inward_is_refused_at_send_time() {
    let gw = FakeGateway::start().await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.business("shop-a");
    // As if an owner saved a name that pointed outward then and points at loopback now.
    let mut c = gateway_config(&gw);
    c.gateway_url_by_admin = false;
    app.save_whatsapp(&b, &c);
    queue_reply(&app, &b).await;
    let reason = app
        .wait_until("sending to pause", |db| {
            db.with_conn(|c| settings::load(c, b.id))
                .unwrap()
                .paused_reason
        })
        .await;
    assert!(
        reason.contains("gateway URL points at a private"),
        "{reason}"
    );
    assert_eq!(gw.request_count(), 0, "no request left Novi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_failure_does_not_echo_its_status() {
    let gw = FakeGateway::start().await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.business("shop-a");
    app.connect_gateway(&b, &gw);
    gw.set_default(Reply::error(404, 404, "Cannot POST"));
    let id = queue_reply(&app, &b).await;
    let error: String = app
        .wait_until("the reply to fail", |db| {
            db.with_conn(|c| {
                Ok(c.query_row(
                    "SELECT error FROM messages WHERE id = ?1 AND status = 'failed'",
                    [id],
                    |r| r.get(0),
                )
                .ok())
            })
            .unwrap()
        })
        .await;
    assert!(error.contains("gateway refused"), "{error}");
    assert!(!error.contains("404") && !error.contains("HTTP"), "{error}");
}
