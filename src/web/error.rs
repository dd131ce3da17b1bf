//! How an error looks in the browser: a page with its status, or the login form for a page
//! that needs a logged-in user.

use axum::response::{IntoResponse, Redirect, Response};

use super::{layout, login_url};
use crate::error::AppError;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log_if_internal();
        if let Self::LoginRequired { next } = &self {
            return Redirect::to(&login_url(next)).into_response();
        }
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let body = layout::error_page(title, &self.to_string());
        (status, body).into_response()
    }
}
