//! Tracking links and the ways customers reach the storefront: `/t/{token}` refusing forged
//! links and sending expired ones to the lookup, `/track/{code}` answering a miss the same for strangers and customers,
//! `{tracking_link}` in status messages, the storefront link in the reply to "menu" and on the
//! dashboard, and opening hours.

use reqwest::StatusCode;

use crate::storefront::{add, checkout, shopper};
use crate::support::bridge::{CUSTOMER, PNID};
use crate::support::fakes::{self, FakeGraph, Recorded};
use crate::support::{TestApp, WAIT};

/// One order by the storefront for Asha ([`CUSTOMER`]): its tracking page's path.
async fn ordered(app: &TestApp, code: &str) -> String {
    let (mut b, token) = shopper(app, code).await;
    let shop = app.state.business_by_code(code).await.unwrap().unwrap();
    let id = crate::support::product(&app.db, &shop, "samosa").id;
    assert_eq!(
        add(&mut b, code, &token, id, "2").await.0,
        StatusCode::SEE_OTHER
    );
    checkout(&mut b, code, &token, &[]).await.2.expect("placed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tracking_links_are_404_and_expired_ones_lead_to_the_lookup() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let good = ordered(&app, "sweets").await;
    let mut b = app.browser();
    assert_eq!(b.get(&good).await.0, StatusCode::OK);

    let now = novi::db::now();
    let expired = app.state.tracker.token(shop.id, 1, now - 31 * 86_400);
    let still = app.state.tracker.token(shop.id, 1, now - 29 * 86_400);
    let other_order = good.replacen(
        &format!("/t/{}-1-", shop.id),
        &format!("/t/{}-2-", shop.id),
        1,
    );
    assert_ne!(other_order, good);
    let foreign = novi::orders::tracking::Tracker::new(
        std::sync::Arc::new(novi::secret::ServerKey::random()),
        30,
        None,
    )
    .token(shop.id, 1, now);
    assert_eq!(
        b.get(&format!("/t/{still}")).await.0,
        StatusCode::OK,
        "29 days old"
    );
    // Expired, but Novi's own: to the shop's order lookup, saying why.
    let (status, _) = b.get(&format!("/t/{expired}")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = b.get("/track/sweets?expired=1").await;
    assert!(
        page.contains("That tracking link has expired.") && page.contains("Find my order"),
        "{page}"
    );
    for bad in [
        other_order,
        format!("/t/{foreign}"),
        "/t/1-1-99999999999-00000000000000000000000000000000".to_owned(),
        "/t/nonsense".to_owned(),
    ] {
        let (status, page) = b.get(&bad).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert!(page.contains("<html"), "a styled page: {page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_found_by_number_and_whatsapp_and_a_miss_says_nothing_more() {
    let app = TestApp::start().await;
    app.small_shop("sweets");
    ordered(&app, "sweets").await;
    let mut b = app.browser();
    assert_eq!(b.get("/track/sweets").await.0, StatusCode::OK);
    let (status, _, to) = b
        .post(
            "/track/sweets",
            &[("phone", "+91 98123 45678"), ("number", "#1")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(b.get(&to.unwrap()).await.0, StatusCode::OK);

    // A customer with the wrong order, and a stranger with a real order number: one answer.
    let customer = b
        .post("/track/sweets", &[("phone", "9812345678"), ("number", "2")])
        .await;
    let stranger = b
        .post("/track/sweets", &[("phone", "9000000001"), ("number", "1")])
        .await;
    assert_eq!(customer.0, StatusCode::NOT_FOUND);
    assert_eq!(stranger.0, StatusCode::NOT_FOUND);
    let answer = |page: &str| page.contains("We could not find that order.");
    assert!(answer(&customer.1) && answer(&stranger.1));
    assert_eq!(
        customer
            .1
            .replace("9812345678", "")
            .replace("value=\"2\"", ""),
        stranger
            .1
            .replace("9000000001", "")
            .replace("value=\"1\"", ""),
        "the pages differ only in what was typed"
    );
    // A field left empty is named, not answered as a miss.
    let (status, page, _) = b
        .post("/track/sweets", &[("phone", "9812345678"), ("number", " ")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Write the order number"), "{page}");

    // Ten lookups per address in ten minutes.
    for _ in 0..7 {
        b.post("/track/sweets", &[("phone", "9000000001"), ("number", "1")])
            .await;
    }
    let (status, _, _) = b
        .post("/track/sweets", &[("phone", "9812345678"), ("number", "1")])
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

fn said(r: &Recorded) -> String {
    r.text()
        .map(str::to_owned)
        .or_else(|| {
            r.body["interactive"]["body"]["text"]
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

async fn replies(graph: &FakeGraph, n: usize) -> Vec<String> {
    let all = graph
        .wait_until("replies", WAIT, |log| {
            log.iter().filter(|r| r.to() == Some(CUSTOMER)).count() >= n
        })
        .await;
    all.iter()
        .filter(|r| r.to() == Some(CUSTOMER))
        .map(said)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_carry_the_tracking_link_and_menu_offers_the_storefront() {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_fast_outbox().await;
    let shop = app.small_shop("sweets");
    app.connect_cloud(&shop, &graph);
    let body = fakes::cloud_text(PNID, CUSTOMER, "Asha", "wamid.menu", "menu");
    assert_eq!(app.deliver(&shop, &body).await, StatusCode::OK);
    let got = replies(&graph, 1).await;
    let storefront = format!("{}/s/sweets", app.url(""));
    assert!(got[0].contains(&storefront), "{got:?}");

    ordered(&app, "sweets").await;
    replies(&graph, 2).await;
    // Through the API, whose status changes are told at once (the order page holds them for
    // its undo).
    let api = app.api(&shop);
    let confirm = serde_json::json!({"status": "confirmed"});
    let (status, _) = api.post("/api/v1/orders/1/status", &confirm).await;
    assert_eq!(status, StatusCode::OK);
    let got = replies(&graph, 3).await;
    assert!(got[2].contains("is confirmed"), "{got:?}");
    let link = format!("{}/t/{}-1-", app.url(""), shop.id);
    assert!(
        !got[2].contains(&link),
        "the default wording has no link: {got:?}"
    );

    // An owner who adds {tracking_link} to a status message sends a working link.
    let wording = "Order {order_number} confirmed. Track: {tracking_link}";
    app.db
        .with_conn(|c| novi::conversation::templates::save(c, shop.id, "status_preparing", wording))
        .unwrap();
    let preparing = serde_json::json!({"status": "preparing"});
    api.post("/api/v1/orders/1/status", &preparing).await;
    let got = replies(&graph, 4).await;
    assert!(got[3].contains(&link), "{got:?}");
    let path = &got[3][got[3].find("/t/").unwrap()..];
    assert_eq!(app.browser().get(path.trim()).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_the_storefront_link_and_hours_show_on_it() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let mut owner = app.owner(&shop, "owner").await;
    let (_, page) = owner.get("/b/sweets/").await;
    assert!(
        page.contains(&format!("{}/s/sweets", app.url(""))),
        "{page}"
    );
    assert!(page.contains("<svg"), "with its QR code");

    owner.get("/b/sweets/settings/hours").await;
    let (status, page, _) = owner
        .post("/b/sweets/settings/hours", &[("hours", "Mon-Sat 9-5")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("hours-error") && page.contains("Mon-Sat 9-5"),
        "{page}"
    );
    let (status, _, to) = owner
        .post("/b/sweets/settings/hours", &[("hours", "00:00-23:59")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = owner.get(&to.unwrap()).await;
    assert!(page.contains("Saved."), "the save is said: {page}");
    let audited: Vec<String> = app
        .db
        .with_conn(|c| novi::audit::list(c, Some(shop.id), None, 100))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == novi::audit::SETTINGS)
        .map(|e| format!("{}|{}", e.username, e.detail))
        .collect();
    assert_eq!(
        audited,
        ["owner|opening hours: \"\" → \"00:00-23:59\""],
        "the change audited, the refused one not"
    );
    let (_, page) = app.browser().get("/s/sweets").await;
    assert!(
        page.contains("Opening hours") && page.contains("00:00–23:59"),
        "{page}"
    );
    let closed = page.contains("Closed now");
    let open = page.contains("Open now");
    assert!(open || closed, "{page}");
}
