//! Placing a storefront order: once per cart, and only at the total the page showed.
//!
//! A double tap on "Place order", or the form sent again by a slow network or the back button,
//! must not make a second order: the cart an order came from is kept on it (`orders::once`),
//! and the form names its cart, so a repeat is sent to the order the first made even after the
//! first emptied the cart. And what the customer confirms is what the order stores: the page
//! shows the total with delivery and with pickup, the form carries both, and an order whose
//! total came out otherwise (a price changed meanwhile) is not taken; the page shows the new one.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

use super::cart::Cart;
use super::checkout::{self, Answer, CheckoutForm, Errors};
use super::pay;
use super::{cart_of, expired, shop, with_cart};
use crate::accounts::businesses::Business;
use crate::conversation::notify;
use crate::domain::{format_amount, Hours, Money};
use crate::error::{AppError, AppResult};
use crate::orders::once::{self, Source};
use crate::orders::{store, Fulfilment, Order, OrderError, PaymentMode, PaymentStatus};
use crate::AppState;

/// `POST /s/{code}/checkout`.
pub async fn place(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CheckoutForm>,
) -> AppResult<Response> {
    let (b, hours) = shop(&state, &code).await?;
    let cart = cart_of(&state, &headers, &b);
    if let Some(order) = placed_before(&state, &b, &form).await? {
        return Ok(again(&state, &b, &cart, &form.cart, &order));
    }
    let addr = crate::web::client_addr(&state.config, peer, &headers);
    if !state.storefront.checkouts.allow(addr) {
        return Err(AppError::TooManyRequests(
            "Too many orders from this address just now. Try again in a few minutes.".into(),
        ));
    }
    if !cart.token_ok(&state.key, &form.token) {
        return Err(expired());
    }
    let online = pay::razorpay(&state, &b).await?.is_some();
    let mut req = match checkout::check(&b, online, &cart, &form) {
        Ok(r) => r,
        Err(errors) => {
            let answer = Answer {
                form: &form,
                errors: &errors,
                refused: None,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return checkout::page(&state, (&b, &hours), &cart, answer, status).await;
        }
    };
    let shown = shown_total(&form, req.fulfilment);
    let (business, snapshot, tracker) = (b.clone(), cart.clone(), state.tracker.clone());
    let taken = state
        .db
        .write(move |tx| {
            if let Some(number) = once::placed(tx, business.id, Source::Cart(&snapshot.id))? {
                let order = store::by_number(tx, business.id, number)?;
                return Ok(Placed::Before(order.ok_or(OrderError::NotFound)?));
            }
            req.lines = checkout::lines(tx, &business, &snapshot)?;
            let order = notify::take_order(tx, &business, &req, Some(&tracker))?;
            if let Some(seen) = shown.filter(|seen| *seen != order.total) {
                // Returning the refusal rolls the whole order back, stock and message too.
                return Err(OrderError::Invalid(changed(&business, seen, order.total)));
            }
            once::mark(tx, order.id, Source::Cart(&snapshot.id))?;
            Ok(Placed::New(order))
        })
        .await;
    answer_taken(&state, (&b, &hours), &cart, &form, taken).await
}

/// What placing the order came to.
enum Placed {
    New(Order),
    /// The order this cart was placed as already.
    Before(Order),
}

/// Sends a repeat to the order its cart `placed` made. A cookie still holding that cart (the
/// first answer was lost, or they crossed) gets a new one, as the first answer gave: else the
/// shopper's next items would join a cart already ordered.
fn again(state: &AppState, b: &Business, cart: &Cart, placed: &str, order: &Order) -> Response {
    let to = Redirect::to(&link(state, b, order));
    if cart.id == placed {
        with_cart(state, b, &Cart::new(), to)
    } else {
        to.into_response()
    }
}

/// The order the form's cart was placed as, when the form is a repeat whose cart the cookie no
/// longer holds. Only a cart the token signs counts: the form cannot name another's.
async fn placed_before(
    state: &AppState,
    b: &Business,
    form: &CheckoutForm,
) -> AppResult<Option<Order>> {
    if form.cart.is_empty() || !Cart::signs(&state.key, &form.cart, &form.token) {
        return Ok(None);
    }
    let (id, cart) = (b.id, form.cart.clone());
    state
        .db
        .read(move |c| match once::placed(c, id, Source::Cart(&cart))? {
            Some(number) => store::by_number(c, id, number),
            None => Ok(None),
        })
        .await
}

/// The total the page showed for the way chosen, if the form says.
fn shown_total(form: &CheckoutForm, f: Fulfilment) -> Option<Money> {
    let typed = match f {
        Fulfilment::Delivery => &form.total_delivery,
        Fulfilment::Pickup => &form.total_pickup,
    };
    typed.trim().parse().ok().map(Money::from_minor)
}

fn changed(b: &Business, seen: Money, now: Money) -> String {
    format!(
        "The total is now {}, not the {} shown: a price changed meanwhile. No order was made: check the cart and place the order again.",
        now.format(&b.currency),
        seen.format(&b.currency)
    )
}

/// Where a customer goes for an order placed: its payment page while Razorpay is to be paid,
/// else its tracking page.
fn link(state: &AppState, b: &Business, order: &Order) -> String {
    let token = state.tracker.token(b.id, order.number, crate::db::now());
    let unpaid = matches!(
        order.payment_status,
        PaymentStatus::Unpaid | PaymentStatus::PartlyPaid
    );
    if order.payment_mode == PaymentMode::Razorpay && unpaid {
        format!("/s/{}/pay/{token}", b.short_code)
    } else {
        format!("/t/{token}")
    }
}

/// The tracking page for an order taken, or the cart page saying why none was.
async fn answer_taken(
    state: &AppState,
    (b, hours): (&Business, &Hours),
    cart: &Cart,
    form: &CheckoutForm,
    taken: Result<Placed, OrderError>,
) -> AppResult<Response> {
    let (why, status) = match taken {
        Ok(Placed::Before(order)) => return Ok(again(state, b, cart, &cart.id, &order)),
        Ok(Placed::New(order)) => {
            state.bridge.wake_sender();
            // The counter's orders list and dashboard show it at once, with the chime.
            state.bridge.live.order(b.id, order.number, true);
            if order.payment_mode == PaymentMode::Razorpay {
                // Asked now the order has committed; if Razorpay is down, the payment page
                // says so and offers to ask again, and the order stands.
                super::pay_online::ask(state, b, &order, order.total).await;
            }
            let to = link(state, b, &order);
            return Ok(with_cart(state, b, &Cart::new(), Redirect::to(&to)));
        }
        Err(OrderError::ShortOfStock(s)) => {
            let left = format_amount(s.unit, u64::try_from(s.left).unwrap_or(0));
            let why = if s.left <= 0 {
                format!("Sorry, {} sold out while you were shopping. No order was made: take it out of your cart, or come back later.", s.name)
            } else {
                format!("Sorry, only {left} of {} is left now. No order was made: change the amount and order again.", s.name)
            };
            (why, StatusCode::CONFLICT)
        }
        Err(e) => (e.into_refusal()?, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let answer = Answer {
        form,
        errors: &Errors::new(),
        refused: Some(&why),
    };
    checkout::page(state, (b, hours), cart, answer, status).await
}
