//! Paying online, against a real `novi serve` and the loopback Razorpay: storefront checkout
//! with Razorpay driven by a fake Checkout that posts what Razorpay's would (a right signature
//! pays once however often it is posted; a forged one changes nothing); Razorpay down at
//! checkout (the order stands, "Try again" works); a chat confirmation carrying a Payment Link
//! for the exact total, and its callback paying once; and the payment page in Chromium at a
//! phone's size, with its own Content-Security-Policy.

use novi::accounts::businesses::{self, Business};
use novi::db::Db;
use novi::orders::{Order, PaymentMode, PaymentStatus};
use novi::razorpay::sign::sign;
use novi::razorpay::{settings, RazorpaySettings};
use reqwest::StatusCode;
use tempfile::TempDir;

use crate::storefront::{add, checkout, shopper_at};
use crate::support::bridge::{configure_cloud, APP_SECRET, CUSTOMER, PNID};
use crate::support::fakes::{self, FakeGraph};
use crate::support::process::{install_with_sweet_shop, Server};
use crate::support::razorpay::{FakeRazorpay, KEY_ID, KEY_SECRET, WEBHOOK_SECRET};
use crate::support::{Browser, WAIT};

/// A sweet shop served by `novi serve`, on the Cloud API (the fake Graph) and Razorpay (the
/// fake), with its keys saved as Settings → Payments saves them.
struct Shop {
    // Dropped in this order: the server stops before its data directory goes.
    server: Server,
    _dir: TempDir,
    db: Db,
    b: Business,
    rzp: FakeRazorpay,
    graph: FakeGraph,
}

async fn shop() -> Shop {
    let (rzp, graph) = (FakeRazorpay::start().await, FakeGraph::start().await);
    let dir = install_with_sweet_shop("shop");
    let d = dir.path();
    let toml = format!(
        "outbox_retry_base_ms = 20\nrecipient_interval_ms = 1\nrazorpay_api = \"{}\"\n",
        rzp.base
    );
    std::fs::write(d.join("novi.toml"), toml).unwrap();
    configure_cloud(d, &graph.base_url());
    let db = Db::open(d).unwrap();
    let b = db
        .with_conn(|c| businesses::by_code(c, "shop"))
        .unwrap()
        .unwrap();
    let keys = RazorpaySettings {
        key_id: KEY_ID.into(),
        key_secret: KEY_SECRET.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
    };
    db.with_conn(|c| settings::save(c, b.id, &keys)).unwrap();
    let server = Server::start(d, &["--listen", "127.0.0.1:0"], &[]);
    Shop {
        server,
        _dir: dir,
        db,
        b,
        rzp,
        graph,
    }
}

impl Shop {
    fn order(&self, number: i64) -> Order {
        crate::support::order(&self.db, &self.b, number)
    }

    /// How many payments order `number` has.
    fn payments(&self, number: i64) -> i64 {
        let id = self.order(number).id;
        let sql = "SELECT COUNT(*) FROM payments WHERE order_id = ?1";
        self.db
            .with_conn(|c| Ok(c.query_row(sql, [id], |r| r.get(0))?))
            .unwrap()
    }

    /// What the fake Razorpay was asked at `path`, in order.
    fn asked(&self, path: &str) -> Vec<serde_json::Value> {
        let calls = self.rzp.calls().into_iter();
        calls.filter(|c| c.path == path).map(|c| c.body).collect()
    }

