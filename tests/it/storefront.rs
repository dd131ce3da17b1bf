//! The public storefront over real HTTP, with no JavaScript: browsing, the cart's live stock
//! checks, checkout with every error at once, an item sold out meanwhile, twenty shoppers racing
//! for the last five pieces, the catalog cache and the writes that renew it, and rate limits.

use novi::accounts::businesses::Business;
use novi::catalog::products::{self, ProductInput};
use novi::domain::Sku;
use reqwest::StatusCode;

use crate::support::bridge::CUSTOMER;
use crate::support::fakes::FakeGraph;
use crate::support::{Browser, TestApp, WAIT};

/// The cart token in a storefront page's forms.
pub fn cart_token(html: &str) -> String {
    hidden(html, "_cart").expect("a cart form")
}

/// The value of the first field named `name` in a page (`name="…" value="…"`).
pub fn hidden(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(page[at..at + page[at..].find('"')?].to_owned())
}

/// A shopper who opened the shop's page: the browser and its cart token.
pub async fn shopper(app: &TestApp, code: &str) -> (Browser, String) {
    shopper_at(app.browser(), code).await
}

/// [`shopper`] in browser `b` (of any server, a `novi serve` process say).
pub async fn shopper_at(mut b: Browser, code: &str) -> (Browser, String) {
    let (status, page) = b.get(&format!("/s/{code}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let token = cart_token(&page);
    (b, token)
}

pub async fn add(
    b: &mut Browser,
    code: &str,
    token: &str,
    product: i64,
    n: &str,
) -> (StatusCode, String) {
    let id = product.to_string();
    let form = [
        ("_cart", token),
        ("product", &id),
        ("variant", "0"),
        ("count", n),
    ];
    let (status, body, _) = b.post_raw(&format!("/s/{code}/cart"), &form).await;
    (status, body)
}

pub async fn checkout(
    b: &mut Browser,
    code: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let mut form = vec![
        ("_cart", token),
        ("name", "Asha"),
        ("phone", "98123 45678"),
        ("fulfilment", "delivery"),
        ("address", "12 MG Road"),
        ("note", ""),
        ("payment", "cash"),
    ];
    for (k, v) in extra {
        form.retain(|(name, _)| name != k);
        form.push((k, v));
    }
    b.post_raw(&format!("/s/{code}/checkout"), &form).await
}

fn samosa(app: &TestApp, b: &Business) -> i64 {
    crate::support::product(&app.db, b, "samosa").id
}

fn order_count(app: &TestApp, b: &Business) -> i64 {
    app.db
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM orders WHERE business_id = ?1",
                [b.id],
                |r| r.get(0),
            )?)
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_orders_with_plain_forms_and_lands_on_the_tracking_page() {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_fast_outbox().await;
    let shop = app.small_shop("sweets");
    app.connect_cloud(&shop, &graph);
    let (mut b, token) = shopper(&app, "sweets").await;
    let (_, page) = b.get("/s/sweets").await;
    for name in ["Kaju Katli", "Gulab Jamun", "Samosa", "Box of 12"] {
        assert!(page.contains(name), "{name} on the page");
    }
    let (status, _) = add(&mut b, "sweets", &token, samosa(&app, &shop), "3").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(cart.contains("Samosa") && cart.contains("₹45.00"), "{cart}");

    // Every mistake at once, beside its field, with what was typed kept.
    let bad = [
        ("name", " "),
        ("phone", "12"),
        ("address", ""),
        ("note", "ring twice"),
    ];
    let (status, page, _) = checkout(&mut b, "sweets", &token, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["name-error", "phone-error", "address-error"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}: {page}");
        // And listed at the top, each leading to its field.
        assert!(page.contains(&format!("href=\"#{id}\"")), "{id}: {page}");
    }
    assert!(page.contains("Your order was not placed."), "{page}");
    assert!(page.contains("ring twice"), "the note is kept");
    assert_eq!(order_count(&app, &shop), 0);

    let mut live = app.state.bridge.live.subscribe();
    let (status, _, to) = checkout(&mut b, "sweets", &token, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = to.expect("to the tracking page");
    assert!(to.starts_with("/t/"), "{to}");
    // Told before the answer came back (a chat's change may be told too, meanwhile).
    let orders: Vec<_> = std::iter::from_fn(|| live.try_recv().ok())
        .filter(|e| matches!(e.what, novi::whatsapp::Live::Order { .. }))
        .map(|e| e.what)
        .collect();
    assert_eq!(
        orders,
        vec![novi::whatsapp::Live::Order {
            number: 1,
            new: true
        }],
        "the counter's pages are told"
    );
    let (status, page) = b.get(&to).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Order #1",
        "Samosa",
        "₹45.00",
        "Pending",
        "Unpaid",
        "12 MG Road",
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }
    let order = crate::support::order(&app.db, &shop, 1);
    assert_eq!(order.channel.as_str(), "storefront");
    assert_eq!(app.stock(&shop, "samosa"), 47, "the same stock transaction");
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(
        cart.contains("Your cart is empty"),
        "a new cart after ordering"
    );

    // The same confirmation a chat order gets, with the tracking link.
    let sent = graph
        .wait_until("the confirmation", WAIT, |log| {
            log.iter().any(|r| r.to() == Some(CUSTOMER))
        })
        .await;
    let text = sent
        .iter()
        .find(|r| r.to() == Some(CUSTOMER))
        .unwrap()
        .text()
        .unwrap()
        .to_owned();
    assert!(text.contains("order #1 is placed"), "{text}");
    let link = format!("{}/t/", app.url(""));
    assert!(text.contains(&link), "{text}");
    let token = &text[text.find("/t/").unwrap() + 3..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let (status, _) = app.browser().get(&format!("/t/{token}")).await;
    assert_eq!(status, StatusCode::OK, "the link in the message works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_sold_out_meanwhile_is_explained_and_no_order_is_made() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let (mut b, token) = shopper(&app, "sweets").await;
    let id = samosa(&app, &shop);
    assert_eq!(
        add(&mut b, "sweets", &token, id, "2").await.0,
        StatusCode::SEE_OTHER
    );

    // Someone else buys the rest while this shopper looks at the cart.
    app.adjust_stock(&shop, "samosa", -50, "sold at the counter");
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(cart.contains("Samosa is sold out"), "{cart}");
    let (status, page, to) = checkout(&mut b, "sweets", &token, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(to.is_none());
    assert!(
        page.contains("Samosa sold out while you were shopping"),
        "{page}"
    );
    assert!(page.contains("No order was made"), "{page}");
    assert_eq!(order_count(&app, &shop), 0);
    assert_eq!(app.stock(&shop, "samosa"), 0);

    // Adding more than is left is refused when adding, saying what is left.
    let gulab = crate::support::product(&app.db, &shop, "gulab-jamun").id;
    let (status, _) = add(&mut b, "sweets", &token, gulab, "99").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "gulab jamun has 100");
    let (status, page) = add(&mut b, "sweets", &token, gulab, "2").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("only 100 pc of Gulab Jamun is left"),
        "{page}"
    );
    let (status, _) = add(&mut b, "sweets", &token, id, "1").await;
    assert_eq!(status, StatusCode::CONFLICT, "sold out");

    // A count that is not one is the shopper's to correct (422), not a clash over stock, and
    // puts nothing in the cart.
    for count in ["-3", "0", "100", "two", ""] {
        let (status, page) = add(&mut b, "sweets", &token, gulab, count).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{count:?}");
        assert!(page.contains("a whole number from 1 to 99"), "{page}");
    }
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(
        cart.contains(r#"name="count" value="99""#),
        "still the 99 gulab jamun: {cart}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_shoppers_race_for_the_last_five_pieces() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    app.adjust_stock(&shop, "samosa", -45, "the last five");
    let id = samosa(&app, &shop);
    let mut shoppers = Vec::new();
    for _ in 0..20 {
        let (mut b, token) = shopper(&app, "sweets").await;
        assert_eq!(
            add(&mut b, "sweets", &token, id, "1").await.0,
            StatusCode::SEE_OTHER
        );
        shoppers.push((b, token));
    }
    let runs = shoppers.into_iter().map(|(mut b, token)| {
        tokio::spawn(async move { checkout(&mut b, "sweets", &token, &[]).await.0 })
    });
    let outcomes: Vec<StatusCode> = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let won = outcomes
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    let lost = outcomes
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((won, lost), (5, 15), "{outcomes:?}");
    assert_eq!(order_count(&app, &shop), 5);
    assert_eq!(app.stock(&shop, "samosa"), 0);
    let lowest: i64 = app
        .db
        .with_conn(|c| {
            Ok(c.query_row(
                "SELECT MIN(stock_after) FROM stock_moves WHERE product_id = ?1",
                [id],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(lowest, 0, "stock never went below zero");
}

fn cached_version(app: &TestApp, b: &Business) -> Option<i64> {
    app.state.storefront.catalogs.entry_version(b.id)
}

fn db_version(app: &TestApp, b: &Business) -> i64 {
    app.db
        .with_conn(|c| novi::accounts::businesses::catalog_version(c, b.id))
        .unwrap()
}

/// Changes a product through `products::update`, as the product form saves it.
pub fn edit_product(
    app: &TestApp,
    shop: &Business,
    sku: &str,
    change: impl FnOnce(&mut ProductInput),
) {
    app.db
        .with_tx(|tx| {
            let p = products::by_sku(tx, shop.id, sku)?.unwrap();
            let mut input = ProductInput {
                sku: Sku::parse(&p.sku).unwrap(),
                name: p.name,
                category: p.category,
                unit: p.unit,
                price: p.price,
                aliases: p.aliases,
                active: true,
                low_stock: p.low_stock,
                variants: Vec::new(),
            };
            change(&mut input);
            products::update(tx, shop.id, p.id, &input)
        })
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_is_served_from_cache_until_any_write_changes_it() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let mut b = app.browser();
    b.get("/s/sweets").await;
    let v = db_version(&app, &shop);
    assert_eq!(cached_version(&app, &shop), Some(v));

    // A change that (unlike every real write) leaves the version alone is not seen: the page
    // comes from the cache.
    app.db
        .with_conn(|c| {
            c.execute_batch("UPDATE products SET name = 'Secret Samosa' WHERE sku = 'samosa'")?;
            c.execute(
                "UPDATE businesses SET catalog_version = ?1 WHERE id = ?2",
                [v, shop.id],
            )?;
            Ok(())
        })
        .unwrap();
    assert!(
        !b.get("/s/sweets").await.1.contains("Secret Samosa"),
        "served from the cache"
    );

    // Each write path moves the version, and the next page shows the change.
    let mut seen = v;
    let mut changed = |what: &str, app: &TestApp| {
        let now = db_version(app, &shop);
        assert!(now > seen, "{what} moves the catalog version");
        seen = now;
    };
    app.adjust_stock(&shop, "samosa", -50, "sold out");
    changed("a stock adjustment", &app);
    let page = b.get("/s/sweets").await.1;
    assert!(
        page.contains("Secret Samosa") && page.contains("Sold out"),
        "{page}"
    );
    app.import_catalog(&shop);
    changed("an import", &app);
    edit_product(&app, &shop, "kaju-katli", |p| p.name = "Kaju Barfi".into());
    changed("a product edit", &app);
    assert!(b.get("/s/sweets").await.1.contains("Kaju Barfi"));
    let api = app.api(&shop);
    let body = serde_json::json!({
        "customer": {"phone": "9876543210", "name": "Asha"},
        "address": "12 MG Road",
        "lines": [{"sku": "gulab-jamun", "qty": 5}]
    });
    let (status, answer) = api.post("/api/v1/orders", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    changed("an order taking stock", &app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_forms_need_their_cart_token_and_are_rate_limited() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let (mut b, token) = shopper(&app, "sweets").await;
    let id = samosa(&app, &shop);
    let (status, _) = add(&mut b, "sweets", "forged", id, "1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no token, no change");
    let (mut other, _) = shopper(&app, "sweets").await;
    let (status, _) = add(&mut other, "sweets", &token, id, "1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "another cart's token");
    assert!(b
        .get("/s/sweets/cart")
        .await
        .1
        .contains("Your cart is empty"));

    // Thirty checkouts from one address in ten minutes, then a pause.
    for _ in 0..30 {
        let (status, _, _) = checkout(&mut b, "sweets", &token, &[("name", "")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, page, _) = checkout(&mut b, "sweets", &token, &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert_eq!(order_count(&app, &shop), 0);
    assert_eq!(b.get("/s/nope").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shops_number_is_shown_as_written_and_dials_with_its_country_code() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let mut owner = app.owner(&shop, "asha").await;
    owner.get("/b/sweets/settings").await;
    let profile = [
        ("name", shop.name.as_str()),
        ("address", ""),
        ("phone", "98000 00001"),
        ("currency", "INR"),
        ("delivery_fee", "0"),
        ("upi_id", ""),
    ];
    let (status, _, _) = owner.post("/b/sweets/settings/profile", &profile).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = app.browser().get("/s/sweets").await;
    let call = r#"<a class="tel" href="tel:+919800000001">+91 98000 00001</a>"#;
    assert!(page.contains(call), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_count_that_is_no_count_changes_nothing_in_the_cart_and_says_so() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let (mut b, token) = shopper(&app, "sweets").await;
    let id = samosa(&app, &shop);
    add(&mut b, "sweets", &token, id, "3").await;
    for typed in ["", "1.5", "abc", "100"] {
        let form = [("_cart", token.as_str()), ("line", "0"), ("count", typed)];
        let (status, page, _) = b.post_raw("/s/sweets/cart/update", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{typed:?}");
        assert!(page.contains("a whole number from 0 to 99"), "{page}");
        assert!(page.contains("value=\"3\""), "still three: {page}");
    }
    // Zero takes it out, as the page says.
    let form = [("_cart", token.as_str()), ("line", "0"), ("count", "0")];
    let (status, _, _) = b.post_raw("/s/sweets/cart/update", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(cart.contains("Your cart is empty"), "{cart}");

    // Adding the same item twice stops at 99 in all.
    let gulab = crate::support::product(&app.db, &shop, "gulab-jamun").id;
    assert_eq!(
        add(&mut b, "sweets", &token, gulab, "60").await.0,
        StatusCode::SEE_OTHER
    );
    let (status, page) = add(&mut b, "sweets", &token, gulab, "40").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("at most 99 of one item, and yours has 60"),
        "{page}"
    );
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(cart.contains("value=\"60\""), "{cart}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_count_from_an_older_cart_page_changes_the_item_it_was_typed_for() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let (mut b, token) = shopper(&app, "sweets").await;
    let (samosa, gulab) = (
        samosa(&app, &shop),
        crate::support::product(&app.db, &shop, "gulab-jamun").id,
    );
    add(&mut b, "sweets", &token, samosa, "2").await;
    add(&mut b, "sweets", &token, gulab, "1").await;
    let (_, page) = b.get("/s/sweets/cart").await;
    let item = |id: i64| format!("{id}.0");
    assert!(
        page.contains(&format!(r#"name="item" value="{}""#, item(gulab))),
        "{page}"
    );
    // Samosa taken out in another tab; this page's gulab jamun line was the second.
    let out = item(samosa);
    let gone = [
        ("_cart", token.as_str()),
        ("item", out.as_str()),
        ("count", "0"),
    ];
    b.post_raw("/s/sweets/cart/update", &gone).await;
    let g = item(gulab);
    let five = [
        ("_cart", token.as_str()),
        ("item", g.as_str()),
        ("count", "5"),
    ];
    let (status, _, _) = b.post_raw("/s/sweets/cart/update", &five).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(
        cart.contains("Gulab Jamun") && cart.contains(r#"value="5""#) && !cart.contains("Samosa"),
        "{cart}"
    );
    // A line no longer in the cart changes nothing.
    let again = [
        ("_cart", token.as_str()),
        ("item", out.as_str()),
        ("count", "7"),
    ];
    b.post_raw("/s/sweets/cart/update", &again).await;
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(
        !cart.contains("Samosa") && cart.contains(r#"value="5""#),
        "{cart}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_taken_off_sale_meanwhile_is_named_on_the_cart_page() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let (mut b, token) = shopper(&app, "sweets").await;
    let samosa = samosa(&app, &shop);
    let gulab = crate::support::product(&app.db, &shop, "gulab-jamun").id;
    for id in [samosa, gulab] {
        assert_eq!(
            add(&mut b, "sweets", &token, id, "2").await.0,
            StatusCode::SEE_OTHER
        );
    }
    // The shop takes samosa off sale while it sits in the cart.
    app.db
        .with_tx(|tx| {
            Ok::<_, novi::error::AppError>(
                tx.execute("UPDATE products SET active = 0 WHERE id = ?1", [samosa])?,
            )
        })
        .unwrap();
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(
        cart.contains("No longer sold, so not in your order: Samosa."),
        "{cart}"
    );
    assert!(
        cart.contains("Cart (1)") && cart.contains("Gulab Jamun"),
        "counted as what can be ordered: {cart}"
    );
}
