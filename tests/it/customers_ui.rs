//! Customers in the owner UI: a known customer fills in the new-order form by number (with
//! script as the number is typed, without it on "Preview totals"), items are picked by typing,
//! and a customer's name, address and notes are edited with errors beside their fields.

use std::time::{Duration, Instant};

use crate::phone::{find, log_in_to, open};
use crate::support::chrome::{console_errors, Chrome, PATIENCE};
use crate::support::{order, TestApp};
use fantoccini::Client;
use novi::accounts::businesses::Business;
use novi::accounts::Role;
use reqwest::StatusCode;
use serde_json::json;

const ADDRESS: &str = "12 MG Road, Indiranagar";

/// Meera, known by an earlier order delivered to [`ADDRESS`].
async fn meera(app: &TestApp, shop: &Business) {
    let body = json!({
        "customer": {"phone": "9812345678", "name": "Meera Iyer"},
        "address": ADDRESS,
        "lines": [{"sku": "samosa", "qty": 4}]
    });
    let (status, body) = app.api(shop).post("/api/v1/orders", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn value(client: &Client, name: &str) -> String {
    let script = format!("return document.querySelector('[name={name}]').value;");
    let v = client.execute(&script, vec![]).await.expect("read a field");
    v.as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_number_fills_in_the_customer_and_items_are_picked_by_typing() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    meera(&app, &shop).await;
    app.user(&shop, "asha", Role::Owner);
    Chrome::run(move |client| async move {
        log_in_to(&client, &app, "asha", "Dashboard").await;
        open(&client, &app, "/b/sharma/orders/new").await;
        let phone = find(&client, "//input[@name='phone']").await;
        phone.send_keys("98123 45678\u{E004}").await.unwrap(); // Tab: the number is done
        let deadline = Instant::now() + PATIENCE;
        while value(&client, "name").await != "Meera Iyer" {
            assert!(Instant::now() < deadline, "the name never filled in");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(value(&client, "address").await, ADDRESS);
        let item = find(&client, "//input[@name='item_0']").await;
        assert_eq!(
            item.attr("list").await.unwrap().as_deref(),
            Some("catalog-items")
        );
        item.send_keys("Gulab Jamun — Box of 12").await.unwrap();
        find(&client, "//input[@name='count_0']")
            .await
            .send_keys("2")
            .await
            .unwrap();
        find(&client, "//button[normalize-space()='Save']")
            .await
            .click()
            .await
            .unwrap();
        find(&client, "//h1[starts-with(normalize-space(), 'Order #2')]").await;
        let o = order(&app.db, &shop, 2);
        assert_eq!(
            (o.customer.name.as_str(), o.address.as_str()),
            ("Meera Iyer", ADDRESS)
        );
        assert_eq!(o.lines[0].sku, "gulab-jamun");
        assert_eq!(o.lines[0].variant_count, Some(2));
        assert!(console_errors(&client).await.is_empty());
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn without_script_preview_fills_in_a_known_customer() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    meera(&app, &shop).await;
    let mut owner = app.owner(&shop, "asha").await;
    let form = [
        ("phone", "+91 98123 45678"),
        ("item_0", "samosa"),
        ("amount_0", "6"),
        ("action", "preview"),
    ];
    let (status, page, _) = owner.post("/b/sharma/orders/new", &form).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(r#"value="Meera Iyer""#), "{page}");
    assert!(page.contains(&format!(r#">{ADDRESS}</textarea>"#)));
    assert!(
        page.contains(r#"value="Samosa — by piece""#),
        "an item typed by name reads by its label"
    );
    let (status, page, _) = owner
        .post(
            "/b/sharma/orders/new",
            &[
                ("phone", "9812345678"),
                ("item_0", "ladoo"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("no item called &quot;ladoo&quot;"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn a_customers_name_address_and_notes_are_edited() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    meera(&app, &shop).await;
    let mut owner = app.owner(&shop, "asha").await;
    let edit = [
        ("name", "Meera K. Iyer"),
        ("address", "Flat 4, Lake View, Ulsoor"),
        ("notes", "Rings twice"),
    ];
    let (status, _, to) = owner.post("/b/sharma/customers/1", &edit).await;
    assert_eq!(
        (status, to.as_deref()),
        (StatusCode::SEE_OTHER, Some("/b/sharma/customers/1?saved=1"))
    );
    let (_, page) = owner.get("/b/sharma/customers/1").await;
    assert!(
        page.contains("<title>Meera K. Iyer · Novi</title>"),
        "{page}"
    );
    assert!(
        page.contains(r#">Flat 4, Lake View, Ulsoor</textarea>"#) && page.contains("Rings twice")
    );
    assert!(page.contains(ADDRESS), "the earlier address is kept");
    // Her next order comes with the name she goes by elsewhere: the shop's name for her stays.
    meera(&app, &shop).await;
    let (_, page) = owner.get("/b/sharma/customers/1").await;
    assert!(
        page.contains("<title>Meera K. Iyer · Novi</title>"),
        "{page}"
    );

    // Every mistake at once, each beside its field.
    let long = "x".repeat(101);
    let notes = "n".repeat(2001);
    let (status, page, _) = owner
        .post(
            "/b/sharma/customers/1",
            &[
                ("name", long.as_str()),
                ("address", "Flat 4\u{0}Ulsoor"),
                ("notes", notes.as_str()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"id="name-error">at most 100 characters"#)
            && page.contains(r#"id="address-error">cannot hold control characters"#)
            && page.contains(r#"id="notes-error">at most 2000 characters"#),
        "{page}"
    );
    let (_, page) = owner.get("/b/sharma/customers/1").await;
    assert!(
        page.contains("Meera K. Iyer") && page.contains("Rings twice"),
        "nothing changed"
    );
    // An address as long as an order may carry, with its lines, saves here as well: the form
    // takes what the orders it comes from take.
    let long_address = format!("Flat 4\n{}", "Lake View Road ".repeat(32));
    let (status, page, _) = owner
        .post(
            "/b/sharma/customers/1",
            &[
                ("name", "Meera"),
                ("address", long_address.trim()),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    // Shown again in a box that keeps its lines: an input would drop the break on the next
    // save and run "Flat 4" into the road.
    let (_, page) = owner.get("/b/sharma/customers/1").await;
    assert!(
        page.contains(&format!(">{}</textarea>", long_address.trim())),
        "{page}"
    );
    app.stop().await;
}

#[tokio::test]
async fn editing_an_order_changes_its_address_notes_and_delivery_or_pickup() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    let shop = app.set_delivery_fee(&shop, 4000);
    meera(&app, &shop).await;
    let mut owner = app.owner(&shop, "asha").await;
    let (_, page) = owner.get("/b/sharma/orders/1/edit").await;
    assert!(
        page.contains(&format!(r#">{ADDRESS}</textarea>"#)),
        "{page}"
    );
    let before = order(&app.db, &shop, 1);
    let form = [
        ("item_0", "samosa|"),
        ("amount_0", "4"),
        ("line_0", "0"),
        ("address", "Counter"),
        ("notes", "Collect at 6"),
        ("fulfilment", "pickup"),
        ("action", "preview"),
    ];
    // The preview is priced as the save will be: pickup, no delivery fee.
    let (status, page, _) = owner.post("/b/sharma/orders/1/edit", &form).await;
    assert_eq!(status, StatusCode::OK);
    let pickup = format!(
        "<td colspan=\"2\">Pickup</td><td class=\"num\">no delivery fee</td></tr><tr class=\"total\"><td colspan=\"2\">Total</td><td class=\"num\">{}</td>",
        novi::domain::Money::from_minor(before.total.minor() - before.delivery_fee.minor())
            .format("INR")
    );
    assert!(page.contains(&pickup), "{page}");
    let mut form = form;
    form[6].1 = "save";
    let (status, page, _) = owner.post("/b/sharma/orders/1/edit", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let o = order(&app.db, &shop, 1);
    assert_eq!(
        (o.address.as_str(), o.notes.as_str()),
        ("Counter", "Collect at 6")
    );
    assert_eq!(o.fulfilment.as_str(), "pickup");
    assert_eq!(o.delivery_fee.minor(), 0, "pickup pays no delivery");
    // The timeline says what changed, from what to what.
    let edited: Vec<&str> = o
        .events
        .iter()
        .filter(|e| e.kind == "edited")
        .map(|e| e.note.as_str())
        .collect();
    assert_eq!(
        edited,
        [format!(
            "address: \"{ADDRESS}\" → \"Counter\"; notes: \"\" → \"Collect at 6\"; now pickup"
        )],
        "{:?}",
        o.events
    );
    assert_eq!(
        o.total.minor(),
        before.total.minor() - before.delivery_fee.minor()
    );

    // A post of the lines alone (as before) leaves the terms as they are.
    let lines_only = [("item_0", "samosa|"), ("amount_0", "5"), ("action", "save")];
    let (status, _, _) = owner.post("/b/sharma/orders/1/edit", &lines_only).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let o = order(&app.db, &shop, 1);
    assert_eq!(
        (o.address.as_str(), o.fulfilment.as_str()),
        ("Counter", "pickup")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regulars_orders_are_shown_a_page_at_a_time() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    app.adjust_stock(&shop, "samosa", 100, "a day's batch");
    for _ in 0..27 {
        meera(&app, &shop).await;
    }
    app.db
        .with_conn(|c| {
            let sql = "UPDATE orders SET status = 'cancelled' WHERE number = 1";
            Ok::<_, novi::error::AppError>(c.execute(sql, [])?)
        })
        .unwrap();
    let mut owner = app.owner(&shop, "asha").await;
    let (status, first) = owner.get("/b/sharma/customers/1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        first.contains("Page 1 of 2 · 27 orders") && first.contains(r#"href="?page=2""#),
        "{first}"
    );
    // The details count the orders that stand, as the customer list does, and say the rest.
    assert!(
        first.contains(r#"<dt>Orders</dt><dd>26<span class="muted"> · 1 cancelled</span></dd>"#),
        "{first}"
    );
    assert!(
        first.contains("/orders/27\"") && !first.contains("/orders/2\""),
        "{first}"
    );
    let (_, second) = owner.get("/b/sharma/customers/1?page=2").await;
    assert!(
        second.contains("Page 2 of 2 · 27 orders") && second.contains(r#"href="?page=1""#),
        "{second}"
    );
    assert!(
        second.contains("/orders/2\"") && second.contains("/orders/1\""),
        "{second}"
    );
    assert!(!second.contains("Older →"), "{second}");

    let (status, page) = owner.get("/b/sharma/customers/1?page=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("page"), "{page}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_from_a_page_opened_before_another_change_is_refused() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    meera(&app, &shop).await;
    let mut asha = app.owner(&shop, "asha").await;
    let mut ravi = app.owner(&shop, "ravi").await;
    let (_, page) = asha.get("/b/sharma/orders/1/edit").await;
    let seen = crate::storefront::hidden(&page, "seen").expect("the form's version");
    // Ravi makes it 6 samosa meanwhile.
    ravi.get("/b/sharma/orders/1/edit").await;
    let six = [
        ("item_0", "samosa|"),
        ("amount_0", "6"),
        ("line_0", "0"),
        ("action", "save"),
    ];
    let (status, _, _) = ravi.post("/b/sharma/orders/1/edit", &six).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let stock = app.stock(&shop, "samosa");

    // Asha's page still shows 4: her address fix would put them back, so nothing is saved.
    let stale = [
        ("seen", seen.as_str()),
        ("item_0", "samosa|"),
        ("amount_0", "4"),
        ("line_0", "0"),
        ("address", "Flat 4, Lake View"),
        ("notes", ""),
        ("fulfilment", "delivery"),
        ("action", "save"),
    ];
    let (status, page, _) = asha.post("/b/sharma/orders/1/edit", &stale).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(
            "Order #1 was changed by ravi since this page was opened, so nothing was saved."
        ),
        "{page}"
    );
    let o = order(&app.db, &shop, 1);
    assert_eq!((o.lines[0].qty, o.address.as_str()), (6, ADDRESS));

    // Opened again, the address alone is fixed: the lines, their stock and the timeline's
    // "lines changed" are left as they were.
    let (_, page) = asha.get("/b/sharma/orders/1/edit").await;
    let seen = crate::storefront::hidden(&page, "seen").unwrap();
    let edits = |o: &novi::orders::Order| {
        o.events
            .iter()
            .filter(|e| e.note.starts_with("lines changed"))
            .count()
    };
    let before = edits(&o);
    let mut fresh = stale;
    fresh[0].1 = seen.as_str();
    fresh[2].1 = "6";
    let (status, _, _) = asha.post("/b/sharma/orders/1/edit", &fresh).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let o = order(&app.db, &shop, 1);
    assert_eq!(
        (o.lines[0].qty, o.address.as_str()),
        (6, "Flat 4, Lake View")
    );
    assert_eq!(edits(&o), before, "no lines changed");
    assert_eq!(app.stock(&shop, "samosa"), stock);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_saved_from_an_older_page_is_refused() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    meera(&app, &shop).await;
    let mut asha = app.owner(&shop, "asha").await;
    let mut ravi = app.owner(&shop, "ravi").await;
    let (_, page) = ravi.get("/b/sharma/customers/1").await;
    let seen = crate::storefront::hidden(&page, "seen").expect("the form's version");
    asha.get("/b/sharma/customers/1").await;
    let renamed = [
        ("name", "Meera K. Iyer"),
        ("address", ADDRESS),
        ("notes", ""),
    ];
    assert_eq!(
        asha.post("/b/sharma/customers/1", &renamed).await.0,
        StatusCode::SEE_OTHER
    );
    // Ravi's page still says "Meera Iyer": his note would put the old name back.
    let stale = [
        ("seen", seen.as_str()),
        ("name", "Meera Iyer"),
        ("address", ADDRESS),
        ("notes", "Rings twice"),
    ];
    let (status, page, _) = ravi.post("/b/sharma/customers/1", &stale).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("Someone saved this customer after this page was opened")
            && page.contains(r#"value="Meera K. Iyer""#),
        "{page}"
    );
    let (_, page) = asha.get("/b/sharma/customers/1").await;
    assert!(
        page.contains("<title>Meera K. Iyer · Novi</title>") && !page.contains("Rings twice"),
        "nothing undone"
    );
    app.stop().await;
}
