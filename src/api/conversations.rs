//! `/api/v1/conversations`: chats with customers, their messages, and sending a reply.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiResult;
use super::JsonBody;
use crate::api::auth::ApiBusiness;
use crate::domain::Phone;
use crate::error::AppError;
use crate::orders::export::rfc3339;
use crate::whatsapp::staff::queue_text;
use crate::whatsapp::threads::{self, Message};
use crate::AppState;

fn message_json(m: &Message) -> Value {
    json!({
        "id": m.id,
        "direction": m.direction,
        "type": m.kind,
        "text": m.text,
        "status": m.status,
        "provider_id": m.provider_id,
        "error": m.error.as_ref().map(|e| json!({"code": m.error_code, "message": e})),
        "created_at": rfc3339(m.created_at),
    })
}

pub async fn index(
    State(state): State<AppState>,
    ApiBusiness(b): ApiBusiness,
) -> ApiResult<Json<Value>> {
    let list = state.db.read(move |c| threads::list(c, b.id, 500)).await?;
    let rows: Vec<Value> = list
        .iter()
        .map(|c| {
            json!({"phone": c.phone, "name": c.name, "last_message": c.last_text,
                   "last_direction": c.last_direction, "last_at": rfc3339(c.last_at), "unread": c.unread})
        })
        .collect();
    Ok(Json(json!({ "conversations": rows })))
}

fn phone(b: &crate::accounts::businesses::Business, raw: &str) -> Result<Phone, AppError> {
    Phone::parse_lookup(raw, &b.country_code).map_err(|_| AppError::NotFound)
}

pub async fn messages(
    State(state): State<AppState>,
    ApiBusiness(b): ApiBusiness,
    Path(raw): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = phone(&b, &raw)?.to_string();
    let list = state
        .db
        .read(move |c| threads::messages(c, b.id, &p, 500))
        .await?;
    if list.is_empty() {
        return Err(AppError::NotFound.into());
    }
    let rows: Vec<Value> = list.iter().map(message_json).collect();
    Ok(Json(json!({ "messages": rows })))
}

#[derive(Deserialize)]
pub struct SendIn {
    text: String,
}

/// Queues a reply; `202` because it is sent by the outbox, not before this answers.
pub async fn send(
    State(state): State<AppState>,
    ApiBusiness(b): ApiBusiness,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<SendIn>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let p = Phone::parse(&raw, &b.country_code)
        .map_err(|e| AppError::Invalid(format!("phone: {e}")))?;
    let id = queue_text(&state.db, &state.bridge, b.id, &p, &body.text).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"message": {"id": id, "status": "queued"}})),
    ))
}
