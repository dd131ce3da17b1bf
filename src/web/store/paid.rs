//! `GET /s/{code}/paid`: where Razorpay sends a customer who paid a Payment Link from the chat.
//! The query's signature is checked over the link and reference Novi stored, the payment is
//! recorded once (`razorpay::apply::captured`; the webhook may get there first), and the
//! customer lands on the order's tracking page, or reads why not.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::view::{self, Shop};
use super::{pay, shop};
use crate::error::{AppError, AppResult};
use crate::orders;
use crate::razorpay::apply::Captured;
use crate::razorpay::charge;
use crate::razorpay::requests::{self, Kind};
use crate::razorpay::sign::{self, LinkCallback};
use crate::AppState;

/// The query Razorpay adds to the callback URL.
#[derive(Deserialize, Default)]
pub struct Callback {
    #[serde(default)]
    razorpay_payment_id: String,
    #[serde(default)]
    razorpay_payment_link_id: String,
    #[serde(default)]
    razorpay_payment_link_reference_id: String,
    #[serde(default)]
    razorpay_payment_link_status: String,
    #[serde(default)]
    razorpay_signature: String,
}

const NOT_CONFIRMED: &str = "We could not confirm this payment here, so nothing was recorded yet. If you paid, the shop sees it from Razorpay and your order shows it soon; the link in your chat shows your order.";

pub async fn show(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<Callback>,
) -> AppResult<Response> {
    let (b, hours) = shop(&state, &code).await?;
    let keys = pay::razorpay(&state, &b).await?.ok_or(AppError::NotFound)?;
    let (bid, link_id) = (b.id, q.razorpay_payment_link_id.clone());
    let found = state
        .db
        .read(move |c| {
            let Some(r) = requests::find(c, bid, &link_id)?.filter(|r| r.kind == Kind::Link) else {
                return Ok(None);
            };
            let order = orders::store::by_id(c, bid, r.order_id)?;
            Ok::<_, AppError>(order.map(|o| (r, o.number)))
        })
        .await?;
    // Signed over what Novi stored: its link id and the reference it gave the link.
    let confirmed = found.filter(|(r, number)| {
        let reference = charge::reference(&b, *number);
        let c = LinkCallback {
            link_id: &r.razorpay_id,
            reference_id: &reference,
            status: &q.razorpay_payment_link_status,
            payment_id: &q.razorpay_payment_id,
        };
        q.razorpay_payment_link_reference_id == reference
            && sign::link_callback(&keys.key_secret, &c, &q.razorpay_signature)
    });
    let Some((r, number)) = confirmed else {
        let shop = Shop {
            business: &b,
            hours: &hours,
            in_cart: None,
        };
        let body = html! { p.error role="alert" { (NOT_CONFIRMED) } };
        let page = view::page(&shop, "Payment", body);
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    };
    if q.razorpay_payment_link_status == "paid" {
        let c = Captured {
            payment_id: q.razorpay_payment_id.trim().to_owned(),
            amount_minor: r.amount.minor(),
            currency: r.currency.clone(),
        };
        let (business, oid) = (b.clone(), r.order_id);
        state
            .db
            .write(move |tx| super::pay_online::record(tx, &business, oid, &r, &c))
            .await?;
        state.bridge.wake_sender();
        state.bridge.live.order(b.id, number, false);
    }
    let token = state.tracker.token(b.id, number, crate::db::now());
    Ok(Redirect::to(&format!("/t/{token}")).into_response())
}
