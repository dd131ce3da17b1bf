//! Razorpay on the order page and the dashboard: payments Razorpay took that Novi set aside for a
//! refund (flags), each with "Dealt with"; and a refund through Razorpay's refund API for orders
//! it paid, owners and managers only, audited.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use crate::audit::{self, Actor};
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::orders::Order;
use crate::razorpay::flags::{self, Flag};
use crate::razorpay::refunds::{self, Refundable};
use crate::razorpay::{settings, Client, RazorpayError, API};
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, field_with_error, MONEY};
use crate::web::orders::{load, money, order_page};
use crate::AppState;

/// Razorpay's part of an order's page.
#[derive(Debug, Default)]
pub struct OnOrder {
    pub flags: Vec<Flag>,
    pub refundable: Option<Refundable>,
    /// The refund form was refused, and why.
    pub wrong: Option<String>,
}

/// What the order page needs from Razorpay's tables, in the page's read.
pub fn on_order(conn: &Connection, business_id: i64, order: &Order) -> AppResult<OnOrder> {
    Ok(OnOrder {
        flags: flags::of_order(conn, business_id, order.id)?,
        refundable: refunds::refundable(conn, order)?,
        wrong: None,
    })
}

/// The order page's Razorpay card: its flags, and the refund form where one can be made.
pub fn section(shop: &ShopPage, o: &Order, r: &OnOrder) -> Markup {
    let refund = r.refundable.as_ref().filter(|_| shop.role.can_refund());
    html! {
        @if !r.flags.is_empty() || refund.is_some() {
            section.cards #razorpay {
                div.card {
                    h2 { "Razorpay" }
                    @for f in &r.flags { (flag_row(shop, f, false)) }
                    @if let Some(refundable) = refund { (refund_form(shop, o, refundable, r.wrong.as_deref())) }
                }
            }
        }
    }
}

/// One flag: what Razorpay took and why Novi set it aside; "Dealt with" while it is open.
fn flag_row(shop: &ShopPage, f: &Flag, with_order: bool) -> Markup {
    let amount = f.amount.format(&f.currency);
    let action = shop.url(&format!("/razorpay/flags/{}/dealt-with", f.id));
    html! {
        div.flag.flag-open[f.dealt_with_at.is_none()] {
            p {
                @if with_order {
                    a href=(shop.url(&format!("/orders/{}", f.order_number))) { "Order #" (f.order_number) } ": "
                }
                strong { (amount) } " paid through Razorpay (" code { (f.payment_id) } ") was not put on the order: " (f.reason) "."
            }
            @match f.dealt_with_at {
                Some(at) => {
                    p.muted { "Dealt with " (shop.business.local_time(at)) "." }
                }
                None if !shop.role.can_refund() => {
                    p.muted { "An owner or manager refunds it from the Razorpay Dashboard." }
                }
                None => {
                    p.muted { "Refund it from the Razorpay Dashboard, then mark it dealt with." }
                    form.inline method="post" action=(action) {
                        (csrf_field(&shop.csrf))
                        input type="hidden" name="back" value=(if with_order { "dashboard" } else { "order" });
                        button.secondary type="submit" { "Dealt with" }
                    }
                }
            }
        }
    }
}

fn refund_form(shop: &ShopPage, o: &Order, r: &Refundable, error: Option<&str>) -> Markup {
    let action = shop.url(&format!("/orders/{}/razorpay-refund", o.number));
    html! {
        details open[error.is_some()] {
            summary { "Refund through Razorpay" }
            form.stack method="post" action=(action)
                data-confirm="Give this money back to the customer through Razorpay?" {
                (csrf_field(&shop.csrf))
                p.muted { "Up to " (money(shop, r.max)) " from payment " code { (r.payment_id) } ". The customer gets it back on their card, UPI or bank in a few days." }
                (field_with_error("Amount to refund", "amount", MONEY, &r.max.to_major_string(), error))
                button.danger type="submit" { "Refund through Razorpay" }
            }
        }
    }
}

/// The dashboard's card of flags not yet dealt with; nothing when there are none.
pub async fn dashboard_block(state: &AppState, shop: &ShopPage) -> AppResult<Markup> {
    let id = shop.business.id;
    let open = state.db.read(move |c| flags::open(c, id)).await?;
    Ok(html! {
        @if !open.is_empty() {
            div.card #razorpay-flags role="region" aria-label="Razorpay payments to refund" {
                h2 { "Razorpay payments to refund" }
                @for f in &open { (flag_row(shop, f, true)) }
            }
        }
    })
}

#[derive(Deserialize, Default)]
pub struct DealtWithForm {
    /// `order` when the button was on the order's page, else the dashboard.
    #[serde(default)]
    back: String,
}

