//! `GET /api/v1/products`: the token's business's catalog, with each variant's price worked
//! out, so an integration never has to repeat Novi's pricing rules.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use crate::api::auth::ApiBusiness;
use crate::catalog::products::{self, Filter, Product};
use crate::domain::Unit;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// Matches sku, name or aliases.
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
}

#[derive(Serialize)]
pub struct ProductsBody {
    products: Vec<ProductJson>,
}

#[derive(Serialize)]
struct ProductJson {
    sku: String,
    name: String,
    category: String,
    unit: Unit,
    /// Per kg (unit kg) or per piece (unit pc).
    price_minor: i64,
    /// Grams or pieces.
    stock: i64,
    variants: Vec<VariantJson>,
    active: bool,
    aliases: Vec<String>,
    low_stock: bool,
}

#[derive(Serialize)]
struct VariantJson {
    label: String,
    amount: u32,
    /// Its own price, else the product's price for its amount.
    price_minor: Option<i64>,
    is_default: bool,
}

fn to_json(p: Product) -> ProductJson {
    let variants = p
        .variants
        .iter()
        .map(|v| VariantJson {
            label: v.label.clone(),
            amount: v.amount,
            price_minor: p.variant_price(v).map(|m| m.minor()),
            is_default: v.is_default,
        })
        .collect();
    ProductJson {
        low_stock: p.is_low(),
        sku: p.sku,
        name: p.name,
        category: p.category,
        unit: p.unit,
        price_minor: p.price.minor(),
        stock: p.stock,
        variants,
        active: p.active,
        aliases: p.aliases,
    }
}

pub async fn index(
    State(state): State<AppState>,
    ApiBusiness(b): ApiBusiness,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<ProductsBody>> {
    let filter = Filter {
        q: q.q,
        category: q.category,
        active_only: false,
    };
    let list = state
        .db
        .read(move |c| products::list(c, b.id, &filter))
        .await?;
    let products = list.into_iter().map(to_json).collect();
    Ok(Json(ProductsBody { products }))
}
