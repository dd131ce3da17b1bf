//! CSRF protection for every form post, by the double-submit pattern: each browser holds a
//! random token in a cookie, every form carries it back in a hidden `_csrf` field, and a post
//! whose field does not match its cookie is refused before any handler runs.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::secret;
use crate::web::cookie;
use crate::AppState;

pub const COOKIE: &str = "novi_csrf";
pub const FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";

/// Form bodies larger than this are refused; uploads carry the token in the query instead.
const MAX_FORM_BYTES: usize = 1 << 20;

/// The token for this request, for pages to put in their forms.
#[derive(Clone)]
pub struct CsrfToken(pub String);

/// Paths with their own authentication (bearer tokens, signatures), not cookies.
fn is_exempt(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/webhooks/")
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let existing = cookie::get(req.headers(), COOKIE).filter(|t| t.len() == 64);
    let token = existing.clone().unwrap_or_else(secret::new_token);
    let mut req = req;
    if is_unsafe(req.method()) && !is_exempt(req.uri().path()) {
        let (submitted, rebuilt) = submitted_token(req).await;
        let valid = matches!((&existing, &submitted), (Some(c), Some(s)) if secret::equal(c, s));
        if !valid {
            return refused();
        }
        req = rebuilt;
    }
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(req).await;
    // Only pages carry forms; JSON and files need no token.
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if existing.is_none() && is_html {
        let value = cookie::build(COOKIE, &token, None, state.config.behind_https, "Strict");
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// Finds the submitted token in the header, the query string, or a url-encoded form body.
/// Reading the body consumes it, so the request is rebuilt from the bytes read.
async fn submitted_token(req: Request) -> (Option<String>, Request) {
    if let Some(v) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return (Some(v.to_owned()), req);
    }
    if let Some(t) = req
        .uri()
        .query()
        .and_then(|q| form_field(q.as_bytes(), FIELD))
    {
        return (Some(t), req);
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (None, req);
    }
    let (parts, body) = req.into_parts();
    match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => {
            let token = form_field(&bytes, FIELD);
            (token, Request::from_parts(parts, Body::from(bytes)))
        }
        Err(_) => (None, Request::from_parts(parts, Body::empty())),
    }
}

fn form_field(encoded: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(encoded)
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn refused() -> Response {
    let page = crate::web::layout::error_page(
        "Form expired",
        "This form could not be accepted because its security token is missing or out of date. \
         Go back, reload the page and try again.",
    );
    (StatusCode::FORBIDDEN, page).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_in_a_form_body() {
        assert_eq!(
            form_field(b"a=1&_csrf=abc%20d&b=2", FIELD),
            Some("abc d".to_owned())
        );
        assert_eq!(form_field(b"a=1", FIELD), None);
        assert_eq!(form_field(b"%%%", FIELD), None);
    }

    #[test]
    fn api_and_webhooks_are_exempt() {
        assert!(is_exempt("/api/v1/orders"));
        assert!(is_exempt("/webhooks/whatsapp/demo"));
        assert!(!is_exempt("/login"));
        assert!(!is_exempt("/b/demo/settings"));
    }
}
