//! Placing a storefront order over real HTTP: one cart makes one order, however often its form
//! is sent (a double tap at once, or again after the first emptied the cart), and the order is
//! taken only at the total the page showed for the way chosen.

use std::collections::BTreeMap;

use novi::accounts::businesses::Business;
use novi::domain::Money;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, Client, StatusCode};

use crate::storefront::{cart_token, edit_product, hidden};
use crate::support::TestApp;

/// A shopper whose cookies are kept by hand, so the same ones can be sent by several requests
/// at once, as a double tap sends them.
#[derive(Clone)]
struct Shopper {
    client: Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

/// What a request answered: status, body, where it sends the shopper.
type Answer = (StatusCode, String, Option<String>);

impl Shopper {
    fn new(app: &TestApp) -> Self {
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            client,
            base: app.url(""),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    /// Sends a request with the shopper's cookies; keeps the cookies it sets when `keep`.
    async fn send(&mut self, path: &str, form: Option<&[(String, String)]>, keep: bool) -> Answer {
        let url = format!("{}{path}", self.base);
        let req = match form {
            Some(f) => self.client.post(url).form(f),
            None => self.client.get(url),
        };
        let res = req.header(COOKIE, self.cookie()).send().await.unwrap();
        if keep {
            for c in res.headers().get_all(SET_COOKIE) {
                let pair = c.to_str().unwrap().split(';').next().unwrap();
                let (k, v) = pair.split_once('=').unwrap();
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let to = res
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        (res.status(), res.text().await.unwrap(), to)
    }

    /// Opens the shop, puts `n` of product `id` in the cart; the cart page.
    async fn fills_cart(&mut self, id: i64, n: &str) -> String {
        let (_, page, _) = self.send("/s/sweets", None, true).await;
        let add = [
            ("_cart", cart_token(&page)),
            ("product", id.to_string()),
            ("variant", "0".into()),
            ("count", n.into()),
        ]
        .map(|(k, v)| (k.to_owned(), v));
        let (status, _, _) = self.send("/s/sweets/cart", Some(&add), true).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        self.send("/s/sweets/cart", None, true).await.1
    }
}

/// The checkout form as the cart page fills it, for `fulfilment`, without fields `leave`.
fn form(page: &str, fulfilment: &str, leave: &[&str]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = ["_cart", "cart", "total_delivery", "total_pickup"]
        .iter()
        .filter(|n| !leave.contains(n))
        .filter_map(|n| hidden(page, n).map(|v| ((*n).to_owned(), v)))
        .collect();
    let typed = [
        ("name", "Asha"),
        ("phone", "98123 45678"),
        ("fulfilment", fulfilment),
        ("address", "12 MG Road"),
        ("payment", "cash"),
    ];
    f.extend(typed.map(|(k, v)| (k.to_owned(), v.to_owned())));
    f
}

/// Every order of the shop: number, total, delivery or pickup.
fn orders(app: &TestApp, b: &Business) -> Vec<(i64, i64, String)> {
    app.db
        .with_conn(|c| {
            let mut s = c.prepare(
                "SELECT number, total_minor, fulfilment FROM orders WHERE business_id = ?1",
            )?;
            let rows = s.query_map([b.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .unwrap()
}

/// How order `n`'s tracking link starts, whenever it was made.
fn tracking(b: &Business, n: i64) -> String {
    format!("/t/{}-{n}-", b.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_cart_makes_one_order_however_often_its_form_is_sent() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let samosa = crate::support::product(&app.db, &shop, "samosa").id;
    let mut asha = Shopper::new(&app);
    let page = asha.fills_cart(samosa, "3").await;
    let f = form(&page, "delivery", &[]);

    // A double tap: the same form and cookie, five times at once; one of them with the form of
    // a page from before this one named its cart.
    let old = form(
        &page,
        "delivery",
        &["cart", "total_delivery", "total_pickup"],
    );
    let taps: Vec<_> = (0..5)
        .map(|i| {
            let (mut s, f) = (asha.clone(), if i == 2 { old.clone() } else { f.clone() });
            tokio::spawn(async move { s.send("/s/sweets/checkout", Some(&f), false).await })
        })
        .collect();
    for tap in taps {
        let (status, body, to) = tap.await.unwrap();
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let to = to.unwrap_or_default();
        assert!(to.starts_with(&tracking(&shop, 1)), "{to}");
    }
    assert_eq!(orders(&app, &shop), [(1, 4500, "delivery".to_owned())]);
    assert_eq!(app.stock(&shop, "samosa"), 47, "taken once");

    // Once the first answer gave the shopper a new, empty cart, the same form still finds the
    // order; and the new cart still makes an order of its own.
    let (_, _, to) = asha.send("/s/sweets/checkout", Some(&f), true).await;
    let (status, _, again) = asha.send("/s/sweets/checkout", Some(&f), true).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(again.unwrap_or_default().starts_with(&tracking(&shop, 1)));
    assert!(to.unwrap_or_default().starts_with(&tracking(&shop, 1)));
    let page = asha.fills_cart(samosa, "2").await;
    let (_, _, to) = asha
        .send(
            "/s/sweets/checkout",
            Some(&form(&page, "delivery", &[])),
            true,
        )
        .await;
    assert!(to.unwrap_or_default().starts_with(&tracking(&shop, 2)));
    assert_eq!(orders(&app, &shop).len(), 2);
    assert_eq!(app.stock(&shop, "samosa"), 45);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_is_taken_at_the_total_shown_for_the_way_chosen() {
    let app = TestApp::start().await;
    let shop = app.set_delivery_fee(&app.small_shop("sweets"), 4000);
    let samosa = crate::support::product(&app.db, &shop, "samosa").id;
    let mut asha = Shopper::new(&app);
    let page = asha.fills_cart(samosa, "3").await;
    // Each way says what it comes to; the totals shown are delivery's, chosen first.
    for text in [
        "Deliver to me · <strong>₹85.00</strong> in all",
        "I will pick it up · <strong>₹45.00</strong> in all",
        "<strong data-shown=\"total\">₹85.00</strong>",
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }

    // A price changed after the page was shown: no order, and the page shows the new total.
    edit_product(&app, &shop, "samosa", |p| p.price = Money::from_minor(2000));
    let f = form(&page, "pickup", &[]);
    let (status, body, _) = asha.send("/s/sweets/checkout", Some(&f), true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("The total is now ₹60.00, not the ₹45.00 shown")
            && body.contains("I will pick it up · <strong>₹60.00</strong> in all"),
        "{body}"
    );
    assert!(orders(&app, &shop).is_empty());
    assert_eq!(app.stock(&shop, "samosa"), 50, "nothing taken");

    // Placed from the page now shown, the pickup order stores that page's pickup total.
    let (status, _, _) = asha
        .send(
            "/s/sweets/checkout",
            Some(&form(&body, "pickup", &[])),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(orders(&app, &shop), [(1, 6000, "pickup".to_owned())]);
}
