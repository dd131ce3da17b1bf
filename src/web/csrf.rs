//! CSRF protection for every form post. Each form carries a token in a hidden `_csrf` field,
//! and a post whose token is not the one for its session is refused before any handler runs.
//! The token is an HMAC, under the server's key, of the session cookie; before login (the login
//! and setup pages) of a random pre-session cookie. Someone who can plant a cookie in a
//! browser cannot pair it with a token without the key.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::secret::{self, ServerKey};
use crate::web::cookie;
use crate::AppState;

pub const FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";

/// Form bodies larger than this are refused; uploads carry the token in the query instead.
const MAX_FORM_BYTES: usize = 1 << 20;

/// The token for this request, for pages to put in their forms.
#[derive(Clone)]
pub struct CsrfToken(pub String);

/// Paths with their own authentication (bearer tokens, signatures), not cookies; the
/// storefront's forms carry their cart's own token instead (`web::store::cart`).
fn is_exempt(path: &str) -> bool {
    never_a_page(path) || path.starts_with("/s/")
}

/// Paths that never answer with a page, so never need a token to put in a form: every webhook
/// and API call would otherwise draw random bytes and sign them for nothing.
fn never_a_page(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/webhooks/")
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// What this request's forms are bound to: its session, else its pre-session cookie.
enum Binding {
    Session(String),
    PreSession(String),
    /// No cookie yet: a new pre-session value, set on the page's response.
    NewPreSession(String),
}

impl Binding {
    fn of(headers: &HeaderMap, https: bool) -> Self {
        if let Some(s) = cookie::get(headers, cookie::session_name(https)) {
            return Binding::Session(s);
        }
        match cookie::get(headers, cookie::pre_session_name(https)).filter(|t| t.len() == 64) {
            Some(p) => Binding::PreSession(p),
            None => Binding::NewPreSession(secret::new_token()),
        }
    }

    fn token(&self, key: &ServerKey) -> String {
        match self {
            Binding::Session(s) => key.sign("csrf-session", s),
            Binding::PreSession(p) | Binding::NewPreSession(p) => key.sign("csrf-pre-session", p),
        }
    }
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if never_a_page(req.uri().path()) {
        return next.run(req).await;
    }
    let https = state.config.behind_https;
    let binding = Binding::of(req.headers(), https);
    let token = binding.token(&state.key);
    let mut req = req;
    if is_unsafe(req.method()) && !is_exempt(req.uri().path()) {
        let (submitted, rebuilt) = submitted_token(req).await;
        // A post with no cookie at all cannot carry a token for one.
        let bound = !matches!(binding, Binding::NewPreSession(_));
        if !(bound && submitted.is_some_and(|s| secret::equal(&s, &token))) {
            if rebuilt.uri().path() == "/login" {
                return login_again(rebuilt).await;
            }
            return refused();
        }
        req = rebuilt;
    }
    req.extensions_mut().insert(CsrfToken(token));
    let mut response = next.run(req).await;
    // Only pages carry forms; JSON and files need no token.
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if let (Binding::NewPreSession(value), true) = (&binding, is_html) {
        let name = cookie::pre_session_name(https);
        let value = cookie::build(name, value, None, https, "Strict");
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

/// A login page left open past its cookie (a phone's browser restored the tab, say) is sent to
/// a fresh one that says why, keeping where it was going; nothing else was done.
async fn login_again(req: Request) -> Response {
    let next = match to_bytes(req.into_body(), MAX_FORM_BYTES).await {
        Ok(bytes) => form_field(&bytes, "next").unwrap_or_default(),
        Err(_) => String::new(),
    };
    let query: String = serde_urlencoded::to_string([("expired", "1"), ("next", next.as_str())])
        .unwrap_or_else(|_| "expired=1".into());
    Redirect::to(&format!("/login?{query}")).into_response()
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
