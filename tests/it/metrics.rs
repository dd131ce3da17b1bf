//! `/metrics`: off unless turned on; when on, its bearer token (or, without one, a client on
//! this machine) is needed; the body is Prometheus text, and its counters move with real
//! signed webhooks, sends, orders and page views.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::bridge::{CUSTOMER, PNID};
use crate::support::fakes::{self, FakeGraph};
use crate::support::TestApp;
use novi::accounts::businesses::Business;

const TOKEN: &str = "scrape-token-0123456789";

/// A scrape: its status and body.
async fn get(app: &TestApp, bearer: Option<&str>, forwarded: Option<&str>) -> (StatusCode, String) {
    let mut req = reqwest::Client::new().get(app.url("/metrics"));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    if let Some(f) = forwarded {
        req = req.header("X-Forwarded-For", f);
    }
    let res = req.send().await.expect("scrape");
    let status = res.status();
    if status == StatusCode::OK {
        let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    }
    (status, res.text().await.unwrap())
}

/// Reads the Prometheus text format (0.0.4) strictly: `# HELP`/`# TYPE` lines, then samples
/// `name{label="value",...} number`, each sample's family declared by a `# TYPE` before it.
/// Returns each series (`name{labels}` as written) with its value; panics on anything else.
fn parse(text: &str) -> HashMap<String, f64> {
    let mut types: HashMap<String, String> = HashMap::new();
    let mut series = HashMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name, value) = (parts.next(), parts.next(), parts.next());
            let name = name.unwrap_or_else(|| panic!("bad comment: {line}"));
            assert!(valid_name(name), "bad name in {line}");
            match (kind, value) {
                (Some("HELP"), Some(_)) => {}
                (Some("TYPE"), Some(t)) => {
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                        "{line}"
                    );
                    types.insert(name.to_owned(), t.to_owned());
                }
                _ => panic!("bad comment: {line}"),
            }
            continue;
        }
        let (key, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let name = key.split('{').next().unwrap();
        assert!(valid_name(name), "bad name in {line}");
        if let Some(labels) = key.strip_prefix(name) {
            assert!(
                labels.is_empty() || valid_labels(labels),
                "bad labels: {line}"
            );
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "no # TYPE for {line}");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        series.insert(key.to_owned(), value);
    }
    series
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `{a="x",b="y\"z"}`: names, `=`, quoted values with `\\`, `\"` and `\n` escapes.
fn valid_labels(labels: &str) -> bool {
    let Some(inner) = labels.strip_prefix('{').and_then(|l| l.strip_suffix('}')) else {
        return false;
    };
    let mut rest = inner;
    while !rest.is_empty() {
        let Some((name, after)) = rest.split_once("=\"") else {
            return false;
        };
        if !valid_name(name) {
            return false;
        }
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match (escaped, c) {
                (true, '\\' | '"' | 'n') => escaped = false,
                (true, _) => return false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else { return false };
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    true
}

fn value(series: &HashMap<String, f64>, key: &str) -> f64 {
    series.get(key).copied().unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_not_served_unless_turned_on() {
    let app = TestApp::start().await;
    assert_eq!(get(&app, Some(TOKEN), None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_needed_when_one_is_set() {
    let app = TestApp::start_with(|c| {
        c.metrics = true;
        c.metrics_token = Some(TOKEN.into());
    })
    .await;
    // Even from this machine: the token is the check once there is one.
    assert_eq!(get(&app, None, None).await.0, StatusCode::UNAUTHORIZED);
    let wrong = "scrape-token-0123456780";
    assert_eq!(
        get(&app, Some(wrong), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = get(&app, Some(TOKEN), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    parse(&body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_only_this_machine_may_read_them() {
    let app = TestApp::start_with(|c| {
        c.metrics = true;
        c.trust_forwarded_for = true;
    })
    .await;
    let (status, body) = get(&app, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Through a proxy: a client elsewhere (the address the proxy saw), or even this machine
    // as the proxy reports it, is refused, since a proxy makes everyone look local.
    for client in ["203.0.113.7", "127.0.0.1"] {
        let (status, _) = get(&app, None, Some(client)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "via a proxy for {client}");
    }
}

/// A shop connected to the Cloud API through `graph`, in an app serving `/metrics` behind
/// [`TOKEN`], whose outbox retries quickly.
async fn metered_shop(graph: &FakeGraph) -> (TestApp, Business) {
    let app = TestApp::start_with(|c| {
        c.metrics = true;
        c.metrics_token = Some(TOKEN.into());
        c.outbox_retry_base_ms = 5;
        c.recipient_burst = 1000;
        c.recipient_interval_ms = 1;
    })
    .await;
    let b = app.small_shop("shop");
    app.connect_cloud(&b, graph);
    (app, b)
}

/// A signed webhook the bot answers through the fake Graph API (waited for until recorded as
/// sent), a forged one, an order by the API, and an owner opening the order list.
async fn traffic(app: &TestApp, b: &Business) {
    let body = fakes::cloud_text(PNID, CUSTOMER, "Asha", "wamid.metrics.1", "hello");
    assert_eq!(app.deliver(b, &body).await, StatusCode::OK);
    let forged = Some("sha256=00".to_owned());
    assert_eq!(
        app.post_cloud(b, &body, forged).await,
        StatusCode::UNAUTHORIZED
    );
    app.wait_until("the reply sent", |db| {
        let sent: i64 = db
            .with_conn(|c| {
                let sql =
                    "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'sent'";
                Ok(c.query_row(sql, [], |r| r.get(0))?)
            })
            .unwrap();
        (sent > 0).then_some(())
    })
    .await;
    let order = json!({"customer": {"name": "Asha", "phone": "9812345678"},
        "lines": [{"sku": "gulab-jamun", "variant": "Box of 12", "count": 1}],
        "address": "12 MG Road", "payment_mode": "cod"});
    let (status, res) = app.api(b).post("/api/v1/orders", &order).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    let mut owner = app.owner(b, "owner").await;
    let page = owner.get(&format!("/b/{}/orders", b.short_code)).await;
    assert_eq!(page.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_move_with_webhooks_sends_orders_and_requests() {
    let graph = FakeGraph::start().await;
    let (app, b) = metered_shop(&graph).await;
    let before = parse(&get(&app, Some(TOKEN), None).await.1);
    let received = "novi_webhooks_received_total{provider=\"cloud\"}";
    assert_eq!(value(&before, received), 0.0);
    traffic(&app, &b).await;

    let (_, text) = get(&app, Some(TOKEN), None).await;
    let after = parse(&text);
    assert_eq!(value(&after, received), 1.0, "{text}");
    let forged_key = "novi_webhooks_rejected_total{provider=\"cloud\",reason=\"signature\"}";
    assert_eq!(value(&after, forged_key), 1.0, "{text}");
    assert!(
        value(&after, "novi_messages_sent_total{provider=\"cloud\"}") >= 1.0,
        "{text}"
    );
    assert_eq!(
        value(&after, "novi_orders_last_24h{channel=\"api\"}"),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(&after, "novi_inbound_backlog_messages"),
        0.0,
        "{text}"
    );
    assert!(
        after.contains_key("novi_outbound_backlog_messages{state=\"pending\"}"),
        "{text}"
    );
    assert!(value(&after, "novi_database_bytes") > 0.0, "{text}");
    assert!(after.contains_key("novi_wal_bytes"), "{text}");
    assert!(value(&after, "novi_resident_memory_bytes") > 1e6, "{text}");
    // Requests are timed by route template; a path (with the shop's code) never appears.
    let orders =
        "novi_http_request_duration_seconds_count{method=\"GET\",route=\"/b/{code}/orders\"}";
    assert_eq!(value(&after, orders), 1.0, "{text}");
    let webhook = "novi_http_request_duration_seconds_count{method=\"POST\",route=\"/webhooks/whatsapp/{code}\"}";
    assert_eq!(value(&after, webhook), 2.0, "{text}");
    assert!(!text.contains("/b/shop/"), "{text}");
}
