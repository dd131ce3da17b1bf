//! The WhatsApp Cloud API (Meta): reading its webhooks and checking their signatures.

use hmac::{Hmac, Mac};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use sha2::Sha256;

use super::inbound::{InMessage, InStatus};
use super::lenient::{Int, List, Obj, Text};

/// Checks `X-Hub-Signature-256: sha256=<hex>` against the raw body, in constant time.
pub fn signature_ok(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.strip_prefix("sha256=")) else {
        return false;
    };
    // Into a fixed array: no allocation on every webhook, and a signature of the wrong length
    // is refused here.
    let mut expected = [0u8; 32];
    if hex::decode_to_slice(hex_sig.trim(), &mut expected).is_err() {
        return false;
    }
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// A webhook body as the Cloud API documents it, down to the fields Novi reads.
#[derive(Deserialize, Default)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    entry: List<Obj<Entry<'a>>>,
}

#[derive(Deserialize, Default)]
struct Entry<'a> {
    #[serde(borrow, default)]
    changes: List<Obj<Change<'a>>>,
}

#[derive(Deserialize, Default)]
struct Change<'a> {
    #[serde(borrow, default)]
    value: Obj<ChangeValue<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChangeValue<'a> {
    #[serde(borrow)]
    metadata: Obj<Metadata<'a>>,
    #[serde(borrow)]
    contacts: List<Obj<Contact<'a>>>,
    #[serde(borrow)]
    messages: List<Obj<Message<'a>>>,
    #[serde(borrow)]
    statuses: List<Obj<Status<'a>>>,
}

#[derive(Deserialize, Default)]
struct Metadata<'a> {
    #[serde(borrow, default)]
    phone_number_id: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Contact<'a> {
    #[serde(borrow)]
    wa_id: Text<'a>,
    #[serde(borrow)]
    user_id: Text<'a>,
    #[serde(borrow)]
    profile: Obj<Named<'a>>,
}

/// An object whose one field read here is a string: a profile's `name`, a text's `body`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Named<'a> {
    #[serde(borrow)]
    name: Text<'a>,
    #[serde(borrow)]
    body: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message<'a> {
    #[serde(borrow)]
    from: Text<'a>,
    #[serde(borrow)]
    from_user_id: Text<'a>,
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    timestamp: Text<'a>,
    #[serde(borrow, rename = "type")]
    kind: Text<'a>,
    #[serde(borrow)]
    text: Obj<Named<'a>>,
    #[serde(borrow)]
    interactive: Obj<Interactive<'a>>,
    #[serde(borrow)]
    button: Obj<Button<'a>>,
    // Kept whole in the message's data, so read as they came: these are rare.
    #[serde(borrow)]
    order: Option<&'a RawValue>,
    #[serde(borrow)]
    location: Option<&'a RawValue>,
    #[serde(borrow)]
    image: Option<&'a RawValue>,
    #[serde(borrow)]
    errors: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Interactive<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<&'a RawValue>,
    #[serde(borrow)]
    list_reply: Obj<Reply<'a>>,
    #[serde(borrow)]
    button_reply: Obj<Reply<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reply<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    title: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Button<'a> {
    #[serde(borrow)]
    text: Text<'a>,
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Status<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    status: Text<'a>,
    #[serde(borrow)]
    errors: List<Obj<StatusError<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusError<'a> {
    code: Int,
    #[serde(borrow)]
    message: Text<'a>,
    #[serde(borrow)]
    title: Text<'a>,
}

/// Reads every entry, change, message and status of a webhook body addressed to
/// `phone_number_id`. Parts for other numbers and fields, and fields of unexpected types, are
/// skipped, so an odd payload is stored and ignored rather than refused; only a body that is
/// not JSON at all is an error.
pub fn read(
    body: &str,
    phone_number_id: &str,
) -> serde_json::Result<(Vec<InMessage>, Vec<InStatus>)> {
    let envelope = match serde_json::from_str::<Envelope>(body) {
        Ok(envelope) => envelope,
        // Valid JSON that the reader cannot follow (a field given twice): nothing to read.
        Err(_) => {
            serde_json::from_str::<IgnoredAny>(body)?;
            return Ok((Vec::new(), Vec::new()));
        }
    };
    let mut messages = Vec::new();
    let mut statuses = Vec::new();
    let changes = envelope.entry.0.into_iter().flat_map(|e| e.0.changes.0);
    for Obj(Change { value: Obj(value) }) in changes {
        if value.metadata.0.phone_number_id.get() != Some(phone_number_id) {
            continue;
        }
        let contacts = &value.contacts.0;
        messages.extend(
            value
                .messages
                .0
                .iter()
                .filter_map(|m| message(&m.0, contacts)),
        );
        statuses.extend(value.statuses.0.iter().filter_map(|s| status(&s.0)));
    }
    Ok((messages, statuses))
}

/// The sender: `from`, or since 2026 a business-scoped `from_user_id` when the number is hidden.
fn sender<'m>(m: &'m Message) -> Option<&'m str> {
    m.from.get().or_else(|| m.from_user_id.get())
}

fn contact_name(contacts: &[Obj<Contact>], who: &str) -> String {
    contacts
        .iter()
        .find(|c| c.0.wa_id.get() == Some(who) || c.0.user_id.get() == Some(who))
        .map(|c| c.0.profile.0.name.or_empty())
        .unwrap_or_default()
        .to_owned()
}

fn message(m: &Message, contacts: &[Obj<Contact>]) -> Option<InMessage> {
    let phone = sender(m)?;
    let provider_id = m.id.get()?.to_owned();
    let kind = m.kind.get().unwrap_or("unknown").to_owned();
    let (text, data) = content(&kind, m);
    Some(InMessage {
        name: contact_name(contacts, phone),
        phone: phone.to_owned(),
        provider_id,
        timestamp: m.timestamp.get().and_then(|t| t.parse().ok()).unwrap_or(0),
        kind,
        text,
        data,
        group_id: None,
    })
}

