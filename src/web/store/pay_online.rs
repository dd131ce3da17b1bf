//! Paying a storefront order online: `/s/{code}/pay/{token}` (the order's tracking token) shows
//! Razorpay Checkout for what is due; Checkout's answer is posted back here and its signature
//! checked against the Razorpay order Novi stored for this order, then recorded once
//! (`razorpay::apply::captured`). Razorpay down at checkout leaves the order standing, with a
//! "Try again" that asks Razorpay afresh.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::pay;
use super::pay_view::{Offer, PayPage};
use super::shop;
use super::view::Shop;
use crate::accounts::businesses::Business;
use crate::domain::{Hours, Money};
use crate::error::{AppError, AppResult};
use crate::orders::{store, Order, PaymentStatus, Status};
use crate::payments;
use crate::razorpay::apply::{self, Captured};
use crate::razorpay::requests::{self, Kind};
use crate::razorpay::{charge, sign, RazorpaySettings, API};
use crate::AppState;

/// The order a payment page names, and what is due on it.
struct Named {
    b: Business,
    hours: Hours,
    order: Order,
    due: Money,
    /// Their online payments set aside for the shop to check: not asked for again.
    aside: Money,
    keys: Option<RazorpaySettings>,
}

impl Named {
    /// Whether there is still money to take online.
    fn payable(&self) -> bool {
        self.order.status != Status::Cancelled
            && matches!(
                self.order.payment_status,
                PaymentStatus::Unpaid | PaymentStatus::PartlyPaid
            )
            && self.due.minor() > 0
            && self.aside.minor() == 0
    }
}

