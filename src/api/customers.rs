//! `/api/v1/customers`: who has ordered, found by name or number.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiResult;
use super::{Page, Pagination};
use crate::api::auth::ApiBusiness;
use crate::customers::{self, Customer};
use crate::domain::Phone;
use crate::error::AppError;
use crate::orders::export::rfc3339;
use crate::orders::store::Detail;
use crate::AppState;

/// A customer as integrations read it: money in minor units under `*_minor`, the phone as digits.
fn customer_json(c: &Customer) -> Value {
    json!({
        "phone": c.phone.as_str(),
        "name": c.name,
        "notes": c.notes,
        "addresses": c.addresses,
        "order_count": c.order_count,
        "total_spent_minor": c.total_spent.minor(),
        "last_order_at": c.last_order_at.map(rfc3339),
        "created_at": rfc3339(c.created_at),
    })
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    #[serde(flatten)]
    page: Pagination,
}

pub async fn index(
    State(state): State<AppState>,
    ApiBusiness(business): ApiBusiness,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Page<Value>>> {
    let (page, per_page) = query.page.resolve()?;
    let q = query.q.unwrap_or_default();
    let (rows, total) = state
        .db
        .read(move |c| customers::list(c, business.id, &q, page, per_page))
        .await?;
    let rows = rows.iter().map(customer_json).collect();
    Ok(Json(Pagination::page(
        "customers",
        rows,
        (page, per_page),
        total,
    )))
}

/// Any way of writing the number finds the customer: `98123 45678`, `+91-9812345678`, ...
pub async fn show(
    State(state): State<AppState>,
    ApiBusiness(business): ApiBusiness,
    Path(phone): Path<String>,
) -> ApiResult<Json<Value>> {
    let phone =
        Phone::parse_lookup(&phone, &business.country_code).map_err(|_| AppError::NotFound)?;
    let found = state
        .db
        .read(move |c| customers::by_phone(c, business.id, &phone))
        .await?
        .ok_or(AppError::NotFound)?;
    let id = found.id;
    let (orders, _) = state
        .db
        .read(move |c| {
            let f = crate::orders::store::Filter {
                customer_id: Some(id),
                ..Default::default()
            };
            crate::orders::store::list_with(c, business.id, &f, (1, 20), Detail::Row)
        })
        .await?;
    let mut body = customer_json(&found);
    body["orders"] = orders
        .iter()
        .map(|o| json!({"number": o.number, "status": o.status, "total_minor": o.total.minor(), "created_at": rfc3339(o.created_at)}))
        .collect();
    Ok(Json(json!({ "customer": body })))
}
