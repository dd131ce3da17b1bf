//! Order tracking for customers: `/t/{token}` (a signed, time-limited link; a forged or expired
//! one is a 404 before any database read), with the UPI card or the "Pay now" button while the
//! order is unpaid, and `/track/{short_code}`, finding an order by WhatsApp number and order
//! number, rate-limited, with one answer for every miss.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;

use super::view::{self, Shop};
use super::{shop, track_pay, track_upi};
use crate::accounts::businesses::{self, Business};
use crate::domain::{Hours, Money, Phone};
use crate::error::{AppError, AppResult};
use crate::orders::model::Event;
use crate::orders::{store, Fulfilment, Order, Status};
use crate::payments;
use crate::web::csrf::CsrfToken;
use crate::web::layout::csrf_field;
use crate::AppState;

/// `GET /t/{token}`.
pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    // Checked before anything is read: a forged link costs no database work. An expired one
    // of Novi's own leads to the shop's order lookup, not to a dead end.
    let Some(named) = state.tracker.check(&token, crate::db::now()) else {
        let Some((old, _)) = state.tracker.signed(&token) else {
            return Err(AppError::NotFound);
        };
        let b = state
            .db
            .read(move |c| businesses::by_id(c, old.business_id))
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Redirect::to(&format!("/track/{}?expired=1", b.short_code)).into_response());
    };
    let (b, order, hours) = state
        .db
        .read(move |c| {
            let b = businesses::by_id(c, named.business_id)?;
            let hours = businesses::hours(c, named.business_id)?;
            let order = store::by_number(c, named.business_id, named.number)?;
            // What is still due, for the UPI card.
            let order = match order {
                Some(o) => {
                    let aside = crate::razorpay::flags::set_aside(c, named.business_id, o.id)?;
                    Some(((payments::summary(c, &o)?.due, aside), o))
                }
                None => None,
            };
            Ok::<_, AppError>((b, order, hours))
        })
        .await?;
    let (Some(b), Some(((due, aside), order))) = (b, order) else {
        return Err(AppError::NotFound);
    };
    // A deactivated shop's orders are not shown, even to a customer holding a good link.
    if !b.active() {
        return Err(AppError::ShopClosed(b.name));
    }
    let online = super::pay::razorpay(&state, &b).await?.is_some();
    let hours = Hours::parse(&hours).unwrap_or_default();
    let shop = Shop {
        business: &b,
        hours: &hours,
        in_cart: None,
    };
    let title = format!("Order #{}", order.number);
    let pay_now = track_pay::card(&b, &order, due, online, &token, aside);
    Ok(view::page(&shop, &title, order_view(&b, &order, due, pay_now)).into_response())
}

/// The steps an order goes through, and how far this one is.
fn steps(order: &Order) -> Markup {
    let path = [
        Status::Pending,
        Status::Confirmed,
        Status::Preparing,
        Status::OutForDelivery,
        Status::Delivered,
    ];
    let reached = path.iter().position(|s| *s == order.status);
    html! {
        @if order.status == Status::Cancelled {
            p.error { "This order was cancelled." }
        } @else {
            ol.store-steps {
                @for (i, s) in path.iter().enumerate() {
                    @let done = reached.is_some_and(|r| i <= r);
                    li class=(if done { "done" } else { "todo" })
                       aria-current=[(Some(i) == reached).then_some("step")] { (s.label_for(order.fulfilment)) }
                }
            }
        }
    }
}

