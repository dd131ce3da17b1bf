//! Products: the list (search, category filter, low-stock marker), creating and editing.
//! Everyone in the business may look; only owners and managers may change anything.

pub mod adjust;
pub mod form;
pub mod image;
pub mod suggestions;
pub mod transfer;
pub mod view;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use crate::catalog::products::{self, Filter, Product};
use crate::catalog::stock::{self, Cause, Move};
use crate::catalog::suggestions::{self as catalog_suggestions, Suggestion};
use crate::domain::format_amount;
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::web::layout::{page, Nav};
use crate::AppState;
use form::{Problems, ProductForm};
use view::{low_marker, price_label, View};

/// Stock moves shown on a product's page.
const HISTORY_LIMIT: i64 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    /// After an import: how many products it added and updated.
    imported: Option<usize>,
    updated: Option<usize>,
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<String>,
}

/// Refuses unless the user may change products and stock.
pub fn require_catalog(shop: &ShopPage) -> AppResult<()> {
    if shop.role.can_manage_catalog() {
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
pub async fn find(state: &AppState, shop: &ShopPage, id: i64) -> AppResult<Product> {
    let business = shop.business.id;
    state
        .db
        .read(move |c| products::by_id(c, business, id)?.ok_or(AppError::NotFound))
        .await
}

/// A product of this business with its recent stock history and the words customers were
/// seen to use for it, or 404.
pub async fn load(
    state: &AppState,
    shop: &ShopPage,
    id: i64,
) -> AppResult<(Product, Vec<Move>, Vec<Suggestion>)> {
    let business = shop.business.id;
    state
        .db
        .read(move |c| {
            let p = products::by_id(c, business, id)?.ok_or(AppError::NotFound)?;
            let history = stock::history(c, business, id, HISTORY_LIMIT)?;
            let words = catalog_suggestions::for_product(c, business, id)?;
            Ok((p, history, words))
        })
        .await
}

/// The product page again, with what went wrong, as `status`.
pub async fn again(
    state: &AppState,
    shop: &ShopPage,
    id: i64,
    status: StatusCode,
    view: View,
) -> AppResult<Response> {
    let (p, history, words) = load(state, shop, id).await?;
    let body = view::render(shop, &p, &history, &words, &view);
    Ok((status, body).into_response())
}

pub async fn index(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<ListQuery>,
) -> AppResult<Markup> {
    let business = shop.business.id;
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
        &shop,
        Nav::Products,
        "Products",
        list_body(&shop, &q, &list, &categories),
    ))
}

fn list_body(shop: &ShopPage, q: &ListQuery, list: &[Product], categories: &[String]) -> Markup {
    let imported = q.imported.map(|n| {
        format!(
            "Imported: {n} new, {} updated.",
            q.updated.unwrap_or_default()
        )
    });
    html! {
        (crate::web::layout::notice(imported.as_deref()))
        div.toolbar {
            form.inline method="get" action=(shop.url("/products")) role="search" {
                input type="search" name="q" value=(q.q) placeholder="Name, SKU or alias" aria-label="Search";
                select name="category" aria-label="Category" {
                    option value="" { "All categories" }
                    @for c in categories {
                        option value=(c) selected[*c == q.category] { (c) }
                    }
                }
                button.small type="submit" { "Search" }
            }
            @if shop.role.can_manage_catalog() {
                div.actions {
                    a.button href=(shop.url("/products/new")) { "New product" }
                    a.button.secondary href=(shop.url("/products/import")) { "Import" }
                    a.button.secondary href=(shop.url("/products/export.csv")) download { "Export" }
                }
            }
        }
        @if list.is_empty() {
            div.empty { p { "No products match." } }
        } @else {
            table.products {
                thead { tr { th { "Name" } th { "SKU" } th { "Category" } th { "Price" } th { "Stock" } th { "" } } }
                tbody { @for p in list { (list_row(shop, p)) } }
            }
        }
    }
}

fn list_row(shop: &ShopPage, p: &Product) -> Markup {
    html! {
        tr {
            td.name {
                @if let Some(v) = &p.image {
                    img.thumb src=(shop.url(&format!("/products/{}/image?v={v}", p.id))) alt="" width="40" height="40" loading="lazy";
                }
                a.row-link href=(shop.url(&format!("/products/{}", p.id))) { (p.name) }
            }
            td.sku { code { (p.sku) } }
            td.category { (p.category) }
            td.price { (price_label(&shop.business.currency, p.price, p.unit)) }
            td.stock { (format_amount(p.unit, p.stock.unsigned_abs())) " " (low_marker(p)) }
            td.flag { @if !p.active { span.badge.off { "inactive" } } }
        }
    }
}

