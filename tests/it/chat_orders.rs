//! Every order a customer confirms in chat is right: corrections replace, packs sell at their
//! own price, addresses are addresses, a yes is not one, generic words are asked about, the
//! delivery time is kept, short stock is offered before the summary, and pickup pays no fee.
//! Each case runs through the Cloud API webhook and ends in the order as stored.

use crate::conversations::{shop, Shop};
use crate::support::bridge::CUSTOMER as ASHA;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Duration;
use novi::whatsapp::threads;

impl Shop {
    /// The customer's messages in turn, each answered before the next; the last reply.
    async fn chat(&self, messages: &[&str]) -> String {
        // Every message needs an id of its own: a repeated id is a redelivery, stored once.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let mut last = String::new();
        for text in messages {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let got = self.says(ASHA, &format!("chat-{n}"), text, 1).await;
            last = got.last().cloned().unwrap_or_default();
        }
        last
    }

    /// Why the customer's chat needs a person, if it does.
    fn attention(&self) -> Option<String> {
        let list = self
            .app
            .db
            .with_conn(|c| threads::list(c, self.b.id, 10))
            .expect("threads");
        list.into_iter()
            .find(|t| t.phone == ASHA)
            .and_then(|t| t.attention)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_in_a_later_message_replaces_the_amount() {
    let s = shop().await;
    s.chat(&["1 kg jalebi, deliver to 12 MG Road"]).await;
    let summary = s.chat(&["nahi, jalebi 2 kg kar do"]).await;
    assert!(
        summary.starts_with("Changed: Jalebi 1 kg → 2 kg."),
        "{summary}"
    );
    assert!(summary.contains("Total: ₹680.00"), "{summary}");
    s.chat(&["yes"]).await;
    let o = s.order(1).await;
    assert_eq!(o["lines"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (o["lines"][0]["qty"].as_i64(), o["total_minor"].as_i64()),
        (Some(2000), Some(68_000))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pack_with_its_own_price_is_sold_at_that_price() {
    let s = shop().await;
    s.app.import_csv(
        &s.b,
        "sku,name,category,unit,price,aliases,variants,stock\n\
         gulab-jamun,Gulab Jamun,Sweets,pc,20,jamun,Single=1;Box of 12=12@420,400\n",
    );
    let summary = s
        .chat(&["2 dabba gulab jamun, deliver to 12 MG Road"])
        .await;
    assert!(
        summary.contains("Gulab Jamun 2 × Box of 12 (₹420.00 each) — ₹840.00"),
        "{summary}"
    );
    s.chat(&["haan"]).await;
    let o = s.order(1).await;
    let line = &o["lines"][0];
    assert_eq!(
        (line["variant"].as_str(), line["variant_count"].as_i64()),
        (Some("Box of 12"), Some(2))
    );
    assert_eq!(line["unit_price_minor"], 42_000);
    assert_eq!(
        o["total_minor"], 88_000,
        "two boxes at ₹420 and the ₹40 fee"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indian_addresses_are_addresses_not_products() {
    let s = shop().await;
    let summary = s.chat(&["2 kg jalebi, 8 Scheme 54 Indore"]).await;
    assert!(!summary.to_lowercase().contains("don't sell"), "{summary}");
    assert!(
        summary.contains("Deliver to: 8 Scheme 54 Indore"),
        "{summary}"
    );
    s.chat(&["yes"]).await;
    assert_eq!(s.order(1).await["address"], "8 Scheme 54 Indore");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_yes_is_never_the_address() {
    let s = shop().await;
    assert!(s
        .chat(&["10 samosa"])
        .await
        .contains("Where should we deliver"));
    let again = s.chat(&["haan theek hai"]).await;
    assert!(again.contains("Where should we deliver"), "{again}");
    let summary = s.chat(&["Flat 201 Shree Tower, AB Road"]).await;
    assert!(
        summary.contains("Deliver to: Flat 201 Shree Tower, AB Road"),
        "{summary}"
    );
    s.chat(&["yes"]).await;
    assert_eq!(s.order(1).await["address"], "Flat 201 Shree Tower, AB Road");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generic_word_is_answered_with_the_choices() {
    let s = shop().await;
    let asked = s.chat(&["1 box mithai, deliver to 12 MG Road"]).await;
    assert!(
        asked.starts_with("Which one do you mean") && asked.contains("Gulab Jamun"),
        "{asked}"
    );
    let summary = s.chat(&["gulab jamun"]).await;
    assert!(summary.contains("Gulab Jamun 12 pc"), "{summary}");
    s.chat(&["yes"]).await;
    let o = s.order(1).await;
    assert_eq!(
        (o["lines"][0]["sku"].as_str(), o["lines"][0]["qty"].as_i64()),
        (Some("gulab-jamun"), Some(12))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delivery_time_and_occasion_are_kept() {
    let s = shop().await;
    let summary = s
        .chat(&["1 kg kaju katli, 12 MG Road, kal subah 10 baje tak shaadi ke liye"])
        .await;
    assert!(
        summary.contains("Note: kal subah 10 baje tak shaadi ke liye"),
        "{summary}"
    );
    s.chat(&["yes"]).await;
    let o = s.order(1).await;
    assert!(
        o["notes"]
            .as_str()
            .unwrap_or("")
            .contains("kal subah 10 baje tak shaadi ke liye"),
        "{o}"
    );
    let tomorrow = chrono::Utc::now().with_timezone(&s.b.offset()).date_naive() + Duration::days(1);
    assert_eq!(o["deliver_on"], tomorrow.format("%Y-%m-%d").to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_stock_refused_goes_to_a_person_and_takes_nothing() {
    let s = shop().await;
    let offer = s.chat(&["24 kg kaju katli, deliver to 12 MG Road"]).await;
    assert_eq!(offer, "We have 20 kg of Kaju Katli today — send 20 kg?");
    assert_eq!(s.attention(), None);
    let told = s.chat(&["nahi"]).await;
    assert!(told.contains("will get back to you"), "{told}");
    assert_eq!(
        s.attention().as_deref(),
        Some("Wants more Kaju Katli than is in stock")
    );
    assert_eq!(s.order_count().await, 0);
    assert_eq!(s.app.stock(&s.b, "kaju-katli"), 20_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pickup_needs_no_address_and_pays_no_delivery_fee() {
    let s = shop().await;
    let summary = s.chat(&["2 kg jalebi, shop se le jaunga"]).await;
    assert!(summary.contains("Delivery: none (pickup)"), "{summary}");
    assert!(
        summary.contains("Pickup at the shop") && summary.contains("Total: ₹640.00"),
        "{summary}"
    );
    s.chat(&["ok"]).await;
    let o = s.order(1).await;
    assert_eq!(
        (o["fulfilment"].as_str(), o["total_minor"].as_i64()),
        (Some("pickup"), Some(64_000))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_over_the_shops_chat_limit_goes_to_a_person_and_reserves_nothing() {
    let s = shop().await;
    let told = s.chat(&["280 samosa, deliver to 12 MG Road"]).await;
    assert!(told.contains("large order of Samosa"), "{told}");
    assert_eq!(
        s.attention().as_deref(),
        Some("Large chat order: 280 pc of Samosa")
    );
    s.chat(&["yes"]).await;
    assert_eq!(
        s.order_count().await,
        0,
        "a yes does not get past the limit"
    );
    assert_eq!(s.app.stock(&s.b, "samosa"), 300);

    // The owner sets the limits in Settings → Messages; a bad one is refused beside the form.
    let mut owner = s.app.owner(&s.b, "asha").await;
    let page = owner.get("/b/sweets/settings/messages").await.1;
    assert!(
        page.contains("25 kg") && page.contains("250"),
        "the defaults are shown"
    );
    let post = |weight: &'static str| vec![("chat_max_weight", weight), ("chat_max_pieces", "300")];
    let (status, page, _) = owner
        .post("/b/sweets/settings/messages", &post("lots"))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Largest weight of one product"), "{page}");
    let (status, _, _) = owner
        .post("/b/sweets/settings/messages", &post("2 kg"))
        .await;
    assert_eq!(status, 303);
    let b = s
        .app
        .db
        .with_conn(|c| novi::accounts::businesses::by_id(c, s.b.id))
        .unwrap()
        .unwrap();
    assert_eq!((b.chat_max_grams, b.chat_max_pieces), (2000, 300));
}