/// "Unpaid", "Paid", as a person reads a payment status.
fn payment_label(order: &Order) -> String {
    let s = order.payment_status.as_str().replace('_', " ");
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn order_view(b: &Business, order: &Order, due: Money, pay_now: Markup) -> Markup {
    let money = |m: Money| m.format(&b.currency);
    html! {
        p.store-status { "Status: " strong { (order.status.label_for(order.fulfilment)) } }
        (steps(order))
        (pay_now)
        (track_upi::card(b, order, due))
        h2 { "Items" }
        ul.store-lines {
            @for l in &order.lines {
                li.store-line { div { strong { (l.name) } " · " (l.amount_label()) span.price { (money(l.total)) } } }
            }
        }
        dl.store-totals {
            // A pickup has no delivery fee to show as ₹0.00.
            @if order.fulfilment == Fulfilment::Delivery {
                dt { "Delivery fee" } dd { (money(order.delivery_fee)) }
            }
            dt { "Total" } dd { strong { (money(order.total)) } }
            dt { "Payment" } dd { (payment_label(order)) }
            dt { (order.fulfilment.label()) } dd { @if order.address.is_empty() { "At the shop" } @else { (order.address) } }
            @if let Some(day) = order.deliver_on {
                dt { "Wanted on" } dd { (day.format("%a %d %b").to_string()) }
            }
        }
        h2 { "Timeline" }
        ol.store-timeline {
            @for (e, line) in order.events.iter().filter_map(|e| customer_line(e, order.fulfilment).map(|l| (e, l))) {
                li {
                    time { (b.local_time(e.created_at)) } " — "
                    (line)
                }
            }
        }
        @if let Some(call) = super::view::call_shop(b) {
            p { "Questions? Call the shop: " (call) }
        }
    }
}

/// What the customer reads for one timeline event: a status by its name, money by what moved.
/// Staff notes and the details of an edit stay on the staff's page.
fn customer_line(e: &Event, how: Fulfilment) -> Option<String> {
    if let Some(s) = e.to_status {
        return Some(s.label_for(how).to_owned());
    }
    match e.kind.as_str() {
        // "UPI received ₹640.00, ref …" or "Refund ₹100.00 (Razorpay, ref …)".
        "payment" => Some(e.note.clone()),
        "edited" => Some("The shop changed the order".to_owned()),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
pub struct LookupForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    number: String,
}

/// The one answer for every order not found, whether or not the number has ever ordered.
pub const NOT_FOUND: &str =
    "We could not find that order. Check the order number and the WhatsApp number it was placed with.";

fn lookup_page(
    b: &Business,
    hours: &Hours,
    csrf: &str,
    f: &LookupForm,
    refused: Option<&str>,
) -> Markup {
    let shop = Shop {
        business: b,
        hours,
        in_cart: None,
    };
    let body = html! {
        @if let Some(m) = refused { p.error role="alert" { (m) } }
        form method="post" action={ "/track/" (b.short_code) } {
            (csrf_field(csrf))
            label { span { "WhatsApp number" } input type="tel" name="phone" value=(f.phone) autocomplete="tel" required; }
            label { span { "Order number" } input type="text" name="number" value=(f.number) inputmode="numeric" required; }
            button type="submit" { "Find my order" }
        }
    };
    view::page(&shop, "Track an order", body)
}

/// `GET /track/{code}`.
pub async fn form(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
    axum::extract::Query(q): axum::extract::Query<Expired>,
) -> AppResult<Markup> {
    let (b, hours) = shop(&state, &code).await?;
    // Sent here by a tracking link past its days: said, with the way to find the order.
    let said = q.expired.is_some().then_some(
        "That tracking link has expired. Find your order with your WhatsApp number and the order number.",
    );
    Ok(lookup_page(
        &b,
        &hours,
        &csrf.0,
        &LookupForm::default(),
        said,
    ))
}

#[derive(Deserialize)]
pub struct Expired {
    expired: Option<String>,
}

/// `POST /track/{code}`: to the order's tracking page, or the one answer for a miss.
pub async fn find(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Form(f): Form<LookupForm>,
) -> AppResult<Response> {
    let addr = crate::web::client_addr(&state.config, peer, &headers);
    if !state.storefront.lookups.allow(addr) {
        return Err(AppError::TooManyRequests(
            "Too many lookups from this address just now. Try again in a few minutes.".into(),
        ));
    }
    let (b, hours) = shop(&state, &code).await?;
    // A field left empty is said as such: there is nothing to look up, and saying so tells a
    // stranger nothing about the shop's orders.
    let empty = match (f.phone.trim().is_empty(), f.number.trim().is_empty()) {
        (true, true) => Some("Write your WhatsApp number and the order number."),
        (true, false) => Some("Write the WhatsApp number the order was placed with."),
        (false, true) => Some("Write the order number (it is in the confirmation, like #12)."),
        (false, false) => None,
    };
    if let Some(why) = empty {
        let page = lookup_page(&b, &hours, &csrf.0, &f, Some(why));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let phone = Phone::parse(&f.phone, &b.country_code).ok();
    let number: Option<i64> = f.number.trim().trim_start_matches('#').parse().ok();
    let bid = b.id;
    // One read by order number whatever the phone is, so a miss looks the same either way.
    let order = match number {
        Some(n) => state.db.read(move |c| store::by_number(c, bid, n)).await?,
        None => None,
    };
    match order.filter(|o| phone.as_ref() == Some(&o.customer.phone)) {
        Some(o) => {
            let token = state.tracker.token(b.id, o.number, crate::db::now());
            Ok(Redirect::to(&format!("/t/{token}")).into_response())
        }
        None => {
            let page = lookup_page(&b, &hours, &csrf.0, &f, Some(NOT_FOUND));
            Ok((StatusCode::NOT_FOUND, page).into_response())
        }
    }
}
