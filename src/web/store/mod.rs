//! The public storefront `/s/{short_code}`: the shop, its catalog (served from a cache until
//! the catalog changes; a large one in category pages), adding to the cart with a live stock
//! check, and product images. Works with plain forms and links; `store.js` only hides the
//! address for pickup.

pub mod back;
pub mod cache;
pub mod cards;
pub mod cart;
pub mod category;
pub mod checkout;
pub mod checkout_view;
pub mod limit;
pub mod pages;
pub mod paid;
pub mod pay;
pub mod pay_online;
pub mod pay_view;
pub mod place;
pub mod promo;
pub mod shelf;
pub mod track;
pub mod track_pay;
pub mod track_upi;
pub mod view;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, PreEscaped};
use serde::Deserialize;
use std::sync::Arc;

use crate::accounts::businesses::{self, Business};
use crate::catalog::products::{self, Product};
use crate::domain::{format_amount, Hours};
use crate::error::{AppError, AppResult};
use crate::AppState;
use back::Page;
use cart::Cart;
use view::Shop;

/// What the public pages keep in memory: rendered catalogs and the forms' rate limits.
#[derive(Clone)]
pub struct Public {
    pub catalogs: cache::Catalogs,
    pub checkouts: limit::Limiter,
    pub lookups: limit::Limiter,
}

impl Public {
    pub fn new() -> Self {
        Self {
            catalogs: cache::Catalogs::new(),
            checkouts: limit::Limiter::new(limit::CHECKOUTS, limit::WINDOW),
            lookups: limit::Limiter::new(limit::LOOKUPS, limit::WINDOW),
        }
    }
}

impl Default for Public {
    fn default() -> Self {
        Self::new()
    }
}

/// The business at `code` and its opening hours; an unknown code is a 404.
pub async fn shop(state: &AppState, code: &str) -> AppResult<(Business, Hours)> {
    let b = state
        .business_by_code(code)
        .await?
        .ok_or(AppError::NotFound)?;
    // A deactivated shop takes no orders from its storefront either.
    if !b.active() {
        return Err(AppError::ShopClosed(b.name.clone()));
    }
    let id = b.id;
    let text = state.db.read(move |c| businesses::hours(c, id)).await?;
    // Hours are checked when saved; anything unreadable is shown as none given.
    Ok((
        Arc::unwrap_or_clone(b),
        Hours::parse(&text).unwrap_or_default(),
    ))
}

/// The request's cart for shop `b`.
pub fn cart_of(state: &AppState, headers: &HeaderMap, b: &Business) -> Cart {
    let https = state.config.behind_https;
    Cart::from_headers(headers, &state.key, &b.short_code, https)
}

/// `response` with the cart's cookie set.
pub fn with_cart(
    state: &AppState,
    b: &Business,
    cart: &Cart,
    response: impl IntoResponse,
) -> Response {
    let mut res = response.into_response();
    let https = state.config.behind_https;
    cart.set_cookie(res.headers_mut(), &state.key, &b.short_code, https);
    res
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    added: Option<i64>,
}

/// `GET /s/{code}`.
pub async fn show(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<ShowQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (b, hours) = shop(&state, &code).await?;
    let cart = cart_of(&state, &headers, &b);
    let notice = added_notice(&state, &b, q.added).await?;
    let page = Page::Landing;
    render(&state, &b, &hours, &cart, &page, notice, StatusCode::OK).await
}

/// "Added … to your cart", when the page is shown just after adding product `added`.
pub async fn added_notice(state: &AppState, b: &Business, added: Option<i64>) -> AppResult<Notice> {
    let Some(id) = added else {
        return Ok(Notice::Added(None));
    };
    let bid = b.id;
    let p = state.db.read(move |c| products::by_id(c, bid, id)).await?;
    Ok(Notice::Added(
        p.map(|p| format!("Added {} to your cart.", p.name)),
    ))
}

/// What a catalog page says above the products.
pub enum Notice {
    Added(Option<String>),
    Refused(String),
}

/// Catalog page `page` for the request's cart, or the storefront's 404 when there is none.
pub async fn render(
    state: &AppState,
    b: &Business,
    hours: &Hours,
    cart: &Cart,
    page: &Page,
    notice: Notice,
    status: StatusCode,
) -> AppResult<Response> {
    let shop = Shop {
        business: b,
        hours,
        in_cart: Some(cart.lines.len()),
    };
    let Some(rendered) = cache::page(state, b, page).await? else {
        return Ok(with_cart(state, b, cart, not_found(&shop)));
    };
    let token = cart.token(&state.key);
    let catalog = rendered.html.replace(cache::TOKEN_MARK, &token);
    let cart_url = format!("/s/{}/cart", b.short_code);
    let body = html! {
        @match &notice {
            Notice::Added(Some(m)) => p.notice role="status" { (m) " " a href=(cart_url) { "See your cart" } },
            Notice::Refused(m) => p.error role="alert" { (m) },
            Notice::Added(None) => {},
        }
        (PreEscaped(catalog))
        @if !cart.lines.is_empty() {
            p.store-checkout { a.button href=(cart_url) { "Go to checkout" } }
        }
    };
    let html = view::page(&shop, &rendered.title, body);
    Ok(with_cart(state, b, cart, (status, html)))
}

