//! Whole conversations, driven through the Cloud API webhook (with the fake Graph API
//! answering) and the simulator: from a customer's free-text message to an order.

use crate::support::bridge::{CUSTOMER as ASHA, GATEWAY_HMAC_KEY, PNID};
use crate::support::fakes::{self, FakeGateway, FakeGraph, Recorded};
use crate::support::{Api, TestApp, WAIT};
use novi::accounts::businesses::{self, Business};
use novi::db::Db;
use novi::whatsapp::{groups, threads};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub(crate) const RAVI: &str = "919800000002";

/// Sharma Sweets with the sweet shop's catalog, on the Cloud API through a fake Graph API, and
/// an API client for it: the shop the customers in these tests write to.
pub(crate) struct Shop {
    pub app: TestApp,
    pub b: Business,
    graph: FakeGraph,
    pub api: Api,
}

pub(crate) async fn shop() -> Shop {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.sharma_sweets("sweets");
    app.import_catalog(&b);
    app.connect_cloud(&b, &graph);
    let api = app.api(&b);
    Shop { app, b, graph, api }
}

/// What a message Novi sent says: a text's body, or the text above an interactive's buttons.
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

impl Shop {
    async fn post(&self, body: &Value) -> StatusCode {
        self.app.deliver(&self.b, body).await
    }

    /// The customer writes `text`; returns everything Novi answered to them by the time it has
    /// sent `replies` more messages.
    pub(crate) async fn says(
        &self,
        from: &str,
        wamid: &str,
        text: &str,
        replies: usize,
    ) -> Vec<String> {
        let before = self.to(from).len();
        assert_eq!(
            self.post(&fakes::cloud_text(PNID, from, "Asha", wamid, text))
                .await,
            StatusCode::OK
        );
        self.replies(from, before + replies).await[before..].to_vec()
    }

    pub(crate) async fn taps(
        &self,
        from: &str,
        wamid: &str,
        button: &str,
        replies: usize,
    ) -> Vec<String> {
        let before = self.to(from).len();
        let title = button[..1].to_uppercase() + &button[1..];
        let body = fakes::cloud_message(
            PNID,
            from,
            "Asha",
            fakes::button_reply_message(wamid, button, &title),
        );
        assert_eq!(self.post(&body).await, StatusCode::OK);
        self.replies(from, before + replies).await[before..].to_vec()
    }

    fn to(&self, who: &str) -> Vec<Recorded> {
        self.graph
            .requests()
            .into_iter()
            .filter(|r| r.to() == Some(who))
            .collect()
    }

    async fn replies(&self, who: &str, n: usize) -> Vec<String> {
        let all = self
            .graph
            .wait_until(&format!("{n} messages to {who}"), WAIT, |log| {
                log.iter().filter(|r| r.to() == Some(who)).count() >= n
            })
            .await;
        all.iter()
            .filter(|r| r.to() == Some(who))
            .map(said)
            .collect()
    }

    pub(crate) async fn order(&self, number: i64) -> Value {
        let (status, o) = self.api.get(&format!("/api/v1/orders/{number}")).await;
        assert_eq!(status, StatusCode::OK, "order #{number}: {o}");
        o["order"].clone()
    }

    /// Moves order `number` through `statuses` as the shop would, by the API.
    async fn moves(&self, number: i64, statuses: &[&str]) {
        for to in statuses {
            let path = format!("/api/v1/orders/{number}/status");
            self.api.post(&path, &json!({ "status": to })).await;
        }
    }

