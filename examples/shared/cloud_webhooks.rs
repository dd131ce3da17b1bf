//! Signed Cloud API webhooks for the programs in `examples/` that post them (`webhook_load`,
//! `soak`): text-message bodies from a preformatted template, signed as Meta signs them, and
//! posted on one keep-alive connection per client.
//!
//! Included by each example with `#[path = "shared/cloud_webhooks.rs"] mod cloud_webhooks;`, so
//! the two send exactly the same webhooks.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Order-like texts a shop gets, rotated so bodies are not all the same length.
const TEXTS: [&str; 5] = [
    "2 kg kaju katli",
    "1 kg besan laddoo and 500 g soan papdi please",
    "Is the motichoor laddoo fresh today?",
    "Send 3 boxes of mixed mithai to Sector 14, deliver by 6 pm",
    "Hi",
];

/// Builds signed webhook bodies; the template is split around the varying parts once, and the
/// HMAC key schedule is computed once, so a generator sharing the machine with the server stays
/// lean.
pub struct Maker {
    head: String,
    key: Hmac<Sha256>,
    customers: u64,
}

impl Maker {
    /// Webhooks for the business number `phone_number_id`, signed with `secret`, from
    /// `customers` distinct customers.
    pub fn new(secret: &str, phone_number_id: &str, customers: u64) -> Self {
        // JSON-escaped once, since it comes from the command line.
        let pnid = serde_json::to_string(phone_number_id).expect("string to JSON");
        let head = format!(
            concat!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"id":"190000000000001","#,
                r#""changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","#,
                r#""metadata":{{"display_phone_number":"919800000001","phone_number_id":{}}}"#
            ),
            pnid
        );
        Maker {
            head,
            key: Hmac::new_from_slice(secret.as_bytes()).expect("HMAC takes any key"),
            customers: customers.max(1),
        }
    }

    /// A one-text webhook whose message id is `wamid.{id}` (`id` must need no JSON escaping),
    /// from customer `seq` (modulo the number of customers) with text `seq` (modulo the texts),
    /// and its `X-Hub-Signature-256`.
    pub fn body(&self, id: &str, seq: u64) -> (String, String) {
        let customer = seq % self.customers;
        let phone = 919_700_000_000 + customer;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let text = TEXTS[(seq % TEXTS.len() as u64) as usize];
        let body = format!(
            concat!(
                r#"{},"contacts":[{{"profile":{{"name":"Customer {}"}},"wa_id":"{}"}}],"#,
                r#""messages":[{{"from":"{}","id":"wamid.{}","timestamp":"{}","#,
                r#""type":"text","text":{{"body":"{}"}}}}]}}}}]}}]}}"#
            ),
            self.head, customer, phone, phone, id, now, text
        );
        let mut mac = self.key.clone();
        mac.update(body.as_bytes());
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        (body, signature)
    }
}

/// One client with a pool of one, so the task that owns it owns exactly one keep-alive
/// connection.
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .timeout(timeout)
        .build()
        .map_err(|e| format!("building HTTP client: {e}"))
}

/// Posts one signed body; the outcome is the status and the answer, or a transport error.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    (body, signature): (String, String),
) -> Result<(u16, String), reqwest::Error> {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature)
        .body(body)
        .send()
        .await?;
    let status = response.status().as_u16();
    // Read the whole answer so the connection can be reused.
    let text = response.text().await?;
    Ok((status, text))
}

/// An error with its causes, since reqwest's own message leaves out why a request failed.
pub fn causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out = format!("{out}: {cause}");
        source = cause.source();
    }
    out
}

/// The start of an answer, for a one-line report.
pub fn snippet(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_valid_signed_cloud_webhooks() {
        let maker = Maker::new("S", "P\"1", 1000);
        let (body, signature) = maker.body("x.3.42", 7961);
        let v: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
        let value = &v["entry"][0]["changes"][0]["value"];
        assert_eq!(value["metadata"]["phone_number_id"], "P\"1");
        assert_eq!(value["messages"][0]["from"], value["contacts"][0]["wa_id"]);
        assert_eq!(value["messages"][0]["from"], "919700000961");
        assert_eq!(value["messages"][0]["id"], "wamid.x.3.42");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"S").unwrap();
        mac.update(body.as_bytes());
        assert_eq!(
            signature,
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
        assert_ne!(maker.body("x.3.43", 7962).0, body);
    }
}
