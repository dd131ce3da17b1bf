//! Liveness and readiness for monitors and load balancers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::AppState;

/// 200 while the process runs.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// 200 only when the database answers a query.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.db.ping().await {
        (
            StatusCode::OK,
            Json(json!({"status": "ready", "database": "ok"})),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "database": "error"})),
        )
    }
}