/// A field kept as it came, as a JSON value (`null` when absent or unreadable).
fn value(raw: Option<&RawValue>) -> Value {
    raw.and_then(|r| serde_json::from_str(r.get()).ok())
        .unwrap_or(Value::Null)
}

/// The readable text of a message and the rest of what it carries, per documented type.
fn content(kind: &str, m: &Message) -> (String, Value) {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match kind {
        "text" => (m.text.0.body.or_empty().to_owned(), json!({})),
        "interactive" => {
            let i = &m.interactive.0;
            let list = i.kind.is_some_and(|k| k.get() == r#""list_reply""#);
            let reply = if list {
                &i.list_reply.0
            } else {
                &i.button_reply.0
            };
            (
                reply.title.or_empty().to_owned(),
                json!({"reply_id": value(reply.id), "reply_type": value(i.kind)}),
            )
        }
        "button" => (
            m.button.0.text.or_empty().to_owned(),
            json!({"payload": value(m.button.0.payload)}),
        ),
        "order" => {
            let order = value(m.order);
            (s(&order["text"]), order)
        }
        "location" => {
            let l = value(m.location);
            let text = [s(&l["name"]), s(&l["address"])]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            (text, l)
        }
        "image" => {
            let image = value(m.image);
            (s(&image["caption"]), image)
        }
        _ => (String::new(), json!({"errors": value(m.errors)})),
    }
}

fn status(s: &Status) -> Option<InStatus> {
    let first_error = s.errors.0.first().map(|e| &e.0);
    Some(InStatus {
        provider_id: s.id.get()?.to_owned(),
        status: s.status.get()?.to_owned(),
        error_code: first_error.and_then(|e| e.code.0),
        error: first_error.and_then(|e| e.message.get().or(e.title.get()).map(str::to_owned)),
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
        // Upper-case hex is the same signature; one byte short or over is not.
        assert!(signature_ok(
            "TEST_APP_SECRET",
            b"test",
            Some(&sig.to_uppercase().replace("SHA256=", "sha256="))
        ));
        assert!(!signature_ok(
            "TEST_APP_SECRET",
            b"test",
            Some(&sig[..sig.len() - 2])
        ));
        assert!(!signature_ok(
            "TEST_APP_SECRET",
            b"test",
            Some(&format!("{sig}00"))
        ));
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
        let (m, s) = read(&body.to_string(), "P1").unwrap();
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
        let body = body.to_string();
        let (_, s) = read(&body, "P1").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].error_code, Some(131026));
        assert_eq!(s[1].error.as_deref(), Some("Message undeliverable"));
        assert_eq!(read(&body, "P2").unwrap(), (vec![], vec![]));
        assert_eq!(
            read(r#"{"entry": "junk"}"#, "P1").unwrap(),
            (vec![], vec![])
        );
    }

    /// Fields of unexpected types read as absent, as a lookup in a JSON value would, so the
    /// rest of the webhook is still read; escaped text reads as the customer typed it.
    #[test]
    fn odd_fields_read_as_absent_and_escapes_as_typed() {
        let body = r#"{"entry": [7, {"changes": [{"value": {
            "metadata": {"phone_number_id": "P1"},
            "contacts": [{"wa_id": 919812345678, "profile": {"name": "Asha"}}, "x"],
            "messages": [
                {"from": 919812345678, "id": "w0", "type": "text", "text": {"body": "no sender"}},
                {"from": "919812345678", "id": "w1", "timestamp": 1763800000, "type": "text",
                 "text": {"body": "2 kg \u0915\u093e\u091c\u0942 \"barfi\"\nMG Road"}},
                {"from": "919812345678", "id": "w2", "type": "text", "text": "plain"},
                null
            ],
            "statuses": [{"id": "s1", "status": "failed", "errors": [{"code": -5, "message": 9, "title": "T"}]},
                         {"id": "s2", "status": "read", "errors": "none"}]
        }}]}]}"#;
        let (m, s) = read(body, "P1").unwrap();
        let read: Vec<_> = m
            .iter()
            .map(|m| {
                (
                    m.provider_id.as_str(),
                    m.name.as_str(),
                    m.timestamp,
                    m.text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (
                    "w1",
                    "",
                    0,
                    "2 kg \u{0915}\u{093e}\u{091c}\u{0942} \"barfi\"\nMG Road"
                ),
                ("w2", "", 0, "")
            ]
        );
        let statuses: Vec<_> = s
            .iter()
            .map(|s| (s.provider_id.as_str(), s.error_code, s.error.as_deref()))
            .collect();
        assert_eq!(statuses, [("s1", Some(-5), Some("T")), ("s2", None, None)]);
    }

    /// A body that is JSON but not the shape read here is stored and ignored; one that is not
    /// JSON is refused.
    #[test]
    fn only_a_body_that_is_not_json_is_an_error() {
        let twice = r#"{"entry": [{"changes": [{"value": {"metadata":
            {"phone_number_id": "P1", "phone_number_id": "P1"}}}]}]}"#;
        assert_eq!(read(twice, "P1").unwrap(), (vec![], vec![]));
        for body in ["[1, 2]", "\"text\"", "null"] {
            assert_eq!(read(body, "P1").unwrap(), (vec![], vec![]), "{body}");
        }
        assert!(read("{\"entry\": [", "P1").is_err());
        assert!(read("", "P1").is_err());
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
        let (m, _) = read(&body.to_string(), "P1").unwrap();
        assert_eq!(
            (m[0].phone.as_str(), m[0].name.as_str()),
            ("US.123", "Ravi")
        );
    }
}
