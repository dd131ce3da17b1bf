//! The storefront's cart page and checkout: lines priced by the order book, stock checked again,
//! the customer's details checked all at once (errors beside the fields, values kept). The
//! order is then taken (`place`) by the same service as every channel.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Redirect, Response};
use axum::Form;
use rusqlite::Connection;
use serde::Deserialize;

use super::cart::{self, Cart};
use super::checkout_view;
use super::pay;
use super::{cart_of, expired, shop, with_cart};
use crate::accounts::businesses::Business;
use crate::catalog::products;
use crate::domain::limits::MAX_ADDRESS;
use crate::domain::{format_amount, Hours, Phone};
use crate::error::AppResult;
use crate::orders::service::{self, Quote};
use crate::orders::store::Totals;
use crate::orders::{Channel, Fulfilment, NewOrder};
use crate::AppState;

/// One cart line as the cart page shows it.
pub struct Row {
    /// Which cart line it is, as `product.variant`: an update names its line by this, not by
    /// its place, which an item taken out elsewhere (another tab) would shift.
    pub item: String,
    pub name: String,
    pub pack: String,
    pub count: u32,
    /// Why it cannot be had as asked: sold out, or how much is left.
    pub short: Option<String>,
}

/// The cart priced as of now.
pub struct Priced {
    pub rows: Vec<Row>,
    /// Items in the cart no longer sold (the product taken off sale, or its pack removed), by
    /// name where there is one: said on the cart page, not silently left out of it.
    pub gone: Vec<String>,
    /// `None` for an empty cart, or when a line cannot be priced.
    pub quote: Option<Quote>,
    /// The totals with delivery and with pickup, both shown so the customer sees the total of
    /// the way they choose before they place the order.
    pub delivery: Option<Totals>,
    pub pickup: Option<Totals>,
}

/// The checkout form, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct CheckoutForm {
    #[serde(rename = "_cart", default)]
    pub token: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub fulfilment: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub payment: String,
    /// The cart the page was shown for (its token signs it): a second tap after the first
    /// has emptied the cart still finds the order the first made.
    #[serde(default)]
    pub cart: String,
    /// The totals the page showed for delivery and for pickup, in minor units: the order is
    /// taken only at the one shown for the way chosen.
    #[serde(default)]
    pub total_delivery: String,
    #[serde(default)]
    pub total_pickup: String,
}

impl CheckoutForm {
    /// The form as the cart page first shows it: delivery, cash.
    fn fresh() -> Self {
        CheckoutForm {
            fulfilment: "delivery".into(),
            payment: "cash".into(),
            ..CheckoutForm::default()
        }
    }
}

/// What is wrong with the form, by field name.
pub type Errors = HashMap<&'static str, String>;

/// Prices the cart's lines that are still on sale, and marks those short of stock.
fn price(conn: &Connection, b: &Business, cart: &Cart, f: Fulfilment) -> AppResult<Priced> {
    let mut rows = Vec::new();
    let mut reqs = Vec::new();
    let mut gone = Vec::new();
    for line in &cart.lines {
        let found = products::by_id(conn, b.id, line.product_id)?;
        let Some(p) = found.as_ref().filter(|p| p.active) else {
            gone.push(found.map_or_else(|| "an item".to_owned(), |p| p.name));
            continue;
        };
        let Some(req) = cart::request(p, line) else {
            gone.push(p.name.clone());
            continue;
        };
        let pack = p
            .variants
            .iter()
            .find(|v| v.id == line.variant_id)
            .map_or_else(
                || format_amount(p.unit, u64::from(cart::step(p, 0).unwrap_or(1))),
                |v| v.label.clone(),
            );
        let short = match (p.stock, cart::demand(cart, p)) {
            (s, _) if s <= 0 => Some(format!("Sorry, {} is sold out.", p.name)),
            (s, d) if d > s => Some(format!(
                "Only {} of {} is left.",
                format_amount(p.unit, u64::try_from(s).unwrap_or(0)),
                p.name
            )),
            _ => None,
        };
        rows.push(Row {
            item: format!("{}.{}", line.product_id, line.variant_id),
            name: p.name.clone(),
            pack,
            count: line.count,
            short,
        });
        reqs.push(req);
    }
    let quote_for = |f: Fulfilment| {
        if reqs.is_empty() {
            None
        } else {
            service::quote(conn, b, &reqs, f).ok()
        }
    };
    // Each way priced once; the chosen one is a copy of its quote, not a third pricing.
    let (delivery, pickup) = (
        quote_for(Fulfilment::Delivery),
        quote_for(Fulfilment::Pickup),
    );
    let quote = match f {
        Fulfilment::Delivery => delivery.clone(),
        Fulfilment::Pickup => pickup.clone(),
    };
    Ok(Priced {
        quote,
        delivery: delivery.map(|q| q.totals),
        pickup: pickup.map(|q| q.totals),
        rows,
        gone,
    })
}

async fn priced(state: &AppState, b: &Business, cart: &Cart, f: Fulfilment) -> AppResult<Priced> {
    let (b, cart) = (b.clone(), cart.clone());
    state.db.read(move |c| price(c, &b, &cart, f)).await
}

/// `GET /s/{code}/cart`.
pub async fn show(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (b, hours) = shop(&state, &code).await?;
    let cart = cart_of(&state, &headers, &b);
    let answer = Answer {
        form: &CheckoutForm::fresh(),
        errors: &Errors::new(),
        refused: None,
    };
    page(&state, (&b, &hours), &cart, answer, StatusCode::OK).await
}

/// What the cart page answers with: the form as typed, its errors, why no order was made.
pub(super) struct Answer<'a> {
    pub form: &'a CheckoutForm,
    pub errors: &'a Errors,
    pub refused: Option<&'a str>,
}

