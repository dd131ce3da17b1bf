//! `novi doctor` calling each business's WhatsApp provider for real (the fake Graph API on
//! loopback): one line per business, naming it and the provider's reason when it refuses.

use std::path::Path;

use crate::support::doctor::verdict;
use crate::support::fakes::{FakeGateway, FakeGraph, Reply, DISPLAY_PHONE};
use crate::support::process::{install_with_business, novi, ok};

/// Connects `code` to the Cloud API at `graph` the way an operator would.
fn connect_cloud(dir: &Path, code: &str, graph: &FakeGraph) {
    let base = format!("{}/v21.0", graph.base_url());
    let args = [
        "whatsapp",
        "configure",
        "--business",
        code,
        "--provider",
        "cloud",
        "--phone-number-id",
        "110000000000001",
        "--verify-token",
        "verify-me",
        "--app-secret",
        "app-secret",
        "--access-token",
        "EAAG-doctor",
        "--graph-base",
        &base,
    ];
    ok(dir, &args, "");
}

/// `novi doctor` run off the async threads (the fake answers on them): success and output.
async fn doctor(dir: &Path) -> (bool, String) {
    let dir = dir.to_owned();
    let out = tokio::task::spawn_blocking(move || novi(&dir, &["doctor"], ""))
        .await
        .unwrap();
    verdict(&out)
}

fn whatsapp_line<'a>(report: &'a str, code: &str) -> &'a str {
    let prefix = format!("whatsapp: {code}:");
    report
        .lines()
        .find(|l| l[6..].starts_with(&prefix))
        .unwrap_or_else(|| panic!("no whatsapp line for {code}: {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_answers_passes_and_one_that_refuses_fails_naming_the_shop() {
    let graph = FakeGraph::start().await;
    let dir = install_with_business("shop");
    ok(dir.path(), &["backup"], "");
    connect_cloud(dir.path(), "shop", &graph);
    ok(
        dir.path(),
        &["business", "add", "--name", "Sim", "--short-code", "sim"],
        "",
    );

    let (passed, report) = doctor(dir.path()).await;
    assert!(passed, "{report}");
    let shop = whatsapp_line(&report, "shop");
    assert!(shop.starts_with("ok  "), "{report}");
    assert!(shop.contains(DISPLAY_PHONE), "{report}");
    assert!(
        whatsapp_line(&report, "sim").starts_with("ok  "),
        "{report}"
    );
    // The call was the phone number's record, with the token, and its Date header was read.
    let calls = graph.requests();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].method, "GET");
    assert_eq!(calls[0].path, "/v21.0/110000000000001");
    assert_eq!(calls[0].auth.as_deref(), Some("Bearer EAAG-doctor"));
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("ok    provider clock:")),
        "{report}"
    );

    graph.set_default(Reply::graph(190));
    let (passed, report) = doctor(dir.path()).await;
    assert!(!passed, "{report}");
    let shop = whatsapp_line(&report, "shop");
    assert!(shop.starts_with("FAIL"), "{report}");
    assert!(shop.contains("access token rejected (401"), "{report}");
    assert!(
        whatsapp_line(&report, "sim").starts_with("ok  "),
        "the other shop is fine: {report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_cannot_be_reached_fails_within_the_timeout() {
    let graph = FakeGraph::start().await;
    let dir = install_with_business("shop");
    connect_cloud(dir.path(), "shop", &graph);
    graph.set_default(Reply::Hang);
    let (passed, report) = doctor(dir.path()).await;
    assert!(!passed, "{report}");
    let shop = whatsapp_line(&report, "shop");
    assert!(shop.starts_with("FAIL"), "{report}");
    assert!(shop.contains("no answer in time"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_is_asked_for_its_session_and_a_refused_key_fails() {
    let gw = FakeGateway::start().await;
    let dir = install_with_business("shop");
    let args = [
        "whatsapp",
        "configure",
        "--business",
        "shop",
        "--provider",
        "gateway",
        "--gateway-url",
        &gw.base_url(),
        "--api-key",
        "gw-key",
        "--hmac-key",
        "hmac",
    ];
    ok(dir.path(), &args, "");
    let (passed, report) = doctor(dir.path()).await;
    assert!(passed, "{report}");
    let shop = whatsapp_line(&report, "shop");
    assert!(shop.contains("session default is WORKING"), "{report}");
    let calls = gw.requests();
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str()),
        ("GET", "/api/sessions/default")
    );
    assert_eq!(calls[0].auth.as_deref(), Some("gw-key"));

    gw.set_default(Reply::Status(401));
    let (passed, report) = doctor(dir.path()).await;
    assert!(!passed, "{report}");
    let shop = whatsapp_line(&report, "shop");
    assert!(
        shop.starts_with("FAIL") && shop.contains("API key rejected (401)"),
        "{report}"
    );
}