/// `POST /b/{code}/razorpay/flags/{id}/dealt-with`: a flag marked dealt with, audited; back to
/// where the button was.
pub async fn deal_with(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, i64)>,
    Form(f): Form<DealtWithForm>,
) -> AppResult<Response> {
    if !shop.role.can_refund() {
        return Err(AppError::Forbidden);
    }
    let (b, user) = (shop.business.id, shop.user.id);
    let who = Actor::new(shop.user.username.clone(), &shop.address);
    let number: Option<i64> = state
        .db
        .write(move |tx| -> AppResult<Option<i64>> {
            let flag = flags::open(tx, b)?.into_iter().find(|f| f.id == id);
            let Some(flag) = flag else {
                // Dealt with already (by someone else, or a second tap), or not this shop's.
                return Ok(None);
            };
            flags::deal_with(tx, b, id, user)?;
            let detail = format!(
                "order #{}: Razorpay payment {} set aside ({}) marked dealt with",
                flag.order_number, flag.payment_id, flag.reason
            );
            audit::record(tx, &who, Some(b), audit::REFUND, &detail)?;
            Ok(Some(flag.order_number))
        })
        .await?;
    let back = match number {
        Some(n) if f.back == "order" => shop.url(&format!("/orders/{n}")),
        _ => shop.url("/"),
    };
    Ok(Redirect::to(&back).into_response())
}

#[derive(Deserialize, Default)]
pub struct RefundForm {
    #[serde(default)]
    amount: String,
}

/// `POST /b/{code}/orders/{number}/razorpay-refund`: money given back through Razorpay's refund
/// API. What is wrong with the amount, or Razorpay's refusal, is shown beside the amount (422).
pub async fn refund(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number)): Path<(String, i64)>,
    Form(f): Form<RefundForm>,
) -> AppResult<Response> {
    if !shop.role.can_refund() {
        return Err(AppError::Forbidden);
    }
    let refused = match Money::parse_major(f.amount.trim()) {
        Err(e) => e.describe("amount"),
        Ok(amount) => match make(&state, &shop, number, amount).await? {
            None => {
                state.bridge.live.order(shop.business.id, number, false);
                let to = shop.url(&format!("/orders/{number}?done=1"));
                return Ok(Redirect::to(&to).into_response());
            }
            Some(why) => why,
        },
    };
    let mut shown = load(&state, &shop, number).await?;
    shown.razorpay.wrong = Some(refused);
    let page = order_page(&shop, &shown, None, None);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// Asks Razorpay to refund `amount` of order `number`; `Some(why)` when it was not made.
async fn make(
    state: &AppState,
    shop: &ShopPage,
    number: i64,
    amount: Money,
) -> AppResult<Option<String>> {
    let b = shop.business.clone();
    let (order, refundable, keys) = state
        .db
        .read(move |c| {
            let order =
                crate::orders::store::by_number(c, b.id, number)?.ok_or(AppError::NotFound)?;
            let refundable = refunds::refundable(c, &order)?;
            Ok((order, refundable, settings::load(c, b.id)?))
        })
        .await?;
    let Some(refundable) = refundable else {
        return Ok(Some(format!(
            "order #{number} has no Razorpay payment left to refund"
        )));
    };
    if let Some(why) = refunds::refusal(&shop.business, amount, &refundable) {
        return Ok(Some(why));
    }
    let Some(keys) = keys else {
        return Ok(Some(
            "Razorpay is not set up for this shop (Settings → Payments)".into(),
        ));
    };
    let base = state.config.razorpay_api.as_deref().unwrap_or(API);
    let answer = Client::new(base, &keys)
        .refund(&refundable.payment_id, amount.minor())
        .await;
    let (b, who) = (
        shop.business.clone(),
        Actor::new(shop.user.username.clone(), &shop.address),
    );
    let payment_id = refundable.payment_id.clone();
    let why = match answer {
        Ok(refund) => {
            state
                .db
                .write(move |tx| {
                    refunds::answered(tx, &b, &order, &payment_id, amount, &refund, &who)
                })
                .await?;
            return Ok(None);
        }
        Err(RazorpayError::Refused { description, .. }) => {
            format!("Razorpay refused the refund: {description}. Nothing was refunded.")
        }
        Err(RazorpayError::Unreachable(e)) => format!(
            "Razorpay did not answer ({e}). Check the payment in the Razorpay Dashboard before \
             trying again: the refund may have been made."
        ),
    };
    let noted = why.clone();
    state
        .db
        .write(move |tx| refunds::not_made(tx, &b, &order, amount, &noted, &who))
        .await?;
    Ok(Some(why))
}
