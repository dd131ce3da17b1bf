//! The storefront's catalog, rendered once per catalog version and served from memory: every
//! change to a product, a variant or stock moves the business's `catalog_version` (triggers,
//! migration V13), so a cached page is used only while it is still true, whichever path (a form,
//! an import, the CLI, an order taking stock) changed the catalog.

use std::sync::Arc;
use std::time::Duration;

use maud::{html, Markup, PreEscaped};

use crate::accounts::businesses::{self, Business};
use crate::catalog::products::{self, Product};
use crate::domain::{Money, Unit};
use crate::error::AppResult;
use crate::AppState;

/// Stands for the cart's form token in the cached HTML; replaced on every request.
pub const TOKEN_MARK: &str = "__NOVI_CART_TOKEN__";

/// Rendered catalogs by business id, with the version each was rendered at.
#[derive(Clone)]
pub struct Catalogs(moka::sync::Cache<i64, (i64, Arc<String>)>);

impl Catalogs {
    pub fn new() -> Self {
        Self(
            moka::sync::Cache::builder()
                .max_capacity(1_000)
                // Idle shops' pages leave memory; a busy shop's stays while it is current.
                .time_to_idle(Duration::from_secs(3600))
                .build(),
        )
    }

    /// The catalog version the business's cached page was rendered at, if one is cached.
    pub fn entry_version(&self, business_id: i64) -> Option<i64> {
        self.0.get(&business_id).map(|(v, _)| v)
    }
}

impl Default for Catalogs {
    fn default() -> Self {
        Self::new()
    }
}

/// The business's catalog as HTML, with [`TOKEN_MARK`] where the cart token goes: from the
/// cache when the catalog has not changed since it was rendered, else rendered now.
pub async fn catalog(state: &AppState, b: &Business) -> AppResult<Arc<String>> {
    let id = b.id;
    let version = state
        .db
        .read(move |c| businesses::catalog_version(c, id))
        .await?;
    if let Some((v, html)) = state.storefront.catalogs.0.get(&id) {
        if v == version {
            return Ok(html);
        }
    }
    // Read the version again with the products, in one snapshot, so the page is stored under
    // the version it shows.
    let (version, list) = state
        .db
        .read(move |c| {
            Ok((
                businesses::catalog_version(c, id)?,
                products::on_sale(c, id)?,
            ))
        })
        .await?;
    let html = Arc::new(render(b, &list).into_string());
    state
        .storefront
        .catalogs
        .0
        .insert(id, (version, html.clone()));
    Ok(html)
}

fn category(c: &str) -> &str {
    if c.is_empty() {
        "Other"
    } else {
        c
    }
}

fn render(b: &Business, list: &[Product]) -> Markup {
    let mut cats: Vec<&str> = list.iter().map(|p| category(&p.category)).collect();
    cats.dedup();
    html! {
        @if list.is_empty() {
            p.muted { "Nothing is on sale just now." }
        }
        @if cats.len() > 1 {
            nav.store-cats aria-label="Categories" {
                @for (i, c) in cats.iter().enumerate() { a href={ "#cat-" (i) } { (c) } }
            }
        }
        @for (i, c) in cats.iter().enumerate() {
            section.store-cat aria-labelledby={ "cat-" (i) } {
                h2 id={ "cat-" (i) } { (c) }
                ul.store-products {
                    @for p in list.iter().filter(|p| category(&p.category) == *c) {
                        li { (card(b, p)) }
                    }
                }
            }
        }
    }
}

fn per(p: &Product) -> &'static str {
    match p.unit {
        Unit::Kg => "/kg",
        Unit::Pc => " each",
    }
}

fn card(b: &Business, p: &Product) -> Markup {
    let money = |m: Money| m.format(&b.currency);
    let sold_out = p.stock <= 0;
    html! {
        article.store-card id={ "p" (p.id) } {
            @if p.image.is_some() {
                img src={ "/s/" (b.short_code) "/images/" (p.id) } alt=(p.name) loading="lazy" width="96" height="96";
            }
            div {
                h3 { (p.name) }
                p.price { (money(p.price)) (per(p)) }
                @if sold_out {
                    p.sold-out { "Sold out" }
                } @else {
                    form.add method="post" action={ "/s/" (b.short_code) "/cart" } {
                        input type="hidden" name="_cart" value=(PreEscaped(TOKEN_MARK));
                        input type="hidden" name="product" value=(p.id);
                        @if p.variants.is_empty() {
                            input type="hidden" name="variant" value="0";
                        } @else {
                            label {
                                span { "Pack" }
                                select name="variant" {
                                    @for v in &p.variants {
                                        option value=(v.id) selected[v.is_default] {
                                            (v.label) " — " (p.variant_price(v).map(money).unwrap_or_default())
                                        }
                                    }
                                }
                            }
                        }
                        label {
                            span { "How many" @if p.variants.is_empty() && p.unit == Unit::Kg { " (kg)" } }
                            input type="number" name="count" value="1" min="1" max="99" inputmode="numeric";
                        }
                        button type="submit" { "Add to cart" }
                    }
                }
            }
        }
    }
}
