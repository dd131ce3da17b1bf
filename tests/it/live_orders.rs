//! Orders arriving at the counter: the orders list shows a new order and a status change
//! without a reload, says "New order" to screen readers, counts it in the tab's title, and
//! the chime's switch remembers itself.

use crate::phone::{find, log_in_to, open};
use crate::support::chrome::{console_errors, set_viewport, Chrome};
use crate::support::TestApp;
use fantoccini::Client;
use novi::accounts::Role;
use serde_json::{json, Value};

async fn run(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.expect("script")
}

/// The sound switch's words and pressed state.
async fn switch(client: &Client) -> Value {
    let b = find(client, "//button[@data-sound-switch]").await;
    let text = b.text().await.expect("text");
    let pressed = b.attr("aria-pressed").await.expect("attr");
    json!([text, pressed])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_order_and_its_change_appear_on_the_list_without_reload() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    app.user(&shop, "asha", Role::Owner);
    let api = app.api(&shop);
    Chrome::run(move |client| async move {
        log_in_to(&client, &app, "asha", "Dashboard").await;
        set_viewport(&client, 360, 740).await;
        open(&client, &app, "/b/sharma/orders").await;
        assert_eq!(switch(&client).await, json!(["Sound off", "false"]));
        find(&client, "//button[@data-sound-switch]").await.click().await.expect("click");
        assert_eq!(switch(&client).await, json!(["Sound on", "true"]));
        open(&client, &app, "/b/sharma/orders").await;
        assert_eq!(switch(&client).await, json!(["Sound on", "true"]), "remembered");

        run(&client, "window.stayed = true;").await;
        find(&client, "//body[@data-live-open]").await;
        let order = json!({"customer": {"phone": "9812345678", "name": "Meera"}, "lines": [{"sku": "samosa", "qty": 4}]});
        api.post("/api/v1/orders", &order).await;
        find(&client, "//table[contains(@class,'orders')]//a[normalize-space()='#1']").await;
        find(&client, "//*[@id='announcer'][normalize-space()='New order #1']").await;
        let title = run(&client, "return document.title;").await;
        assert_eq!(title, json!("(1) Orders · Novi"), "counted in the tab");

        api.post("/api/v1/orders/1/status", &json!({"status": "confirmed"}))
            .await;
        find(&client, "//table[contains(@class,'orders')]//td[contains(@class,'state')][normalize-space()='Confirmed']").await;
        let title = run(&client, "return document.title;").await;
        assert_eq!(title, json!("(1) Orders · Novi"), "a change is not a new order");
        find(&client, "//h1").await.click().await.expect("click the page");
        assert_eq!(run(&client, "return document.title;").await, json!("Orders · Novi"), "seen");
        assert_eq!(run(&client, "return window.stayed === true;").await, json!(true), "no reload");

        // The dashboard's recent orders follow too.
        open(&client, &app, "/b/sharma/").await;
        run(&client, "window.stayed = true;").await;
        find(&client, "//body[@data-live-open]").await;
        let second = json!({"customer": {"phone": "9812345679", "name": "Ravi"}, "lines": [{"sku": "samosa", "qty": 2}]});
        api.post("/api/v1/orders", &second).await;
        find(&client, "//section[@aria-labelledby='recent-h']//a[normalize-space()='#2']").await;
        find(&client, "//*[@id='announcer'][normalize-space()='New order #2']").await;
        assert_eq!(run(&client, "return window.stayed === true;").await, json!(true), "no reload");
        assert!(console_errors(&client).await.is_empty());
        app.stop().await;
    })
    .await;
}

/// Counts the counter page's questions to its queue from now on, and keeps the tickets it
/// prints instead of opening the print dialog.
const WATCH_THE_COUNTER: &str = r#"
    window.asked = 0;
    window.printedTickets = [];
    const ask = window.fetch.bind(window);
    window.fetch = (url, options) => {
      if (String(url).includes("/print/queue")) window.asked += 1;
      return ask(url, options);
    };
    window.print = () => window.printedTickets.push(document.getElementById("print-area").innerText);
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_orders_kitchen_ticket_reaches_the_open_counter_page_by_the_live_stream() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    app.user(&shop, "asha", Role::Owner);
    let id = shop.id;
    app.db
        .with_conn(|c| {
            let s = novi::printing::PrintSettings {
                auto_kot: true,
                ..Default::default()
            };
            novi::printing::save(c, id, &s)
        })
        .unwrap();
    let api = app.api(&shop);
    let order = json!({"customer": {"phone": "9812345678", "name": "Meera"}, "lines": [{"sku": "samosa", "qty": 4}], "notes": "extra chutney"});
    api.post("/api/v1/orders", &order).await;
    Chrome::run(move |client| async move {
        log_in_to(&client, &app, "asha", "Dashboard").await;
        set_viewport(&client, 360, 740).await;
        open(&client, &app, "/b/sharma/print/counter").await;
        // The stream is open and the page's questions on opening are answered: it is idle.
        find(&client, "//section[@data-live-open][@aria-busy='false']").await;
        find(
            &client,
            "//output[@id='printed'][normalize-space()='none yet']",
        )
        .await;
        run(&client, WATCH_THE_COUNTER).await;

        api.post("/api/v1/orders/1/status", &json!({"status": "confirmed"}))
            .await;
        find(&client, "//output[@id='printed'][normalize-space()='#1']").await;
        find(
            &client,
            "//*[@id='print-area']//h1[normalize-space()='KOT #1']",
        )
        .await;
        let printed = run(&client, "return window.printedTickets;").await;
        let printed = printed.as_array().expect("tickets");
        assert_eq!(printed.len(), 1, "printed once: {printed:?}");
        let ticket = printed[0].as_str().unwrap_or_default();
        assert!(
            ticket.contains("Samosa") && ticket.contains("extra chutney"),
            "{ticket}"
        );
        // Asked once, because the stream said so: no poll runs while the stream is open.
        assert_eq!(run(&client, "return window.asked;").await, json!(1));
        assert!(console_errors(&client).await.is_empty());
        app.stop().await;
    })
    .await;
}
