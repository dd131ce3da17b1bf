//! The webhook endpoints. A webhook is checked (signature over the raw body) before anything
//! else, then stored durably, and only then answered 200; the work it causes runs afterwards.
//! A refusal (bad signature, unreadable body, unknown shop) is answered as the API answers:
//! `{"error":{"code","message"}}` with its status.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

use crate::api::error::json_error;
use crate::error::{AppError, AppResult};
use crate::secret;
use crate::whatsapp::inbound::Inbound;
use crate::whatsapp::settings::{Provider, WhatsappSettings};
use crate::whatsapp::{cloud, gateway};
use crate::AppState;

/// The signature headers, the only ones a webhook reads: extracting the whole `HeaderMap`
/// would copy every header of every webhook.
pub struct Signatures {
    cloud: Option<HeaderValue>,
    gateway: Option<HeaderValue>,
}

impl<S: Send + Sync> FromRequestParts<S> for Signatures {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            cloud: parts.headers.get("x-hub-signature-256").cloned(),
            gateway: parts.headers.get("x-webhook-hmac").cloned(),
        })
    }
}

fn text(v: &Option<HeaderValue>) -> Option<&str> {
    v.as_ref().and_then(|v| v.to_str().ok())
}

#[derive(Deserialize)]
pub struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

async fn business_config(
    state: &AppState,
    code: &str,
    provider: Provider,
) -> AppResult<(i64, Arc<WhatsappSettings>)> {
    let business = state
        .business_by_code(code)
        .await?
        .ok_or(AppError::NotFound)?;
    let config = state.bridge.settings(&state.db, business.id).await?;
    if config.provider != provider {
        return Err(AppError::NotFound);
    }
    Ok((business.id, config))
}

/// Meta's verification: answer the challenge when the verify token matches.
pub async fn cloud_verify(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(h): Query<Handshake>,
) -> Response {
    let config = match business_config(&state, &code, Provider::Cloud).await {
        Ok((_, config)) => config,
        Err(e) => return json_error(&e),
    };
    let token_ok = h
        .verify_token
        .as_deref()
        .is_some_and(|t| !config.verify_token.is_empty() && secret::equal(t, &config.verify_token));
    match (h.mode.as_deref(), token_ok, h.challenge) {
        (Some("subscribe"), true, Some(challenge)) => (StatusCode::OK, challenge).into_response(),
        _ => json_error(&AppError::Forbidden),
    }
}

pub async fn cloud(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: Signatures,
    body: Bytes,
) -> Response {
    let answer = receive_cloud(&state, &code, &headers, body).await;
    count(&state, "cloud", &answer);
    answer.unwrap_or_else(|e| json_error(&e))
}

async fn receive_cloud(
    state: &AppState,
    code: &str,
    headers: &Signatures,
    body: Bytes,
) -> AppResult<Response> {
    let (business_id, config) = business_config(state, code, Provider::Cloud).await?;
    let signature = text(&headers.cloud);
    if config.app_secret.is_empty() || !cloud::signature_ok(&config.app_secret, &body, signature) {
        return Err(AppError::Unauthorized(
            "bad or missing X-Hub-Signature-256".into(),
        ));
    }
    let raw = utf8(&body)?;
    let (messages, statuses) =
        cloud::read(raw, config.phone_number_id.as_deref().unwrap_or_default())
            .map_err(not_json)?;
    let inbound = Inbound {
        business_id,
        provider: "cloud",
        raw: raw.to_owned(),
        messages,
        statuses,
        from_phone: Vec::new(),
    };
    state.bridge.ingest.store(inbound).await?;
    Ok(stored())
}

pub async fn gateway(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: Signatures,
    body: Bytes,
) -> Response {
    let answer = receive_gateway(&state, &code, &headers, body).await;
    count(&state, "gateway", &answer);
    answer.unwrap_or_else(|e| json_error(&e))
}

async fn receive_gateway(
    state: &AppState,
    code: &str,
    headers: &Signatures,
    body: Bytes,
) -> AppResult<Response> {
    let (business_id, config) = business_config(state, code, Provider::Gateway).await?;
    let signature = text(&headers.gateway);
    if config.hmac_key.is_empty() || !gateway::signature_ok(&config.hmac_key, &body, signature) {
        return Err(AppError::Unauthorized(
            "bad or missing X-Webhook-Hmac".into(),
        ));
    }
    let raw = utf8(&body)?;
    let json: serde_json::Value = serde_json::from_str(raw).map_err(not_json)?;
    let messages = gateway::read(&json).into_iter().collect();
    let inbound = Inbound {
        business_id,
        provider: "gateway",
        raw: raw.to_owned(),
        messages,
        statuses: Vec::new(),
        from_phone: Vec::new(),
    };
    state.bridge.ingest.store(inbound).await?;
    Ok(stored())
}

/// The answer to a webhook stored: 200, logged as routine (`/metrics` counts them).
fn stored() -> Response {
    let mut answer = StatusCode::OK.into_response();
    answer.extensions_mut().insert(crate::telemetry::Routine);
    answer
}

/// A webhook's outcome, for `/metrics`: stored, or refused and why.
fn count(state: &AppState, provider: &'static str, answer: &AppResult<Response>) {
    let metrics = &state.bridge.metrics;
    let reason = match answer {
        Ok(r) if r.status().is_success() => return metrics.webhook_received(provider),
        Err(AppError::Unauthorized(_)) => "signature",
        Err(AppError::NotFound) => "unknown_business",
        Err(AppError::BadRequest(_)) => "bad_body",
        _ => "error",
    };
    metrics.webhook_rejected(provider, reason);
}

fn utf8(body: &[u8]) -> AppResult<&str> {
    std::str::from_utf8(body).map_err(|_| AppError::BadRequest("the body is not UTF-8".into()))
}

fn not_json(e: serde_json::Error) -> AppError {
    AppError::BadRequest(format!("the body is not JSON: {e}"))
}
