//! Razorpay's REST API: orders for Checkout, Payment Links for chats, and refunds. Amounts go
//! out in paise exactly as Novi's own totals say; Basic auth with the shop's key id and secret.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use super::settings::RazorpaySettings;

/// Razorpay's own address; tests point Novi at a fake speaking the same API.
pub const API: &str = "https://api.razorpay.com";

#[derive(Debug, thiserror::Error)]
pub enum RazorpayError {
    /// Razorpay answered and said no: bad keys (401), a bad request (400), …
    #[error("Razorpay refused ({status}): {description}")]
    Refused { status: u16, description: String },
    /// Razorpay could not be reached or answered something unreadable.
    #[error("Razorpay could not be reached: {0}")]
    Unreachable(String),
}

/// A shop's connection to Razorpay.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    key_id: String,
    key_secret: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RzOrder {
    pub id: String,
    pub amount: i64,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentLink {
    pub id: String,
    pub short_url: String,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    pub id: String,
    pub status: String,
}

/// What a Payment Link asks for.
#[derive(Debug, Clone)]
pub struct LinkRequest<'a> {
    pub amount_minor: i64,
    pub reference_id: &'a str,
    pub description: &'a str,
    pub customer_name: &'a str,
    pub customer_phone: &'a str,
    pub expire_by: i64,
    pub callback_url: &'a str,
}

impl Client {
    pub fn new(base: &str, s: &RazorpaySettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key_id: s.key_id.clone(),
            key_secret: s.key_secret.clone(),
        }
    }

    /// A Razorpay order for Checkout; `receipt` is at most 40 characters (cut if longer).
    pub async fn create_order(
        &self,
        amount_minor: i64,
        receipt: &str,
    ) -> Result<RzOrder, RazorpayError> {
        let receipt: String = receipt.chars().take(40).collect();
        let body = json!({"amount": amount_minor, "currency": "INR", "receipt": receipt});
        self.post("/v1/orders", &body).await
    }

    pub async fn create_link(&self, r: &LinkRequest<'_>) -> Result<PaymentLink, RazorpayError> {
        let body = json!({
            "amount": r.amount_minor,
            "currency": "INR",
            "reference_id": r.reference_id,
            "description": r.description,
            "customer": {"name": r.customer_name, "contact": r.customer_phone},
            "notify": {"sms": false, "email": false},
            "expire_by": r.expire_by,
            "callback_url": r.callback_url,
            "callback_method": "get",
        });
        self.post("/v1/payment_links", &body).await
    }

    /// Refunds `amount_minor` of payment `payment_id`.
    pub async fn refund(
        &self,
        payment_id: &str,
        amount_minor: i64,
    ) -> Result<Refund, RazorpayError> {
        let path = format!("/v1/payments/{payment_id}/refund");
        self.post(&path, &json!({"amount": amount_minor})).await
    }

    async fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<T, RazorpayError> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .basic_auth(&self.key_id, Some(&self.key_secret))
            .json(body)
            .send()
            .await
            .map_err(|e| RazorpayError::Unreachable(e.without_url().to_string()))?;
        let status = res.status();
        let text = res
            .text()
            .await
            .map_err(|e| RazorpayError::Unreachable(e.without_url().to_string()))?;
        if !status.is_success() {
            return Err(RazorpayError::Refused {
                status: status.as_u16(),
                description: description(&text),
            });
        }
        serde_json::from_str(&text)
            .map_err(|e| RazorpayError::Unreachable(format!("unreadable answer: {e}")))
    }
}

/// Razorpay's `{"error": {"description": …}}`, or the start of whatever came instead.
fn description(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v["error"]["description"].as_str().map(str::to_owned))
        .unwrap_or_else(|| text.chars().take(200).collect())
}
