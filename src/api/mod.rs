//! The JSON API under `/api/v1`, for integrations and scripts. Every call carries a business's
//! token (`Authorization: Bearer …`) and sees only that business.

pub mod products;

use axum::Json;
use serde_json::{json, Value};

use crate::auth::ApiBusiness;
use crate::error::{ApiError, ApiResult, AppError};

/// `GET /api/v1/business`: the profile of the business the token belongs to.
pub async fn business(ApiBusiness(b): ApiBusiness) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "business": b })))
}

/// Unknown API paths answer in JSON too.
pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}