/// The order behind `token` at shop `code`; a forged, expired or other shop's token is a 404.
async fn named(state: &AppState, code: &str, token: &str) -> AppResult<Named> {
    let t = state
        .tracker
        .check(token, crate::db::now())
        .ok_or(AppError::NotFound)?;
    let (b, hours) = shop(state, code).await?;
    if t.business_id != b.id {
        return Err(AppError::NotFound);
    }
    let keys = pay::razorpay(state, &b).await?;
    let (order, due, aside) = state
        .db
        .read(move |c| {
            let Some(o) = store::by_number(c, t.business_id, t.number)? else {
                return Ok(None);
            };
            let due = payments::summary(c, &o)?.due;
            let aside = crate::razorpay::flags::set_aside(c, t.business_id, o.id)?;
            Ok::<_, AppError>(Some((o, due, aside)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Named {
        b,
        hours,
        order,
        due,
        aside,
        keys,
    })
}

fn tracking(token: &str) -> Response {
    Redirect::to(&format!("/t/{token}")).into_response()
}

/// `GET /s/{code}/pay/{token}`.
pub async fn show(
    State(state): State<AppState>,
    Path((code, token)): Path<(String, String)>,
) -> AppResult<Response> {
    let n = named(&state, &code, &token).await?;
    if !n.payable() {
        return Ok(tracking(&token));
    }
    // No Razorpay order yet for what is due now (the order was edited, or none was made): ask
    // for one, so "did not answer" is said only when Razorpay was asked and did not.
    let mut open = open_request(&state, &n).await?;
    if open.is_none() && n.keys.is_some() {
        ask(&state, &n.b, &n.order, n.due).await;
        open = open_request(&state, &n).await?;
    }
    Ok(page(&n, &token, open.as_deref(), None, StatusCode::OK))
}

/// The Razorpay order still open for exactly what is due, if one was made.
async fn open_request(state: &AppState, n: &Named) -> AppResult<Option<String>> {
    let (bid, oid, due) = (n.b.id, n.order.id, n.due.minor());
    let latest = state
        .db
        .read(move |c| requests::latest_for_order(c, bid, oid))
        .await?;
    let open = |r: &requests::Request| {
        r.kind == Kind::Order && r.status == requests::Status::Created && r.amount.minor() == due
    };
    Ok(latest.filter(open).map(|r| r.razorpay_id))
}

fn page(
    n: &Named,
    token: &str,
    open: Option<&str>,
    refused: Option<&str>,
    status: StatusCode,
) -> Response {
    let offer = match (&n.keys, open) {
        (None, _) => Offer::Closed,
        (Some(k), Some(id)) => Offer::Checkout {
            key_id: &k.key_id,
            razorpay_order: id,
        },
        (Some(_), None) => Offer::Unreachable,
    };
    PayPage {
        shop: Shop {
            business: &n.b,
            hours: &n.hours,
            in_cart: None,
        },
        order: &n.order,
        due: n.due,
        token,
        offer,
        refused,
    }
    .respond(status)
}

/// Asks Razorpay for an order for what `n` has due, and records it; an error is logged and
/// the page then offers "Try again".
pub async fn ask(state: &AppState, b: &Business, order: &Order, due: Money) {
    let Ok(Some(keys)) = pay::razorpay(state, b).await else {
        return;
    };
    let api = state.config.razorpay_api.as_deref().unwrap_or(API);
    if let Err(e) = charge::checkout_order(&state.db, api, &keys, b, order, due).await {
        tracing::warn!(error = %e, order = order.number, "a Razorpay order could not be made");
    }
}

/// `POST /s/{code}/pay/{token}/start`: a Razorpay order made afresh, then the payment page.
pub async fn start(
    State(state): State<AppState>,
    Path((code, token)): Path<(String, String)>,
) -> AppResult<Response> {
    let n = named(&state, &code, &token).await?;
    if !n.payable() {
        return Ok(tracking(&token));
    }
    if open_request(&state, &n).await?.is_none() {
        ask(&state, &n.b, &n.order, n.due).await;
    }
    Ok(Redirect::to(&format!("/s/{code}/pay/{token}")).into_response())
}

/// What Checkout's handler hands back.
#[derive(Deserialize, Default)]
pub struct Paid {
    #[serde(default)]
    razorpay_payment_id: String,
    #[serde(default)]
    razorpay_order_id: String,
    #[serde(default)]
    razorpay_signature: String,
}

/// Why a posted payment is not recorded; the order stays as it was.
const NOT_CONFIRMED: &str = "This payment could not be confirmed, so nothing was recorded on your order. If money left your account, Razorpay returns it or the shop sees it; you can also try again.";

/// `POST /s/{code}/pay/{token}`: Checkout's answer, checked and recorded once.
pub async fn done(
    State(state): State<AppState>,
    Path((code, token)): Path<(String, String)>,
    Form(p): Form<Paid>,
) -> AppResult<Response> {
    let n = named(&state, &code, &token).await?;
    let Some(keys) = n.keys.clone() else {
        return Ok(page(
            &n,
            &token,
            None,
            Some(NOT_CONFIRMED),
            StatusCode::BAD_REQUEST,
        ));
    };
    let (bid, posted) = (n.b.id, p.razorpay_order_id.clone());
    let stored = state
        .db
        .read(move |c| requests::find(c, bid, &posted))
        .await?
        .filter(|r| r.order_id == n.order.id && r.kind == Kind::Order);
    // The signature is checked over the id Novi stored for this order, never over the posted
    // one alone: a signed payment for another order does not fit this one.
    let signed = stored.as_ref().filter(|r| {
        sign::checkout(
            &keys.key_secret,
            &r.razorpay_id,
            &p.razorpay_payment_id,
            &p.razorpay_signature,
        )
    });
    let Some(r) = signed.cloned() else {
        let open = open_request(&state, &n).await?;
        return Ok(page(
            &n,
            &token,
            open.as_deref(),
            Some(NOT_CONFIRMED),
            StatusCode::BAD_REQUEST,
        ));
    };
    let c = Captured {
        payment_id: p.razorpay_payment_id.trim().to_owned(),
        amount_minor: r.amount.minor(),
        currency: r.currency.clone(),
    };
    let (b, oid) = (n.b.clone(), n.order.id);
    state
        .db
        .write(move |tx| record(tx, &b, oid, &r, &c))
        .await?;
    state.bridge.wake_sender();
    state.bridge.live.order(n.b.id, n.order.number, false);
    Ok(Redirect::to(&format!("/t/{token}")).into_response())
}

/// Payment `c` for request `r` put on order `order_id` once (`apply::captured`), and the request
/// marked paid unless the payment was set aside for staff: the one way both callbacks record.
pub fn record(
    conn: &rusqlite::Connection,
    b: &Business,
    order_id: i64,
    r: &requests::Request,
    c: &Captured,
) -> AppResult<apply::Applied> {
    let applied = apply::captured(conn, b, order_id, c)?;
    if applied != apply::Applied::Flagged {
        requests::set_status(conn, b.id, r.id, requests::Status::Paid)?;
    }
    Ok(applied)
}
