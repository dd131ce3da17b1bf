//! `/api/v1/conversations`: chats with customers, their messages, sending a reply, and
//! sending a failed message again. A chat is named by its key as the list gives it, or by
//! any spelling of the number.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiResult;
use super::JsonBody;
use crate::accounts::businesses::Business;
use crate::api::auth::ApiBusiness;
use crate::domain::Phone;
use crate::error::AppError;
use crate::orders::export::rfc3339;
use crate::whatsapp::staff::{queue_text, send_again};
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

/// The stored key of the chat the path names, or 404.
async fn chat(state: &AppState, b: &Business, raw: String) -> Result<String, AppError> {
    let (id, country) = (b.id, b.country_code.clone());
    let key = state
        .db
        .read(move |c| threads::conversation_key(c, id, &raw, &country))
        .await?;
    key.ok_or(AppError::NotFound)
}

pub async fn messages(
    State(state): State<AppState>,
    ApiBusiness(b): ApiBusiness,
    Path(raw): Path<String>,
) -> ApiResult<Json<Value>> {
    let key = chat(&state, &b, raw).await?;
    let list = state
        .db
        .read(move |c| threads::messages(c, b.id, &key, 500))
        .await?;
    let rows: Vec<Value> = list.iter().map(message_json).collect();
    Ok(Json(json!({ "messages": rows })))
}

/// "Send again" for a failed message: `202` once it is queued (the outbox sends it), `404`
/// for a message not in this chat, `409` for one that has not failed.
pub async fn retry(
    State(state): State<AppState>,
    ApiBusiness(b): ApiBusiness,
    Path((raw, id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let key = chat(&state, &b, raw).await?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    send_again(&state.db, &state.bridge, b.id, &key, id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"message": {"id": id, "status": "queued"}})),
    ))
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
