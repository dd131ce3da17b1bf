//! Liveness and readiness for monitors and load balancers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::accounts::businesses;
use crate::whatsapp::linked::state as link_state;
use crate::whatsapp::settings::{self, Provider};
use crate::AppState;

/// Each business on the linked provider: its short code, state and next retry time (no phone
/// numbers: this answer needs no login).
async fn linked_states(state: &AppState) -> Value {
    let read = state.db.read(|c| {
        let mut out = Vec::new();
        for id in settings::with_provider(c, Provider::Linked)? {
            let (b, l) = (businesses::by_id(c, id)?, link_state::load(c, id)?);
            let code = b.map(|b| b.short_code).unwrap_or_default();
            out.push(json!({"business": code, "state": l.state, "next_retry_at": l.next_retry_at}));
        }
        Ok(out)
    });
    read.await.map(Value::from).unwrap_or(Value::Null)
}

/// 200 while the process runs.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// 200 only when the database answers a query. Also says how each linked WhatsApp stands (a
/// shop whose phone is unlinked is worth an alert, but the server is still ready).
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.db.ping().await {
        let linked = linked_states(&state).await;
        (
            StatusCode::OK,
            Json(json!({"status": "ready", "database": "ok", "whatsapp_linked": linked})),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "database": "error"})),
        )
    }
}
