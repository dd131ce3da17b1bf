//! `GET /s/{code}/c/{slug}?page=N`: one category of the storefront, a page of its products at a
//! time, with links to the pages before and after that work without JavaScript. A slug no
//! category has, or a page past the last, is the storefront's 404.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::back::{self, Page};
use super::view::Shop;
use super::{added_notice, cart_of, not_found, render, shop, with_cart};
use crate::error::AppResult;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct CategoryQuery {
    /// Read as text, so a page that is not a number is a 404 like any missing page.
    page: Option<String>,
    added: Option<i64>,
}

/// `GET /s/{code}/c/{slug}`.
pub async fn show(
    State(state): State<AppState>,
    Path((code, slug)): Path<(String, String)>,
    Query(q): Query<CategoryQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (b, hours) = shop(&state, &code).await?;
    let cart = cart_of(&state, &headers, &b);
    let number = match q.page.as_deref() {
        None => Some(1),
        Some(text) => back::number(text),
    };
    let Some(number) = number else {
        let shop = Shop {
            business: &b,
            hours: &hours,
            in_cart: Some(cart.lines.len()),
        };
        return Ok(with_cart(&state, &b, &cart, not_found(&shop)));
    };
    let notice = added_notice(&state, &b, q.added).await?;
    let page = Page::Category { slug, page: number };
    render(&state, &b, &hours, &cart, &page, notice, StatusCode::OK).await
}