    pub(crate) async fn order_count(&self) -> i64 {
        self.api.get("/api/v1/orders").await.1["pagination"]["total"]
            .as_i64()
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_happy_path_from_message_to_order() {
    let s = shop().await;
    let got = s
        .says(
            ASHA,
            "w1",
            "bhaiya 1 kilo kaju katli aur ek dabba gulab jamun, deliver to 12 MG Road",
            1,
        )
        .await;
    let summary = &got[0];
    for part in [
        "1. Kaju Katli 1 kg (₹1,200.00/kg) — ₹1,200.00",
        "2. Gulab Jamun 12 pc (₹20.00 each) — ₹240.00",
        "Delivery: ₹40.00",
        "Total: ₹1,480.00",
        "12 MG Road",
    ] {
        assert!(summary.contains(part), "{part} in {summary}");
    }
    let buttons = s.to(ASHA).last().unwrap().body["interactive"]["action"]["buttons"].clone();
    assert_eq!(
        buttons
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["reply"]["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["confirm", "change", "cancel"]
    );
    assert_eq!(
        s.order_count().await,
        0,
        "nothing taken before the customer confirms"
    );

    let got = s.taps(ASHA, "w2", "confirm", 1).await;
    assert!(
        got[0].contains("order #1 is placed") && got[0].contains("₹1,480.00"),
        "{got:?}"
    );
    let o = s.order(1).await;
    assert_eq!(
        (o["channel"].as_str(), o["status"].as_str()),
        (Some("whatsapp"), Some("pending"))
    );
    assert_eq!(o["customer"]["phone"], ASHA);
    assert_eq!(o["address"], "12 MG Road");
    assert_eq!(o["total_minor"], 148_000);
    assert_eq!(s.app.stock(&s.b, "kaju-katli"), 19_000);
    assert_eq!(s.app.stock(&s.b, "gulab-jamun"), 388);

    // The owner sees it on the order page with its response times.
    let mut owner = s.app.owner(&s.b, "asha-owner").await;
    let (_, page) = owner.get("/b/sweets/orders/1").await;
    assert!(
        page.contains("First reply after") && page.contains("Confirmed by the customer after"),
        "response times shown"
    );
    // The number as people write it, and a tap away from a call.
    assert!(
        page.contains(r#"<a class="go" href="tel:+919812345678">+91 98123 45678</a>"#),
        "the customer's number, readable and callable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unclear_line_is_asked_back_then_confirmed() {
    let s = shop().await;
    let got = s
        .says(ASHA, "w1", "kaju katli bhej do, deliver to 12 MG Road", 1)
        .await;
    assert_eq!(
        got[0],
        "How much Kaju Katli would you like: 250 g, 500 g or 1 kg?"
    );
    let got = s.says(ASHA, "w2", "500 g", 1).await;
    assert!(
        got[0].contains("1. Kaju Katli 500 g (₹1,200.00/kg) — ₹600.00"),
        "{got:?}"
    );
    let got = s.says(ASHA, "w3", "haan ji", 1).await;
    assert!(got[0].contains("#1"), "{got:?}");
    assert_eq!(s.order(1).await["lines"][0]["qty"], 500);

    // A name that fits two products is asked as a choice.
    let got = s
        .says(RAVI, "w4", "1 kg laddu, deliver to 5 Park Street", 1)
        .await;
    assert!(
        got[0].contains("Motichoor Laddu") && got[0].contains("Besan Laddu"),
        "{got:?}"
    );
    let got = s.says(RAVI, "w5", "besan wale", 1).await;
    assert!(got[0].contains("Besan Laddu 1 kg"), "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_shop_does_not_sell_is_named() {
    let s = shop().await;
    let got = s
        .says(
            ASHA,
            "w1",
            "1 kg rabri aur 1 kg jalebi, deliver to 12 MG Road",
            2,
        )
        .await;
    assert!(
        got[0].to_lowercase().contains("we don't sell rabri"),
        "{got:?}"
    );
    assert!(
        got[1].contains("Jalebi 1 kg") && !got[1].to_lowercase().contains("rabri"),
        "{got:?}"
    );
}

/// The worker keeps each shop's catalog as the reader indexes it from one message to the
/// next; a product the owner adds on the product page is read in the customer's next message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_the_owner_adds_is_read_in_the_next_message() {
    let s = shop().await;
    let got = s
        .says(ASHA, "w1", "1 kg rabri, deliver to 12 MG Road", 1)
        .await;
    assert!(
        got[0].to_lowercase().contains("we don't sell rabri"),
        "{got:?}"
    );
    let mut owner = s.app.owner(&s.b, "asha").await;
    let fields = [
        ("name", "Rabri"),
        ("sku", ""),
        ("category", "Sweets"),
        ("unit", "kg"),
        ("price", "400"),
        ("aliases", ""),
        ("low_stock", ""),
        ("opening_stock", "5 kg"),
        ("active", "1"),
    ];
    let path = format!("/b/{}/products", s.b.short_code);
    assert_eq!(owner.post(&path, &fields).await.0, StatusCode::SEE_OTHER);
    let got = s
        .says(ASHA, "w2", "1 kg rabri, deliver to 12 MG Road", 1)
        .await;
    assert!(
        got[0].contains("1. Rabri 1 kg (₹400.00/kg) — ₹400.00"),
        "{got:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_stock_is_offered_before_the_summary_and_the_customer_adjusts() {
    let s = shop().await;
    let got = s
        .says(ASHA, "w1", "25 kg kaju katli, deliver to 12 MG Road", 1)
        .await;
    assert_eq!(
        got[0], "We have 20 kg of Kaju Katli today — send 20 kg?",
        "stock is checked before the summary, in the customer's words"
    );
    assert_eq!(s.order_count().await, 0);
    assert_eq!(s.app.stock(&s.b, "kaju-katli"), 20_000);
    // Another product sent while the offer waits is taken, and said to be, with the offer again.
    let got = s.says(ASHA, "w2", "aur 10 samosa bhi", 1).await;
    assert_eq!(
        got[0],
        "Changed: added Samosa 10 pc.\n\nWe have 20 kg of Kaju Katli today — send 20 kg?"
    );
    let got = s.says(ASHA, "w3", "ok then 2 kg kaju katli", 1).await;
    assert!(
        got[0].contains("1. Kaju Katli 2 kg")
            && got[0].contains("Samosa 10 pc")
            && got[0].contains("Total: ₹2,590.00"),
        "the new amount replaces the old: {got:?}"
    );
    assert!(
        got[0].starts_with("Changed: Kaju Katli 25 kg → 2 kg."),
        "{got:?}"
    );
    s.taps(ASHA, "w4", "confirm", 1).await;
    assert_eq!(s.order(1).await["lines"][0]["qty"], 2000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_changes_the_order_before_confirming() {
    let s = shop().await;
    s.says(ASHA, "w1", "1 kg jalebi, deliver to 12 MG Road", 1)
        .await;
    let got = s.taps(ASHA, "w2", "change", 1).await;
    assert!(got[0].contains("send the order again"), "{got:?}");
    let got = s.says(ASHA, "w3", "2 kg jalebi and 10 samosa", 1).await;
    assert!(
        got[0].contains("Jalebi 2 kg")
            && got[0].contains("Samosa 10 pc")
            && got[0].contains("12 MG Road"),
        "{got:?}"
    );
    s.taps(ASHA, "w4", "confirm", 1).await;
    let o = s.order(1).await;
    assert_eq!(o["lines"].as_array().unwrap().len(), 2);
    assert_eq!(o["lines"][0]["qty"], 2000);

    // Calling it off before confirming drops it.
    s.says(RAVI, "w5", "1 kg jalebi, deliver to 5 Park Street", 1)
        .await;
    let got = s.taps(RAVI, "w6", "cancel", 1).await;
    assert!(got[0].contains("dropped"), "{got:?}");
    assert_eq!(s.order_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_cancel_for_orders_already_placed() {
    let s = shop().await;
    let got = s.says(ASHA, "w0", "where is my order?", 1).await;
    assert!(got[0].contains("no orders"), "{got:?}");
    s.says(ASHA, "w1", "1 kg jalebi, deliver to 12 MG Road", 1)
        .await;
    s.taps(ASHA, "w2", "confirm", 1).await;
    let got = s.says(ASHA, "w3", "order kab tak aayega?", 1).await;
    assert!(got[0].contains("#1 — Pending"), "{got:?}");
    let got = s.says(ASHA, "w4", "please cancel my order", 1).await;
    assert!(got[0].contains("#1 is cancelled"), "{got:?}");
    assert_eq!(s.order(1).await["status"], "cancelled");
    assert_eq!(s.app.stock(&s.b, "jalebi"), 10_000, "stock back");

    s.says(ASHA, "w5", "1 kg jalebi, deliver to 12 MG Road", 1)
        .await;
    s.taps(ASHA, "w6", "confirm", 1).await;
    let before = s.to(ASHA).len();
    s.moves(2, &["confirmed", "preparing", "out_for_delivery"])
        .await;
    let told = s.replies(ASHA, before + 3).await;
    assert_eq!(told[before + 2], "Your order #2 is out for delivery.");
    let got = s.says(ASHA, "w7", "cancel my order", 1).await;
    assert!(got[0].contains("cannot be cancelled"), "{got:?}");
    assert_eq!(s.order(2).await["status"], "out_for_delivery");
}

/// A pickup order is never "out for delivery" to its customer: at that step they are told it is
/// ready at the shop, then thanked for picking it up; asking about it and its tracking page name
/// the steps so. The delivery order's wording is unchanged (above).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pickup_order_is_ready_to_pick_up_not_out_for_delivery() {
    let s = shop().await;
    let delivery = groups::Group {
        chat_id: "222@g.us".into(),
        name: "Riders".into(),
        role: "delivery".into(),
    };
    s.app
        .db
        .with_tx(|tx| groups::map(tx, s.b.id, &delivery))
        .unwrap();
    s.says(ASHA, "w1", "1 kg jalebi, I will pick it up", 1)
        .await;
    s.taps(ASHA, "w2", "confirm", 1).await;
    assert_eq!(s.order(1).await["fulfilment"], "pickup");
    let before = s.to(ASHA).len();
    s.moves(1, &["confirmed", "preparing", "out_for_delivery"])
        .await;
    let told = s.replies(ASHA, before + 3).await;
    assert_eq!(
        told[before + 2],
        "Your order #1 is ready. Pick it up at Sharma Sweets."
    );
    // Queued with the status change, in its transaction: the riders are not sent a pickup.
    let to_riders: i64 = s
        .app
        .db
        .with_conn(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM outbox WHERE recipient = '222@g.us'",
                [],
                |r| r.get(0),
            )
            .map_err(novi::error::AppError::from)
        })
        .unwrap();
    assert_eq!(to_riders, 0);
    let got = s.says(ASHA, "w3", "where is my order?", 1).await;
    assert!(got[0].contains("#1 — Ready for pickup"), "{got:?}");
    let link = format!(
        "/t/{}",
        s.app.state.tracker.token(s.b.id, 1, novi::db::now())
    );
    let (_, page) = s.app.browser().get(&link).await;
    assert!(
        page.contains("<strong>Ready for pickup</strong>") && !page.contains("Out for delivery"),
        "{page}"
    );
    // The shop's page for it reads the same, and its next step is the customer picking it up.
    let mut owner = s.app.owner(&s.b, "asha-owner").await;
    let (_, page) = owner.get("/b/sweets/orders/1").await;
    assert!(
        page.contains(">Ready for pickup</span>")
            && page.contains("Mark picked up")
            && page.contains("Preparing → Ready for pickup")
            && !page.contains("Out for delivery"),
        "{page}"
    );
    // So do the dashboard's newest orders and the customer's page; the orders list's filter
    // names the status for both kinds of order.
    let customer: i64 = s
        .app
        .db
        .with_conn(|c| {
            c.query_row("SELECT customer_id FROM orders", [], |r| r.get(0))
                .map_err(novi::error::AppError::from)
        })
        .unwrap();
    for path in [
        "/b/sweets/".to_owned(),
        format!("/b/sweets/customers/{customer}"),
    ] {
        let (_, page) = owner.get(&path).await;
        // The dashboard's status chart counts orders of both kinds.
        let page = page.replace("Out for delivery / ready for pickup", "");
        assert!(
            page.contains(">Ready for pickup</span>") && !page.contains("Out for delivery"),
            "{path}: {page}"
        );
    }
    let (_, page) = owner.get("/b/sweets/orders").await;
    assert!(
        page.contains(">Out for delivery / ready for pickup</option>"),
        "{page}"
    );
    // The chat leads to the customer's page and to the order, with its step.
    let (_, page) = owner.get(&format!("/b/sweets/conversations/{ASHA}")).await;
    for link in [
        format!(r#"<a href="/b/sweets/customers/{customer}">Customer page</a>"#),
        r##"<a href="/b/sweets/orders/1">#1 Ready for pickup</a>"##.to_owned(),
    ] {
        assert!(page.contains(&link), "{link}: {page}");
    }
    let before = s.to(ASHA).len();
    s.moves(1, &["delivered"]).await;
    let told = s.replies(ASHA, before + 1).await;
    assert_eq!(
        told[before],
        "Thank you for picking up your order #1 from Sharma Sweets!"
    );
    assert_eq!(s.order(1).await["status"], "delivered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_webhook_never_makes_a_second_order() {
    let s = shop().await;
    s.says(ASHA, "w1", "1 kg jalebi, deliver to 12 MG Road", 1)
        .await;
    let yes = fakes::cloud_message(
        PNID,
        ASHA,
        "Asha",
        fakes::button_reply_message("w2", "confirm", "Confirm"),
    );
    let posts = futures_util::future::join_all((0..3).map(|_| s.post(&yes))).await;
    assert!(posts.iter().all(|p| *p == StatusCode::OK));
    s.replies(ASHA, 2).await;
    assert_eq!(s.post(&yes).await, StatusCode::OK);
    s.says(ASHA, "w3", "hi", 1).await;
    assert_eq!(s.order_count().await, 1);
    assert_eq!(s.app.stock(&s.b, "jalebi"), 9_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_customers_ordering_at_once_get_their_own_orders() {
    let s = shop().await;
    let (a, r) = tokio::join!(
        s.says(ASHA, "a1", "1 kg jalebi, deliver to 12 MG Road", 1),
        s.says(RAVI, "r1", "10 samosa, deliver to 5 Park Street", 1)
    );
    assert!(a[0].contains("Jalebi") && !a[0].contains("Samosa"));
    assert!(r[0].contains("Samosa") && !r[0].contains("Jalebi"));
    tokio::join!(
        s.taps(ASHA, "a2", "confirm", 1),
        s.taps(RAVI, "r2", "confirm", 1)
    );
    let mut orders = [s.order(1).await, s.order(2).await];
    orders.sort_by_key(|o| o["customer"]["phone"].as_str().unwrap().to_owned());
    assert_eq!(
        (
            orders[0]["customer"]["phone"].as_str(),
            orders[0]["lines"][0]["sku"].as_str()
        ),
        (Some(RAVI), Some("samosa"))
    );
    assert_eq!(
        (
            orders[1]["customer"]["phone"].as_str(),
            orders[1]["lines"][0]["sku"].as_str()
        ),
        (Some(ASHA), Some("jalebi"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greeting_menu_address_and_catalog_cart() {
    let s = shop().await;
    let got = s.says(ASHA, "w1", "Namaste 🙏", 1).await;
    assert!(got[0].contains("Welcome to Sharma Sweets"), "{got:?}");
    the_menu_is_a_list_of_categories(&s).await;
    let got = s.says(ASHA, "w3", "1 kg jalebi", 1).await;
    assert!(got[0].contains("Where should we deliver"), "{got:?}");
    let got = s.says(ASHA, "w4", "22 Park Street, Kolkata", 1).await;
    assert!(got[0].contains("22 Park Street, Kolkata"), "{got:?}");
    s.taps(ASHA, "w5", "confirm", 1).await;
    a_catalog_cart_goes_to_the_saved_address(&s).await;
    a_person_is_called_for_until_one_answers(&s).await;
}

async fn the_menu_is_a_list_of_categories(s: &Shop) {
    // The menu is a list of categories on the Cloud API; picking one sends its prices.
    let got = s.says(ASHA, "w2", "what sweets do you have?", 1).await;
    assert!(got[0].contains("Pick a category"), "{got:?}");
    let list = s.to(ASHA).last().unwrap().body["interactive"].clone();
    assert_eq!(list["type"], "list");
    let rows: Vec<&str> = list["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rows, ["menu:Gifts", "menu:Snacks", "menu:Sweets"]);
    let before = s.to(ASHA).len();
    let pick = fakes::list_reply_message("w2b", "menu:Snacks", "Snacks", "4 items");
    s.post(&fakes::cloud_message(PNID, ASHA, "Asha", pick))
        .await;
    let got = &s.replies(ASHA, before + 1).await[before];
    assert!(
        got.contains("Samosa — ₹15.00 each") && !got.contains("Kaju Katli"),
        "{got}"
    );
    // Sold out, it is still listed, saying so instead of a price nobody can order at.
    let left = s.app.stock(&s.b, "samosa");
    s.app.adjust_stock(&s.b, "samosa", -left, "sold out");
    let before = s.to(ASHA).len();
    let pick = fakes::list_reply_message("w2c", "menu:Snacks", "Snacks", "4 items");
    s.post(&fakes::cloud_message(PNID, ASHA, "Asha", pick))
        .await;
    let got = &s.replies(ASHA, before + 1).await[before];
    assert!(
        got.contains("Samosa — sold out today") && !got.contains("₹15.00"),
        "{got}"
    );
    s.app.adjust_stock(&s.b, "samosa", left, "back in");
}

async fn a_catalog_cart_goes_to_the_saved_address(s: &Shop) {
    // A cart from the WhatsApp catalog; the saved address is used.
    let cart = fakes::cloud_message(
        PNID,
        ASHA,
        "Asha",
        fakes::order_message(
            "w6",
            "cat",
            &[("kaju-katli", 2, 300.0), ("samosa", 4, 15.0)],
            None,
        ),
    );
    let before = s.to(ASHA).len();
    s.post(&cart).await;
    let got = &s.replies(ASHA, before + 1).await[before];
    assert!(
        got.contains("Kaju Katli 500 g")
            && got.contains("Samosa 4 pc")
            && got.contains("22 Park Street"),
        "{got}"
    );
}

async fn a_person_is_called_for_until_one_answers(s: &Shop) {
    // At the summary, a message Novi cannot read is no change: the customer is told so and
    // shown the order as it stands, before a "yes" could place it.
    let got = s.says(ASHA, "w7", "asdfgh qwerty", 2).await;
    assert!(
        got[0].contains("could not read that change, so nothing was changed")
            && got[0].contains("someone from Sharma Sweets will help you"),
        "{got:?}"
    );
    assert!(
        got[1].contains("Kaju Katli 500 g") && got[1].contains("Samosa 4 pc"),
        "{got:?}"
    );

    // The conversation is flagged for a person until one answers.
    let mut agent = s.app.agent(&s.b, "ravi").await;
    assert!(agent
        .get("/b/sweets/conversations")
        .await
        .1
        .contains("needs a person"));
    agent.get(&format!("/b/sweets/conversations/{ASHA}")).await;
    let reply = [("text", "Hi Asha, how can I help?")];
    agent
        .post(&format!("/b/sweets/conversations/{ASHA}/reply"), &reply)
        .await;
    assert!(!agent
        .get("/b/sweets/conversations")
        .await
        .1
        .contains("needs a person"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_changes_reach_the_customer_and_auto_confirm_confirms() {
    let s = shop().await;
    s.says(ASHA, "w1", "1 kg jalebi, deliver to 12 MG Road", 1)
        .await;
    s.taps(ASHA, "w2", "confirm", 1).await;
    let (status, body) = s
        .api
        .post("/api/v1/orders/1/status", &json!({"status": "confirmed"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let got = s.replies(ASHA, 3).await;
    assert_eq!(got[2], "Your order #1 is confirmed.");

    s.app
        .db
        .with_tx(|tx| businesses::set_auto_confirm(tx, s.b.id, true))
        .unwrap();
    s.says(RAVI, "w3", "10 samosa, deliver to 5 Park Street", 1)
        .await;
    let got = s.taps(RAVI, "w4", "confirm", 1).await;
    assert!(got[0].contains("#2"));
    assert_eq!(s.order(2).await["status"], "confirmed", "auto-confirmed");
    assert_eq!(s.order(2).await["events"][1]["actor"], "auto-confirm");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sales_group_post_becomes_an_order_and_the_delivery_group_hears_of_it() {
    let gw = FakeGateway::start().await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.sweet_shop("sweets");
    app.connect_gateway(&b, &gw);
    app.db
        .with_tx(|tx| {
            let g = |id: &str, role: &str| groups::Group {
                chat_id: id.into(),
                name: role.into(),
                role: role.into(),
            };
            groups::map(tx, b.id, &g("111@g.us", "sales"))?;
            groups::map(tx, b.id, &g("222@g.us", "delivery"))
        })
        .unwrap();
    let post = |text: &'static str| {
        let (app, b) = (&app, &b);
        let from = Some("919822222222@c.us");
        let body = fakes::gateway_message("default", "111@g.us", text, from, false);
        async move { app.post_gateway(b, &body, Some(GATEWAY_HMAC_KEY)).await }
    };
    let staff_post =
        "Name - Ravi Kumar\nPh: 98111 11111\nItems: 2 kg jalebi, 6 samosa\nAddress: 5 Park Street";
    assert_eq!(post(staff_post).await, StatusCode::OK);
    let answer = nth_text_to(&gw, "111@g.us", 1, "the group's answer").await;
    assert!(answer.contains("Order #1 taken for Ravi Kumar"), "{answer}");
    let api = app.api(&b);
    let o = api.get("/api/v1/orders/1").await.1["order"].clone();
    assert_eq!(
        (o["channel"].as_str(), o["customer"]["phone"].as_str()),
        (Some("group"), Some("919811111111"))
    );
    assert_eq!(o["address"], "5 Park Street");

    let unreadable = "Items: some sweets";
    post(unreadable).await;
    let answer = nth_text_to(&gw, "111@g.us", 2, "the second answer").await;
    assert!(
        answer.contains("Could not take this order") && answer.contains("no customer phone"),
        "{answer}"
    );
    assert_eq!(api.get("/api/v1/orders").await.1["pagination"]["total"], 1);

    for to in ["confirmed", "preparing", "out_for_delivery"] {
        api.post("/api/v1/orders/1/status", &json!({"status": to}))
            .await;
    }
    let note = nth_text_to(&gw, "222@g.us", 1, "the delivery group's note").await;
    assert!(
        note.contains("Order #1 for Ravi Kumar")
            && note.contains("5 Park Street")
            && note.contains("cash on delivery"),
        "{note}"
    );
}

/// The `n`th message (from 1) the gateway was asked to send to `chat`, once it has been.
async fn nth_text_to(gw: &FakeGateway, chat: &str, n: usize, what: &str) -> String {
    let sent = gw
        .wait_until(what, WAIT, |log| {
            log.iter().filter(|r| r.to() == Some(chat)).count() >= n
        })
        .await;
    let message = sent.iter().filter(|r| r.to() == Some(chat)).nth(n - 1);
    message.unwrap().text().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_takes_an_order_with_a_reply_word() {
    let app = TestApp::start().await;
    let b = app.sweet_shop("sweets");
    let mut owner = app.owner(&b, "asha").await;
    owner
        .get("/b/sweets/simulator?phone=9812345678&name=Asha")
        .await;
    let say = |text: &'static str| [("phone", "9812345678"), ("name", "Asha"), ("text", text)];
    owner
        .post(
            "/b/sweets/simulator",
            &say("2 kg jalebi, deliver to 12 MG Road"),
        )
        .await;
    let thread = |db: &Db| {
        db.with_conn(|c| threads::messages(c, b.id, ASHA, 50))
            .unwrap()
    };
    app.wait_until("the summary", |db| {
        thread(db)
            .into_iter()
            .find(|m| m.direction == "out" && m.status == "sent" && m.text.contains("Reply YES"))
    })
    .await;
    owner.post("/b/sweets/simulator", &say("yes")).await;
    let confirmed = app
        .wait_until("the confirmation", |db| {
            thread(db)
                .into_iter()
                .find(|m| m.direction == "out" && m.text.contains("#1"))
        })
        .await;
    assert!(confirmed.text.contains("placed"));
    let (_, page) = owner
        .get("/b/sweets/simulator/thread?phone=9812345678")
        .await;
    assert!(page.contains("Reply YES") && page.contains("#1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_reword_messages_and_switch_on_auto_confirm() {
    let s = shop().await;
    let mut owner = s.app.owner(&s.b, "owner").await;
    let (status, page) = owner.get("/b/sweets/settings/messages").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("{order_number}") && page.contains("Reply to a greeting"));

    // Every mistake at once, each beside its box.
    let bad = [
        ("t_welcome", "Hello {nme}!"),
        ("t_fallback", "Hold on {shop}"),
        ("chat_max_weight", "lots"),
    ];
    let (status, page, _) = owner.post("/b/sweets/settings/messages", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"id="t_welcome-error">This message has no placeholder {nme}"#)
            && page.contains(r#"id="t_fallback-error">This message has no placeholder {shop}"#)
            && page.contains(r#"id="chat_max_weight-error""#)
            && page.contains("Nothing was saved: 3 things need a look below"),
        "says which placeholder is wrong, beside each: {page}"
    );
    let bad = [("t_welcome", "Hi {customer_name and {shop_name} welcome")];
    let (status, page, _) = owner.post("/b/sweets/settings/messages", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("has a brace that is not part of a placeholder"),
        "{page}"
    );
    let got = s.says(ASHA, "w0", "hello", 1).await;
    assert!(
        got[0].contains("Welcome to Sharma Sweets"),
        "nothing changed: {got:?}"
    );

    let good = [
        (
            "t_welcome",
            "Ram Ram{customer_name_comma}! {shop_name} here.",
        ),
        ("auto_confirm", "on"),
    ];
    let (status, _, _) = owner.post("/b/sweets/settings/messages", &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let got = s.says(ASHA, "w1", "hello", 1).await;
    assert_eq!(got[0], "Ram Ram Asha! Sharma Sweets here.");
    s.says(ASHA, "w2", "1 kg jalebi, deliver to 12 MG Road", 1)
        .await;
    s.taps(ASHA, "w3", "confirm", 1).await;
    assert_eq!(
        s.order(1).await["status"],
        "confirmed",
        "auto-confirm from the settings page"
    );

    let (_, dashboard) = owner.get("/b/sweets/").await;
    assert!(
        dashboard.contains("<dt>Orders</dt><dd><strong>1</strong>"),
        "today's orders counted"
    );
    // Takings are money received: nothing until the order is paid.
    assert!(
        dashboard.contains("<dt>Takings</dt><dd><strong>₹0.00</strong>"),
        "{dashboard}"
    );
    let cash = json!({"amount_minor": 36_000, "mode": "cash"});
    let paid = s.api.post("/api/v1/orders/1/payments", &cash).await;
    assert_eq!(paid.0, StatusCode::CREATED, "{}", paid.1);
    let (_, dashboard) = owner.get("/b/sweets/").await;
    assert!(
        dashboard.contains("<dt>Takings</dt><dd><strong>₹360.00</strong>"),
        "today's takings"
    );
    assert!(
        !dashboard.contains("<dt>Average reply time</dt><dd>—</dd>"),
        "reply times averaged"
    );
}

/// A message that cannot be answered (here the database refuses its draft, part-way through
/// answering it) is set aside for a person with nothing of its answer kept, and customers who
/// wrote at the same moment are answered as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_fails_is_set_aside_and_the_others_are_answered() {
    let s = shop().await;
    s.app
        .db
        .with_conn(|c| {
            c.execute_batch(&format!(
                "CREATE TRIGGER refuse BEFORE INSERT ON drafts WHEN new.phone = '{RAVI}'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;"
            ))?;
            Ok(())
        })
        .expect("trigger");
    // Both delivered before either is answered, so they are usually answered together.
    for (who, id) in [(RAVI, "f1"), (ASHA, "f2")] {
        let body = fakes::cloud_text(
            PNID,
            who,
            "Asha",
            id,
            "1 kg jalebi, deliver to 5 Park Street",
        );
        assert_eq!(s.post(&body).await, StatusCode::OK);
    }
    let asha = s.replies(ASHA, 1).await;
    assert!(asha[0].contains("Total: ₹"), "{asha:?}");
    let why = s
        .app
        .wait_until("Ravi's chat set aside", |db| {
            let list = db.with_conn(|c| threads::list(c, s.b.id, 10)).ok()?;
            list.into_iter().find(|t| t.phone == RAVI)?.attention
        })
        .await;
    assert_eq!(why, "Novi could not answer a message");
    let (queued, unhandled): (i64, i64) = s
        .app
        .db
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT (SELECT COUNT(*) FROM outbox WHERE recipient = ?1),
                        (SELECT COUNT(*) FROM messages WHERE phone = ?1 AND handled = 0)",
                [RAVI],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .expect("counts");
    assert_eq!(
        (queued, unhandled),
        (0, 0),
        "nothing of Ravi's answer is queued, and his message is not answered again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_order_while_the_first_is_being_made_is_said_to_be_separate() {
    let s = shop().await;
    s.says(ASHA, "w1", "1 kg jalebi, deliver to 12 MG Road", 1)
        .await;
    let first = s.taps(ASHA, "w2", "confirm", 1).await;
    assert!(
        first[0].contains("#1") && !first[0].contains("separate"),
        "{first:?}"
    );
    // "Add … to my order" is a new order: the customer is told so when it is placed.
    s.says(
        ASHA,
        "w3",
        "add 10 samosa to my order, deliver to 12 MG Road",
        1,
    )
    .await;
    let second = s.taps(ASHA, "w4", "confirm", 1).await;
    assert!(
        second[0]
            .contains("This is a new order, separate from your order #1, which stays as it was."),
        "{second:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_no_asks_before_dropping_the_order() {
    let s = shop().await;
    s.says(ASHA, "w1", "1 kg jalebi, deliver to 12 MG Road", 1)
        .await;
    // "No" may mean "that is not right": the order is kept, and the customer asked which.
    let got = s.says(ASHA, "w2", "no", 2).await;
    assert!(
        got[0].contains("Nothing is dropped yet: reply CANCEL to drop this order"),
        "{got:?}"
    );
    assert!(
        got[1].contains("Jalebi 1 kg") && got[1].contains("12 MG Road"),
        "{got:?}"
    );
    s.taps(ASHA, "w3", "confirm", 1).await;
    assert_eq!(s.order(1).await["lines"][0]["qty"], 1000);

    // Asked for the address, "nahi" drops nothing either; "cancel" does.
    s.says(RAVI, "w4", "2 kg jalebi", 1).await;
    let got = s.says(RAVI, "w5", "nahi", 2).await;
    assert!(
        got[0].contains("drop this order") && got[1].contains("Where should we deliver"),
        "{got:?}"
    );
    let got = s.says(RAVI, "w6", "cancel", 1).await;
    assert!(got[0].contains("dropped"), "{got:?}");
    let got = s.says(RAVI, "w7", "5 Park Street", 1).await;
    assert!(
        !got[0].contains("Jalebi"),
        "nothing left to deliver: {got:?}"
    );
    assert_eq!(s.order_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_a_person_answers_novi_keeps_out_of_their_chat() {
    let s = shop().await;
    let got = s.says(ASHA, "w1", "asdfgh qwerty", 1).await;
    assert!(got[0].contains("will get back to you"), "{got:?}");
    let mut agent = s.app.agent(&s.b, "ravi").await;
    let chat = format!("/b/sweets/conversations/{ASHA}");
    agent
        .post(
            &format!("{chat}/reply"),
            &[("text", "Hi Asha, how can I help?")],
        )
        .await;
    let sent = s.replies(ASHA, 2).await;
    assert_eq!(sent[1], "Hi Asha, how can I help?");

    // Thanks to the person: no holding reply, and no one is called for. Messages are answered
    // in turn, so the first thing said after the greeting that follows is the greeting's.
    s.post(&fakes::cloud_text(PNID, ASHA, "Asha", "w2", "ok thanks"))
        .await;
    let next = s.says(ASHA, "w3", "Namaste", 1).await;
    assert!(next[0].contains("Welcome to Sharma Sweets"), "{next:?}");
    let list = agent.get("/b/sweets/conversations").await.1;
    assert!(!list.contains("needs a person"), "{list}");

    // Something Novi cannot read goes to the person, unanswered by Novi.
    s.post(&fakes::cloud_text(PNID, ASHA, "Asha", "w4", "zxcv bnm"))
        .await;
    let next = s.says(ASHA, "w5", "Namaste", 1).await;
    assert!(next[0].contains("Welcome"), "{next:?}");
    let list = agent.get("/b/sweets/conversations").await.1;
    assert!(list.contains("needs a person"), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amount_alone_changes_a_one_product_order() {
    let s = shop().await;
    s.says(ASHA, "w1", "500 g kaju katli, deliver to 12 MG Road", 1)
        .await;
    let got = s.says(ASHA, "w2", "make it 1 kg", 1).await;
    assert!(
        got[0].contains("Kaju Katli 500 g → 1 kg") && got[0].contains("12 MG Road"),
        "{got:?}"
    );
    let got = s.says(ASHA, "w3", "1 kg more please", 1).await;
    assert!(got[0].contains("Kaju Katli 1 kg → 2 kg"), "{got:?}");
    let total = got[0]
        .lines()
        .find(|l| l.starts_with("Total:"))
        .unwrap_or_else(|| panic!("{got:?}"))
        .to_owned();
    s.taps(ASHA, "w4", "confirm", 1).await;
    let o = s.order(1).await;
    assert_eq!(o["lines"][0]["qty"], 2000);
    let stored = format!("Total: ₹{}.00", o["total_minor"].as_i64().unwrap() / 100);
    assert_eq!(
        total.replace(',', ""),
        stored,
        "what was confirmed is stored"
    );

    // With two products an amount alone names neither: it changes nothing.
    s.says(
        RAVI,
        "w5",
        "1 kg jalebi and 10 samosa, deliver to 5 Park Street",
        1,
    )
    .await;
    let got = s.says(RAVI, "w6", "make it 2 kg", 2).await;
    assert!(got[0].contains("could not read that change"), "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_while_an_order_is_being_made_drops_that_one_not_an_earlier_one() {
    let s = shop().await;
    s.says(ASHA, "w1", "1 kg jalebi, deliver to 12 MG Road", 1)
        .await;
    s.taps(ASHA, "w2", "confirm", 1).await;
    s.says(ASHA, "w3", "10 samosa, deliver to 12 MG Road", 1)
        .await;
    let got = s.says(ASHA, "w4", "cancel my order", 1).await;
    assert!(got[0].contains("dropped that order"), "{got:?}");
    assert_eq!(s.order(1).await["status"], "pending", "#1 stands");
    // Nothing is left for a yes to place.
    s.says(ASHA, "w5", "yes", 1).await;
    assert_eq!(s.order_count().await, 1);

    s.says(RAVI, "w6", "2 kg jalebi, deliver to 5 Park Street", 1)
        .await;
    let got = s.says(RAVI, "w7", "rehne do bhaiya", 1).await;
    assert!(got[0].contains("dropped that order"), "{got:?}");
    assert_eq!(s.order_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_changed_before_the_yes_is_shown_before_anything_is_placed() {
    let s = shop().await;
    let got = s
        .says(ASHA, "w1", "1 kg jalebi, deliver to 12 MG Road", 1)
        .await;
    assert!(got[0].contains("Total: ₹360.00"), "{got:?}");
    // The owner puts jalebi up by ₹100 a kg while Asha reads the summary.
    let bid = s.b.id;
    s.app
        .db
        .with_conn(|c| {
            c.execute(
                "UPDATE products SET price_minor = price_minor + 10000
                 WHERE business_id = ?1 AND sku = 'jalebi'",
                [bid],
            )?;
            c.execute(
                "UPDATE businesses SET catalog_version = catalog_version + 1 WHERE id = ?1",
                [bid],
            )?;
            Ok(())
        })
        .unwrap();
    let got = s.taps(ASHA, "w2", "confirm", 2).await;
    assert!(
        got[0].starts_with(
            "Sorry, a price changed since we sent your order, so it is not placed yet."
        ),
        "{got:?}"
    );
    assert!(got[1].contains("Total: ₹460.00"), "{got:?}");
    assert_eq!(
        s.order_count().await,
        0,
        "nothing placed at a total not shown"
    );
    s.taps(ASHA, "w3", "confirm", 1).await;
    assert_eq!(s.order(1).await["total_minor"], 46_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asked_for_the_address_only_an_address_is_kept_and_it_can_change_at_the_summary() {
    let s = shop().await;
    let ask = "Where should we deliver?";
    let got = s.says(ASHA, "w1", "1 kg jalebi", 1).await;
    assert!(got[0].contains(ask), "{got:?}");
    for (n, said) in ["ek aur dabba", "total kitna hua?"].iter().enumerate() {
        let got = s.says(ASHA, &format!("w2{n}"), said, 1).await;
        assert!(got[0].starts_with(ask), "{said}: {got:?}");
    }
    let got = s.says(ASHA, "w3", "2 kg kar do", 1).await;
    assert!(
        got[0].starts_with("Changed: Jalebi 1 kg → 2 kg.") && got[0].contains(ask),
        "{got:?}"
    );
    let got = s.says(ASHA, "w4", "Flat 302, Sai Residency", 1).await;
    assert!(
        got[0].contains("Jalebi 2 kg") && got[0].contains("Deliver to: Flat 302, Sai Residency"),
        "{got:?}"
    );
    // At the summary a new address replaces it.
    let got = s
        .says(
            ASHA,
            "w5",
            "sorry galat address, 45 Saket Nagar, Indore 452018",
            1,
        )
        .await;
    assert!(
        got[0].contains("Saket Nagar") && !got[0].contains("Flat 302"),
        "{got:?}"
    );
    s.taps(ASHA, "w6", "confirm", 1).await;
    let o = s.order(1).await;
    assert!(
        o["address"].as_str().unwrap().contains("45 Saket Nagar"),
        "{o}"
    );
    assert_eq!(o["lines"][0]["qty"], 2000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sold_out_addition_is_not_said_to_be_added_and_a_pickup_hour_is_kept() {
    let s = shop().await;
    let bid = s.b.id;
    s.app
        .db
        .with_conn(|c| {
            c.execute(
                "UPDATE products SET stock = 0 WHERE business_id = ?1 AND sku = 'samosa'",
                [bid],
            )?;
            Ok(())
        })
        .unwrap();
    s.says(ASHA, "w1", "1 kg jalebi, pickup at 6 pm", 1).await;
    let got = s.says(ASHA, "w2", "aur 10 samosa bhi", 2).await;
    assert_eq!(got[0], "Sorry, Samosa is sold out today.");
    assert!(
        !got[1].contains("Samosa") && got[1].contains("Jalebi 1 kg") && got[1].contains("at 6 pm"),
        "{got:?}"
    );
    s.taps(ASHA, "w3", "confirm", 1).await;
    let o = s.order(1).await;
    assert_eq!(o["fulfilment"], "pickup");
    assert!(o["notes"].as_str().unwrap().ends_with("at 6 pm"), "{o}");
    // Said alone, the hour is kept too (it was lost, or kept as "pm").
    s.says(RAVI, "w4", "1 kg jalebi", 1).await;
    let got = s.says(RAVI, "w5", "pickup at 6", 1).await;
    assert!(got[0].contains("at 6"), "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_more_boxes_and_a_changed_address_read_as_meant() {
    let s = shop().await;
    s.says(
        ASHA,
        "w1",
        "1 kg jalebi, 10 samosa, deliver to 12 MG Road",
        1,
    )
    .await;
    // A swap takes the named product out, with no question about it.
    let got = s.says(ASHA, "w2", "jalebi ke badle 1 kg kalakand", 1).await;
    assert!(
        got[0].contains("Kalakand 1 kg")
            && got[0].contains("removed Jalebi")
            && !got[0].contains("Jalebi 1 kg")
            && got[0].contains("Samosa 10 pc"),
        "{got:?}"
    );
    // "address change: …" keeps the address, not the words before it.
    let got = s
        .says(ASHA, "w3", "address change: 45 Saket Nagar, Indore", 1)
        .await;
    assert!(
        got[0].contains("Deliver to: 45 Saket Nagar, Indore"),
        "{got:?}"
    );

    // "ek aur dabba" to a one-product order adds a box.
    s.says(RAVI, "w4", "2 dabba rasgulla, deliver to 5 Park Street", 1)
        .await;
    let got = s.says(RAVI, "w5", "ek aur dabba", 1).await;
    assert!(got[0].contains("→ 3"), "{got:?}");
}
