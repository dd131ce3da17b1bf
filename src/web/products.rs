//! Products: the list (search, category filter, low-stock marker), creating and editing.
//! Everyone in the business may look; only owners and managers may change anything.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{page, Nav};
use super::product_form::{self, ProductForm};
use super::product_page::{self, low_marker, price_label, View};
use crate::catalog::products::{self, Filter, Product};
use crate::catalog::stock::{self, Cause, Move};
use crate::domain::format_amount;
use crate::error::{AppError, AppResult};
use crate::web::extract::Ctx;
use crate::AppState;

/// Stock moves shown on a product's page.
const HISTORY_LIMIT: i64 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

/// Refuses unless the user may change products and stock.
pub fn require_catalog(ctx: &Ctx) -> AppResult<()> {
    if ctx.role.can_manage_catalog() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A product id from the path; anything that is not one is simply not found.
pub fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// A product of this business, or 404.
pub async fn find(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Product> {
    let business = ctx.business.id;
    state
        .db
        .read(move |c| products::by_id(c, business, id)?.ok_or(AppError::NotFound))
        .await
}

/// A product of this business with its recent stock history, or 404.
pub async fn load(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Product, Vec<Move>)> {
    let business = ctx.business.id;
    state
        .db
        .read(move |c| {
            let p = products::by_id(c, business, id)?.ok_or(AppError::NotFound)?;
            let history = stock::history(c, business, id, HISTORY_LIMIT)?;
            Ok((p, history))
        })
        .await
}

/// The product page again, with what went wrong, as `status`.
pub async fn again(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    view: View,
) -> AppResult<Response> {
    let (p, history) = load(state, ctx, id).await?;
    let body = product_page::render(ctx, &p, &history, &view);
    Ok((status, body).into_response())
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Markup> {
    let business = ctx.business.id;
    let filter = Filter {
        q: q.q.clone(),
        category: q.category.clone(),
        active_only: false,
    };
    let (list, categories) = state
        .db
        .read(move |c| {
            let list = products::list(c, business, &filter)?;
            Ok((list, products::categories(c, business)?))
        })
        .await?;
    Ok(page(
        &ctx,
        Nav::Products,
        "Products",
        list_body(&ctx, &q, &list, &categories),
    ))
}

fn list_body(ctx: &Ctx, q: &ListQuery, list: &[Product], categories: &[String]) -> Markup {
    html! {
        div.toolbar {
            form.inline method="get" action=(ctx.url("/products")) role="search" {
                input type="search" name="q" value=(q.q) placeholder="Name, SKU or alias" aria-label="Search";
                select name="category" aria-label="Category" {
                    option value="" { "All categories" }
                    @for c in categories {
                        option value=(c) selected[*c == q.category] { (c) }
                    }
                }
                button.small type="submit" { "Search" }
            }
            @if ctx.role.can_manage_catalog() {
                a.button href=(ctx.url("/products/new")) { "New product" }
            }
        }
        @if list.is_empty() {
            div.empty { p { "No products match." } }
        } @else {
            table.products {
                thead { tr { th { "Name" } th { "SKU" } th { "Category" } th { "Price" } th { "Stock" } th { "" } } }
                tbody { @for p in list { (list_row(ctx, p)) } }
            }
        }
    }
}

fn list_row(ctx: &Ctx, p: &Product) -> Markup {
    html! {
        tr {
            td { a href=(ctx.url(&format!("/products/{}", p.id))) { (p.name) } }
            td { code { (p.sku) } }
            td { (p.category) }
            td { (price_label(&ctx.business.currency, p.price, p.unit)) }
            td { (format_amount(p.unit, p.stock.unsigned_abs())) " " (low_marker(p)) }
            td { @if !p.active { span.badge.off { "inactive" } } }
        }
    }
}

fn new_page(ctx: &Ctx, f: &ProductForm, error: Option<&str>) -> Markup {
    let form = product_form::render(&ctx.url("/products"), &ctx.csrf, f, error, true);
    let body = html! {
        p { a href=(ctx.url("/products")) { "← All products" } }
        section.card { (form) }
    };
    page(ctx, Nav::Products, "New product", body)
}

pub async fn new(ctx: Ctx) -> AppResult<Markup> {
    require_catalog(&ctx)?;
    Ok(new_page(&ctx, &ProductForm::blank(), None))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    require_catalog(&ctx)?;
    let form = ProductForm::from_pairs(pairs);
    let refuse = |message: &str| {
        let body = new_page(&ctx, &form, Some(message));
        Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
    };
    let (input, opening) = match form.parse() {
        Ok(parsed) => parsed,
        Err(message) => return refuse(&message),
    };
    let (business, actor) = (ctx.business.id, ctx.user.username.clone());
    let created = state
        .db
        .write(move |tx| {
            let id = products::insert(tx, business, &input)?;
            if opening > 0 {
                let cause = Cause {
                    reason: "opening stock",
                    order_id: None,
                    actor: &actor,
                };
                stock::adjust(tx, business, id, opening, &cause)?;
            }
            Ok(id)
        })
        .await;
    match created {
        Ok(id) => {
            Ok(Redirect::to(&ctx.url(&format!("/products/{id}?saved=product"))).into_response())
        }
        Err(AppError::Conflict(m) | AppError::Invalid(m)) => refuse(&m),
        Err(e) => Err(e),
    }
}

fn saved_notice(saved: Option<&str>) -> Option<&'static str> {
    match saved? {
        "product" => Some("Product saved."),
        "stock" => Some("Stock adjusted."),
        "image" => Some("Image uploaded."),
        _ => None,
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<Saved>,
) -> AppResult<Response> {
    let view = View {
        notice: saved_notice(q.saved.as_deref()),
        ..View::default()
    };
    again(&state, &ctx, parse_id(&id)?, StatusCode::OK, view).await
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    require_catalog(&ctx)?;
    let id = parse_id(&id)?;
    let form = ProductForm::from_pairs(pairs);
    let result = match form.parse() {
        Ok((input, _)) => {
            let business = ctx.business.id;
            state
                .db
                .write(move |tx| {
                    let current = products::by_id(tx, business, id)?.ok_or(AppError::NotFound)?;
                    // Grams would silently become pieces (or the reverse).
                    if current.unit != input.unit && current.stock != 0 {
                        return Err(AppError::Invalid(
                            "the unit cannot change while there is stock; take the stock to zero first".into(),
                        ));
                    }
                    products::update(tx, business, id, &input)
                })
                .await
        }
        Err(message) => Err(AppError::Invalid(message)),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&ctx.url(&format!("/products/{id}?saved=product"))).into_response())
        }
        Err(AppError::Conflict(m) | AppError::Invalid(m)) => {
            let view = View {
                form: Some(form),
                form_error: Some(m),
                ..View::default()
            };
            again(&state, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, view).await
        }
        Err(e) => Err(e),
    }
}