fn new_page(shop: &ShopPage, f: &ProductForm, problems: &Problems) -> Markup {
    let form = form::render(&shop.url("/products"), &shop.csrf, f, problems, true);
    let body = html! {
        p { a.go href=(shop.url("/products")) { "← All products" } }
        section.card { (form) }
    };
    page(shop, Nav::Products, "New product", body)
}

pub async fn new(shop: ShopPage) -> AppResult<Markup> {
    require_catalog(&shop)?;
    Ok(new_page(&shop, &ProductForm::blank(), &Problems::default()))
}

pub async fn create(
    State(state): State<AppState>,
    shop: ShopPage,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    require_catalog(&shop)?;
    let form = ProductForm::from_pairs(pairs);
    let refuse = |problems: &Problems| {
        let body = new_page(&shop, &form, problems);
        Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
    };
    let (mut input, opening) = match form.parse() {
        Ok(parsed) => parsed,
        Err(problems) => return refuse(&problems),
    };
    if form.low_stock.trim().is_empty() {
        input.low_stock = products::default_low_stock(input.unit);
    }
    let (business, actor) = (shop.business.id, shop.user.username.clone());
    let created: AppResult<i64> = state
        .db
        .write(move |tx| {
            let id = products::insert(tx, business, &input)?;
            let cause = Cause {
                reason: "opening stock",
                order_id: None,
                actor: &actor,
            };
            stock::open(tx, business, id, opening, &cause)?;
            Ok(id)
        })
        .await;
    match created {
        Ok(id) => {
            Ok(Redirect::to(&shop.url(&format!("/products/{id}?saved=product"))).into_response())
        }
        Err(e) => refuse(&Problems::general(e.into_refusal()?)),
    }
}

fn saved_notice(saved: Option<&str>) -> Option<&'static str> {
    match saved? {
        "product" => Some("Product saved."),
        "stock" => Some("Stock adjusted."),
        "image" => Some("Image uploaded."),
        "alias" => Some("Alias added: the next message with these words reads as this product."),
        "dismissed" => Some("Suggestion dismissed."),
        _ => None,
    }
}

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<Saved>,
) -> AppResult<Response> {
    let view = View {
        notice: saved_notice(q.saved.as_deref()),
        ..View::default()
    };
    again(&state, &shop, parse_id(&id)?, StatusCode::OK, view).await
}

/// Said when a product form was opened before someone else saved the product.
const STALE: &str = "Someone saved this product after this page was opened, so nothing was \
                     saved. It is shown below as it is now: make your change again.";

pub async fn update(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    require_catalog(&shop)?;
    let id = parse_id(&id)?;
    let form = ProductForm::from_pairs(pairs);
    let seen = form.seen.clone();
    let result: Result<(), Problems> = match form.parse() {
        Ok((input, _)) => {
            let business = shop.business.id;
            let saved = state
                .db
                .write(move |tx| {
                    let current = products::by_id(tx, business, id)?.ok_or(AppError::NotFound)?;
                    // Saved from a page older than someone else's save: it would undo theirs.
                    if !seen.is_empty() && seen != current.edit_version() {
                        return Err(AppError::Conflict(STALE.into()));
                    }
                    // Grams would silently become pieces (or the reverse).
                    if current.unit != input.unit && current.stock != 0 {
                        return Err(AppError::Invalid(
                            "the unit cannot change while there is stock; take the stock to zero first".into(),
                        ));
                    }
                    products::update(tx, business, id, &input)
                })
                .await;
            match saved {
                // The product as it is now, to make the change again on.
                Err(AppError::Conflict(m)) if m == STALE => {
                    let view = View {
                        form_problems: Problems::general(m),
                        ..View::default()
                    };
                    return again(&state, &shop, id, StatusCode::CONFLICT, view).await;
                }
                Err(e) => Err(Problems::general(e.into_refusal()?)),
                Ok(()) => Ok(()),
            }
        }
        Err(problems) => Err(problems),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&shop.url(&format!("/products/{id}?saved=product"))).into_response())
        }
        Err(problems) => {
            let view = View {
                form: Some(form),
                form_problems: problems,
                ..View::default()
            };
            again(&state, &shop, id, StatusCode::UNPROCESSABLE_ENTITY, view).await
        }
    }
}
