//! Stock adjustments by hand: a signed change ("+2 kg", "-500 g") with a required reason,
//! recorded as a stock move so the product's history explains its figure.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::view::View;
use super::{again, parse_id, require_catalog};
use crate::catalog::products;
use crate::catalog::stock::{self, Cause};
use crate::domain::{format_amount, parse_change};
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::AppState;

const MAX_REASON: usize = 200;

#[derive(Deserialize)]
pub struct StockForm {
    #[serde(default)]
    change: String,
    #[serde(default)]
    reason: String,
}

fn parse_reason(text: &str) -> Result<String, String> {
    let reason = text.trim();
    if reason.is_empty() {
        return Err("say why the stock changes (e.g. fresh batch, spoilt, counted)".into());
    }
    if reason.chars().count() > MAX_REASON {
        return Err(format!("the reason can be at most {MAX_REASON} characters"));
    }
    Ok(reason.to_owned())
}

pub async fn save(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<StockForm>,
) -> AppResult<Response> {
    require_catalog(&shop)?;
    let id = parse_id(&id)?;
    let (business, actor) = (shop.business.id, shop.user.username.clone());
    let (change, reason) = (f.change.clone(), f.reason.clone());
    let result = state
        .db
        .write(move |tx| {
            let p = products::by_id(tx, business, id)?.ok_or(AppError::NotFound)?;
            let delta = parse_change(p.unit, &change).map_err(AppError::Invalid)?;
            let reason = parse_reason(&reason).map_err(AppError::Invalid)?;
            // Checked here, in the write transaction, to say it in the product's unit.
            if p.stock.saturating_add(delta) < 0 {
                return Err(AppError::Invalid(format!(
                    "only {} left, so {} cannot be taken away",
                    format_amount(p.unit, p.stock.unsigned_abs()),
                    format_amount(p.unit, delta.unsigned_abs())
                )));
            }
            let cause = Cause {
                reason: &reason,
                order_id: None,
                actor: &actor,
            };
            stock::adjust(tx, business, id, delta, &cause)
        })
        .await;
    match result {
        Ok(_) => {
            let to = shop.url(&format!("/products/{id}?saved=stock#stock"));
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let view = View {
                stock_error: Some(e.into_refusal()?),
                change: f.change,
                reason: f.reason,
                ..View::default()
            };
            again(&state, &shop, id, StatusCode::UNPROCESSABLE_ENTITY, view).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_reason;

    #[test]
    fn a_reason_is_required_and_bounded() {
        assert_eq!(parse_reason("  fresh batch "), Ok("fresh batch".into()));
        assert!(parse_reason("  ").is_err());
        assert!(parse_reason(&"x".repeat(201)).is_err());
    }
}
