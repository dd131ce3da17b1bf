//! A fake Razorpay on loopback speaking its documented REST API (orders, Payment Links,
//! refunds: Basic auth, amounts in paise, `{"error": {"code", "description"}}` on failure), and
//! signed webhook deliveries as Razorpay makes them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};

pub const KEY_ID: &str = "rzp_test_1DP5mmOlF5G5ag";
pub const KEY_SECRET: &str = "thisisasecretkeyfortests";
pub const WEBHOOK_SECRET: &str = "webhook-secret-for-tests";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    /// Failures to answer with, in turn, before succeeding again: (HTTP status, description).
    failures: VecDeque<(u16, String)>,
    next: u64,
    /// Refunds are answered `pending`, as Razorpay does while the bank has yet to process one.
    refunds_pending: bool,
    /// The next request is answered only once this is notified (a slow Razorpay).
    gate: Option<Arc<tokio::sync::Notify>>,
}

#[derive(Clone)]
pub struct FakeRazorpay {
    inner: Arc<Mutex<Inner>>,
    pub base: String,
}

impl FakeRazorpay {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new().fallback(answer).with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { inner, base }
    }

    /// The next request is refused with `status` and Razorpay's error `description`.
    pub fn fail_next(&self, status: u16, description: &str) {
        let mut inner = self.inner.lock().unwrap();
        inner.failures.push_back((status, description.to_owned()));
    }

    /// The next request is held unanswered until the returned gate is notified.
    pub fn hold_next(&self) -> Arc<tokio::sync::Notify> {
        let gate = Arc::new(tokio::sync::Notify::new());
        self.inner.lock().unwrap().gate = Some(gate.clone());
        gate
    }

    /// Refunds asked from now on are answered `pending` instead of `processed`.
    pub fn refunds_pending(&self) {
        self.inner.lock().unwrap().refunds_pending = true;
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }
}

async fn answer(
    State(inner): State<Arc<Mutex<Inner>>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{KEY_ID}:{KEY_SECRET}"));
    let authorised = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Basic {expected}"));
    if !authorised {
        return error(401, "BAD_REQUEST_ERROR", "Authentication failed");
    }
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return error(400, "BAD_REQUEST_ERROR", "The request body is not JSON");
    };
    let gate = {
        let mut inner = inner.lock().unwrap();
        inner.calls.push(Call {
            path: uri.path().to_owned(),
            body: body.clone(),
        });
        inner.gate.take()
    };
    if let Some(gate) = gate {
        gate.notified().await;
    }
    let mut inner = inner.lock().unwrap();
    if let Some((status, description)) = inner.failures.pop_front() {
        return error(status, "BAD_REQUEST_ERROR", &description);
    }
    inner.next += 1;
    let n = inner.next;
    let path = uri.path();
    let answer = match path {
        "/v1/orders" => {
            json!({"id": format!("order_fake{n}"), "entity": "order", "amount": body["amount"], "currency": "INR", "status": "created", "receipt": body["receipt"]})
        }
        "/v1/payment_links" => {
            json!({"id": format!("plink_fake{n}"), "short_url": format!("https://rzp.io/i/fake{n}"), "status": "created", "amount": body["amount"], "reference_id": body["reference_id"]})
        }
        p if p.starts_with("/v1/payments/") && p.ends_with("/refund") => {
            let status = if inner.refunds_pending {
                "pending"
            } else {
                "processed"
            };
            json!({"id": format!("rfnd_fake{n}"), "entity": "refund", "amount": body["amount"], "status": status})
        }
        _ => {
            return error(
                404,
                "BAD_REQUEST_ERROR",
                "The requested URL was not found on the server.",
            )
        }
    };
    (StatusCode::OK, Json(answer)).into_response()
}

fn error(status: u16, code: &str, description: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        Json(json!({"error": {"code": code, "description": description}})),
    )
        .into_response()
}

/// A webhook delivery's body and its `X-Razorpay-Signature` under `secret`.
pub fn signed(secret: &str, body: &Value) -> (String, String) {
    let text = body.to_string();
    let signature = novi::razorpay::sign::sign(secret, text.as_bytes());
    (text, signature)
}
