//! How an error looks to an API client: `{"error":{"code","message"}}` with the right status.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::AppError;

/// The same error, rendered for the JSON API.
#[derive(Debug)]
pub struct ApiError(pub AppError);

pub type ApiResult<T> = Result<T, ApiError>;

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

/// `err` as `{"error":{"code","message"}}` with its status: the API's answers, and the
/// webhooks' refusals, which speak JSON to the providers calling them.
pub fn json_error(err: &AppError) -> Response {
    err.log_if_internal();
    error_response(err.status(), err.code(), &err.to_string())
}

/// The one shape of every JSON refusal, for those that are no `AppError` (the framework's own,
/// a provider's webhook).
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        let mut response = json_error(&err);
        if err.status() == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("static"));
        }
        response
    }
}
