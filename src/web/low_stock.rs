//! The dashboard's low-stock block: products whose stock crossed their low-stock level and has
//! not gone back above it, each linked to its page to restock.

use maud::{html, Markup};

use crate::catalog::alerts;
use crate::domain::format_amount;
use crate::error::AppResult;
use crate::web::extract::ShopPage;
use crate::AppState;

/// The block, or nothing when no product is low.
pub async fn block(state: &AppState, shop: &ShopPage) -> AppResult<Markup> {
    let id = shop.business.id;
    let open = state.db.read(move |c| alerts::open(c, id)).await?;
    Ok(html! {
        @if !open.is_empty() {
            section.card.low-stock role="region" aria-labelledby="low-stock-title" {
                h2 #low-stock-title { "Low stock" }
                ul {
                    @for a in &open {
                        li {
                            a href=(shop.url(&format!("/products/{}", a.product_id))) { (a.name) }
                            ": " (format_amount(a.unit, a.stock.unsigned_abs())) " left (low at "
                            (format_amount(a.unit, a.low_stock.unsigned_abs())) ")"
                        }
                    }
                }
            }
        }
    })
}
