//! UPI on the storefront and the tracking page, over real HTTP: checkout offers UPI only at a
//! shop with a UPI id (a forged choice is refused beside the field, no order made); an unpaid
//! order's tracking page shows the `upi://pay` link for exactly what is due, as a QR code and a
//! button, for storefront and chat orders alike, and nothing of it once paid or cancelled.

use novi::accounts::businesses::{self, Business};
use novi::orders::PaymentMode;
use reqwest::StatusCode;

use crate::storefront::{add, checkout, shopper};
use crate::support::{Browser, TestApp};

const UPI_ID: &str = "sharmasweets@okaxis";

/// Sets the shop's UPI id, as Settings → Profile saves it.
fn set_upi(app: &TestApp, b: &Business, upi_id: &str) {
    app.db
        .with_conn(|c| businesses::set_upi_id(c, b.id, upi_id))
        .unwrap();
    app.state.forget_business(&b.short_code);
}

/// The `upi://pay` link the page's button opens, read from the markup (not from the QR image).
fn pay_link(page: &str) -> Option<String> {
    let at = page.find("href=\"upi://pay?")? + 6;
    let end = at + page[at..].find('"')?;
    Some(page[at..end].replace("&amp;", "&"))
}

fn orders(app: &TestApp, b: &Business) -> i64 {
    app.db
        .with_conn(|c| {
            let sql = "SELECT COUNT(*) FROM orders WHERE business_id = ?1";
            Ok(c.query_row(sql, [b.id], |r| r.get(0))?)
        })
        .unwrap()
}

/// Staff record `amount` received by UPI on order `number`, from its page.
async fn received(staff: &mut Browser, b: &Business, number: i64, amount: &str) {
    let page = format!("/b/{}/orders/{number}", b.short_code);
    staff.get(&page).await;
    let form = [("amount", amount), ("mode", "upi"), ("reference", "")];
    let (status, body, _) = staff.post(&format!("{page}/payments"), &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_upi_checkout_lands_on_a_qr_for_what_is_due_until_staff_mark_it_paid() {
    let app = TestApp::start().await;
    let shop = app.set_delivery_fee(&app.small_shop("sweets"), 4000);
    set_upi(&app, &shop, UPI_ID);
    let (mut b, token) = shopper(&app, "sweets").await;
    let samosa = crate::support::product(&app.db, &shop, "samosa").id;
    assert_eq!(
        add(&mut b, "sweets", &token, samosa, "3").await.0,
        StatusCode::SEE_OTHER
    );
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(cart.contains("name=\"payment\" value=\"upi\""), "{cart}");

    let (status, page, to) = checkout(&mut b, "sweets", &token, &[("payment", "upi")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let order = crate::support::order(&app.db, &shop, 1);
    assert_eq!(order.payment_mode, PaymentMode::Upi);
    assert_eq!(order.channel.as_str(), "storefront");
    assert_eq!(app.stock(&shop, "samosa"), 47, "the same stock transaction");

    // ₹45 of samosas and ₹40 for delivery.
    let track = to.expect("to the tracking page");
    let (status, page) = b.get(&track).await;
    assert_eq!(status, StatusCode::OK);
    let exact = "upi://pay?pa=sharmasweets@okaxis&pn=Shop%20sweets&am=85.00&cu=INR&tn=Order%201";
    assert_eq!(pay_link(&page).as_deref(), Some(exact), "{page}");
    for text in [
        "Pay with a UPI app",
        "<svg",
        "QR code to pay ₹85.00 by UPI",
        "marks the order paid when the money arrives",
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }

    // Part paid: the code asks for the rest, exactly.
    let mut owner = app.owner(&shop, "meera").await;
    received(&mut owner, &shop, 1, "40").await;
    let page = b.get(&track).await.1;
    let rest = exact.replace("am=85.00", "am=45.00");
    assert_eq!(pay_link(&page), Some(rest), "{page}");

    received(&mut owner, &shop, 1, "45").await;
    let page = b.get(&track).await.1;
    assert!(page.contains("Paid"), "{page}");
    for gone in ["upi://", "Pay by UPI", "<svg"] {
        assert!(!page.contains(gone), "{gone} once paid: {page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_upi_choice_at_a_shop_without_upi_is_refused_beside_the_field() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sweets");
    let (mut b, token) = shopper(&app, "sweets").await;
    let samosa = crate::support::product(&app.db, &shop, "samosa").id;
    add(&mut b, "sweets", &token, samosa, "2").await;
    let (_, cart) = b.get("/s/sweets/cart").await;
    assert!(!cart.contains("value=\"upi\""), "not offered: {cart}");

    let (status, page, to) = checkout(&mut b, "sweets", &token, &[("payment", "upi")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(to.is_none());
    assert!(
        page.contains("id=\"payment-error\"") && page.contains("Choose one of the ways to pay"),
        "{page}"
    );
    assert!(page.contains("12 MG Road"), "what was typed is kept");
    assert_eq!(orders(&app, &shop), 0, "no order made");
    assert_eq!(app.stock(&shop, "samosa"), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_order_shows_the_qr_while_unpaid_and_not_once_cancelled() {
    let s = crate::conversations::shop().await;
    set_upi(&s.app, &s.b, UPI_ID);
    s.says(
        crate::support::bridge::CUSTOMER,
        "upi-1",
        "1 kg kaju katli, deliver to 12 MG Road",
        1,
    )
    .await;
    s.taps(crate::support::bridge::CUSTOMER, "upi-2", "confirm", 1)
        .await;
    let token = s.app.state.tracker.token(s.b.id, 1, novi::db::now());
    let mut b = s.app.browser();
    let page = b.get(&format!("/t/{token}")).await.1;
    // ₹1,200 for the kilo and ₹40 for delivery.
    let exact =
        "upi://pay?pa=sharmasweets@okaxis&pn=Sharma%20Sweets&am=1240.00&cu=INR&tn=Order%201";
    assert_eq!(pay_link(&page).as_deref(), Some(exact), "{page}");

    let (status, res) = s
        .api
        .post(
            "/api/v1/orders/1/status",
            &serde_json::json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    let page = b.get(&format!("/t/{token}")).await.1;
    assert!(page.contains("This order was cancelled"), "{page}");
    assert!(!page.contains("upi://") && !page.contains("<svg"), "{page}");
}
