//! Reading the crate's events as Novi's: a customer's 1:1 message becomes an `InMessage` for the
//! conversation (its kind and text read by `content`), a group member's post one with its group
//! (mapped to sales, delivery or admin as a gateway's are), one the shop sent from its own phone
//! a staff reply, and a receipt the delivery statuses that move the ticks.

use serde_json::json;
use whatsapp_rust::wacore::types::events::Receipt;
use whatsapp_rust::wacore::types::presence::ReceiptType;
use whatsapp_rust::wacore_binary::jid::JidExt;
use whatsapp_rust::Jid;

use super::content;
use super::seam::InboundMessage;
use crate::whatsapp::inbound::{InMessage, InStatus, Inbound};

/// The provider name messages from a linked phone are stored under.
pub const PROVIDER: &str = "linked";

/// The digits of a phone-number address, if it is one.
fn pn(jid: &Jid) -> Option<String> {
    (jid.is_pn() && !jid.user.is_empty()).then(|| jid.user.to_string())
}

/// Who the chat is with, as digits: the phone-number address where WhatsApp gave one (newer
/// chats are addressed by a hidden id, with the number beside it).
fn counterpart(m: &InboundMessage) -> Option<String> {
    let s = &m.info.source;
    if s.is_from_me {
        pn(&s.chat).or_else(|| s.recipient_alt.as_ref().and_then(pn))
    } else {
        pn(&s.sender)
            .or_else(|| s.sender_alt.as_ref().and_then(pn))
            .or_else(|| pn(&s.chat))
            // A chat WhatsApp addresses only by its hidden id is filed under that id rather
            // than dropped (replies to such chats are not verified).
            .or_else(|| (!s.chat.user.is_empty()).then(|| s.chat.user.to_string()))
    }
}

/// Who posted in a group, as digits where WhatsApp gave the number (else the hidden id).
fn member(m: &InboundMessage) -> Option<String> {
    let s = &m.info.source;
    pn(&s.sender)
        .or_else(|| s.sender_alt.as_ref().and_then(pn))
        .or_else(|| (!s.sender.user.is_empty()).then(|| s.sender.user.to_string()))
}

/// A message to store: who it is with and what it says. `None` for what Novi does not take
/// from a linked phone (status updates, channels, the shop's own group posts, numbers it
/// cannot tell).
fn message(m: &InboundMessage) -> Option<InMessage> {
    let s = &m.info.source;
    if s.chat.is_status_broadcast() || s.chat.is_newsletter() {
        return None;
    }
    let group = s.is_group || s.chat.is_group();
    // The shop's own posts in a group are not staff orders to take, as through a gateway.
    if group && s.is_from_me {
        return None;
    }
    let phone = if group { member(m)? } else { counterpart(m)? };
    let content = content::read(&m.message);
    let mut data = content.data;
    data["chat"] = json!(s.chat.to_string());
    // Stanza ids are unique only within a chat: a customer's message is known by both. The
    // shop's own messages keep the bare id, as receipts name them.
    let provider_id = if s.is_from_me {
        m.info.id.clone()
    } else {
        format!("{}:{}", s.chat.user, m.info.id)
    };
    Some(InMessage {
        phone,
        name: if s.is_from_me {
            String::new()
        } else {
            m.info.push_name.clone()
        },
        provider_id,
        kind: content.kind.to_owned(),
        text: content.text,
        data,
        timestamp: m.info.timestamp.timestamp(),
        // The group's chat id (`<digits>@g.us`), as a gateway names it and Settings maps it.
        group_id: group.then(|| s.chat.to_string()),
    })
}

/// A batch of inbound messages as one `Inbound`: customers' messages to answer, and what the
/// shop sent from its phone, to keep as staff replies.
pub fn batch(business_id: i64, batch: &[InboundMessage]) -> Inbound {
    let mut inbound = empty(
        business_id,
        serde_json::to_string(batch).unwrap_or_default(),
    );
    for m in batch {
        if let Some(read) = message(m) {
            if m.info.source.is_from_me {
                inbound.from_phone.push(read);
            } else {
                inbound.messages.push(read);
            }
        }
    }
    inbound
}

/// A receipt as delivery statuses of the messages it names. Receipts for what others sent
/// (the shop reading a customer's message on the phone) move nothing.
pub fn receipt(business_id: i64, r: &Receipt) -> Inbound {
    let raw = json!({"ids": r.message_ids, "type": format!("{:?}", r.r#type)}).to_string();
    let mut inbound = empty(business_id, raw);
    let status = match r.r#type {
        ReceiptType::Delivered => "delivered",
        ReceiptType::Read | ReceiptType::Played => "read",
        ReceiptType::Sent => "sent",
        _ => return inbound,
    };
    if r.source.is_from_me {
        return inbound;
    }
    inbound.statuses = r
        .message_ids
        .iter()
        .map(|id| InStatus {
            provider_id: id.clone(),
            status: status.to_owned(),
            error_code: None,
            error: None,
        })
        .collect();
    inbound
}

fn empty(business_id: i64, raw: String) -> Inbound {
    Inbound {
        business_id,
        provider: PROVIDER,
        raw,
        messages: Vec::new(),
        statuses: Vec::new(),
        from_phone: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use whatsapp_rust::wacore::proto_helpers::MessageBuilderExt;
    use whatsapp_rust::wacore::types::message::{MessageInfo, MessageSource};
    use whatsapp_rust::waproto::whatsapp as wa;

    use super::*;

    fn msg(source: MessageSource, id: &str, text: &str) -> InboundMessage {
        let info = MessageInfo {
            source,
            id: id.into(),
            push_name: "Asha".into(),
            ..MessageInfo::default()
        };
        InboundMessage::builder()
            .message(Arc::new(wa::Message::text(text)))
            .info(Arc::new(info))
            .build()
    }

    #[test]
    fn customers_and_the_shops_own_phone_are_told_apart() {
        let asha = Jid::pn("919812345678");
        let from_asha = MessageSource {
            chat: asha.clone(),
            sender: asha.clone(),
            ..MessageSource::default()
        };
        let from_phone = MessageSource {
            chat: asha.clone(),
            sender: Jid::pn("919800000001"),
            is_from_me: true,
            ..MessageSource::default()
        };
        let group = MessageSource {
            chat: Jid::new("120363", whatsapp_rust::Server::Group),
            sender: asha,
            is_group: true,
            ..MessageSource::default()
        };
        let b = batch(
            1,
            &[
                msg(from_asha, "A1", "2 kg jalebi"),
                msg(from_phone, "P1", "ready!"),
                msg(group, "G1", "in a group"),
            ],
        );
        assert_eq!(b.messages.len(), 2, "the customer and the group post");
        let post = &b.messages[1];
        assert_eq!(
            (post.phone.as_str(), post.group_id.as_deref()),
            ("919812345678", Some("120363@g.us"))
        );
        let m = &b.messages[0];
        assert_eq!(
            (
                m.phone.as_str(),
                m.provider_id.as_str(),
                m.text.as_str(),
                m.name.as_str()
            ),
            ("919812345678", "919812345678:A1", "2 kg jalebi", "Asha")
        );
        assert_eq!(b.from_phone.len(), 1);
        assert_eq!(
            (
                b.from_phone[0].phone.as_str(),
                b.from_phone[0].provider_id.as_str()
            ),
            ("919812345678", "P1")
        );
    }
}
