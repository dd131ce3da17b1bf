//! `POST /api/v1/orders/{number}/payments`: a payment recorded by an API client (a till, a
//! delivery app); answered with the order's `payment` object.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiResult;
use super::orders::parse_number;
use super::JsonBody;
use crate::api::auth::ApiBusiness;
use crate::domain::Money;
use crate::error::AppError;
use crate::orders::PaymentMode;
use crate::payments::{self, Kind, NewPayment};
use crate::AppState;

/// `amount_minor` is read as any JSON value, so a fraction, a string or a number past `i64`
/// is refused as a bad amount (422) with what is wrong, not as malformed JSON.
#[derive(Deserialize)]
pub struct PaymentIn {
    amount_minor: Option<Value>,
    mode: Option<String>,
    #[serde(default)]
    reference: Option<String>,
}

fn new_payment(body: PaymentIn) -> Result<NewPayment, AppError> {
    let amount = match &body.amount_minor {
        None => return Err(AppError::Invalid("amount_minor is required".into())),
        Some(v) => v.as_i64().ok_or_else(|| {
            AppError::Invalid(format!(
                "amount_minor must be a whole number of paise, not {v}"
            ))
        })?,
    };
    if amount <= 0 {
        return Err(AppError::Invalid(format!(
            "amount_minor must be more than zero, not {amount}"
        )));
    }
    let mode: PaymentMode = body
        .mode
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|e| AppError::Invalid(format!("mode {e}")))?;
    Ok(NewPayment {
        amount: Money::from_minor(amount),
        mode,
        kind: Kind::Payment,
        reference: body.reference.unwrap_or_default(),
        recorded_by: None,
        actor: "api".into(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    ApiBusiness(business): ApiBusiness,
    Path(number): Path<String>,
    JsonBody(body): JsonBody<PaymentIn>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let number = parse_number(&number)?;
    let payment = new_payment(body)?;
    let business_id = business.id;
    let summary = state
        .db
        .write(move |tx| payments::record(tx, &business, number, &payment))
        .await?;
    state.bridge.live.order(business_id, number, false);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "payment": payments::summary_json(&summary) })),
    ))
}
