//! The WhatsApp Cloud API (Meta): reading its webhooks and checking their signatures.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::inbound::{InMessage, InStatus};

/// Checks `X-Hub-Signature-256: sha256=<hex>` against the raw body, in constant time.
pub fn signature_ok(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_sig.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Reads every entry, change, message and status of a webhook body addressed to
/// `phone_number_id`. Parts for other numbers and fields are skipped; nothing here fails, so
/// an odd payload is stored and ignored rather than refused.
pub fn read(body: &Value, phone_number_id: &str) -> (Vec<InMessage>, Vec<InStatus>) {
    let mut messages = Vec::new();
    let mut statuses = Vec::new();
    let changes = body["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten());
    for change in changes {
        let value = &change["value"];
        if value["metadata"]["phone_number_id"].as_str() != Some(phone_number_id) {
            continue;
        }
        let contacts = value["contacts"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for m in value["messages"].as_array().into_iter().flatten() {
            if let Some(msg) = message(m, contacts) {
                messages.push(msg);
            }
        }
        for s in value["statuses"].as_array().into_iter().flatten() {
            if let Some(st) = status(s) {
                statuses.push(st);
            }
        }
    }
    (messages, statuses)
}

/// The sender: `from`, or since 2026 a business-scoped `from_user_id` when the number is hidden.
fn sender(m: &Value) -> Option<String> {
    m["from"]
        .as_str()
        .or_else(|| m["from_user_id"].as_str())
        .map(str::to_owned)
}

fn contact_name(contacts: &[Value], who: &str) -> String {
    contacts
        .iter()
        .find(|c| c["wa_id"].as_str() == Some(who) || c["user_id"].as_str() == Some(who))
        .and_then(|c| c["profile"]["name"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn message(m: &Value, contacts: &[Value]) -> Option<InMessage> {
    let phone = sender(m)?;
    let provider_id = m["id"].as_str()?.to_owned();
    let kind = m["type"].as_str().unwrap_or("unknown").to_owned();
    let (text, data) = content(&kind, m);
    Some(InMessage {
        name: contact_name(contacts, &phone),
        phone,
        provider_id,
        timestamp: m["timestamp"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
        kind,
        text,
        data,
        group_id: None,
    })
}

/// The readable text of a message and the rest of what it carries, per documented type.
fn content(kind: &str, m: &Value) -> (String, Value) {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match kind {
        "text" => (s(&m["text"]["body"]), json!({})),
        "interactive" => {
            let i = &m["interactive"];
            let reply = match i["type"].as_str() {
                Some("list_reply") => &i["list_reply"],
                _ => &i["button_reply"],
            };
            (
                s(&reply["title"]),
                json!({"reply_id": reply["id"], "reply_type": i["type"]}),
            )
        }
        "button" => (
            s(&m["button"]["text"]),
            json!({"payload": m["button"]["payload"]}),
        ),
        "order" => (s(&m["order"]["text"]), m["order"].clone()),
        "location" => {
            let l = &m["location"];
            let text = [s(&l["name"]), s(&l["address"])]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            (text, l.clone())
        }
        "image" => (s(&m["image"]["caption"]), m["image"].clone()),
        _ => (String::new(), json!({"errors": m["errors"]})),
    }
}

fn status(s: &Value) -> Option<InStatus> {
    let first_error = s["errors"].as_array().and_then(|e| e.first());
    Some(InStatus {
        provider_id: s["id"].as_str()?.to_owned(),
        status: s["status"].as_str()?.to_owned(),
        error_code: first_error.and_then(|e| e["code"].as_i64()),
        error: first_error.and_then(|e| {
            e["message"]
                .as_str()
                .or_else(|| e["title"].as_str())
                .map(str::to_owned)
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_metas_test_vector() {
        let sig = "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221";
        assert!(signature_ok("TEST_APP_SECRET", b"test", Some(sig)));
        assert!(!signature_ok("TEST_APP_SECRET", b"test!", Some(sig)));
        assert!(!signature_ok("other", b"test", Some(sig)));
        assert!(!signature_ok("TEST_APP_SECRET", b"test", None));
        assert!(!signature_ok("TEST_APP_SECRET", b"test", Some("sha256=zz")));
        assert!(!signature_ok("TEST_APP_SECRET", b"test", Some(&sig[7..])));
    }

    fn envelope(pnid: &str, value: Value) -> Value {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "919800000001", "phone_number_id": pnid},
            "contacts": value["contacts"], "messages": value["messages"], "statuses": value["statuses"]
        }}]}]})
    }

    #[test]
    fn reads_each_documented_type() {
        let body = envelope(
            "P1",
            json!({
                "contacts": [{"profile": {"name": "Asha"}, "wa_id": "919812345678"}],
                "messages": [
                    {"from": "919812345678", "id": "w1", "timestamp": "1763800000", "type": "text", "text": {"body": "2 kg kaju katli"}},
                    {"from": "919812345678", "id": "w2", "timestamp": "1", "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "confirm", "title": "Confirm"}}},
                    {"from": "919812345678", "id": "w3", "timestamp": "1", "type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "sweets", "title": "Sweets", "description": "d"}}},
                    {"from": "919812345678", "id": "w4", "timestamp": "1", "type": "order", "order": {"catalog_id": "c", "product_items": [{"product_retailer_id": "kaju-katli", "quantity": 2, "item_price": 300.5, "currency": "INR"}]}},
                    {"from": "919812345678", "id": "w5", "timestamp": "1", "type": "location", "location": {"latitude": 12.9, "longitude": 77.6, "name": "Home", "address": "12 MG Road"}},
                    {"from": "919812345678", "id": "w6", "timestamp": "1", "type": "image", "image": {"caption": "this one", "mime_type": "image/jpeg", "sha256": "x", "id": "m1"}},
                    {"from": "919812345678", "id": "w7", "timestamp": "1", "type": "unsupported", "errors": [{"code": 131051}]},
                    {"from": "919812345678", "id": "w8", "timestamp": "1", "type": "hologram", "hologram": {}},
                    {"id": "no-sender", "type": "text", "text": {"body": "x"}}
                ]
            }),
        );
        let (m, s) = read(&body, "P1");
        assert!(s.is_empty());
        let texts: Vec<(&str, &str)> = m
            .iter()
            .map(|m| (m.kind.as_str(), m.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            vec![
                ("text", "2 kg kaju katli"),
                ("interactive", "Confirm"),
                ("interactive", "Sweets"),
                ("order", ""),
                ("location", "Home, 12 MG Road"),
                ("image", "this one"),
                ("unsupported", ""),
                ("hologram", ""),
            ]
        );
        assert_eq!(m[0].name, "Asha");
        assert_eq!(m[0].timestamp, 1_763_800_000);
        assert_eq!(m[1].data["reply_id"], "confirm");
        assert_eq!(
            m[3].data["product_items"][0]["product_retailer_id"],
            "kaju-katli"
        );
    }

    #[test]
    fn reads_statuses_and_skips_other_numbers() {
        let body = envelope(
            "P1",
            json!({"statuses": [
                {"id": "wamid.1", "status": "delivered", "timestamp": "1", "recipient_id": "9198"},
                {"id": "wamid.2", "status": "failed", "timestamp": "1", "errors": [{"code": 131026, "title": "Message undeliverable"}]}
            ]}),
        );
        let (_, s) = read(&body, "P1");
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].error_code, Some(131026));
        assert_eq!(s[1].error.as_deref(), Some("Message undeliverable"));
        assert_eq!(read(&body, "P2"), (vec![], vec![]));
        assert_eq!(read(&json!({"entry": "junk"}), "P1"), (vec![], vec![]));
    }

    #[test]
    fn a_hidden_number_uses_the_business_scoped_id() {
        let body = envelope(
            "P1",
            json!({
                "contacts": [{"profile": {"name": "Ravi"}, "user_id": "US.123"}],
                "messages": [{"from_user_id": "US.123", "id": "w1", "timestamp": "1", "type": "text", "text": {"body": "hi"}}]
            }),
        );
        let (m, _) = read(&body, "P1");
        assert_eq!(
            (m[0].phone.as_str(), m[0].name.as_str()),
            ("US.123", "Ravi")
        );
    }
}
