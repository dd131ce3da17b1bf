//! How an error looks in the browser: a page with its status, or the login form for a page
//! that needs a logged-in user; the framework's own plain-text refusals restyled the same.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::{layout, login_url};
use crate::error::AppError;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log_if_internal();
        if let Self::LoginRequired { next } = &self {
            return Redirect::to(&login_url(next)).into_response();
        }
        if let Self::ShopClosed(name) = &self {
            return (self.status(), super::store::view::closed(name)).into_response();
        }
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let body = layout::error_page(title, &self.to_string());
        (status, body).into_response()
    }
}

/// Turns the plain-text answers the framework gives for a bad request (a path segment that is
/// not a number, a method a route lacks, a form that cannot be read, a body too large) into
/// the same styled page as every other error, and for the API and webhooks into the same JSON
/// error as theirs. Assets and health checks keep plain text. A path that cannot be read is no
/// page at all, so it is a 404.
pub async fn styled(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let home = layout::Home::of(&path);
    let res = layout::HOME.scope(home.clone(), next.run(req)).await;
    let status = res.status();
    let ours = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| path.starts_with(p));
    if !(status.is_client_error() || status.is_server_error())
        || ours
        || starts(&["/assets/", "/health", "/ready"])
    {
        return res;
    }
    let text = to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    if starts(&["/api/", "/webhooks/"]) {
        return as_json(status, &String::from_utf8_lossy(&text));
    }
    let (status, message) = match status {
        StatusCode::NOT_FOUND => (status, "There is no page at this address.".to_owned()),
        StatusCode::BAD_REQUEST if text.starts_with(b"Invalid URL") => (
            StatusCode::NOT_FOUND,
            "There is no page at this address.".to_owned(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            status,
            "This page cannot be used that way. Go back and try again.".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (status, "What was sent is too large.".to_owned()),
        s if s.is_server_error() => (
            s,
            "Something went wrong on our side. Try again in a moment.".to_owned(),
        ),
        s => (
            s,
            format!(
                "The request could not be read: {}",
                String::from_utf8_lossy(&text)
            ),
        ),
    };
    let title = status.canonical_reason().unwrap_or("Error");
    let page = layout::HOME.sync_scope(home, || layout::error_page(title, &message));
    (status, page).into_response()
}

/// A framework refusal as the API's `{"error":{"code","message"}}`, its status kept.
fn as_json(status: StatusCode, text: &str) -> Response {
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "this address does not take that method".to_owned(),
        s if s.is_server_error() => "something went wrong on our side".to_owned(),
        _ if text.trim().is_empty() => status.canonical_reason().unwrap_or("error").to_owned(),
        _ => text.trim().to_owned(),
    };
    crate::api::error::error_response(status, code, &message)
}
