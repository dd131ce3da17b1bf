//! `POST /webhooks/razorpay/{code}`: Razorpay's webhook deliveries. The signature over the raw
//! body is checked with the shop's webhook secret first; a delivery is then stored once per
//! event id and only then answered 200, so Razorpay retries anything Novi did not keep; the
//! Razorpay worker (`razorpay::worker`) is woken to act on it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::razorpay::{events, settings, sign};
use crate::AppState;

/// A refusal Razorpay's dashboard shows in its delivery log.
fn refused(message: &str) -> Response {
    crate::api::error::error_response(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// Answers in JSON whatever happens, as Razorpay's delivery log expects: an unknown shop or one
/// without a webhook secret is `404 {"error":{"code":"not_found",…}}`, not the owner's page.
pub async fn receive(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    receive_event(&state, &code, &headers, body)
        .await
        .unwrap_or_else(|e| crate::api::error::json_error(&e))
}

async fn receive_event(
    state: &AppState,
    code: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let business = state
        .business_by_code(code)
        .await?
        .ok_or(AppError::NotFound)?;
    let id = business.id;
    let keys = state.db.read(move |c| settings::load(c, id)).await?;
    let Some(keys) = keys.filter(|k| !k.webhook_secret.is_empty()) else {
        return Err(AppError::NotFound);
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let signed = header("x-razorpay-signature")
        .is_some_and(|s| sign::webhook(&keys.webhook_secret, &body, &s));
    if !signed {
        return Ok(refused(
            "the X-Razorpay-Signature header is missing or wrong",
        ));
    }
    let Some(event_id) = header("x-razorpay-event-id").filter(|e| !e.is_empty() && e.len() <= 100)
    else {
        return Ok(refused("the x-razorpay-event-id header is missing"));
    };
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return Ok(refused("the body is not UTF-8 JSON"));
    };
    let event = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["event"].as_str().map(str::to_owned));
    let Some(event) = event else {
        return Ok(refused("the body is not a Razorpay event"));
    };
    let stored = state
        .db
        .write(move |tx| events::store(tx, id, &event_id, &event, &text))
        .await?;
    if let events::Stored::New(_) = stored {
        state.razorpay.wake();
    }
    Ok(StatusCode::OK.into_response())
}