    /// A shopper with 1 kg of kaju katli in the cart, checking out paying by Razorpay; the
    /// browser and where checkout sent it.
    async fn razorpay_checkout(&self) -> (Browser, String) {
        let (mut b, token) = shopper_at(Browser::new(self.server.base.clone()), "shop").await;
        let kaju = crate::support::product(&self.db, &self.b, "kaju-katli").id;
        assert_eq!(
            add(&mut b, "shop", &token, kaju, "1").await.0,
            StatusCode::SEE_OTHER
        );
        let (_, cart) = b.get("/s/shop/cart").await;
        assert!(
            cart.contains("name=\"payment\" value=\"razorpay\""),
            "{cart}"
        );
        let (status, page, to) = checkout(&mut b, "shop", &token, &[("payment", "razorpay")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        (b, to.expect("somewhere to go"))
    }

    /// The customer writes `text` on WhatsApp (message id `wamid`).
    async fn says(&self, wamid: &str, text: &str) {
        let body = fakes::cloud_text(PNID, CUSTOMER, "Asha", wamid, text).to_string();
        let res = reqwest::Client::new()
            .post(format!("{}/webhooks/whatsapp/shop", self.server.base))
            .header("X-Hub-Signature-256", fakes::sign_sha256(APP_SECRET, &body))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }

    /// Waits until Novi has sent the customer `n` messages (the summary comes with buttons).
    async fn answered(&self, n: usize) {
        let to_them = |r: &&fakes::Recorded| r.to() == Some(CUSTOMER) && !r.is_mark_read();
        let what = format!("{n} message(s) to the customer");
        self.graph
            .wait_until(&what, WAIT, |log| log.iter().filter(to_them).count() >= n)
            .await;
    }

    /// The customer orders 1 kg of kaju katli in the chat and says yes; the confirmation.
    async fn order_by_chat(&self) -> String {
        self.says("w1", "1 kg kaju katli, deliver to 12 MG Road")
            .await;
        self.answered(1).await;
        self.says("w2", "yes").await;
        self.told("is placed").await
    }

    /// Waits for a text to the customer containing `part`, and returns it.
    async fn told(&self, part: &str) -> String {
        let has = |t: &String| t.contains(part);
        // The fake's log is locked while `wait_until` looks at it: read the texts from it.
        let seen = |log: &[fakes::Recorded]| {
            let to_them = log.iter().filter(|r| r.to() == Some(CUSTOMER));
            to_them
                .filter_map(fakes::Recorded::text)
                .any(|t| t.contains(part))
        };
        self.graph.wait_until(part, WAIT, seen).await;
        self.graph.texts_to(CUSTOMER).into_iter().find(has).unwrap()
    }
}

/// Posts what Razorpay's Checkout handler hands back to the payment page at `pay`.
async fn post_checkout(
    b: &mut Browser,
    pay: &str,
    order: &str,
    payment: &str,
    signature: &str,
) -> (StatusCode, String, Option<String>) {
    let form = [
        ("razorpay_payment_id", payment),
        ("razorpay_order_id", order),
        ("razorpay_signature", signature),
    ];
    b.post_raw(pay, &form).await
}

fn checkout_signature(secret: &str, order: &str, payment: &str) -> String {
    sign(secret, format!("{order}|{payment}").as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_checkout_pays_the_order_once_and_a_forged_one_changes_nothing() {
    let s = shop().await;
    let (mut b, pay) = s.razorpay_checkout().await;
    assert!(
        pay.starts_with("/s/shop/pay/"),
        "to the payment page: {pay}"
    );
    let o = s.order(1);
    assert_eq!(
        (o.payment_mode, o.payment_status),
        (PaymentMode::Razorpay, PaymentStatus::Unpaid)
    );
    // Asked for Novi's own total, once the order was taken.
    let asked = s.asked("/v1/orders");
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["amount"].as_i64(), Some(o.total.minor()));
    assert_eq!(asked[0]["receipt"].as_str(), Some("shop-1"));

    let (status, page) = b.get(&pay).await;
    assert_eq!(status, StatusCode::OK);
    for part in [
        "data-order=\"order_fake1\"",
        &format!("data-key=\"{KEY_ID}\""),
        "checkout.razorpay.com/v1/checkout.js",
        "Paying online needs JavaScript",
    ] {
        assert!(page.contains(part), "{part} in {page}");
    }

    // Forged: a wrong key, and a good signature over another Razorpay order than Novi's.
    let wrong_key = checkout_signature("not-the-secret", "order_fake1", "pay_1");
    let (status, page, _) = post_checkout(&mut b, &pay, "order_fake1", "pay_1", &wrong_key).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("could not be confirmed"), "{page}");
    let other = checkout_signature(KEY_SECRET, "order_other", "pay_1");
    let (status, _, _) = post_checkout(&mut b, &pay, "order_other", "pay_1", &other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(s.order(1).payment_status, PaymentStatus::Unpaid);
    assert_eq!(s.payments(1), 0);

    // Signed by Razorpay for the order Novi stored: paid, and once however often it is posted.
    let good = checkout_signature(KEY_SECRET, "order_fake1", "pay_1");
    for _ in 0..2 {
        let (status, page, to) = post_checkout(&mut b, &pay, "order_fake1", "pay_1", &good).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert!(
            to.as_deref().is_some_and(|t| t.starts_with("/t/")),
            "{to:?}"
        );
    }
    assert_eq!(s.order(1).payment_status, PaymentStatus::Paid);
    assert_eq!(s.payments(1), 1);
    let track = format!("/t/{}", pay.rsplit('/').next().unwrap());
    let (_, page) = b.get(&track).await;
    assert!(page.contains("Paid") && !page.contains("Pay now"), "{page}");
    // The timeline says what was paid, in words, not the event's internal name.
    let paid_line = format!("Razorpay received {}, ref pay_1", o.total.format("INR"));
    assert!(page.contains(&paid_line), "{paid_line} in {page}");
    assert!(!page.contains("— payment"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn razorpay_down_at_checkout_keeps_the_order_and_offers_to_try_again() {
    let s = shop().await;
    s.rzp
        .fail_next(500, "We are facing some trouble completing your request");
    let (mut b, pay) = s.razorpay_checkout().await;
    assert!(pay.starts_with("/s/shop/pay/"), "{pay}");
    assert_eq!(
        s.order(1).payment_status,
        PaymentStatus::Unpaid,
        "the order stands"
    );
    // The page asks Razorpay again when it opens, and says it did not answer only when it
    // did not, this time too.
    s.rzp
        .fail_next(500, "We are facing some trouble completing your request");
    let (status, page) = b.get(&pay).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Razorpay did not answer") && page.contains("Try again"),
        "{page}"
    );
    assert_eq!(s.asked("/v1/orders").len(), 2, "asked when the page opened");
    assert!(
        !page.contains("data-order="),
        "nothing to open Checkout with: {page}"
    );

    // The tracking page offers to pay, and "Try again" asks Razorpay afresh.
    let track = format!("/t/{}", pay.rsplit('/').next().unwrap());
    let (_, page) = b.get(&track).await;
    assert!(
        page.contains(&format!("href=\"{pay}\"")) && page.contains("Pay now"),
        "{page}"
    );
    let (status, _, to) = b.post_raw(&format!("{pay}/start"), &[]).await;
    assert_eq!(
        (status, to.as_deref()),
        (StatusCode::SEE_OTHER, Some(pay.as_str()))
    );
    let (_, page) = b.get(&pay).await;
    assert!(page.contains("data-order=\"order_fake1\""), "{page}");
    assert_eq!(s.asked("/v1/orders").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_payment_page_lets_razorpays_script_in() {
    let s = shop().await;
    let (b, pay) = s.razorpay_checkout().await;
    let csp = |path: String| {
        let client = b.client.clone();
        async move {
            let res = client.get(path).send().await.unwrap();
            let v = res.headers().get("content-security-policy").unwrap();
            v.to_str().unwrap().to_owned()
        }
    };
    let base = &s.server.base;
    let on_pay = csp(format!("{base}{pay}")).await;
    assert!(
        on_pay.contains("script-src 'self' https://checkout.razorpay.com"),
        "{on_pay}"
    );
    let track = format!("/t/{}", pay.rsplit('/').next().unwrap());
    for other in ["/s/shop".to_owned(), "/s/shop/cart".to_owned(), track] {
        let policy = csp(format!("{base}{other}")).await;
        assert!(!policy.contains("razorpay"), "{other}: {policy}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_confirmation_carries_a_link_for_the_exact_total_and_its_callback_pays_once() {
    let s = shop().await;
    let confirmation = s.order_by_chat().await;
    let o = s.order(1);
    let line = format!(
        "Pay {} online: https://rzp.io/i/fake1",
        o.total.format("INR")
    );
    assert!(confirmation.contains(&line), "{confirmation}");

    let asked = s.asked("/v1/payment_links");
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["amount"].as_i64(), Some(o.total.minor()));
    assert_eq!(asked[0]["reference_id"].as_str(), Some("shop-1"));
    let callback = asked[0]["callback_url"].as_str().unwrap_or_default();
    assert_eq!(callback, format!("{}/s/shop/paid", s.server.base));

    // Razorpay sends the customer back signed over its link, Novi's reference, status, payment.
    let query = |status: &str, signature: &str| {
        format!(
            "/s/shop/paid?razorpay_payment_id=pay_L1&razorpay_payment_link_id=plink_fake1\
             &razorpay_payment_link_reference_id=shop-1&razorpay_payment_link_status={status}\
             &razorpay_signature={signature}"
        )
    };
    let mut b = Browser::new(s.server.base.clone());
    let forged = sign(KEY_SECRET, b"plink_fake1|shop-2|paid|pay_L1");
    let (status, page) = b.get(&query("paid", &forged)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert_eq!(s.payments(1), 0);
    let good = sign(KEY_SECRET, b"plink_fake1|shop-1|paid|pay_L1");
    for _ in 0..2 {
        let (status, page) = b.get(&query("paid", &good)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    }
    assert_eq!(s.order(1).payment_status, PaymentStatus::Paid);
    assert_eq!(s.payments(1), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_razorpay_down_the_confirmation_goes_without_a_link() {
    let s = shop().await;
    s.rzp.fail_next(503, "Service unavailable");
    let confirmation = s.order_by_chat().await;
    assert!(!confirmation.contains("rzp.io"), "{confirmation}");
    assert_eq!(s.asked("/v1/payment_links").len(), 1, "asked once");
    assert_eq!(s.order(1).payment_status, PaymentStatus::Unpaid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_razorpay_makes_after_the_wait_is_still_recorded_as_novis() {
    let s = shop().await;
    let gate = s.rzp.hold_next();
    // Razorpay has not answered in the 12 s the confirmation waits for: it goes without.
    let confirmation = s.order_by_chat().await;
    assert!(!confirmation.contains("rzp.io"), "{confirmation}");
    assert_eq!(s.asked("/v1/payment_links").len(), 1, "asked once");

    // Then it makes the link after all: Novi keeps it as its own, so a payment through it
    // would be put on the order, not ignored as one Novi never asked for.
    gate.notify_one();
    let order_id = s.order(1).id;
    let found = |db: &Db| {
        let sql = "SELECT COUNT(*) FROM razorpay_requests WHERE order_id = ?1 AND razorpay_id = 'plink_fake1'";
        db.with_conn(|c| Ok(c.query_row(sql, [order_id], |r| r.get::<_, i64>(0))?))
            .unwrap()
    };
    let deadline = std::time::Instant::now() + WAIT;
    while found(&s.db) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the late link was not recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The payment page in Chromium on a phone (360×740), with Razorpay's script unreachable as it
/// is offline: the page fits, its controls are labelled and thumb-sized, axe-core finds
/// nothing serious, it says the payment window could not be loaded (the order kept), and the
/// browser reports nothing but that script's failed load (the page's own policy lets it try).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payment_page_on_a_phone_says_what_to_do_when_checkout_cannot_load() {
    use crate::phone::{axe, axe_core, controls, fill, find, open, overflow};
    use crate::support::chrome::{block_urls, console_errors, set_viewport, Chrome};
    use crate::support::TestApp;

    let rzp = FakeRazorpay::start().await;
    let api = rzp.base.clone();
    let app = TestApp::start_with(move |c| c.razorpay_api = Some(api)).await;
    let shop = app.small_shop("sharma");
    let keys = RazorpaySettings {
        key_id: KEY_ID.into(),
        key_secret: KEY_SECRET.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
    };
    app.db
        .with_conn(|c| settings::save(c, shop.id, &keys))
        .unwrap();
    let axe_source = axe_core();

    Chrome::run(move |client| async move {
        set_viewport(&client, 360, 740).await;
        block_urls(&client, &["*checkout.razorpay.com*"]).await;
        open(&client, &app, "/s/sharma").await;
        let card = "//article[.//h3='Samosa']";
        find(&client, &format!("{card}//button[normalize-space()='Add to cart']")).await.click().await.unwrap();
        find(&client, "//a[normalize-space()='Go to checkout']").await.click().await.unwrap();
        fill(&client, "name", "Meera").await;
        fill(&client, "phone", "9812345678").await;
        fill(&client, "address", "Flat 1204, Tower B, Whitefield Main Road, Bengaluru").await;
        find(&client, "//input[@name='payment' and @value='razorpay']").await.click().await.unwrap();
        find(&client, "//button[normalize-space()='Place order']").await.click().await.unwrap();
        find(&client, "//h1[normalize-space()='Pay for order #1']").await;
        find(&client, "//p[@id='rzp-note' and contains(., 'could not be loaded') and contains(., 'order is placed and kept')]").await;
        find(&client, "//button[@id='rzp-pay' and @disabled]").await;
        find(&client, "//a[normalize-space()='See your order']").await;

        let mut problems: Vec<String> = overflow(&client).await.into_iter().collect();
        problems.extend(controls(&client, true).await);
        problems.extend(axe(&client, &axe_source, true).await);
        let errors = console_errors(&client).await.into_iter();
        problems.extend(errors.filter(|e| !e.contains("https://checkout.razorpay.com/v1/checkout.js")));
        assert!(problems.is_empty(), "problems:\n{}", problems.join("\n"));
        let o = crate::support::order(&app.db, &shop, 1);
        assert_eq!((o.payment_mode, o.payment_status), (PaymentMode::Razorpay, PaymentStatus::Unpaid));
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_paid_for_an_older_total_is_not_asked_for_again() {
    let s = shop().await;
    let (mut b, pay) = s.razorpay_checkout().await;
    b.get(&pay).await;
    // The shop halves the order while the customer's payment page is open.
    let line = s.order(1).lines[0].clone();
    let half = novi::orders::LineRequest::Qty {
        sku: line.sku.clone(),
        qty: line.qty / 2,
    };
    s.db.with_tx(|tx| {
        novi::orders::service::edit_lines(tx, &s.b, 1, &[half], &[Some(0)], "meera")
            .map_err(novi::error::AppError::from)
    })
    .unwrap();
    // They pay the old total: set aside for the shop, and not asked for again.
    let good = checkout_signature(KEY_SECRET, "order_fake1", "pay_old");
    post_checkout(&mut b, &pay, "order_fake1", "pay_old", &good).await;
    let track = format!("/t/{}", pay.rsplit('/').next().unwrap());
    let (_, page) = b.get(&track).await;
    assert!(
        page.contains("from you online. The order changed before it came")
            && !page.contains("Pay now"),
        "{page}"
    );
    // The payment page sends them to the tracking page instead.
    assert_eq!(b.get(&pay).await.0, StatusCode::SEE_OTHER);
    assert_eq!(
        s.asked("/v1/orders").len(),
        1,
        "no second Razorpay order to pay"
    );
}