/// The storefront's 404: in the shop's own page, with the way back to it.
pub fn not_found(shop: &Shop) -> Response {
    let base = format!("/s/{}", shop.business.short_code);
    let body = html! {
        p { "There is no such page in this shop. It may have moved since the link was made." }
        p { a.go href=(base) { "Back to the shop" } }
    };
    let page = view::page(shop, "Page not found", body);
    (StatusCode::NOT_FOUND, page).into_response()
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(rename = "_cart", default)]
    token: String,
    /// The page the item was added from, to go back to; empty: the shop's page.
    #[serde(default)]
    back: String,
    product: i64,
    #[serde(default)]
    variant: i64,
    count: String,
}

/// `POST /s/{code}/cart`: adds to the cart if the stock is there now, else says what is left.
pub async fn add(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> AppResult<Response> {
    let (b, hours) = shop(&state, &code).await?;
    let mut cart = cart_of(&state, &headers, &b);
    if !cart.token_ok(&state.key, &f.token) {
        return Err(expired());
    }
    let page = Page::from_back(&b.short_code, &f.back).ok_or_else(|| {
        AppError::BadRequest("This form came from outside the shop. Go back to the shop.".into())
    })?;
    let bid = b.id;
    let id = f.product;
    let product = state
        .db
        .read(move |c| products::by_id(c, bid, id))
        .await?
        .filter(|p| p.active);
    let checked = match product {
        None => Err(conflict("That item is no longer on sale.".to_owned())),
        Some(p) => check_add(&cart, &p, f.variant, &f.count),
    };
    let added = checked.and_then(|count| cart.add(f.product, f.variant, count).map_err(conflict));
    match added {
        Ok(()) => {
            let to = page.added(&b.short_code, f.product);
            Ok(with_cart(&state, &b, &cart, Redirect::to(&to)))
        }
        Err(why) => refused(&state, &b, &hours, &cart, page, why).await,
    }
}

/// Why an item was not added, with the status that says whose doing it was: 422 for a count
/// that is not one (the shopper's input), 409 for stock or a cart that cannot take it.
type Refusal = (StatusCode, String);

fn conflict(why: String) -> Refusal {
    (StatusCode::CONFLICT, why)
}

/// The page the shopper added from, saying why the item was not added; the shop's page if
/// that page is gone meanwhile (its category emptied, say).
async fn refused(
    state: &AppState,
    b: &Business,
    hours: &Hours,
    cart: &Cart,
    page: Page,
    (status, why): Refusal,
) -> AppResult<Response> {
    let exists = cache::page(state, b, &page).await?.is_some();
    let page = if exists { page } else { Page::Landing };
    let notice = Notice::Refused(why);
    render(state, b, hours, cart, &page, notice, status).await
}

/// A post whose cart token does not match: the page was from an older cart, or elsewhere.
pub fn expired() -> AppError {
    AppError::BadRequest("This page has expired. Go back to the shop and try again.".into())
}

/// The count to add, if the stock is there for it and what is in the cart already.
fn check_add(cart: &Cart, p: &Product, variant: i64, count: &str) -> Result<u32, Refusal> {
    let count: u32 = count
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=cart::MAX_COUNT).contains(n))
        .ok_or_else(|| {
            let why = "Choose how many: a whole number from 1 to 99.";
            (StatusCode::UNPROCESSABLE_ENTITY, why.to_owned())
        })?;
    let step =
        cart::step(p, variant).ok_or_else(|| conflict("That pack is no longer sold.".into()))?;
    let wanted = cart::demand(cart, p) + i64::from(step) * i64::from(count);
    if p.stock <= 0 {
        return Err(conflict(format!("Sorry, {} is sold out.", p.name)));
    }
    if wanted > p.stock {
        let left = format_amount(p.unit, u64::try_from(p.stock).unwrap_or(0));
        return Err(conflict(format!(
            "Sorry, only {left} of {} is left, counting what is in your cart.",
            p.name
        )));
    }
    let held = cart.count_of(p.id, variant);
    if held + count > cart::MAX_COUNT {
        let why = format!("A cart holds at most 99 of one item, and yours has {held} of these.");
        return Err((StatusCode::UNPROCESSABLE_ENTITY, why));
    }
    Ok(count)
}

/// `GET /s/{code}/images/{id}`: the image of a product on sale.
pub async fn image(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (b, _) = shop(&state, &code).await?;
    let bid = b.id;
    let product = state
        .db
        .read(move |c| products::by_id(c, bid, id))
        .await?
        .filter(|p| p.active)
        .ok_or(AppError::NotFound)?;
    // Public, but a new upload keeps the URL: an hour is a fair wait for a new picture.
    crate::web::products::image::respond(&state, &product, "public, max-age=3600").await
}
