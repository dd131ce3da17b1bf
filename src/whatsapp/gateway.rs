//! A WhatsApp Web gateway (WAHA-style): reading its webhooks and checking their signatures.
//! Unlike the Cloud API it also sees groups.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha512;

use super::inbound::InMessage;

/// Checks `X-Webhook-Hmac` (hex HMAC-SHA512 of the raw body), in constant time.
pub fn signature_ok(key: &str, body: &[u8], header: Option<&str>) -> bool {
    let mut expected = [0u8; 64];
    let Some(h) = header else {
        return false;
    };
    if hex::decode_to_slice(h.trim(), &mut expected).is_err() {
        return false;
    }
    let Ok(mut mac) = Hmac::<Sha512>::new_from_slice(key.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The digits of a `<digits>@c.us` user id.
fn user_digits(id: &str) -> Option<String> {
    let digits = id.strip_suffix("@c.us").unwrap_or(id);
    digits
        .chars()
        .all(|c| c.is_ascii_digit())
        .then(|| digits.to_owned())
        .filter(|d| !d.is_empty())
}

/// Reads a `message` event; anything else (other events, our own messages) is `None`.
pub fn read(body: &Value) -> Option<InMessage> {
    if body["event"].as_str() != Some("message") {
        return None;
    }
    let p = &body["payload"];
    if p["fromMe"].as_bool().unwrap_or(false) {
        return None;
    }
    let from = p["from"].as_str()?;
    let (phone, group_id) = if from.ends_with("@g.us") {
        (
            user_digits(p["participant"].as_str()?)?,
            Some(from.to_owned()),
        )
    } else {
        (user_digits(from)?, None)
    };
    let ts = p["timestamp"]
        .as_i64()
        .or_else(|| body["timestamp"].as_i64().map(|ms| ms / 1000));
    Some(InMessage {
        phone,
        name: p["_data"]["notifyName"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        provider_id: p["id"].as_str()?.to_owned(),
        kind: if p["hasMedia"].as_bool().unwrap_or(false) {
            "media"
        } else {
            "text"
        }
        .to_owned(),
        text: p["body"].as_str().unwrap_or_default().to_owned(),
        data: json!({"session": body["session"]}),
        timestamp: ts.unwrap_or(0),
        group_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(from: &str, participant: Option<&str>, from_me: bool) -> Value {
        json!({"id": "evt1", "timestamp": 1_763_800_000_000_i64, "event": "message", "session": "default",
               "payload": {"id": "true_x@c.us_ABC", "timestamp": 1_763_800_000, "from": from, "fromMe": from_me,
                           "to": "919800000001@c.us", "body": "2 kg jalebi", "hasMedia": false, "participant": participant}})
    }

    #[test]
    fn reads_one_to_one_and_group_messages() {
        let m = read(&event("919812345678@c.us", None, false)).unwrap();
        assert_eq!(
            (m.phone.as_str(), m.text.as_str(), m.group_id),
            ("919812345678", "2 kg jalebi", None)
        );
        let g = read(&event("120363@g.us", Some("919811111111@c.us"), false)).unwrap();
        assert_eq!(g.phone, "919811111111");
        assert_eq!(g.group_id.as_deref(), Some("120363@g.us"));
    }

    #[test]
    fn ignores_own_messages_other_events_and_junk() {
        assert!(read(&event("919812345678@c.us", None, true)).is_none());
        assert!(read(&json!({"event": "session.status"})).is_none());
        assert!(
            read(&event("120363@g.us", None, false)).is_none(),
            "group message without a sender"
        );
        assert!(read(&event("not-a-number@c.us", None, false)).is_none());
    }

    #[test]
    fn signature_is_hmac_sha512_hex() {
        let mut mac = Hmac::<Sha512>::new_from_slice(b"k").unwrap();
        mac.update(b"body");
        let sig = hex::encode(mac.finalize().into_bytes());
        assert!(signature_ok("k", b"body", Some(&sig)));
        assert!(!signature_ok("k", b"body2", Some(&sig)));
        assert!(!signature_ok("k", b"body", None));
        assert!(signature_ok(
            "k",
            b"body",
            Some(&format!(" {} ", sig.to_uppercase()))
        ));
        assert!(!signature_ok("k", b"body", Some(&sig[..sig.len() - 2])));
        assert!(!signature_ok("k", b"body", Some(&format!("{sig}00"))));
    }
}
