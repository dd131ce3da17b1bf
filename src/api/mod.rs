//! The JSON API under `/api/v1`, for integrations and scripts. Every call carries a business's
//! token (`Authorization: Bearer …`) and sees only that business.

pub mod auth;
pub mod conversations;
pub mod customers;
pub mod error;
pub mod orders;
pub mod payments;

use axum::extract::{FromRequest, Request};
pub mod products;

use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::auth::ApiBusiness;
use crate::error::AppError;
use error::{ApiError, ApiResult};

/// A JSON request body whose problems (not JSON, wrong fields) answer in the API's error shape.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError(AppError::BadRequest(rejection.body_text()))),
        }
    }
}

/// `page` and `per_page` query parameters.
#[derive(Deserialize, Default)]
pub struct Pagination {
    page: Option<String>,
    per_page: Option<String>,
}

impl Pagination {
    pub const MAX_PER_PAGE: i64 = 100;

    /// Page from 1, per_page from 1 to 100 (default 25).
    pub fn resolve(&self) -> Result<(i64, i64), AppError> {
        let number =
            |v: &Option<String>, name: &str, default: i64| match v.as_deref() {
                None | Some("") => Ok(default),
                Some(t) => t.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    AppError::Invalid(format!("{name} must be a whole number from 1"))
                }),
            };
        let page = number(&self.page, "page", 1)?;
        let per_page = number(&self.per_page, "per_page", 25)?.min(Self::MAX_PER_PAGE);
        Ok((page, per_page))
    }

    /// One page of a list: its `rows` under `key`, and where the page sits in the whole list.
    pub fn page_json(
        key: &str,
        rows: Vec<Value>,
        (page, per_page): (i64, i64),
        total: i64,
    ) -> Value {
        let pages = (total + per_page - 1) / per_page;
        let pagination =
            json!({"page": page, "per_page": per_page, "total": total, "pages": pages});
        json!({ key: rows, "pagination": pagination })
    }
}

/// `GET /api/v1/business`: the profile of the business the token belongs to.
pub async fn business(ApiBusiness(b): ApiBusiness) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "business": b })))
}

/// Unknown API paths answer in JSON too.
pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}
