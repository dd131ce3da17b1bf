//! Asking Razorpay for an order's money: a Razorpay order for Checkout (the storefront) or a
//! Payment Link (a chat), always for Novi's own figure, and recorded with `requests::add` so
//! what comes back can be matched to the order. Called after the order's transaction has
//! committed, never inside it: a slow Razorpay must not hold the database.

use chrono::Utc;

use super::client::{Client, LinkRequest, PaymentLink, RazorpayError};
use super::requests;
use super::settings::RazorpaySettings;
use crate::accounts::businesses::Business;
use crate::db::Db;
use crate::domain::Money;
use crate::error::AppError;
use crate::orders::Order;

/// How long a Payment Link can be paid: a week, then Razorpay expires it.
const LINK_DAYS: i64 = 7;

#[derive(Debug, thiserror::Error)]
pub enum ChargeError {
    #[error(transparent)]
    Razorpay(#[from] RazorpayError),
    #[error(transparent)]
    Db(#[from] AppError),
}

/// The name an order goes by at Razorpay (its receipt, a link's `reference_id`): the shop's
/// code and the order's number, unique per install and readable in Razorpay's dashboard.
pub fn reference(b: &Business, order_number: i64) -> String {
    format!("{}-{order_number}", b.short_code)
}

/// A Razorpay order for `due` of order `o`, recorded; its id, for Checkout.
pub async fn checkout_order(
    db: &Db,
    api: &str,
    keys: &RazorpaySettings,
    b: &Business,
    o: &Order,
    due: Money,
) -> Result<String, ChargeError> {
    let client = Client::new(api, keys);
    let made = client
        .create_order(due.minor(), &reference(b, o.number))
        .await?;
    record(db, b, o, requests::Kind::Order, &made.id, due).await?;
    Ok(made.id)
}

/// A Payment Link for `due` of order `o` that sends the customer back to `callback_url`,
/// recorded; the link, whose `short_url` goes in the chat.
pub async fn payment_link(
    db: &Db,
    api: &str,
    keys: &RazorpaySettings,
    (b, o): (&Business, &Order),
    due: Money,
    callback_url: &str,
) -> Result<PaymentLink, ChargeError> {
    let client = Client::new(api, keys);
    let reference = reference(b, o.number);
    let description = format!("Order #{} at {}", o.number, b.name);
    let phone = format!("+{}", o.customer.phone.as_str());
    let link = client
        .create_link(&LinkRequest {
            amount_minor: due.minor(),
            reference_id: &reference,
            description: &description,
            customer_name: &o.customer.name,
            customer_phone: &phone,
            expire_by: Utc::now().timestamp() + LINK_DAYS * 86_400,
            callback_url,
        })
        .await?;
    record(db, b, o, requests::Kind::Link, &link.id, due).await?;
    Ok(link)
}

async fn record(
    db: &Db,
    b: &Business,
    o: &Order,
    kind: requests::Kind,
    razorpay_id: &str,
    due: Money,
) -> Result<(), AppError> {
    let (bid, oid, id) = (b.id, o.id, razorpay_id.to_owned());
    db.write(move |tx| {
        requests::add(tx, bid, oid, kind, &id, due, "INR")?;
        Ok::<_, AppError>(())
    })
    .await
}