pub(super) async fn page(
    state: &AppState,
    (b, hours): (&Business, &Hours),
    cart: &Cart,
    answer: Answer<'_>,
    status: StatusCode,
) -> AppResult<Response> {
    let Answer {
        form,
        errors,
        refused,
    } = answer;
    let f = form.fulfilment.parse().unwrap_or_default();
    let priced = priced(state, b, cart, f).await?;
    let token = cart.token(&state.key);
    let online = pay::razorpay(state, b).await?.is_some();
    let view = checkout_view::View {
        b,
        hours,
        cart,
        priced: &priced,
        form,
        errors,
        refused,
        token: &token,
        online,
    };
    Ok(with_cart(state, b, cart, (status, view.render())))
}

/// `GET /s/{code}/checkout`: the address a refused checkout leaves in the address bar, opened
/// again; the cart is where checkout is.
pub async fn to_cart(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<Redirect> {
    let (b, _) = shop(&state, &code).await?;
    Ok(Redirect::to(&format!("/s/{}/cart", b.short_code)))
}

#[derive(Deserialize)]
pub struct UpdateForm {
    #[serde(rename = "_cart", default)]
    token: String,
    #[serde(default)]
    line: usize,
    /// The line's `product.variant` ([`Row::item`]); pages before it sent only `line`.
    #[serde(default)]
    item: String,
    count: String,
}

/// `POST /s/{code}/cart/update`: a line's new count; zero takes it out. A count that is not a
/// whole number from 0 to 99 (an emptied field too) changes nothing and says so.
pub async fn update(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<UpdateForm>,
) -> AppResult<Response> {
    let (b, hours) = shop(&state, &code).await?;
    let mut cart = cart_of(&state, &headers, &b);
    if !cart.token_ok(&state.key, &f.token) {
        return Err(expired());
    }
    let Some(count) = f
        .count
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= cart::MAX_COUNT)
    else {
        let answer = Answer {
            form: &CheckoutForm::fresh(),
            errors: &Errors::new(),
            refused: Some("Choose how many: a whole number from 0 to 99 (0 takes it out). Nothing was changed."),
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return page(&state, (&b, &hours), &cart, answer, status).await;
    };
    let index = match f.item.split_once('.') {
        Some((p, v)) => {
            let (p, v) = (p.parse().unwrap_or(-1), v.parse().unwrap_or(-1));
            // A line no longer in the cart (taken out in another tab) changes nothing.
            let found = cart
                .lines
                .iter()
                .position(|l| (l.product_id, l.variant_id) == (p, v));
            found.unwrap_or(usize::MAX)
        }
        None => f.line,
    };
    cart.set(index, count);
    let to = format!("/s/{code}/cart");
    Ok(with_cart(&state, &b, &cart, Redirect::to(&to)))
}

/// Checks every field at once; the order to take, or what is wrong with each field.
pub(super) fn check(
    b: &Business,
    online: bool,
    cart: &Cart,
    f: &CheckoutForm,
) -> Result<NewOrder, Errors> {
    let mut errors = Errors::new();
    let name = f.name.trim();
    if name.is_empty() {
        errors.insert("name", "Write your name.".into());
    } else if name.chars().count() > 100 {
        errors.insert("name", "Keep the name under 100 characters.".into());
    }
    let phone = Phone::parse(&f.phone, &b.country_code)
        .map_err(|e| {
            let why = match f.phone.trim() {
                "" => "Write your WhatsApp number.".to_owned(),
                _ => format!("Write your WhatsApp number: {e}."),
            };
            errors.insert("phone", why)
        })
        .ok();
    let fulfilment: Option<Fulfilment> = f
        .fulfilment
        .parse()
        .map_err(|_| errors.insert("fulfilment", "Choose delivery or pickup.".into()))
        .ok();
    let address = f.address.trim();
    if fulfilment == Some(Fulfilment::Delivery) && address.is_empty() {
        errors.insert("address", "Write where to deliver.".into());
    } else if address.chars().count() > MAX_ADDRESS {
        errors.insert(
            "address",
            format!("Keep the address under {MAX_ADDRESS} characters."),
        );
    }
    if f.note.trim().chars().count() > 500 {
        errors.insert("note", "Keep the note under 500 characters.".into());
    }
    // Only a way this shop offers: a forged value (UPI at a shop without a UPI id) is refused.
    let payment = pay::chosen(b, online, &f.payment);
    if payment.is_none() {
        errors.insert("payment", "Choose one of the ways to pay listed.".into());
    }
    if cart.lines.is_empty() {
        errors.insert("cart", "Your cart is empty.".into());
    }
    match (phone, fulfilment, payment) {
        (Some(phone), Some(fulfilment), Some(payment)) if errors.is_empty() => Ok(NewOrder {
            channel: Channel::Storefront,
            customer_phone: phone,
            customer_name: name.to_owned(),
            lines: Vec::new(),
            address: if fulfilment == Fulfilment::Pickup {
                String::new()
            } else {
                address.to_owned()
            },
            notes: f.note.trim().to_owned(),
            payment_mode: payment.mode,
            fulfilment,
            deliver_on: None,
            actor: "customer".into(),
        }),
        _ => Err(errors),
    }
}

/// The order's lines from the cart, as it reads now.
pub(super) fn lines(
    conn: &Connection,
    b: &Business,
    cart: &Cart,
) -> AppResult<Vec<crate::orders::LineRequest>> {
    let mut reqs = Vec::new();
    for line in &cart.lines {
        let p = products::by_id(conn, b.id, line.product_id)?.filter(|p| p.active);
        if let Some(req) = p.as_ref().and_then(|p| cart::request(p, line)) {
            reqs.push(req);
        }
    }
    Ok(reqs)
}
