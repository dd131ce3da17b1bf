//! What every transport turns a webhook into: the messages and status reports it carried,
//! ready to be stored in one go.

use serde_json::Value;

/// One message a customer (or a group member) sent.
#[derive(Debug, Clone, PartialEq)]
pub struct InMessage {
    /// Digits with country code.
    pub phone: String,
    /// The name WhatsApp shows for them, if it gave one.
    pub name: String,
    pub provider_id: String,
    /// `text`, `interactive`, `order`, `location`, `image`, `unsupported`, or whatever new type
    /// the provider sends (kept as given).
    pub kind: String,
    /// The readable part: the text, a button's title, a caption.
    pub text: String,
    /// Everything else worth keeping (button id, cart lines, coordinates...).
    pub data: Value,
    /// Unix seconds, as the provider stamped it.
    pub timestamp: i64,
    /// Set for a group chat (gateway): the group's chat id.
    pub group_id: Option<String>,
}

/// A delivery report for a message Novi sent.
#[derive(Debug, Clone, PartialEq)]
pub struct InStatus {
    pub provider_id: String,
    pub status: String,
    pub error_code: Option<i64>,
    pub error: Option<String>,
}

/// A webhook's whole content, with the raw body it came in.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub business_id: i64,
    pub provider: &'static str,
    pub raw: String,
    pub messages: Vec<InMessage>,
    pub statuses: Vec<InStatus>,
    /// Messages the shop sent from its own phone (linked provider): kept as staff replies,
    /// never answered.
    pub from_phone: Vec<InMessage>,
}

#[cfg(test)]
impl Inbound {
    /// A Cloud API webhook carrying one text from Asha at `phone`, with provider id `id`.
    pub(crate) fn text(business_id: i64, phone: &str, id: &str, text: &str) -> Self {
        let message = InMessage {
            phone: phone.into(),
            name: "Asha".into(),
            provider_id: id.into(),
            kind: "text".into(),
            text: text.into(),
            data: serde_json::json!({}),
            timestamp: crate::db::now(),
            group_id: None,
        };
        Self {
            business_id,
            provider: "cloud",
            raw: "{}".into(),
            messages: vec![message],
            statuses: Vec::new(),
            from_phone: Vec::new(),
        }
    }
}

/// How far along a delivery status is; a status only ever moves to a higher rank, and
/// `failed` is final.
pub fn status_rank(status: &str) -> Option<u8> {
    match status {
        "queued" => Some(0),
        "sent" => Some(1),
        "delivered" => Some(2),
        "read" => Some(3),
        "failed" => Some(4),
        _ => None,
    }
}
